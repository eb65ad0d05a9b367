/**
 * docker's init layer (moby daemon/initlayer): what every container sees over its image, the
 * mount points of what the runtime mounts and binds there (`/proc`, `/sys`, `/dev/pts`, `/dev/shm`,
 * `/dev/console`, the /etc files nerd binds), `/.dockerenv`, which scripts test for, and
 * `/etc/mtab -> /proc/mounts`. As in docker's containerd image store, it is a committed snapshot on
 * the image's layers, and the container's snapshot is prepared on it, so that a container's own
 * layer (diff, commit, its size) holds none of it while its view (export, cp) has it all.
 *
 * docker makes one per container (`<id>-init`); nerd makes one per image, `nerd-init/<chain ID>`
 * (per snapshotter and namespace, as snapshots are), the first time a container of the image is
 * created, under that create's lease, and its containers share it: making it costs a run tens of
 * milliseconds (a mount, and containerd writes its database twice), which only the image's first pays. The
 * image's config blob refers to it (a `containerd.io/gc.ref.snapshot.<snapshotter>/nerd-init`
 * label), as it refers to the image's layers, so that it outlives the image's last container: the
 * garbage collection takes it with the image (once no container has it under its own snapshot).
 */
import {execFile} from 'node:child_process'
import {randomBytes} from 'node:crypto'
import {chmod, lchown, lstat, mkdir, open, symlink, unlink} from 'node:fs/promises'
import {join} from 'node:path'
import {promisify} from 'node:util'
import type {ContainerdClient, Mount} from '../containerd/index.ts'
import {isAlreadyExists, isNotFound} from '../containerd/index.ts'
import {LABEL_GC_REF_SNAPSHOT} from '../image/manifest.ts'
import {addBlobLabels} from '../image/store.ts'
import {pathParts} from './cp-root.ts'
import {lookupInLayers, rootfsLayers, statInLayers, USER_FILES} from './rootfs-files.ts'
import {SBIN_PATH, withMountedRootfs} from './rootfs-mount.ts'

const run = promisify(execFile)

/** What docker's init layer puts at each of its paths (moby daemon/initlayer/setup_unix.go). */
const INIT_LAYER: readonly {path: string; kind: 'directory' | 'file' | {link: string}}[] = [
  {path: '/dev/pts', kind: 'directory'},
  {path: '/dev/shm', kind: 'directory'},
  {path: '/proc', kind: 'directory'},
  {path: '/sys', kind: 'directory'},
  {path: '/.dockerenv', kind: 'file'},
  {path: '/etc/resolv.conf', kind: 'file'},
  {path: '/etc/hosts', kind: 'file'},
  {path: '/etc/hostname', kind: 'file'},
  {path: '/dev/console', kind: 'file'},
  {path: '/etc/mtab', kind: {link: '/proc/mounts'}},
]

/** The name of the init snapshot of the image whose top layer's chain ID is `chainId`. */
export function initSnapshotName(chainId: string): string {
  return `${INIT_SNAPSHOT_PREFIX}${chainId}`
}

/** Whether the snapshot `name` is an image's init snapshot (initSnapshotName). */
export function isInitSnapshotName(name: string): boolean {
  return name.startsWith(INIT_SNAPSHOT_PREFIX)
}

const INIT_SNAPSHOT_PREFIX = 'nerd-init/'

/** The image whose init snapshot a container's snapshot is prepared on. */
export interface InitSnapshotImage {
  /** The chain ID of its top layer. */
  chainId: string
  /** Its config blob's digest. */
  config: string
}

/**
 * Prepares the container's snapshot `key` on its image's init snapshot, made first when it was not
 * there (`initPresent`), or when the garbage collection took it since it was found (the image
 * whose config refers to it, another with the same layers, removed meanwhile). `client` carries
 * the create's lease, which keeps an init snapshot it makes until the container's snapshot is its child.
 */
export async function prepareOnInitSnapshot(client: ContainerdClient, input: {snapshotter: string; key: string; image: InitSnapshotImage; initPresent: boolean}): Promise<Mount[]> {
  const {snapshotter, key, image} = input
  const prepare = () => client.snapshots.prepare({snapshotter, key, parent: initSnapshotName(image.chainId), labels: {}})
  if (!input.initPresent) await makeInitSnapshot(client, snapshotter, image)
  try {
    return await prepare()
  } catch (error) {
    if (!isNotFound(error)) throw error
    await makeInitSnapshot(client, snapshotter, image)
    return prepare()
  }
}

/**
 * Makes the init snapshot on the image's layers and has the image's config refer to it. Each maker
 * fills a snapshot of its own: of two first creates of an image, the second to commit finds the
 * first's init snapshot there and uses it.
 */
async function makeInitSnapshot(client: ContainerdClient, snapshotter: string, image: InitSnapshotImage): Promise<void> {
  const name = initSnapshotName(image.chainId)
  const key = `${name}/prepare-${randomBytes(6).toString('hex')}`
  const mounts = await client.snapshots.prepare({snapshotter, key, parent: image.chainId, labels: {}})
  try {
    // On a mount of it, as docker's prepareInitLayer writes it: the kernel's overlay shows what the
    // layers make (a directory an upper layer made opaque hides the lower ones', which only its
    // extended attribute says, one Node cannot read) and copies up what is written under it.
    const whiteouts = await withMountedRootfs(mounts, [], async (root) => {
      await placeInitLayer(root)
      return copyUpUserFiles(root, rootfsLayers(mounts))
    })
    // Once unmounted: overlayfs's upper directory is not to be changed under its mount.
    await placeWhiteouts(mounts, whiteouts)
    await client.snapshots.commit({snapshotter, name, key, labels: {}})
  } catch (error) {
    await client.snapshots.remove(snapshotter, key).catch(() => undefined)
    if (!isAlreadyExists(error)) throw error
  }
  await addBlobLabels(client, image.config, {[`${LABEL_GC_REF_SNAPSHOT}.${snapshotter}/nerd-init`]: name})
}

/**
 * Has the init layer hold what the kernel shows of the files nerd reads from unmounted layers
 * (USER_FILES), as they appear at `root`, where the layers are mounted, so that such a read finds
 * what the container sees: a directory an image layer made opaque hides what the layers below hold
 * there, which only an extended attribute says. Each path the kernel's lookup of a file passes
 * (directories, links, the file) is copied up into the init layer, above the image's, by giving it
 * its own owner (overlayfs copies an entry up to change it; the container sees it unchanged). A path
 * the lookup ended on that the mount does not show and the layers do is to be whited out: returned.
 */
async function copyUpUserFiles(root: string, layers: string[]): Promise<string[]> {
  // Both lookups pass the same paths (/etc): each is copied up, or whited out, once.
  const trail: string[] = []
  for (const file of USER_FILES) await lookupInLayers([root], file, {followLast: true, trail})
  const whiteouts: string[] = []
  for (const path of new Set(trail)) {
    const stats = await lstat(join(root, path)).catch(() => undefined)
    if (stats) await lchown(join(root, path), stats.uid, stats.gid)
    else if (await statInLayers(layers, path)) whiteouts.push(path)
  }
  return whiteouts
}

/**
 * Writes overlayfs's whiteouts (character devices 0:0, which Node cannot make) at `paths` of the
 * upper directory of `mounts`: the parent of each is there, copied up on the way to it.
 */
async function placeWhiteouts(mounts: Mount[], paths: string[]): Promise<void> {
  const [upper] = rootfsLayers(mounts)
  for (const path of paths) await run('mknod', [join(upper!, path), 'c', '0', '0'], {env: SBIN_PATH})
}

/**
 * Writes the init layer into the filesystem mounted at `root`, as docker's Setup does: along each
 * path, what is not a directory there (a file, a link, nothing) is replaced, never followed, by a
 * directory (the path's entry itself by what it is), owned by root, mode 0755; a directory stays,
 * the path's entry too. So an image's link never leads a write out of the snapshot (an `/etc`
 * linked elsewhere becomes a directory, as in docker).
 */
export async function placeInitLayer(root: string): Promise<void> {
  for (const {path, kind} of INIT_LAYER) {
    const parts = pathParts(path)
    for (let depth = 1; depth <= parts.length; depth++) {
      // Its parents were found directories, or made ones: lstat follows no link of the image.
      const here = join(root, ...parts.slice(0, depth))
      const entry = depth === parts.length ? kind : 'directory'
      if ((await lstat(here).catch(() => undefined))?.isDirectory()) continue
      await unlink(here).catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? undefined : Promise.reject(error)))
      if (typeof entry === 'object') {
        await symlink(entry.link, here)
        continue
      }
      if (entry === 'directory') await mkdir(here)
      else await (await open(here, 'wx')).close()
      await lchown(here, 0, 0)
      await chmod(here, 0o755)
    }
  }
}
