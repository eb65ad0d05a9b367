/**
 * docker 28's `--mount type=image`: a local image's filesystem, read-only, at a target. As docker's
 * containerd image store does, the image's unpacked layers (its chain ID, unpacked first when they
 * are not there for the snapshotter) carry a snapshot of the container's own, here a View, the
 * spec mounting its layers directly: the layer bound when it is one, an overlay of them when they
 * are several; with `image-subpath`, that directory (or file) of the image, which must be there,
 * be reached through no symbolic link, and stay inside the image (docker's safepath). The views
 * are keyed by the container (`rm` removes them) and referred to by its containerd labels, so the
 * garbage collection keeps them, and the image's layers under them, while the container exists,
 * across stops, starts and containerd's restarts.
 */
import {lstat} from 'node:fs/promises'
import {join, posix} from 'node:path'
import type {ContainerdClient} from '../containerd/index.ts'
import {isNotFound} from '../containerd/index.ts'
import {NerdError} from '../errors.ts'
import {LABEL_GC_REF_SNAPSHOT} from '../image/manifest.ts'
import {pathParts, rootedPath, WALK_FAILURE_TEXTS} from './cp-root.ts'
import type {MountPoint} from './model.ts'
import {entryInLayers, rootfsLayers} from './rootfs-files.ts'
import type {LayerEntry} from './rootfs-files.ts'
import type {ImageMount, Mount} from './spec/index.ts'

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
 * create's lease until the container's labels refer to them). On failure, none stays.
 */
export async function makeImageMounts(
  client: ContainerdClient,
  input: {snapshotter: string; container: string; mounts: {mount: ImageMount; image: MountedImage}[]},
): Promise<ImageMounts> {
  const {snapshotter, container} = input
  const made: ImageMounts = {mounts: {}, points: [], labels: {}}
  try {
    for (const [index, {mount, image}] of input.mounts.entries()) {
      const key = viewKey(container, index)
      const layers = rootfsLayers(await client.snapshots.view({snapshotter, key, parent: image.chainId, labels: {}}))
      made.labels[`${LABEL_GC_REF_SNAPSHOT}.${snapshotter}/${key}`] = key
      const {source, specMount} = await mountOfLayers(layers, mount.subpath ?? '')
      made.mounts[mount.target] = specMount
      made.points.push({Type: 'image', Name: mount.source, Source: source, Destination: mount.target, Mode: '', RW: false, Propagation: 'rprivate', ImageId: image.id})
    }
  } catch (error) {
    await removeImageMounts(client, snapshotter, container).catch(() => undefined)
    throw error
  }
  return made
}

/**
 * The spec mount of `subpath` of the filesystem the layers (top first) make: a read-only bind of its
 * topmost entry when only one layer has it (or it is a file), else a read-only overlay of the
 * layers' directories there. `source` is the image's root on the host, as docker's Mounts show it
 * (none for an overlay, which is only mounted in the container).
 */
async function mountOfLayers(layers: string[], subpath: string): Promise<{source: string; specMount: Omit<Mount, 'destination'>}> {
  const source = layers.length === 1 ? layers[0]! : ''
  const parts = pathParts(posix.normalize(subpath))
  const [top] = layers
  // The root: every layer's.
  let found: LayerEntry & {layers: string[]} = {path: top!, stats: await lstat(top!), layers}
  for (const [index] of parts.entries()) {
    const failure = (code: keyof typeof WALK_FAILURE_TEXTS) => new NerdError(`cannot access path ${join(source || top!, subpath)}: ${WALK_FAILURE_TEXTS[code]}`)
    if (!found.stats.isDirectory()) throw failure('ENOTDIR')
    const next = await entryInLayers(found.layers, rootedPath(parts.slice(0, index + 1)))
    if (!next) throw failure('ENOENT')
    if (next.stats.isSymbolicLink()) throw failure('ELOOP')
    found = next
  }
  if (!found.stats.isDirectory() || found.layers.length === 1) {
    return {source, specMount: {type: 'bind', source: found.path, options: ['rbind', 'ro', 'rprivate']}}
  }
  const relative = parts.join('/')
  const lower = found.layers.map((layer) => join(layer, relative))
  return {source, specMount: {type: 'overlay', source: 'overlay', options: [`lowerdir=${lower.join(':')}`, 'ro']}}
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
