/**
 * Writing a tar stream piece by piece: a header, then the body from wherever it streams, then the
 * padding to the next block. Headers are encoded by the `tar` package (a PAX header precedes one
 * whose path does not fit ustar); entries have root ownership and a fixed time, so the same images
 * always give the same archive bytes.
 */
import {Header, Pax} from 'tar'
import type {HeaderData} from 'tar'

const BLOCK = 512
/** The archive's file times: the epoch, so an archive depends on its content only. */
const ARCHIVE_TIME = new Date(0)

/**
 * The ustar block of an entry, encoded by the `tar` package, and whether a PAX header must precede it
 * (one that holds the path, and the link target if any). Such a block names the entry as Go's
 * archive/tar (docker's) does: in the name and link fields alone, no ustar prefix. The package would
 * split a long path between name and prefix, and a reader that puts that prefix before the PAX path
 * (the package's own Header does) would place the entry elsewhere.
 */
export function ustarBlock(fields: HeaderData): {block: Buffer; needsPax: boolean} {
  const header = new Header(fields)
  if (!header.encode()) return {block: header.block as Buffer, needsPax: false}
  const {path, linkpath} = fields
  const named = new Header({...fields, path: path && fieldName(path), linkpath: linkpath && fieldName(linkpath)})
  named.encode()
  return {block: named.block as Buffer, needsPax: true}
}

/**
 * A name as a header's 100-byte field holds it next to a PAX record: its ASCII characters (Go's
 * toASCII), cut one byte short of the field, which the package would otherwise split into a prefix.
 */
function fieldName(name: string): string {
  return name.replace(/[^\x01-\x7f]/g, '').slice(0, 99)
}

/** The header block(s) of a regular file of `size` bytes, or of a directory (path ending in `/`). */
export function tarHeader(path: string, size: number): Buffer {
  const directory = path.endsWith('/')
  const fields = {
    path,
    type: directory ? ('Directory' as const) : ('File' as const),
    mode: directory ? 0o755 : 0o644,
    uid: 0,
    gid: 0,
    size: directory ? 0 : size,
    mtime: ARCHIVE_TIME,
    uname: '',
    gname: '',
  }
  const {block, needsPax} = ustarBlock(fields)
  if (!needsPax) return block
  return Buffer.concat([new Pax({path, size: fields.size}).encode(), block])
}

/** Zeros completing a body of `size` bytes to whole blocks. */
export function tarPadding(size: number): Buffer {
  return Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK)
}

/** The end-of-archive marker: two zero blocks. */
export function tarEnd(): Buffer {
  return Buffer.alloc(2 * BLOCK)
}

/** One whole entry whose body is in memory. */
export function tarFile(path: string, content: Buffer): Buffer[] {
  return [tarHeader(path, content.length), content, tarPadding(content.length)]
}
