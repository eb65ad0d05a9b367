/**
 * cp's and export's tar streams, as docker's: an archive keeps owners, modes, times, symbolic and
 * hard links, FIFOs and device nodes as they are (`-a` only matters when extracting), and extraction
 * writes link targets verbatim, absolute ones included (a relative one that climbs out of the
 * directory is refused, as docker's untar refuses it). Both walk the tree through held directories
 * (cp-root.ts), so a running container that swaps a directory for a link meanwhile cannot make them
 * read or write outside it. Extraction never climbs out of its directory with `..`; a link above an
 * entry is resolved inside the root, as docker's untar chrooted in the container resolves it (or,
 * on the host, refused). Nor does it replace a directory by a file or a file by a directory
 * (docker's NoOverwriteDirNonDir): a copy never deletes what it does not replace.
 */
import {execFileSync} from 'node:child_process'
import {randomBytes} from 'node:crypto'
import type {Stats} from 'node:fs'
import {
  chmodSync,
  closeSync,
  constants,
  fchmodSync,
  fchownSync,
  fstatSync,
  futimesSync,
  lchownSync,
  linkSync,
  lutimesSync,
  mkdirSync,
  openSync,
  readdirSync,
  readSync,
  renameSync,
  symlinkSync,
  unlinkSync,
  writeSync,
} from 'node:fs'
import {basename, dirname, posix} from 'node:path'
import {addAbortSignal, Readable} from 'node:stream'
import {setImmediate} from 'node:timers/promises'
import type {HeaderData} from 'tar'
import {absolutePath, decodeName, encodeName, fsPath, readLinkName} from '../byte-names.ts'
import {NerdError} from '../errors.ts'
import {readTar, TruncatedArchiveError} from '../image/archive/tar-reader.ts'
import type {TarEntry} from '../image/archive/tar-reader.ts'
import {tarEnd, tarPadding, ustarBlock} from '../image/archive/tar-writer.ts'
import {WHOLE_TREE} from './cp-mounts.ts'
import type {TreeView} from './cp-mounts.ts'
import {fdPath, inTreeTerms, LinkAboveError, lstatAt, openDirectoryAt, openRoot, pathParts, rootedPath, WalkError, walkInRoot, withEntry} from './cp-root.ts'
import type {Located} from './cp-root.ts'

const {O_RDONLY, O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW, O_NONBLOCK} = constants

/** The entry types extraction makes with mknod(1): Node has no mknod. */
const NODE_TYPES = {FIFO: 'p', CharacterDevice: 'c', BlockDevice: 'b'} as const
type NodeType = keyof typeof NODE_TYPES

function isNodeType(type: string | undefined): type is NodeType {
  return type !== undefined && Object.hasOwn(NODE_TYPES, type)
}

/** A tar entry's type for what lstat saw; undefined for a socket, which docker's archive leaves out. */
export function entryType(info: Stats): HeaderData['type'] | undefined {
  if (info.isFile()) return 'File'
  if (info.isDirectory()) return 'Directory'
  if (info.isSymbolicLink()) return 'SymbolicLink'
  if (info.isFIFO()) return 'FIFO'
  if (info.isCharacterDevice()) return 'CharacterDevice'
  if (info.isBlockDevice()) return 'BlockDevice'
  return undefined
}

/** glibc's major() and minor() of a device number. */
export function deviceNumbers(rdev: number): {devmaj: number; devmin: number} {
  const device = BigInt(rdev)
  return {
    devmaj: Number(((device >> 8n) & 0xfffn) | ((device >> 32n) & ~0xfffn)),
    devmin: Number((device & 0xffn) | ((device >> 12n) & ~0xffn)),
  }
}

/** A PAX record `key=value`, led by its length in bytes, which counts its own digits. */
function paxRecord(key: string, value: Buffer): Buffer {
  const rest = Buffer.concat([Buffer.from(` ${key}=`), value, Buffer.from('\n')])
  const digits = String(rest.length + String(rest.length).length).length
  return Buffer.concat([Buffer.from(String(rest.length + digits)), rest])
}

/**
 * The header block(s) of one entry as docker's archive writes it: mode with the setuid, setgid and
 * sticky bits, numeric owners without names, the time in whole seconds; a PAX header before it only
 * for what ustar cannot hold (no SCHILY.dev/ino/nlink records, which GNU tar warns about). Its
 * records hold names as their bytes, UTF-8 or not, as go-archive's do (the `tar` package's Pax
 * writes UTF-8 only).
 */
async function entryHeader(fields: HeaderData): Promise<Buffer> {
  const {Header} = await import('tar')
  const {block, needsPax} = ustarBlock({...fields, uname: '', gname: ''})
  if (!needsPax) return block
  const {path = '', linkpath, size, uid, gid, mtime} = fields
  const values = {path, gid, linkpath, mtime: mtime && mtime.getTime() / 1000, size, uid}
  const records = Object.entries(values).flatMap(([key, value]) => (value === undefined ? [] : [paxRecord(key, typeof value === 'string' ? encodeName(value) : Buffer.from(String(value)))]))
  const body = Buffer.concat(records)
  const extended = new Header({path: `PaxHeader/${basename(path)}`.slice(0, 99), type: 'ExtendedHeader', mode: 0o644, uid, gid, size: body.length, mtime, uname: '', gname: ''})
  extended.encode()
  return Buffer.concat([extended.block as Buffer, body, tarPadding(body.length), block])
}

/** Bytes read from a file at a time. */
const READ_BYTES = 1024 * 1024
/** Bytes read at a time from a file stat says is smaller than READ_BYTES. */
const SMALL_READ_BYTES = 64 * 1024
/** The most read of such a file: /proc's pagemap, say, says it is empty and never ends. */
const SMALL_FILE_MAX = 16 * READ_BYTES

/**
 * The content of the open file `fd`, which stat says is small, read to its end (or SMALL_FILE_MAX)
 * before its header is made, so that the header says what it holds: the files of /proc and /sys
 * say 0 or 4096 bytes whatever they hold, and a small file may grow while it is read.
 */
function smallFileContent(fd: number): Buffer {
  const chunks: Buffer[] = []
  let read = 0
  while (read < SMALL_FILE_MAX) {
    const chunk = Buffer.allocUnsafe(SMALL_READ_BYTES)
    const count = readSync(fd, chunk, 0, chunk.length, read)
    if (count === 0) break
    chunks.push(chunk.subarray(0, count))
    read += count
  }
  return Buffer.concat(chunks)
}

/** The open file `fd`'s body, `size` bytes (what it read then, zero-filled if the file shrank meanwhile), and its padding. */
function* fileBody(fd: number, size: number): Generator<Buffer> {
  let read = 0
  while (read < size) {
    const chunk = Buffer.allocUnsafe(Math.min(READ_BYTES, size - read))
    const count = readSync(fd, chunk, 0, chunk.length, read)
    if (count === 0) break
    read += count
    yield chunk.subarray(0, count)
  }
  if (read < size) yield Buffer.alloc(size - read)
  yield tarPadding(size)
}

/** Whether an error says an entry went away or changed kind between two looks at it (a running container's files). */
function vanished(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'ELOOP'
}

/** How a tree is walked for an archive: the files archived so far by identity (to archive hard links as such), and how much of each path to hold. */
interface TreeWalk {
  seen: Map<string, string>
  view: TreeView
}

/**
 * The entries of `name` in the directory `parent` (held open), named `archiveName` (a directory's
 * with `archiveName/` before its own), depth first as docker's walk goes; `archiveName` '' for a
 * directory's contents under their own names without an entry for the directory (export). `path`
 * is the entry's path in the tree, which its failures name and the walk's view is asked about. A
 * directory is read through a descriptor opened without following links, and a file's body from the
 * one its header was taken from. A file linked more than once is archived once, the later names as
 * hard links to the first. What vanishes or changes kind meanwhile is left out.
 */
async function* treeEntries(parent: number, name: string, archiveName: string, path: readonly string[], walk: TreeWalk, top: boolean): AsyncGenerator<Buffer> {
  const shown = walk.view(path)
  if (shown === 'none') return
  let info = lstatAt(parent, name)
  if (!info) {
    if (top) throw Object.assign(new Error(`no such file or directory: ${name}`), {code: 'ENOENT'})
    return
  }
  const type = entryType(info)
  if (!type) return
  let fd: number | undefined
  try {
    if (type === 'Directory' || type === 'File') {
      try {
        // Non-blocking: a FIFO swapped in meanwhile must not hang the copy.
        fd = type === 'Directory' ? openDirectoryAt(parent, name) : openSync(fdPath(parent, name), O_RDONLY | O_NOFOLLOW | O_NONBLOCK)
      } catch (error) {
        if (top || !vanished(error)) throw error
        return
      }
      info = fstatSync(fd)
      if (entryType(info) !== type) return
    }
    if (archiveName !== '') {
      const fields: HeaderData = {
        path: type === 'Directory' ? `${archiveName}/` : archiveName,
        type,
        mode: info.mode & 0o7777,
        uid: info.uid,
        gid: info.gid,
        size: 0,
        mtime: new Date(Math.floor(info.mtimeMs / 1000) * 1000),
      }
      let body: Iterable<Buffer> = []
      const identity = `${info.dev}:${info.ino}`
      const linked = type !== 'Directory' && info.nlink > 1
      const first = linked ? walk.seen.get(identity) : undefined
      if (linked && first === undefined) walk.seen.set(identity, archiveName)
      if (first !== undefined) Object.assign(fields, {type: 'Link', linkpath: first})
      else if (type === 'SymbolicLink') {
        try {
          fields.linkpath = readLinkName(fdPath(parent, name))
        } catch (error) {
          if (top || !vanished(error) && (error as NodeJS.ErrnoException).code !== 'EINVAL') throw error
          return
        }
      } else if (type === 'File' && shown === 'all') {
        const content = info.size < READ_BYTES ? smallFileContent(fd!) : undefined
        fields.size = content?.length ?? info.size
        body = content ? [content, tarPadding(content.length)] : fileBody(fd!, info.size)
      } else if (isNodeType(type)) Object.assign(fields, deviceNumbers(info.rdev))
      yield await entryHeader(fields)
      yield* body
    }
    if (type !== 'Directory') return
    // Names once each (a directory read while entries are renamed in it may list one twice), in
    // Go's byte order, as docker's walk lists a directory.
    const children = [...new Set(readdirSync(fdPath(fd!), {encoding: 'buffer'}).sort(Buffer.compare).map(decodeName))]
    for (const child of children) yield* treeEntries(fd!, child, archiveName === '' ? child : `${archiveName}/${child}`, [...path, child], walk, false)
  } catch (error) {
    throw inTreeTerms(error, rootedPath(path))
  } finally {
    if (fd !== undefined) closeSync(fd)
  }
}

/** Where a tree archived is: `path` in a tree whose paths `view` says how much of to archive. */
export interface TreePlace {
  path: readonly string[]
  view: TreeView
}

/** How long packing may keep the event loop, signals' handlers included, from running. */
const EVENT_LOOP_TURN_MS = 50

/**
 * A tar stream of `name` in the directory `parent` (held open, and kept so until the stream ends)
 * whose top entry is named `archiveName`; `place` says where that is in its tree.
 */
export function packAt(parent: number, name: string, archiveName: string, place: TreePlace): Readable {
  async function* archive(): AsyncGenerator<Buffer> {
    // The reads are synchronous, and so are the writes of a copy to files: without a turn of the
    // event loop now and then, ctrl-c's handler would wait for the whole copy.
    let turned = Date.now()
    for await (const chunk of treeEntries(parent, name, archiveName, place.path, {seen: new Map(), view: place.view}, true)) {
      yield chunk
      if (Date.now() - turned >= EVENT_LOOP_TURN_MS) {
        await setImmediate()
        turned = Date.now()
      }
    }
    yield tarEnd()
  }
  return Readable.from(archive(), {objectMode: false})
}

/**
 * A tar stream of the host path `source` whose top entry is named `name` (`.`: a directory's
 * contents under `./`; '': a directory's contents under their own names, with no entry for the
 * directory). Everything below `source` is read as packAt reads it.
 */
export function packAs(source: string, name: string): Readable {
  async function* archive(): AsyncGenerator<Buffer> {
    const parent = openRoot(dirname(source))
    try {
      yield* packAt(parent, basename(source) || '.', name, {path: pathParts(absolutePath(source)), view: WHOLE_TREE})
    } finally {
      closeSync(parent)
    }
  }
  return Readable.from(archive(), {objectMode: false})
}

/** Where an archive is extracted: a directory in a tree held open as `root`. */
export interface ExtractionTarget {
  root: number
  /** The directory's path in the root, without links. */
  directory: readonly string[]
  /**
   * Whether a symbolic link above an entry is refused (the host, which is no container's to
   * resolve in) rather than resolved inside the root (a container, as docker's chrooted untar).
   */
  refuseLinks: boolean
  /** The directory the copy lands in when `directory` is a staging directory in it: what docker extracts in, and names. */
  destination?: readonly string[]
}

/** Whose entries extracted are: the archive's numeric owners, or these ids. */
export type Owner = 'archive' | {uid: number; gid: number}

export interface ExtractionOptions {
  /** Who owns what is extracted; undefined: the user nerd runs as (a copy to the host, as docker's CLI's NoLchown). */
  owner?: Owner
  signal?: AbortSignal
}

/**
 * GNU tar's device numbers, which the `tar` package decodes for ustar and PAX headers only:
 * octal fields at 329 and 337 of a header whose magic is GNU's `ustar  \0`.
 */
function gnuDeviceNumbers(block: Buffer): {devmaj: number; devmin: number} | undefined {
  if (block.subarray(257, 265).toString('latin1') !== 'ustar  \0') return undefined
  const octal = (offset: number): number => parseInt(block.subarray(offset, offset + 8).toString('latin1').replace(/[\0 ].*$/s, '') || '0', 8)
  return {devmaj: octal(329), devmin: octal(337)}
}

/** A tar entry's device numbers, GNU headers' included. */
function entryDevice(entry: TarEntry): {devmaj: number; devmin: number} {
  return gnuDeviceNumbers(entry.headerBlocks.at(-1)!) ?? {devmaj: entry.header.devmaj ?? 0, devmin: entry.header.devmin ?? 0}
}

/** Writes all of `data` to `fd`. */
function writeAll(fd: number, data: Buffer): void {
  for (let written = 0; written < data.length; ) written += writeSync(fd, data, written)
}

/**
 * The entry types docker's untar (go-archive's createTarFile) makes; it fails on any other, GNU's
 * old sparse files and dump directories among them (PAX global headers never reach it).
 */
const EXTRACTED_TYPES = new Set<TarEntry['type']>(['Directory', 'File', 'OldFile', 'SymbolicLink', 'Link', ...(Object.keys(NODE_TYPES) as NodeType[])])

/** The archive's entries, what is no tar reported in docker's daemon's (Go's archive/tar) words. */
async function* archiveEntries(archive: AsyncIterable<Uint8Array>): AsyncGenerator<TarEntry> {
  try {
    yield* readTar(archive, {expandSparse: true})
  } catch (error) {
    if (error instanceof TruncatedArchiveError) throw new NerdError('Error processing tar file: unexpected EOF', {cause: error})
    // tar-reader's words for a block that is no tar header.
    if (error instanceof NerdError && /^(unrecognized image format|invalid tar header)/.test(error.message)) throw new NerdError('Error processing tar file: archive/tar: invalid tar header', {cause: error})
    throw error
  }
}

/**
 * Extracts `archive` into `target`. Each entry's parent directories are walked from the root
 * (cp-root.ts) and made if missing; the entry is then made by its name in its held parent: a file
 * created anew without following a link there (O_EXCL|O_NOFOLLOW), its owner, mode and times set
 * through its descriptor; others with calls that do not follow a link at the name. Modes come out as
 * the archive has them, whatever nerd's umask, setuid and sticky bits included; directories' times
 * are set last, once their entries are written.
 */
export async function extractInto(archive: NodeJS.ReadableStream, target: ExtractionTarget, options: ExtractionOptions): Promise<void> {
  const {root, directory, refuseLinks} = target
  const named = rootedPath(directory)
  const directories: Array<{parts: string[]; atime: Date; mtime: Date}> = []
  // The parent directory of the last entry, held: the next one is most often in it too.
  let cached: {key: string; located: Located} | undefined
  const dropCache = (): void => {
    if (cached) closeSync(cached.located.parent)
    cached = undefined
  }
  const inside = (path: string): string[] => {
    const parts = pathParts(path)
    if (parts.includes('..')) throw new NerdError(`"${path}" is outside of "${named}"`)
    return parts
  }
  const walkFailure = (error: unknown, path: string): unknown => {
    const relative = (at: string): string => (at.startsWith(`${named}/`) ? at.slice(named.length + 1) : at)
    if (error instanceof LinkAboveError) return new NerdError(`cannot extract "${path}" through the symbolic link "${relative(error.path)}"`)
    if (error instanceof WalkError && error.code === 'ENOTDIR') return new NerdError(`cannot extract "${path}": "${error.path}" is not a directory`)
    return error
  }
  /** Where the entry `parts` goes: its parent held and its name there. */
  const locate = (parts: string[], path: string): Located => {
    const key = parts.slice(0, -1).join('/')
    if (cached?.key !== key) {
      dropCache()
      try {
        const parent = walkInRoot(root, [...directory, ...parts.slice(0, -1)], {makeParents: true, refuseLinks, toDirectory: true})
        cached = {key, located: parent}
      } catch (error) {
        throw walkFailure(error, path)
      }
    }
    const {parent, parts: parentParts} = cached!.located
    return {parent, name: parts.at(-1)!, parts: [...parentParts, parts.at(-1)!]}
  }
  // ctrl-c ends the input, and the extraction with it.
  if (options.signal) addAbortSignal(options.signal, archive as Readable)
  try {
    for await (const entry of archiveEntries(archive as AsyncIterable<Uint8Array>)) {
      if (!EXTRACTED_TYPES.has(entry.type)) throw new NerdError(`unhandled tar header type ${entry.typeflag}`)
      const parts = inside(entry.path)
      // The directory itself (`./`): docker's untar leaves a directory there as it is.
      if (parts.length === 0) continue
      // An entry that replaces the held parent or one above it: look it up again after.
      const path = parts.join('/')
      if (cached && (cached.key === path || cached.key.startsWith(`${path}/`))) dropCache()
      const {parent, name, parts: resolved} = locate(parts, path)
      const full = rootedPath(resolved)
      try {
        await extractEntry(entry, parent, name, full, path)
      } catch (error) {
        throw inTreeTerms(error, full)
      }
      if (entry.type === 'Directory') directories.push({parts: resolved, atime: entry.header.atime ?? entry.header.mtime ?? new Date(), mtime: entry.header.mtime ?? new Date()})
    }
    dropCache()
    // Writing a directory's entries changed its time; as docker's untar, set them last.
    for (const {parts, atime, mtime} of directories) {
      const located = walkInRoot(root, parts, {refuseLinks})
      try {
        lutimesSync(fdPath(located.parent, located.name), atime, mtime)
      } finally {
        closeSync(located.parent)
      }
    }
  } finally {
    dropCache()
  }

  /** Makes `entry` by `name` in the directory `parent` (`full`: its path in the root, `path`: in the directory extracted in). */
  async function extractEntry(entry: TarEntry, parent: number, name: string, full: string, path: string): Promise<void> {
      const existing = lstatAt(parent, name)
      if (entry.type === 'Directory') {
        if (existing && !existing.isDirectory()) throw new NerdError(`cannot overwrite non-directory "${full}" with directory "${named}"`)
        if (!existing) mkdirSync(fdPath(parent, name), 0o700)
        const fd = openDirectoryAt(parent, name)
        try {
          chown((owner) => fchownSync(fd, owner.uid, owner.gid))
          fchmodSync(fd, entry.mode)
        } finally {
          closeSync(fd)
        }
        return
      }
      if (existing?.isDirectory()) throw new NerdError(`cannot overwrite directory "${full}" with non-directory "${named}"`)
      if (existing) unlinkSync(fdPath(parent, name))
      const mtime = entry.header.mtime ?? new Date()
      const atime = entry.header.atime ?? mtime
      if (entry.type === 'File' || entry.type === 'OldFile') {
        const fd = openSync(fdPath(parent, name), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600)
        try {
          for await (const piece of entry.body) writeAll(fd, piece)
          // chown before chmod: it clears setuid bits.
          chown((owner) => fchownSync(fd, owner.uid, owner.gid))
          fchmodSync(fd, entry.mode)
          futimesSync(fd, atime, mtime)
        } catch (error) {
          // An archive that fails inside a file's data (cut off, corrupt) leaves no half-written file
          // behind, where docker's untar leaves what it wrote of it.
          unlinkSync(fdPath(parent, name))
          throw error
        } finally {
          closeSync(fd)
        }
        return
      }
      if (entry.type === 'SymbolicLink') {
        const linkPath = entry.linkpath ?? ''
        // docker's untar refuses a link whose target, taken from where it is, is outside the
        // directory (by the strings' prefix, as docker compares them); an absolute one is inside.
        const extractedIn = rootedPath(target.destination ?? directory)
        if (!posix.join(extractedIn, posix.dirname(path), linkPath).startsWith(extractedIn)) throw new NerdError(`invalid symlink "${posix.join(extractedIn, path)}" -> "${linkPath}"`)
        symlinkSync(fsPath(linkPath), fdPath(parent, name))
        chown((owner) => lchownSync(fdPath(parent, name), owner.uid, owner.gid))
        lutimesSync(fdPath(parent, name), atime, mtime)
        return
      }
      if (entry.type === 'Link') {
        const linkPath = entry.linkpath ?? ''
        let linked: Located
        try {
          linked = walkInRoot(root, [...directory, ...inside(linkPath)], {refuseLinks})
        } catch (error) {
          throw walkFailure(error, linkPath)
        }
        try {
          linkSync(fdPath(linked.parent, linked.name), fdPath(parent, name))
        } finally {
          closeSync(linked.parent)
        }
        return
      }
      if (isNodeType(entry.type)) {
        makeNode(parent, name, entry.type, entryDevice(entry), full)
        chown((owner) => lchownSync(fdPath(parent, name), owner.uid, owner.gid))
        withEntry(parent, name, (fd, info) => {
          // Replaced by a link meanwhile: a link has no mode of its own.
          if (!info.isSymbolicLink()) chmodSync(fdPath(fd), entry.mode)
        })
        lutimesSync(fdPath(parent, name), atime, mtime)
      }

    /** Gives what was made its owner, if the extraction sets one. */
    function chown(set: (owner: {uid: number; gid: number}) => void): void {
      if (options.owner) set(options.owner === 'archive' ? {uid: entry.uid, gid: entry.gid} : options.owner)
    }
  }
}

/**
 * Makes a FIFO or device node by `name` in the directory `parent` (as root, as docker's daemon
 * does). mknod(1) makes it under a name of its own, which it is renamed from: a name that is no
 * UTF-8 cannot be passed to a command (Node encodes arguments as UTF-8).
 */
function makeNode(parent: number, name: string, type: NodeType, device: {devmaj: number; devmin: number}, full: string): void {
  const numbers = type === 'FIFO' ? [] : [String(device.devmaj), String(device.devmin)]
  const made = `${fdPath(parent)}/.nerd-mknod-${process.pid}-${randomBytes(6).toString('hex')}`
  try {
    execFileSync('mknod', [made, NODE_TYPES[type], ...numbers], {stdio: ['ignore', 'ignore', 'pipe']})
  } catch (error) {
    const message = ((error as {stderr?: Buffer}).stderr?.toString() ?? '').trim().replace(made, full)
    throw new NerdError(message || `cannot make ${full}`)
  }
  renameSync(made, fdPath(parent, name))
}
