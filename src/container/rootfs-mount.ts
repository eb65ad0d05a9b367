/**
 * A snapshot's root filesystem mounted on a temporary directory, for work that needs it as one tree
 * (cp into a stopped container, the image content a new volume is filled from). The mount point is
 * one level down in a directory of mkdtemp's (0700, root's): mounted, the point itself takes the
 * root's mode (0755), and the shared temporary directory would let every local user read the
 * container's files and write into its world-writable directories.
 */
import {execFile, spawnSync} from 'node:child_process'
import {rmdirSync} from 'node:fs'
import {mkdir, readFile, realpath, rmdir} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join, relative} from 'node:path'
import {promisify} from 'node:util'
import type {Mount} from '../containerd/index.ts'
import {NerdError} from '../errors.ts'
import {mountPoints} from '../mountinfo.ts'
import {makeOwnedDir, orphanedDirs} from '../owner.ts'

const run = promisify(execFile)
export const SBIN_PATH = {PATH: '/usr/sbin:/usr/bin:/sbin:/bin'}
/** The private directory's name: this prefix, its nerd (owner.ts), a random part. */
const ROOTFS_PREFIX = 'nerd-rootfs-'
/** The mount point in the private directory. */
const MOUNT_POINT = 'root'
/** The most of mount(2)'s options the kernel reads: one page, its final NUL included. */
const MOUNT_OPTIONS_MAX = 4095

/** More to mount on top of the root filesystem: a host path bound at a path the callback finds in the root. */
export interface ExtraBind {
  source: string
  target: (root: string) => Promise<string>
}

/**
 * Runs `action` with `mounts` (containerd's, for one snapshot) mounted, and `binds` bound inside;
 * unmounts after, however `action` ends. Should nerd exit meanwhile (an error nothing caught, work
 * that never settles), the mounts go at its exit all the same: a container's upper directory left
 * mounted here would be mounted twice once the container starts.
 */
export async function withMountedRootfs<T>(mounts: Mount[], binds: ExtraBind[], action: (root: string) => Promise<T>): Promise<T> {
  const directory = await makeOwnedDir(tmpdir(), ROOTFS_PREFIX)
  const root = join(directory, MOUNT_POINT)
  const orphans = removeOrphanedRootfsMounts()
  const mounted: string[] = []
  const unmountAtExit = (): void => {
    for (const target of mounted) spawnSync('umount', ['-l', target], {env: SBIN_PATH})
    try {
      rmdirSync(root)
      rmdirSync(directory)
    } catch {
      // left for a look: never removed with what may still be mounted on it
    }
  }
  process.once('exit', unmountAtExit)
  try {
    await mkdir(root, {mode: 0o700})
    for (const layer of mounts) {
      await mountSnapshotPart(layer, root, 'the root filesystem')
      mounted.unshift(root)
    }
    for (const bind of binds) {
      const target = await bind.target(root)
      await mkdir(target, {recursive: true}).catch(() => undefined)
      await mount(['--bind', bind.source, target], bind.source)
      mounted.unshift(target)
    }
    return await action(root)
  } finally {
    process.off('exit', unmountAtExit)
    for (const target of mounted) await run('umount', ['-l', target], {env: SBIN_PATH}).catch(() => undefined)
    // Not recursive: were the root still mounted, that would delete the container's files.
    await rmdir(root).catch(() => undefined)
    await rmdir(directory).catch(() => undefined)
    await orphans
  }
}

/** Mounts one of containerd's mounts of a snapshot (`what`) on `target`, a long lowerdir too. */
export async function mountSnapshotPart(part: Mount, target: string, what: string): Promise<void> {
  const {options, cwd} = compactMountOptions(part.options)
  await mount([...(part.type === 'bind' ? [] : ['-t', part.type]), '-o', options, part.source, target], what, cwd)
}

/** Runs mount(8) with `args` (in `cwd`); its failure is one line naming `what` was mounted and why not. */
async function mount(args: string[], what: string, cwd?: string): Promise<void> {
  try {
    await run('mount', args, {env: SBIN_PATH, ...(cwd ? {cwd} : {})})
  } catch (error) {
    // mount(8) says `mount: <mount point>: <reason>.`, then where to look further: the reason is what helps.
    const said = String((error as {stderr?: unknown}).stderr ?? '').split('\n')[0]!.trim()
    const reason = said.replace(/^mount: [^:]*: /, '').replace(/\.$/, '') || (error as Error).message.split('\n')[0]!
    throw new NerdError(`cannot mount ${what}: ${reason}`, {cause: error})
  }
}

/**
 * mount(2)'s options as one string, and the directory mount(8) runs in. An overlay's lowerdir names
 * every layer of the image, and past a page the kernel cuts the whole string (containerd's paths: 45
 * layers or so, where docker allows 125): the layers are then named relative to their common parent,
 * the directory mount runs in, as containerd's own mount code does.
 */
export function compactMountOptions(options: string[]): {options: string; cwd?: string} {
  const joined = options.join(',')
  const lower = options.findIndex((option) => option.startsWith('lowerdir='))
  if (joined.length <= MOUNT_OPTIONS_MAX || lower === -1) return {options: joined}
  const layers = options[lower]!.slice('lowerdir='.length).split(':')
  const parent = commonParent(layers)
  if (parent === undefined) return {options: joined}
  const compacted = options.with(lower, `lowerdir=${layers.map((layer) => relative(parent, layer)).join(':')}`)
  return {options: compacted.join(','), cwd: parent}
}

/** The deepest directory that holds every one of the absolute `paths`. */
function commonParent(paths: string[]): string | undefined {
  if (!paths.every((path) => path.startsWith('/'))) return undefined
  const split = paths.map((path) => path.split('/').slice(0, -1))
  const first = split[0]!
  let depth = 0
  while (depth < first.length && split.every((parts) => parts[depth] === first[depth])) depth++
  return first.slice(0, depth).join('/') || '/'
}

/**
 * Unmounts and removes the roots that a nerd killed meanwhile (SIGKILL) left mounted in this
 * temporary directory. A root is found by its private directory's name, which names its nerd
 * (owner.ts), and only there, as nerd's own directory: a volume, a namespace or a data root may be
 * named as one, and what is mounted in it is someone's. One of a nerd still running is left alone.
 */
export async function removeOrphanedRootfsMounts(): Promise<void> {
  try {
    const points = mountPoints(await readFile('/proc/self/mountinfo', 'utf8'))
    // As the kernel names mount points: through no link.
    for (const directory of await orphanedDirs(await realpath(tmpdir()), ROOTFS_PREFIX)) {
      // The binds inside the root first.
      for (const target of points.filter((point) => point === directory || point.startsWith(`${directory}/`)).reverse()) {
        await run('umount', ['-l', target], {env: SBIN_PATH}).catch(() => undefined)
      }
      await rmdir(join(directory, MOUNT_POINT)).catch(() => undefined)
      await rmdir(directory).catch(() => undefined)
    }
  } catch {
    // Left for the next sweep: what the caller does comes first.
  }
}
