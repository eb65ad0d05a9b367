/**
 * Paths in a directory tree that someone else may be changing meanwhile (a running container's
 * root), walked so that what it does can never lead nerd out of the tree (CVE-2018-15664): every
 * directory on the way is held open, each name is looked up in the one before it without following a
 * symbolic link, and a link met is read and resolved by nerd inside the root, never by the kernel.
 * What is made, read or changed at the end is named relative to its held parent directory
 * (`/proc/<nerd>/fd/<fd>/<name>`), with calls that do not follow a link there either. A link swapped
 * in between makes an operation fail or act on the link itself, inside the tree. Node has no openat,
 * hence the descriptors' paths in /proc; nerd runs as root, which may read its own.
 */
import type {Stats} from 'node:fs'
import {closeSync, constants, fstatSync, lstatSync, mkdirSync, openSync} from 'node:fs'
import {fsPath, readLinkName} from '../byte-names.ts'
import {NerdError} from '../errors.ts'

const {O_RDONLY, O_DIRECTORY, O_NOFOLLOW} = constants
/** Linux's O_PATH (the same value on x86-64 and arm64), which Node's constants leave out. */
export const O_PATH = 0o10000000
/** As many links as Linux follows in one path. */
const MAX_LINKS = 40

/**
 * The path of `name` in the directory held open as `fd` (its bytes when the name is no UTF-8:
 * byte-names.ts), or of what `fd` is open on (a child process can use it too).
 */
export function fdPath(fd: number): string
export function fdPath(fd: number, name: string): string | Buffer
export function fdPath(fd: number, name?: string): string | Buffer {
  const directory = `/proc/${process.pid}/fd/${fd}`
  return name === undefined ? directory : fsPath(`${directory}/${name}`)
}

/** Why a walk fails, in Go's words for the errno (syscall.Errno's text), as docker's messages carry them. */
export const WALK_FAILURE_TEXTS = {ENOENT: 'no such file or directory', ENOTDIR: 'not a directory', ELOOP: 'too many levels of symbolic links'} as const

/**
 * Why a path cannot be walked: a directory on the way is missing or no directory, or links loop;
 * `path` names the part that failed as the root sees it, `rest` what was left to walk below it.
 */
export class WalkError extends NerdError {
  readonly code: keyof typeof WALK_FAILURE_TEXTS
  readonly path: string
  readonly rest: readonly string[]

  constructor(code: keyof typeof WALK_FAILURE_TEXTS, path: string, rest: readonly string[] = []) {
    super(code === 'ELOOP' ? `${WALK_FAILURE_TEXTS.ELOOP} in ${path}` : `${WALK_FAILURE_TEXTS[code]}: ${path}`)
    this.code = code
    this.path = path
    this.rest = rest
  }
}

/** A symbolic link met above the end of a path walked with `refuseLinks`, at `path` (as the root sees it). */
export class LinkAboveError extends NerdError {
  readonly path: string

  constructor(path: string) {
    super(`symbolic link at ${path}`)
    this.path = path
  }
}

/** A path's components without empty ones and `.`. */
export function pathParts(path: string): string[] {
  return path.split('/').filter((part) => part !== '' && part !== '.')
}

/** `parts` as an absolute path. */
export function rootedPath(parts: readonly string[]): string {
  return `/${parts.join('/')}`
}

/** lstat of `name` in the directory `fd`; undefined when there is none. */
export function lstatAt(fd: number, name: string): Stats | undefined {
  return lstatSync(fdPath(fd, name), {throwIfNoEntry: false})
}

/** Opens the directory `name` in `fd` (`.`: `fd`'s own) without following a link; fails with ENOTDIR for anything else. */
export function openDirectoryAt(fd: number, name: string): number {
  return openSync(fdPath(fd, name), O_RDONLY | O_DIRECTORY | O_NOFOLLOW)
}

/** Opens a tree's root directory (following the path there: it is the caller's, e.g. /proc/<pid>/root). */
export function openRoot(path: string): number {
  return openSync(fsPath(path), O_RDONLY | O_DIRECTORY)
}

/**
 * `action` with a descriptor open on `name` in `fd` itself, never what it may link to (O_PATH: it
 * opens neither FIFOs nor devices), and its lstat. Metadata set through `fdPath` of it reaches that
 * entry and no other: the way to chmod a name, which has no call that leaves links alone.
 */
export function withEntry<T>(fd: number, name: string, action: (entry: number, info: Stats) => T): T {
  const entry = openSync(fdPath(fd, name), O_PATH | O_NOFOLLOW)
  try {
    return action(entry, fstatSync(entry))
  } finally {
    closeSync(entry)
  }
}

/** Where a walk ended: the directory held open as `parent` (the caller closes it) and the last name in it (`.`: the directory itself). */
export interface Located {
  parent: number
  name: string
  /** The path resolved, as the root sees it, without links. */
  parts: string[]
}

export interface WalkOptions {
  /** Resolve a symbolic link at the end too. */
  followLast?: boolean
  /** Make the directories missing above the end (0755, as docker's untar makes them). */
  makeParents?: boolean
  /** Fail with LinkAboveError on a symbolic link above the end instead of resolving it. */
  refuseLinks?: boolean
  /** The path names a directory to hold: its last part is walked as those above it, and the walk ends in it (name `.`). */
  toDirectory?: boolean
}

/**
 * Walks `path` from the directory `root` (held open) as if `root` were `/`: `..` stops at it, a
 * link's absolute target starts again from it. Nothing it passes can lead out of it, whatever is
 * renamed or replaced meanwhile.
 */
export function walkInRoot(root: number, path: string | readonly string[], options: WalkOptions = {}): Located {
  let pending = pathParts(typeof path === 'string' ? path : path.join('/'))
  const resolved: string[] = []
  // held[i]: the directory resolved[0..i], open.
  const held: number[] = []
  const current = (): number => held.at(-1) ?? root
  let links = 0
  const countLink = (): void => {
    if (++links > MAX_LINKS) throw new WalkError('ELOOP', typeof path === 'string' ? path : rootedPath(path))
  }
  try {
    while (pending.length > 0) {
      const part = pending.shift()!
      if (part === '..') {
        if (resolved.pop() !== undefined) closeSync(held.pop()!)
        continue
      }
      const last = pending.length === 0 && !options.toDirectory
      let info: Stats | undefined
      try {
        info = lstatAt(current(), part)
      } catch (error) {
        // Go's words, with the path the root sees rather than nerd's descriptor's.
        if ((error as NodeJS.ErrnoException).code === 'ENAMETOOLONG') throw new NerdError(`lstat ${rootedPath([...resolved, part])}: file name too long`)
        throw error
      }
      if (info?.isSymbolicLink() && (!last || options.followLast)) {
        if (!last && options.refuseLinks) throw new LinkAboveError(rootedPath([...resolved, part]))
        countLink()
        let target: string
        try {
          target = readLinkName(fdPath(current(), part))
        } catch {
          // Replaced meanwhile: look again.
          pending.unshift(part)
          continue
        }
        if (target.startsWith('/')) {
          for (const fd of held.splice(0)) closeSync(fd)
          resolved.length = 0
        }
        pending = [...pathParts(target), ...pending]
        continue
      }
      if (last) {
        const parent = held.pop() ?? openDirectoryAt(root, '.')
        return {parent, name: part, parts: [...resolved, part]}
      }
      if (!info && options.makeParents) {
        try {
          mkdirSync(fdPath(current(), part), 0o755)
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
        }
      } else if (!info) {
        throw new WalkError('ENOENT', rootedPath([...resolved, part]), pending)
      } else if (!info.isDirectory()) {
        throw new WalkError('ENOTDIR', rootedPath([...resolved, part]))
      }
      let fd: number
      try {
        fd = openDirectoryAt(current(), part)
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code
        if (code !== 'ENOTDIR' && code !== 'ELOOP' && code !== 'ENOENT') throw error
        // Replaced meanwhile (by a link, say): look again.
        countLink()
        pending.unshift(part)
        continue
      }
      held.push(fd)
      resolved.push(part)
    }
    // The path ends at a directory (the root, or after `..`).
    const directory = held.pop() ?? openDirectoryAt(root, '.')
    return {parent: directory, name: '.', parts: resolved}
  } finally {
    for (const fd of held) closeSync(fd)
  }
}

/** Opens the directory at `path` in `root`, links resolved inside it: its descriptor (the caller closes it) and its path without links. */
export function openDirectoryInRoot(root: number, path: string | readonly string[]): {fd: number; parts: string[]} {
  const {parent, parts} = walkInRoot(root, path, {toDirectory: true})
  return {fd: parent, parts}
}

/**
 * A failed call on a descriptor's path (`/proc/<nerd>/fd/…`), or on a descriptor (a read, a
 * write), told in Go's words with the path `path` as the root sees it: `open /x: read-only file
 * system`.
 */
export function inTreeTerms(error: unknown, path: string): unknown {
  const failure = error as NodeJS.ErrnoException
  if (!(error instanceof Error) || typeof failure.syscall !== 'string') return error
  if (failure.path !== undefined && !failure.message.includes(`/proc/${process.pid}/fd/`)) return error
  const reason = /^[A-Z0-9]+: ([^,]*)/.exec(failure.message)?.[1] ?? failure.message
  return new NerdError(`${failure.syscall} ${path}: ${reason}`, {cause: error})
}
