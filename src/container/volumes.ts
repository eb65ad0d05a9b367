/**
 * The volumes a new container mounts (`-v name:/x`, `--mount type=volume`, `-v /x` and the image's
 * VOLUMEs): found or created in the volume store, filled from the image's content at their target
 * when new (docker's copy-up, unless `nocopy`), and mounted where their backing needs it.
 */
import {join} from 'node:path'
import type {Mount} from '../containerd/index.ts'
import {containersUsingVolume, copyUpIfEmpty, createVolume, getVolume, prepareVolumeMount, removeVolume} from '../volume/index.ts'
import type {Volume, VolumeScope} from '../volume/index.ts'
import type {MountPoint} from './model.ts'
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

export async function resolveVolumes(scope: VolumeScope, wanted: VolumeMount[], rootfs: Mount[]): Promise<ResolvedVolumes> {
  const resolved: ResolvedVolumes = {paths: {}, points: [], anonymous: []}
  const fill: {volume: Volume; target: string}[] = []
  const layers = rootfsLayers(rootfs)
  try {
    for (const mount of wanted) {
      let volume = mount.name === undefined ? undefined : await getVolume(scope, mount.name)
      if (!volume) {
        volume = await createVolume(scope, {
          ...(mount.name === undefined ? {} : {name: mount.name}),
          ...(mount.labels ? {labels: mount.labels} : {}),
          ...(mount.driverOptions ? {options: mount.driverOptions} : {}),
        })
        if (mount.name === undefined) resolved.anonymous.push(volume.Name)
      }
      const source = await prepareVolumeMount(scope, volume)
      if (!mount.noCopy && (await existsInLayers(layers, mount.target))) fill.push({volume, target: mount.target})
      resolved.paths[mount.target] = source
      resolved.points.push({Type: 'volume', Name: volume.Name, Source: source, Destination: mount.target, Driver: volume.Driver, Mode: mount.readonly ? 'ro' : 'z', RW: !mount.readonly, Propagation: ''})
    }
    if (fill.length > 0) {
      await withMountedRootfs(rootfs, [], async (root) => {
        for (const {volume, target} of fill) await copyUpIfEmpty(scope, volume, join(root, target))
      })
    }
  } catch (error) {
    await removeAnonymousVolumes(scope, resolved.anonymous)
    throw error
  }
  return resolved
}

/** Removes a container's anonymous volumes (`rm -v`, `--rm`), leaving any another container still uses. */
export async function removeAnonymousVolumes(scope: VolumeScope, names: readonly string[]): Promise<void> {
  for (const name of names) {
    await removeVolume(scope, name, {force: true, inUseBy: (volume) => containersUsingVolume(scope, volume)}).catch(() => undefined)
  }
}
