/**
 * The data root's own safety, settled once per process at its first use (context.ts getConfig), as
 * docker's daemon settles its root at start: nerd (usually root) writes and removes files below it by
 * names it builds, so neither the root nor its top-level directories may be open to another user,
 * who could plant a link there (`names/<namespace>` -> /etc) to have root write or unlink anywhere;
 * and the state below holds containers' environments (`-e PASSWORD=…`), so nobody else reads it.
 * A few stat calls: the checks cost no more on `run` than they must.
 */
import {chmodSync, lstatSync, mkdirSync, realpathSync, statSync} from 'node:fs'
import type {Stats} from 'node:fs'
import {dirname, join, resolve} from 'node:path'
import {NerdError} from './errors.ts'
import {fileFailure} from './files.ts'

/** The directories nerd makes directly under the data root. */
const TOP_LEVEL = ['names', 'containers', 'volumes', 'networks', 'cache', 'fifo']

/** The mode a data root gets: its owner's alone, as /var/lib/nerd has been (docker's is 0711 only for user-namespace remapping, which nerd has not). */
const DATA_ROOT_MODE = 0o700

/**
 * Makes the data root (mode 0700) if it is missing, narrows an existing one of the running user to
 * 0700 and its group-writable top-level directories to no group write, and refuses (NerdError) a
 * root or top-level directory that another user owns (root aside) or anybody could write to, or a
 * link another user owns.
 */
export function secureDataRoot(root: string, uid: number = process.geteuid?.() ?? 0): void {
  refuseUntrustedAncestors(root, uid)
  const found = entry(root)
  if (found === undefined) {
    makeDataRoot(root, uid)
    return
  }
  const info = trusted(root, found, uid, 'data root')
  if (info === undefined) return
  if (info.uid === uid && (info.mode & 0o777) !== DATA_ROOT_MODE) chmodSync(root, DATA_ROOT_MODE)
  for (const name of TOP_LEVEL) {
    const path = join(root, name)
    let child: Stats | undefined
    try {
      child = entry(path)
    } catch (error) {
      // A user who cannot look inside cannot use it either: the command says so.
      if ((error as NodeJS.ErrnoException).code === 'EACCES') return
      throw error
    }
    if (child !== undefined) trusted(path, child, uid, 'data root directory')
  }
}

/**
 * Makes the data root and its missing parents (mode 0700) one mkdir at a time, as Go's MkdirAll:
 * Node's recursive mkdir retries forever where the kernel will never make a directory whose parent
 * is there (`/proc/nope`: ENOENT). A path nerd cannot make is refused on one line (`mkdir /proc/nope:
 * no such file or directory`), as dockerd refuses to start on it; one a user other than root may
 * not make is left to the command's own write to report, as it always was (root is refused only
 * what cannot be: `/sys/nope`, EPERM).
 */
function makeDataRoot(root: string, uid: number): void {
  const missing: string[] = []
  for (let path = resolve(root); entry(path) === undefined; path = dirname(path)) missing.unshift(path)
  try {
    for (const path of missing) {
      try {
        mkdirSync(path, {mode: DATA_ROOT_MODE})
      } catch (error) {
        // Made meanwhile by another nerd: as good as made here.
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw fileFailure('mkdir', path, error)
      }
    }
    // The umask may have narrowed the mode, never widened it; make it exact.
    chmodSync(root, DATA_ROOT_MODE)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (uid !== 0 && (code === 'EACCES' || code === 'EPERM')) return
    throw new NerdError((error as Error).message, {cause: error})
  }
}

/**
 * Refuses (NerdError) a directory whose content nerd runs or trusts as root (CNI configurations,
 * which name the programs to run and where to write; CNI plugins) when another user owns it (root
 * aside) or others may write to it. Left as it is; false for a missing one, the caller's to handle.
 */
export function refuseUntrustedDirectory(path: string, what: string, uid: number = process.geteuid?.() ?? 0): boolean {
  const found = entry(path)
  if (found !== undefined) trusted(path, found, uid, what, refuseOpen)
  return found !== undefined
}

/**
 * Refuses (NerdError) a program nerd runs as root (a CNI plugin) that another user owns (root
 * aside) or that others may write to, or a link to one. False for a missing one.
 */
export function refuseUntrustedProgram(path: string, what: string, uid: number = process.geteuid?.() ?? 0): boolean {
  const found = entry(path)
  if (found !== undefined) trusted(path, found, uid, what, refuseWritableFile)
  return found !== undefined
}

/**
 * The directories above the data root, as given and with links resolved: another user's link or
 * directory there, or one anybody may write to without the sticky bit, could swap what the data root
 * is (a link of theirs to a directory of root's, which nerd would then chmod and fill).
 */
function refuseUntrustedAncestors(root: string, uid: number): void {
  const given = resolve(root)
  let real: string | undefined
  try {
    real = realpathSync(given)
  } catch {
    // Not there yet: the path as given is what mkdir follows.
  }
  for (const path of new Set([given, ...(real ? [real] : [])])) {
    for (let ancestor = dirname(path); ; ancestor = dirname(ancestor)) {
      const info = entry(ancestor)
      if (info !== undefined) {
        refuseForeign(ancestor, info, uid, 'data root parent')
        if (!info.isSymbolicLink() && (info.mode & 0o002) !== 0 && (info.mode & 0o1000) === 0) {
          throw new NerdError(`refusing to use data root ${root}: its parent ${ancestor} is writable by other users (mode ${modeText(info)})`)
        }
      }
      if (ancestor === dirname(ancestor)) break
    }
  }
}

/** What is at `path`, not followed; undefined for nothing, also where a file on the way leaves no room for it (ENOTDIR). */
function entry(path: string): Stats | undefined {
  try {
    return lstatSync(path, {throwIfNoEntry: false})
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined
    throw error
  }
}

/**
 * What `path` (lstat'ed as `found`) is, links followed, once it is known to be safe: owned by the
 * running user or root, and passed by `checkOpen` (written by no one else, or narrowed so). Undefined
 * for a link to nothing, left to the command.
 */
function trusted(path: string, found: Stats, uid: number, what: string, checkOpen: (path: string, info: Stats, what: string, uid: number) => Stats = narrowOrRefuseOpen): Stats | undefined {
  refuseForeign(path, found, uid, what)
  if (!found.isSymbolicLink()) return checkOpen(path, found, what, uid)
  const target = statSync(path, {throwIfNoEntry: false})
  if (target === undefined) return undefined
  refuseForeign(path, target, uid, what)
  return checkOpen(path, target, what, uid)
}

/**
 * A directory of the running user's that its group may write to (what an older nerd made under umask
 * 002) is narrowed, as docker's daemon sets its root's mode rather than refuse it. One anybody may
 * write to, or another's, is refused: who knows what was planted in it.
 */
function narrowOrRefuseOpen(path: string, info: Stats, what: string, uid: number): Stats {
  if (info.isDirectory() && (info.mode & 0o022) === 0o020 && info.uid === uid) {
    chmodSync(path, info.mode & 0o7757)
    return statSync(path)
  }
  return refuseOpen(path, info, what)
}

function refuseForeign(path: string, info: Stats, uid: number, what: string): void {
  if (info.uid === uid || info.uid === 0) return
  const kind = info.isSymbolicLink() ? 'a symbolic link owned by' : 'owned by'
  throw new NerdError(`refusing to use ${what} ${path}: it is ${kind} user ${info.uid}, neither root nor the user running nerd (${uid})`)
}

function refuseOpen(path: string, info: Stats, what: string): Stats {
  if (!info.isDirectory()) throw new NerdError(`refusing to use ${what} ${path}: it is not a directory`)
  return refuseWritable(path, info, what)
}

function refuseWritableFile(path: string, info: Stats, what: string): Stats {
  if (!info.isFile()) throw new NerdError(`refusing to use ${what} ${path}: it is not a regular file`)
  return refuseWritable(path, info, what)
}

function refuseWritable(path: string, info: Stats, what: string): Stats {
  if ((info.mode & 0o022) !== 0) {
    throw new NerdError(`refusing to use ${what} ${path}: it is writable by other users (mode ${modeText(info)})`)
  }
  return info
}

/** A file's mode bits as ls's octal: `1777`. */
function modeText(info: Stats): string {
  return (info.mode & 0o7777).toString(8).padStart(4, '0')
}
