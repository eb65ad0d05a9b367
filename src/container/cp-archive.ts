/**
 * cp's and export's tar streams, as docker's: an archive keeps owners, modes, times, symbolic and
 * hard links, FIFOs and device nodes as they are (`-a` only matters when extracting), and extraction
 * writes link targets verbatim, absolute ones included, yet never writes outside its directory: no
 * entry may climb out with `..`, nor lie under a symbolic link, whether the link was there before or
 * came earlier in the same archive. Nor does it replace a directory by a file or a file by a
 * directory (docker's NoOverwriteDirNonDir): a copy never deletes what it does not replace.
 */
import {execFile} from 'node:child_process'
import type {Stats} from 'node:fs'
import {createReadStream, lstatSync} from 'node:fs'
import {chmod, lchown, lstat, lutimes, mkdir, readdir, readlink, rm} from 'node:fs/promises'
import {dirname, join, resolve} from 'node:path'
import {Readable} from 'node:stream'
import {pipeline} from 'node:stream/promises'
import {promisify} from 'node:util'
import type {HeaderData, ReadEntry} from 'tar'
import {NerdError} from '../errors.ts'
import {tarEnd, tarPadding} from '../image/archive/tar-writer.ts'

/** The entry types extraction makes itself: the `tar` package's Unpack has no mknod. */
const NODE_TYPES = {FIFO: 'p', CharacterDevice: 'c', BlockDevice: 'b'} as const
type NodeType = keyof typeof NODE_TYPES

function isNodeType(type: string | undefined): type is NodeType {
  return type !== undefined && Object.hasOwn(NODE_TYPES, type)
}

/** A tar entry's type for what lstat saw; undefined for a socket, which docker's archive leaves out. */
function entryType(info: Stats): HeaderData['type'] | undefined {
  if (info.isFile()) return 'File'
  if (info.isDirectory()) return 'Directory'
  if (info.isSymbolicLink()) return 'SymbolicLink'
  if (info.isFIFO()) return 'FIFO'
  if (info.isCharacterDevice()) return 'CharacterDevice'
  if (info.isBlockDevice()) return 'BlockDevice'
  return undefined
}

/** glibc's major() and minor() of a device number. */
function deviceNumbers(rdev: number): {devmaj: number; devmin: number} {
  const device = BigInt(rdev)
  return {
    devmaj: Number(((device >> 8n) & 0xfffn) | ((device >> 32n) & ~0xfffn)),
    devmin: Number((device & 0xffn) | ((device >> 12n) & ~0xffn)),
  }
}

/**
 * The header block(s) of one entry as docker's archive writes it: mode with the setuid, setgid and
 * sticky bits, numeric owners without names, the time in whole seconds; a PAX header before it only
 * for what ustar cannot hold (no SCHILY.dev/ino/nlink records, which GNU tar warns about).
 */
async function entryHeader(fields: HeaderData): Promise<Buffer> {
  const {Header, Pax} = await import('tar')
  const header = new Header({...fields, uname: '', gname: ''})
  if (!header.encode()) return header.block as Buffer
  const {path, linkpath, size, uid, gid, mtime} = fields
  return Buffer.concat([new Pax({path, linkpath, size, uid, gid, mtime}).encode(), header.block as Buffer])
}

/** A regular file's body, `size` bytes (what it read then, zero-filled if the file shrank meanwhile), and its padding. */
async function* fileBody(path: string, size: number): AsyncGenerator<Buffer> {
  let read = 0
  if (size > 0) {
    for await (const chunk of createReadStream(path, {end: size - 1, highWaterMark: 1024 * 1024})) {
      read += (chunk as Buffer).length
      yield chunk as Buffer
    }
  }
  if (read < size) yield Buffer.alloc(size - read)
  yield tarPadding(size)
}

/** Go's byte order of names, as docker's walk lists a directory. */
function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b))
}

/**
 * The entries of `path` named `name` (a directory's with `name/` before its own), depth first as
 * docker's walk goes; `name` '' for a directory's contents under their own names without an entry
 * for the directory (export). A file linked more than once is archived once, the later names as hard
 * links to the first (`seen`). What vanishes meanwhile (a running container's files) is left out.
 */
async function* treeEntries(path: string, name: string, seen: Map<string, string>, top: boolean): AsyncGenerator<Buffer> {
  const info = await lstat(path).catch((error: NodeJS.ErrnoException) => {
    if (top || error.code !== 'ENOENT') throw error
    return undefined
  })
  const type = info && entryType(info)
  if (!info || !type) return
  if (name !== '') {
    const fields: HeaderData = {path: type === 'Directory' ? `${name}/` : name, type, mode: info.mode & 0o7777, uid: info.uid, gid: info.gid, size: 0, mtime: new Date(Math.floor(info.mtimeMs / 1000) * 1000)}
    const identity = `${info.dev}:${info.ino}`
    const linked = type !== 'Directory' && info.nlink > 1
    const first = linked ? seen.get(identity) : undefined
    if (linked && first === undefined) seen.set(identity, name)
    if (first !== undefined) Object.assign(fields, {type: 'Link', linkpath: first})
    else if (type === 'SymbolicLink') fields.linkpath = await readlink(path)
    else if (type === 'File') fields.size = info.size
    else if (isNodeType(type)) Object.assign(fields, deviceNumbers(info.rdev))
    yield await entryHeader(fields)
    if (fields.type === 'File') yield* fileBody(path, info.size)
  }
  if (type !== 'Directory') return
  const children = await readdir(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT' && !top) return []
    throw error
  })
  for (const child of children.sort(byteOrder)) yield* treeEntries(join(path, child), name === '' ? child : `${name}/${child}`, seen, false)
}

/**
 * A tar stream of `source` whose top entry is named `name` (`.`: a directory's contents under
 * `./`; '': a directory's contents under their own names, with no entry for the directory).
 */
export function packAs(source: string, name: string): Readable {
  async function* archive(): AsyncGenerator<Buffer> {
    yield* treeEntries(source, name, new Map(), true)
    yield tarEnd()
  }
  return Readable.from(archive(), {objectMode: false})
}

/** What a path is, for the checks before an entry is written there. */
type PathKind = 'directory' | 'symlink' | 'other' | 'missing'

function kindOfEntry(type: ReadEntry['type']): PathKind {
  return type === 'Directory' ? 'directory' : type === 'SymbolicLink' ? 'symlink' : 'other'
}

/**
 * Admits archive entries one by one as they are read, for extraction into `directory`: names them
 * relative to it without `.` or `..` (a leading `/` counts from the directory, as docker's untar
 * has it) and refuses any entry, or hard link target, that would leave it, and any entry that would
 * replace a directory by a non-directory or the reverse. `undefined` for the directory itself, which
 * stays as it is.
 */
function extractionGuard(directory: string): (entry: Pick<ReadEntry, 'path' | 'type' | 'linkpath'>) => string | undefined {
  const named = resolve(directory)
  // What each path is once the entries admitted so far are written.
  const kinds = new Map<string, PathKind>()
  const kindOf = (path: string): PathKind => {
    let kind = kinds.get(path)
    if (kind === undefined) {
      const info = lstatSync(join(directory, path), {throwIfNoEntry: false})
      kind = !info ? 'missing' : info.isDirectory() ? 'directory' : info.isSymbolicLink() ? 'symlink' : 'other'
      kinds.set(path, kind)
    }
    return kind
  }
  const inside = (path: string): string => {
    const parts = path.split('/').filter((part) => part !== '' && part !== '.')
    if (parts.includes('..')) throw new NerdError(`"${path}" is outside of "${named}"`)
    return parts.join('/') || '.'
  }
  const refuseLinksAbove = (path: string): void => {
    const parts = path.split('/')
    for (let depth = 1; depth < parts.length; depth++) {
      const above = parts.slice(0, depth).join('/')
      const kind = kindOf(above)
      if (kind === 'symlink') throw new NerdError(`cannot extract "${path}" through the symbolic link "${above}"`)
      if (kind === 'other') throw new NerdError(`cannot extract "${path}": "${join(named, above)}" is not a directory`)
      // A missing one is made a directory.
      kinds.set(above, 'directory')
    }
  }
  return (entry) => {
    const path = inside(entry.path)
    if (path === '.') return undefined
    refuseLinksAbove(path)
    const existing = kindOf(path)
    const kind = kindOfEntry(entry.type)
    if (existing === 'directory' && kind !== 'directory') throw new NerdError(`cannot overwrite directory "${join(named, path)}" with non-directory "${named}"`)
    if (existing !== 'directory' && existing !== 'missing' && kind === 'directory') throw new NerdError(`cannot overwrite non-directory "${join(named, path)}" with directory "${named}"`)
    if (entry.type === 'Link') {
      entry.linkpath = inside(entry.linkpath ?? '')
      refuseLinksAbove(entry.linkpath)
    }
    kinds.set(path, kind)
    return path
  }
}

/** An entry whose metadata extraction sets once all are written. */
interface Written {
  path: string
  type: ReadEntry['type']
  mode?: number
  uid?: number
  gid?: number
  atime?: Date
  mtime?: Date
  devmaj: number
  devmin: number
}

/** Makes a FIFO or device node (as root, as docker's daemon does), replacing a non-directory there. */
async function makeNode(path: string, type: NodeType, entry: Written): Promise<void> {
  await rm(path, {force: true})
  await mkdir(dirname(path), {recursive: true})
  const numbers = type === 'FIFO' ? [] : [String(entry.devmaj), String(entry.devmin)]
  await promisify(execFile)('mknod', [path, NODE_TYPES[type], ...numbers]).catch((error: {stderr?: string}) => {
    throw new NerdError(error.stderr?.trim() || `cannot make ${path}`)
  })
}

/**
 * Extracts `archive` into `directory` (`keepOwners`: with the owners it records, else the user nerd
 * runs as). The `tar` package's own guard would make absolute link targets relative, so it is off
 * and extractionGuard stands in; a refused entry or one that cannot be written fails the copy.
 * Modes come out as the archive has them, whatever nerd's umask, setuid and sticky bits included.
 */
export async function extractInto(archive: NodeJS.ReadableStream, directory: string, keepOwners: boolean, signal?: AbortSignal): Promise<void> {
  const tar = await import('tar')
  const admit = extractionGuard(directory)
  const written: Written[] = []
  const unpack = new tar.Unpack({
    cwd: directory,
    preserveOwner: keepOwners,
    preservePaths: true,
    // A file replaced is made anew, as docker's untar does.
    unlink: true,
    filter: (_path, entry) => {
      const read = entry as ReadEntry
      try {
        const path = admit(read)
        if (path === undefined) return false
        read.path = path
        const {type, mode, uid, gid, atime, mtime, header} = read
        written.push({path, type, mode, uid, gid, atime, mtime, devmaj: header.devmaj, devmin: header.devmin})
        return !isNodeType(type)
      } catch (error) {
        unpack.abort(error as Error)
        return false
      }
    },
    onwarn: (code, message) => {
      if (code === 'TAR_ENTRY_ERROR') unpack.abort(new NerdError(message))
    },
  })
  await pipeline(archive, unpack, {signal})
  for (const entry of written) {
    const path = join(directory, entry.path)
    if (isNodeType(entry.type)) {
      await makeNode(path, entry.type, entry)
      if (keepOwners && entry.uid !== undefined && entry.gid !== undefined) await lchown(path, entry.uid, entry.gid)
      if (entry.mtime) await lutimes(path, entry.atime ?? entry.mtime, entry.mtime)
    }
    // After any chown, which clears setuid bits; a link has no mode of its own, nor a hard link one apart from its file's.
    if (entry.mode !== undefined && entry.type !== 'SymbolicLink' && entry.type !== 'Link') await chmod(path, entry.mode)
  }
  // Writing a directory's entries changed its time after tar set it; as docker's untar, set them last.
  for (const {path, type, atime, mtime} of written) if (type === 'Directory' && mtime) await lutimes(join(directory, path), atime ?? mtime, mtime)
}
