/**
 * The volumes a new container mounts (`-v name:/x`, `--mount type=volume`, `-v /x` and the image's
 * VOLUMEs): planned before anything is made (found in the volume store, or to be made there, and
 * where containers bind each), so that a create its settings fail makes none, as docker's daemon
 * checks them first; then made and filled from the image's content at their target when new
 * (docker's copy-up, unless `nocopy`). A volume with a filesystem of its own (tmpfs, nfs, a bind of a host directory, …) has it
 * mounted while a container runs with it, as docker's local driver counts mounts, and for a copy-up.
 */
import {closeSync} from 'node:fs'
import type {ContainerdClient, Mount} from '../containerd/index.ts'
import {InvalidFileError, NerdError} from '../errors.ts'
import {writeJsonAtomic} from '../files.ts'
import {
  ANONYMOUS_LABEL,
  anonymousVolumeName,
  checkLocalOptions,
  checkVolumeDriver,
  containersUsingVolume,
  copyUpIfEmpty,
  createVolumeIfMissing,
  getClaimedVolume,
  getVolume,
  releaseVolume,
  removeVolume,
  volumeMountpoint,
  withVolumesMounted,
} from '../volume/index.ts'
import type {Volume, VolumeCreateRequest, VolumeScope} from '../volume/index.ts'
import type {ContainerRecord, MountPoint} from './model.ts'
import {containerPaths} from './store.ts'
import type {ContainerPaths} from './store.ts'
import {stageVolumeSubpaths, subpathStagingPath, unstageVolumeSubpaths} from './volume-subpaths.ts'
import {fdPath, openDirectoryInRoot, openRoot, WalkError} from './cp-root.ts'
import {existsInLayers, lookupInLayers, rootfsLayers} from './rootfs-files.ts'
import {withMountedRootfs} from './rootfs-mount.ts'
import {isConfigVolume} from './spec/index.ts'
import type {VolumeMount} from './spec/index.ts'

/** One volume of a create's plan: the volume when it exists, else what makes it. */
interface PlannedVolume {
  mount: VolumeMount
  existing?: Volume
  request: VolumeCreateRequest & {name: string}
}

export interface VolumePlan {
  /** Target in the container → host path to bind there. */
  paths: Record<string, string>
  /** How inspect shows them. */
  points: MountPoint[]
  /** Names of the anonymous volumes the create makes (`rm -v` removes them). */
  anonymous: string[]
  volumes: PlannedVolume[]
}

/**
 * The volumes the create of the container `container` (its id) mounts, as they are or would be made;
 * nothing is made. Claimed first in the container's state directory, so that a volume rm or prune
 * racing the create does not take one between its lookup and the record that names it. A driver or
 * options docker's store refuses are refused here (a driver for an existing volume too, as docker's).
 */
export async function planVolumes(scope: VolumeScope, container: string, wanted: VolumeMount[]): Promise<VolumePlan> {
  const plan: VolumePlan = {paths: {}, points: [], anonymous: [], volumes: []}
  // Claimed before any is looked up: from here a volume rm or prune counts this create as a user (volume/in-use.ts).
  const names = wanted.map((mount) => mount.name ?? anonymousVolumeName())
  if (names.length > 0) await writeJsonAtomic(containerPaths(scope.dataRoot, scope.namespace, container).volumeClaims, names)
  for (const [index, mount] of wanted.entries()) {
    const name = names[index]!
    checkVolumeDriver(name, mount.driver)
    const existing = mount.name === undefined ? undefined : await getClaimedVolume(scope, name)
    const request = {
      name,
      ...(mount.name === undefined ? {labels: {...mount.labels, [ANONYMOUS_LABEL]: ''}} : mount.labels ? {labels: mount.labels} : {}),
      ...(mount.driverOptions ? {options: mount.driverOptions} : {}),
    }
    if (!existing) checkLocalOptions(name, request.options ?? {})
    if (mount.name === undefined) plan.anonymous.push(name)
    // Containers bind the volume's Mountpoint, where a filesystem of its own (a bind-backed one's device too) is mounted.
    const source = volumeMountpoint(scope, name)
    plan.volumes.push({mount, ...(existing ? {existing} : {}), request})
    plan.paths[mount.target] = mount.subpath === undefined ? source : subpathStagingPath(containerPaths(scope.dataRoot, scope.namespace, container), mount.target)
    plan.points.push({
      Type: 'volume', Name: name, Source: source, Destination: mount.target, Driver: 'local', Mode: mount.mode ?? '', RW: !mount.readonly, Propagation: '',
      ...(mount.subpath === undefined ? {} : {Subpath: mount.subpath}),
    })
  }
  return plan
}

/**
 * Makes the planned volumes that do not exist and copies the image's content (in the snapshot
 * `rootfs`) into the new or empty ones. Answers the names of those it made, which the create removes
 * when it fails later; when this fails, it removes them itself. An image's VOLUME (or `-v /path`)
 * over a file of the image is refused first, as docker's daemon refuses it before it makes the volume.
 */
export async function makeVolumes(scope: VolumeScope, container: string, plan: VolumePlan, rootfs: Mount[]): Promise<string[]> {
  const made: string[] = []
  const fill: {volume: Volume; mount: VolumeMount}[] = []
  const layers = rootfsLayers(rootfs)
  for (const {mount} of plan.volumes) {
    if (!isConfigVolume(mount)) continue
    // Links followed inside the image, as docker's GetResourcePath and os.Stat follow them.
    const there = await lookupInLayers(layers, mount.target, {followLast: true})
    if (there && !there.stats.isDirectory()) throw new NerdError(`cannot mount volume over existing file, file exists ${there.path}`)
  }
  try {
    for (const {mount, existing, request} of plan.volumes) {
      let volume = existing
      if (!volume) {
        const outcome = await createVolumeIfMissing(scope, request)
        volume = outcome.volume
        if (outcome.created) made.push(volume.Name)
      }
      if (!mount.noCopy && (await existsInLayers(layers, mount.target))) fill.push({volume, mount})
    }
    if (fill.length > 0) {
      await withMountedRootfs(rootfs, [], async (root) => {
        for (const {volume, mount} of fill) await copyUpFromRoot(scope, volume, root, mount)
      })
    }
  } catch (error) {
    await removeUnsharedVolumes(scope, made, container)
    throw error
  }
  return made
}

/**
 * Copies the directory at `target` of the container's view into the volume, as docker copies it:
 * the image's content with the init layer's entries there (init-layer.ts; so a read-only volume on
 * `/etc` has the mount points of the files nerd binds over it). `target` is resolved inside the
 * mounted rootfs `root` as the container sees it: an image's link (`x -> /etc`, `../../..`) must
 * not make nerd copy a directory of the host (docker resolves it in the container's scope too).
 */
async function copyUpFromRoot(scope: VolumeScope, volume: Volume, root: string, {target, subpath}: VolumeMount): Promise<void> {
  const rootFd = openRoot(root)
  try {
    let directory: number
    try {
      directory = openDirectoryInRoot(rootFd, target).fd
    } catch (error) {
      // Not a directory there: nothing to copy.
      if (error instanceof WalkError) return
      throw error
    }
    try {
      await copyUpIfEmpty(scope, volume, fdPath(directory), {shownAs: target, subpath})
    } finally {
      closeSync(directory)
    }
  } finally {
    closeSync(rootFd)
  }
}

/**
 * Removes these volumes of the container `owner` (its anonymous ones at `rm -v` and `--rm`, those
 * its create made when that fails), leaving any another container uses, asked under the volume's
 * lock: the owner's own use (its record, or its create's claim) does not count. Answers the names
 * removed. One that fails stays, said nowhere, as docker's daemon only logs it.
 */
export async function removeUnsharedVolumes(scope: VolumeScope, names: readonly string[], owner: string): Promise<string[]> {
  const inUseBy = async (volume: string) => (await containersUsingVolume(scope, volume)).filter((id) => id !== owner)
  const removed: string[] = []
  for (const name of names) {
    if (await removeVolume(scope, name, {force: true, inUseBy}).catch(() => false)) removed.push(name)
  }
  return removed
}

/**
 * The volumes the container mounts that still exist. With `skipUnreadable`, those whose record can be
 * used: a stop or removal releases what it can, where a start must fail for the one it cannot mount.
 */
async function volumesOf(scope: VolumeScope, record: ContainerRecord, options: {skipUnreadable?: boolean} = {}): Promise<Volume[]> {
  const names = record.Mounts.flatMap((point) => (point.Type === 'volume' && point.Name ? [point.Name] : []))
  const volumes = await Promise.all(
    names.map((name) => getVolume(scope, name).catch((error: unknown) => (options.skipUnreadable && error instanceof InvalidFileError ? undefined : Promise.reject(error)))),
  )
  return volumes.filter((volume) => volume !== undefined)
}

/**
 * Runs `use` (the creation of the container's task, or a use of its stopped root) with its volumes'
 * filesystems mounted, and their `volume-subpath`s and its image mounts staged (with `client`) as
 * docker's start checks and binds them.
 * Both stay when `use` succeeds (until the task is gone: releaseContainerVolumes, unstageVolumeSubpaths).
 */
export async function withContainerVolumesMounted<T>(
  scope: VolumeScope,
  client: ContainerdClient,
  {record, paths}: {record: ContainerRecord; paths: ContainerPaths},
  use: () => Promise<T>,
): Promise<T> {
  return withVolumesMounted(scope, await volumesOf(scope, record), async () => {
    await stageVolumeSubpaths(client, paths, record)
    try {
      return await use()
    } catch (error) {
      await unstageVolumeSubpaths(paths).catch(() => undefined)
      throw error
    }
  })
}

/**
 * The container's task is gone: the filesystems of its volumes are unmounted unless another
 * container's task (created, running or paused) still has them, as docker unmounts at a stop. Asked
 * again at each stop, so one left mounted by a crash goes when another user stops, or at `volume rm`.
 */
export async function releaseContainerVolumes(scope: VolumeScope, client: ContainerdClient, record: ContainerRecord): Promise<void> {
  for (const volume of await volumesOf(scope, record, {skipUnreadable: true})) {
    await releaseVolume(scope, volume, async () => {
      const others = (await containersUsingVolume(scope, volume.Name)).filter((id) => id !== record.Id)
      if (others.length === 0) return false
      const live = new Set((await client.tasks.list()).filter((task) => task.status !== 'STOPPED').map((task) => task.containerId || task.id))
      return others.some((id) => live.has(id))
    })
  }
}
