/**
 * What volumes do on the host: mounting a volume's filesystem on its `_data` (mount(8), as
 * docker's local driver mounts with its options), measuring and filling a directory.
 */
import {execFile} from 'node:child_process'
import {closeSync, constants, fstatSync, openSync} from 'node:fs'
import {chmod, lstat, mkdir, opendir, readdir, readFile, realpath, rename, stat} from 'node:fs/promises'
import {join, posix} from 'node:path'
import {promisify} from 'node:util'
import {fdPath, O_PATH, pathParts, WALK_FAILURE_TEXTS} from '../container/cp-root.ts'
import {NerdError} from '../errors.ts'
import {mountPoints} from '../mountinfo.ts'

const run = promisify(execFile)
const SYSTEM_PATH = {PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'}

export async function isMountPoint(path: string): Promise<boolean> {
  const real = await realpath(path)
  return mountPoints(await readFile('/proc/self/mountinfo', 'utf8')).includes(real)
}

function commandFailure(error: unknown): string {
  const {stderr, message} = error as {stderr?: string; message: string}
  return (stderr?.trim() || message).split('\n')[0]!
}

/**
 * `mount -t type [-o options] device target`; throws with docker's words for a failed mount(2)
 * (moby/sys/mount's `mount DEVICE:TARGET, flags: 0x…, data: …: REASON`), see mountFailure.
 */
export async function mountFilesystem(type: string, device: string, options: string, target: string): Promise<void> {
  try {
    await run('mount', ['-t', type, ...(options === '' ? [] : ['-o', options]), device, target], {env: SYSTEM_PATH})
  } catch (error) {
    throw new Error(mountFailure(device, target, options, commandFailure(error)), {cause: error})
  }
}

/** moby/sys/mount's flag options (`defaults` is none: it goes to the data), the bits each sets or clears. */
const MOUNT_FLAGS: Readonly<Record<string, {flag: number; clear?: true}>> = {
  ro: {flag: 0x1}, rw: {flag: 0x1, clear: true}, suid: {flag: 0x2, clear: true}, nosuid: {flag: 0x2}, dev: {flag: 0x4, clear: true},
  nodev: {flag: 0x4}, exec: {flag: 0x8, clear: true}, noexec: {flag: 0x8}, sync: {flag: 0x10}, async: {flag: 0x10, clear: true},
  remount: {flag: 0x20}, mand: {flag: 0x40}, nomand: {flag: 0x40, clear: true}, dirsync: {flag: 0x80}, atime: {flag: 0x400, clear: true},
  noatime: {flag: 0x400}, diratime: {flag: 0x800, clear: true}, nodiratime: {flag: 0x800}, bind: {flag: 0x1000}, rbind: {flag: 0x5000},
  unbindable: {flag: 0x20000}, runbindable: {flag: 0x24000}, private: {flag: 0x40000}, rprivate: {flag: 0x44000}, slave: {flag: 0x80000},
  rslave: {flag: 0x84000}, shared: {flag: 0x100000}, rshared: {flag: 0x104000}, relatime: {flag: 0x200000}, norelatime: {flag: 0x200000, clear: true},
  strictatime: {flag: 0x1000000}, nostrictatime: {flag: 0x1000000, clear: true},
}
/** The propagation bits, which docker's first mount(2) leaves out (a second call sets them). */
const PROPAGATION_FLAGS = 0x20000 | 0x40000 | 0x80000 | 0x100000

/**
 * What mount(8) says of a failed mount(2) (util-linux's words, its first line without `mount: TARGET: `),
 * as Go's syscall.Errno says the errno; what names none is kept as said.
 */
const MOUNT_REASONS: readonly [RegExp, string][] = [
  [/bad option|bad superblock/, 'invalid argument'],
  [/unknown filesystem type/, 'no such device'],
  [/is not a valid block device/, 'no such device or address'],
  [/is not a block device/, 'block device required'],
  [/is not a directory/, 'not a directory'],
  [/does not exist|symbolic link to nowhere/, 'no such file or directory'],
  [/already mounted|mount point is busy/, 'device or resource busy'],
  [/can't read superblock/, 'input/output error'],
  [/permission denied|must be superuser|permitted for root only/, 'operation not permitted'],
  [/mount table full/, 'too many open files'],
  [/no medium found/, 'no medium found'],
]

/** docker's error for a mount of `device` on `target` with fstab `options` that mount(8) refused saying `said`. */
export function mountFailure(device: string, target: string, options: string, said: string): string {
  let flags = 0
  const data: string[] = []
  for (const option of options.split(',')) {
    const known = MOUNT_FLAGS[option]
    if (!known) data.push(option)
    else if (known.clear) flags &= ~known.flag
    else flags |= known.flag
  }
  const text = said.replace(/^mount: [^:]*: /, '').replace(/\.$/, '')
  const syscall = /system call failed: (.+)/.exec(text)?.[1]
  const reason = syscall ? syscall[0]!.toLowerCase() + syscall.slice(1) : (MOUNT_REASONS.find(([pattern]) => pattern.test(text))?.[1] ?? text)
  const oflags = flags & ~PROPAGATION_FLAGS
  const shownData = data.join(',')
  return `mount ${device === '' ? target : `${device}:${target}`}${oflags === 0 ? '' : `, flags: 0x${oflags.toString(16)}`}${shownData === '' ? '' : `, data: ${shownData}`}: ${reason}`
}

/**
 * Binds what this process's descriptor `opened` has open (O_PATH too) onto `target`: by the
 * descriptor, so a link put in place of its path meanwhile is not what gets bound.
 */
export async function bindOpenedPath(opened: number, target: string): Promise<void> {
  const source = fdPath(opened)
  try {
    // mount(8) would otherwise resolve the descriptor's link to the path it shows, and bind by that.
    await run('mount', ['--no-canonicalize', '--bind', source, target], {env: SYSTEM_PATH})
  } catch (error) {
    throw new Error(mountFailure(source, target, 'bind', commandFailure(error)), {cause: error})
  }
}

/** Detaches the filesystem at `target` (lazily, as docker does: a process still in it keeps its view). */
export async function unmountFilesystem(target: string): Promise<void> {
  try {
    await run('umount', ['-l', target], {env: SYSTEM_PATH})
  } catch (error) {
    if (await isMountPoint(target)) throw new Error(commandFailure(error), {cause: error})
  }
}

/**
 * Bytes in the files under `root` as docker counts a volume's size: regular files, links and
 * devices by their size, a file with several hard links once, directories not at all. Memory stays
 * small however many files there are: directories are read a few entries at a time, and only
 * inodes with more than one link are remembered.
 */
export async function directorySize(root: string): Promise<number> {
  const linked = new Set<string>()
  let size = 0
  const walk = async (dir: string): Promise<void> => {
    let entries
    try {
      entries = await opendir(dir, {bufferSize: 1024})
    } catch (error) {
      // Removed meanwhile: nothing to count.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return
      throw error
    }
    for await (const entry of entries) {
      const path = join(dir, entry.name)
      if (entry.isDirectory()) {
        await walk(path)
        continue
      }
      const stats = await lstat(path, {bigint: true}).catch(() => undefined)
      if (!stats || stats.size === 0n) continue
      if (stats.nlink > 1n) {
        const inode = `${stats.dev}:${stats.ino}`
        if (linked.has(inode)) continue
        linked.add(inode)
      }
      size += Number(stats.size)
    }
  }
  await walk(root)
  return size
}

/**
 * Deletes the directory tree at `path` (missing is no error) with rm(1), whose memory does not grow
 * with the number of files (Node's recursive rm took 800 MB for 300,000); a file system mounted
 * inside is not entered.
 */
export async function removeTree(path: string): Promise<void> {
  try {
    await run('rm', ['-rf', '--one-file-system', '--', path], {env: SYSTEM_PATH, maxBuffer: 16 * 1024 * 1024})
  } catch (error) {
    throw new Error(commandFailure(error), {cause: error})
  }
}

/**
 * Copies what `source` holds into `target`, and `source`'s own mode and owner onto `target`: modes,
 * owners, times, symlinks, hard links, special files and extended attributes kept (`cp -a`).
 * cp writes through a link it finds where it writes, and a container sharing `target` can put one
 * there at any moment: with a `staging` path (a directory to make, on `target`'s mount, that no
 * container sees) the copy is made there, and each entry then renamed into `target`, as rename(2)
 * never follows a link. An entry of a name already in `target` means it is no longer empty: what
 * is left is not copied, as docker copies nothing into a volume with content.
 */
export async function copyDirectoryContents(source: string, target: string, staging?: string): Promise<void> {
  if (staging === undefined) await cpArchive(source, target)
  else {
    await removeTree(staging)
    await mkdir(staging, {mode: 0o700})
    try {
      await cpArchive(source, staging)
      for (const name of await readdir(staging)) {
        if (await lstat(join(target, name)).then(() => true, () => false)) return
        await rename(join(staging, name), join(target, name))
      }
      // Emptied, staging has only its own mode, owner, times and attributes left to give.
      await cpArchive(staging, target)
    } finally {
      await removeTree(staging)
    }
  }
  // cp leaves the special bits an existing directory had (a tmpfs root's sticky bit); docker's copy sets exactly the source's.
  await chmod(target, (await stat(source)).mode & 0o7777)
}

/** `cp -a` of what `source` holds, and of itself, onto the directory `target`. */
async function cpArchive(source: string, target: string): Promise<void> {
  try {
    await run('cp', ['-a', '--', `${source}/.`, target], {env: SYSTEM_PATH, maxBuffer: 16 * 1024 * 1024})
  } catch (error) {
    throw new Error(commandFailure(error), {cause: error})
  }
}

/** docker's refusal of a volume's or an image's subpath it cannot reach: the walk's words for `code`, else `otherwise`. */
export function subpathAccessFailure(path: string, code: string, otherwise: string): NerdError {
  return new NerdError(`cannot access path ${path}: ${(WALK_FAILURE_TEXTS as Readonly<Record<string, string>>)[code] ?? otherwise}`)
}

/**
 * Opens (O_PATH; the caller closes it) what the `volume-subpath` `subpath` names in the volume's
 * content directory `base`, as docker's safepath.Join (openat2 RESOLVE_BENEATH and
 * RESOLVE_NO_SYMLINKS): no link on the way nor at the end, so that one a container put in its volume
 * never leads a bind or a copy-up out of it. Fails with docker's `cannot access path …`.
 */
export function openVolumeSubpath(base: string, subpath: string): number {
  const failure = (code: string) => subpathAccessFailure(join(base, subpath), code, code)
  let fd = openSync(base, O_PATH | constants.O_DIRECTORY)
  try {
    for (const part of pathParts(posix.normalize(subpath))) {
      let next: number
      try {
        next = openSync(fdPath(fd, part), O_PATH | constants.O_NOFOLLOW)
      } catch (error) {
        throw failure((error as NodeJS.ErrnoException).code ?? '')
      }
      closeSync(fd)
      fd = next
      if (fstatSync(fd).isSymbolicLink()) throw failure('ELOOP')
    }
    return fd
  } catch (error) {
    closeSync(fd)
    throw error
  }
}
