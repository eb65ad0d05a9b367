/**
 * What volumes do on the host: mounting a volume's filesystem on its `_data` (mount(8), as
 * docker's local driver mounts with its options), measuring and filling a directory.
 */
import {execFile} from 'node:child_process'
import {chmod, lstat, opendir, readFile, realpath, stat} from 'node:fs/promises'
import {join} from 'node:path'
import {promisify} from 'node:util'
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

/** `mount -t type [-o options] device target`; throws with mount's own reason. */
export async function mountFilesystem(type: string, device: string, options: string, target: string): Promise<void> {
  try {
    await run('mount', ['-t', type, ...(options === '' ? [] : ['-o', options]), device, target], {env: SYSTEM_PATH})
  } catch (error) {
    throw new Error(commandFailure(error), {cause: error})
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
 */
export async function copyDirectoryContents(source: string, target: string): Promise<void> {
  try {
    await run('cp', ['-a', '--', `${source}/.`, target], {env: SYSTEM_PATH, maxBuffer: 16 * 1024 * 1024})
  } catch (error) {
    throw new Error(commandFailure(error), {cause: error})
  }
  // cp leaves the special bits an existing directory had (a tmpfs root's sticky bit); docker's copy sets exactly the source's.
  await chmod(target, (await stat(source)).mode & 0o7777)
}
