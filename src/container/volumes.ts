/**
 * The volumes a new container mounts (`-v name:/x`, `--mount type=volume`, `-v /x` and the image's
 * VOLUMEs): found or created in the volume store, filled from the image's content at their target
 * when new (docker's copy-up, unless `nocopy`), and mounted where their backing needs it: a volume
 * with a filesystem of its own (tmpfs, nfs, …) while a container runs with it, as docker's local
 * driver counts mounts.
 */
import {closeSync} from 'node:fs'
import type {ContainerdClient, Mount} from '../containerd/index.ts'
import {InvalidFileError} from '../errors.ts'
import {writeJsonAtomic} from '../files.ts'
import {
  ANONYMOUS_LABEL,
  anonymousVolumeName,
  containersUsingVolume,
  copyUpIfEmpty,
  createVolume,
  getClaimedVolume,
  getVolume,
  prepareVolumeMount,
  releaseVolume,
  removeVolume,
  withVolumesMounted,
} from '../volume/index.ts'
import type {Volume, VolumeScope} from '../volume/index.ts'
import type {ContainerRecord, MountPoint} from './model.ts'
import {containerPaths} from './store.ts'
import {fdPath, openDirectoryInRoot, openRoot, WalkError} from './cp-root.ts'
import {existsInLayers, rootfsLayers} from './rootfs-files.ts'
import {withMountedRootfs} from './rootfs-mount.ts'
import type {VolumeMount} from './spec/index.ts'

export interface ResolvedVolumes {
  /** Target in the container → host path to bind there. */
  paths: Record<string, string>
  /** How inspect shows them. */
  points: MountPoint[]
  /** Names of the anonymous volumes made for this container (`rm -v` removes them). */
  anonymous: string[]
}

/**
 * The volumes the create of the container `container` (its id) mounts, found or made, copied up.
 * Claimed first in the container's state directory, so that a volume rm or prune racing the create
 * does not take one between its resolution and the record that names it.
 */
export async function resolveVolumes(scope: VolumeScope, container: string, wanted: VolumeMount[], rootfs: Mount[]): Promise<ResolvedVolumes> {
  const resolved: ResolvedVolumes = {paths: {}, points: [], anonymous: []}
  const fill: {volume: Volume; target: string}[] = []
  const layers = rootfsLayers(rootfs)
  // Claimed before any is looked up: from here a volume rm or prune counts this create as a user (volume/in-use.ts).
  const names = wanted.map((mount) => mount.name ?? anonymousVolumeName())
  if (names.length > 0) await writeJsonAtomic(containerPaths(scope.dataRoot, scope.namespace, container).volumeClaims, names)
  try {
    for (const [index, mount] of wanted.entries()) {
      const name = names[index]!
      let volume = mount.name === undefined ? undefined : await getClaimedVolume(scope, name)
      if (!volume) {
        volume = await createVolume(scope, {
          name,
          labels: mount.name === undefined ? {...mount.labels, [ANONYMOUS_LABEL]: ''} : {...mount.labels},
          ...(mount.driverOptions ? {options: mount.driverOptions} : {}),
        })
        if (mount.name === undefined) resolved.anonymous.push(volume.Name)
      }
      const source = await prepareVolumeMount(scope, volume)
      if (!mount.noCopy && (await existsInLayers(layers, mount.target))) fill.push({volume, target: mount.target})
      resolved.paths[mount.target] = source
      resolved.points.push({Type: 'volume', Name: volume.Name, Source: source, Destination: mount.target, Driver: volume.Driver, Mode: mount.mode ?? '', RW: !mount.readonly, Propagation: ''})
    }
    if (fill.length > 0) {
      await withMountedRootfs(rootfs, [], async (root) => {
        for (const {volume, target} of fill) await copyUpFromRoot(scope, volume, root, target)
      })
    }
  } catch (error) {
    await removeAnonymousVolumes(scope, resolved.anonymous, container)
    throw error
  }
  return resolved
}

/**
 * Copies the image's directory at `target` into the volume, `target` resolved inside the mounted
 * rootfs `root` as the container sees it: an image's link (`x -> /etc`, `../../..`) must not make
 * nerd copy a directory of the host (docker resolves it in the container's scope too).
 */
async function copyUpFromRoot(scope: VolumeScope, volume: Volume, root: string, target: string): Promise<void> {
  const rootFd = openRoot(root)
  try {
    let directory: number
    try {
      directory = openDirectoryInRoot(rootFd, target).fd
    } catch (error) {
      if (error instanceof WalkError) return // not a directory in the image: nothing to copy
      throw error
    }
    try {
      await copyUpIfEmpty(scope, volume, fdPath(directory), target)
    } finally {
      closeSync(directory)
    }
  } finally {
    closeSync(rootFd)
  }
}

/**
 * Removes the anonymous volumes of the container `owner` (`rm -v`, `--rm`, a failed create), leaving
 * any another container still uses: the owner's own use (its record, or its create's claim) does not count.
 */
export async function removeAnonymousVolumes(scope: VolumeScope, names: readonly string[], owner: string): Promise<void> {
  const inUseBy = async (volume: string) => (await containersUsingVolume(scope, volume)).filter((id) => id !== owner)
  for (const name of names) {
    await removeVolume(scope, name, {force: true, inUseBy}).catch(() => undefined)
  }
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

/** Runs `use` (the creation of the container's task, or a use of its stopped root) with its volumes' filesystems mounted. */
export async function withContainerVolumesMounted<T>(scope: VolumeScope, record: ContainerRecord, use: () => Promise<T>): Promise<T> {
  return withVolumesMounted(scope, await volumesOf(scope, record), use)
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
