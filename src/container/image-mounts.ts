/**
 * docker 28's `--mount type=image`: a local image's filesystem, read-only, at a target. As docker's
 * containerd image store does, the image's unpacked layers (its chain ID, unpacked first when they
 * are not there for the snapshotter) carry a snapshot of the container's own, here a View, which
 * each start mounts whole and binds (its `image-subpath` only, which must be there, and to which
 * links lead only inside the image: docker's safepath) through the container's staging path
 * (volume-subpaths.ts). The views are keyed by the container (`rm` removes them) and referred to
 * by its containerd labels, so the garbage collection keeps them, and the image's layers under
 * them, while the container exists, across stops, starts and containerd's restarts.
 */
import {closeSync} from 'node:fs'
import type {ContainerdClient} from '../containerd/index.ts'
import {isNotFound} from '../containerd/index.ts'
import {LABEL_GC_REF_SNAPSHOT} from '../image/manifest.ts'
import type {MountPoint} from './model.ts'
import type {ImageMount, Mount} from './spec/index.ts'
import type {ContainerPaths} from './store.ts'
import {imageRootPath, openImageMount, subpathStagingPath, unstageVolumeSubpaths} from './volume-subpaths.ts'

const VIEW_PREFIX = 'nerd-image-mount/'

/** The key of the container's view of the image of its `index`th image mount. */
function viewKey(container: string, index: number): string {
  return `${VIEW_PREFIX}${container}/${index}`
}

/** The local image an image mount names, as the create resolved it (never pulled, as docker's daemon). */
export interface MountedImage {
  /** Its ID (`sha256:<config digest>`). */
  id: string
  /** The chain ID of its top layer, unpacked for the snapshotter. */
  chainId: string
}

export interface ImageMounts {
  /** The spec mount at each target, without its destination. */
  mounts: Record<string, Omit<Mount, 'destination'>>
  /** How inspect shows them. */
  points: MountPoint[]
  /** The container's containerd labels that keep the views from the garbage collection. */
  labels: Record<string, string>
}

/**
 * Makes the views of the container `container`'s image mounts with `client` (which carries the
 * create's lease until the container's labels refer to them), and checks each `image-subpath` as a
 * start will (docker's at its start: nerd's create fails instead). On failure, none stays.
 */
export async function makeImageMounts(
  client: ContainerdClient,
  input: {snapshotter: string; container: string; paths: ContainerPaths; mounts: {mount: ImageMount; image: MountedImage}[]},
): Promise<ImageMounts> {
  const {snapshotter, container, paths} = input
  const made: ImageMounts = {mounts: {}, points: [], labels: {}}
  try {
    for (const [index, {mount, image}] of input.mounts.entries()) {
      const key = viewKey(container, index)
      await client.snapshots.view({snapshotter, key, parent: image.chainId, labels: {}})
      made.labels[`${LABEL_GC_REF_SNAPSHOT}.${snapshotter}/${key}`] = key
      const point: MountPoint = {
        Type: 'image',
        Name: mount.source,
        Source: imageRootPath(paths, mount.target),
        Destination: mount.target,
        Mode: '',
        RW: false,
        Propagation: 'rprivate',
        ImageId: image.id,
        View: key,
        ...(mount.subpath ? {Subpath: mount.subpath} : {}),
      }
      if (point.Subpath) {
        try {
          closeSync(await openImageMount(client, snapshotter, paths, point))
        } finally {
          await unstageVolumeSubpaths(paths)
        }
      }
      made.mounts[mount.target] = {type: 'bind', source: subpathStagingPath(paths, mount.target), options: ['rbind', 'ro', 'rprivate']}
      made.points.push(point)
    }
  } catch (error) {
    await removeImageMounts(client, snapshotter, container).catch(() => undefined)
    throw error
  }
  return made
}

/** Removes the views of the container's image mounts (any container: a removal may have no record to ask). */
export async function removeImageMounts(client: ContainerdClient, snapshotter: string, container: string): Promise<void> {
  const prefix = `${VIEW_PREFIX}${container}/`
  for (let index = 0; ; index++) {
    const key = `${prefix}${index}`
    try {
      await client.snapshots.remove(snapshotter, key)
    } catch (error) {
      if (isNotFound(error)) return
      throw error
    }
  }
}
