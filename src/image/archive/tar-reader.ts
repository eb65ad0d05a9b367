/**
 * A pull-based tar reader: entries come one at a time as the consumer asks for them, each body
 * streamed straight from the input, so a multi-gigabyte layer passes through with bounded memory
 * and the consumer's pace (a Content.Write round trip per chunk) throttles reading the input.
 * Header blocks are decoded by the `tar` package (ustar, base-256 sizes, PAX and GNU long names).
 */
import {Header, Pax} from 'tar'
import type {HeaderData} from 'tar'
import {decodeName} from '../../byte-names.ts'
import {NerdError} from '../../errors.ts'

const BLOCK = 512
/** Body pieces are gathered up to this size: one Content.Write message each. */
export const DEFAULT_CHUNK_BYTES = 1 << 20

export type TarEntryType = Header['type']

export interface TarEntry {
  /** The path as the archive names it (PAX and GNU long names applied). */
  path: string
  type: TarEntryType
  /** The header's type byte as the archive has it. */
  typeflag: number
  /** The bytes `body` gives. */
  size: number
  /** Target of a symbolic or hard link. */
  linkpath?: string
  /** Permission bits (with setuid, setgid, sticky) and owner, as the header gives them. */
  mode: number
  uid: number
  gid: number
  /** The entry's header as the archive has it, extended headers before it included: to copy the entry. */
  headerBlocks: Buffer[]
  /** The header decoded, its PAX records applied: the times and device numbers. */
  header: Header
  /**
   * The entry's bytes in pieces of up to the reader's chunk size. Read it before asking for the
   * next entry (what is left unread is skipped then); it can be read once.
   */
  body: AsyncIterable<Buffer>
}

/** The archive ended inside a header or a body. */
export class TruncatedArchiveError extends NerdError {
  constructor() {
    super('unexpected EOF: the archive is truncated')
    this.name = 'TruncatedArchiveError'
  }
}

/** Buffers the input just enough to hand out exact byte counts. */
class ByteSource {
  readonly #iterator: AsyncIterator<Uint8Array>
  readonly #pending: Buffer[] = []
  #pendingBytes = 0
  #ended = false

  constructor(source: AsyncIterable<Uint8Array>) {
    this.#iterator = source[Symbol.asyncIterator]()
  }

  /** Pulls input until `bytes` are buffered or the input ends; whether they are. */
  async #fill(bytes: number): Promise<boolean> {
    while (this.#pendingBytes < bytes && !this.#ended) {
      const next = await this.#iterator.next()
      if (next.done) {
        this.#ended = true
        break
      }
      if (next.value.length === 0) continue
      const chunk = Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value.buffer, next.value.byteOffset, next.value.length)
      this.#pending.push(chunk)
      this.#pendingBytes += chunk.length
    }
    return this.#pendingBytes >= bytes
  }

  /** Takes up to `bytes` of what is buffered, as one buffer. */
  #take(bytes: number): Buffer {
    const wanted = Math.min(bytes, this.#pendingBytes)
    const first = this.#pending[0]
    let taken: Buffer
    if (first.length >= wanted) {
      taken = first.subarray(0, wanted)
      if (first.length === wanted) this.#pending.shift()
      else this.#pending[0] = first.subarray(wanted)
    } else {
      const parts: Buffer[] = []
      let collected = 0
      while (collected < wanted) {
        const head = this.#pending[0]
        const part = head.length <= wanted - collected ? (this.#pending.shift() as Buffer) : head.subarray(0, wanted - collected)
        if (part !== head) this.#pending[0] = head.subarray(part.length)
        parts.push(part)
        collected += part.length
      }
      taken = Buffer.concat(parts, wanted)
    }
    this.#pendingBytes -= wanted
    return taken
  }

  /** Exactly `bytes`; undefined when the input ended before the first of them; truncated in between. */
  async exactly(bytes: number): Promise<Buffer | undefined> {
    if (bytes === 0) return Buffer.alloc(0)
    if (!(await this.#fill(bytes))) {
      if (this.#pendingBytes === 0) return undefined
      throw new TruncatedArchiveError()
    }
    return this.#take(bytes)
  }

  /** `bytes` in pieces of up to `chunkBytes`; the input must hold them all. */
  async *stream(bytes: number, chunkBytes: number): AsyncGenerator<Buffer, void, undefined> {
    let remaining = bytes
    while (remaining > 0) {
      const want = Math.min(remaining, chunkBytes)
      if (!(await this.#fill(want))) throw new TruncatedArchiveError()
      const piece = this.#take(want)
      remaining -= piece.length
      yield piece
    }
  }

  /** Lets the input go (its file descriptor, its decompressor) when reading stops early. */
  async close(): Promise<void> {
    await this.#iterator.return?.()
  }

  async skip(bytes: number): Promise<void> {
    let remaining = bytes
    while (remaining > 0) {
      if (!(await this.#fill(Math.min(remaining, DEFAULT_CHUNK_BYTES)))) throw new TruncatedArchiveError()
      remaining -= this.#take(Math.min(remaining, DEFAULT_CHUNK_BYTES)).length
    }
  }
}

function padding(size: number): number {
  return (BLOCK - (size % BLOCK)) % BLOCK
}

function isZeroBlock(block: Buffer): boolean {
  for (const byte of block) if (byte !== 0) return false
  return true
}

/** Whether `head`, the first bytes of a stream, starts like a tar archive (a valid header or the end marker). */
export function startsLikeTar(head: Buffer): boolean {
  if (head.length < BLOCK) return false
  const block = head.subarray(0, BLOCK)
  return isZeroBlock(block) || decodeHeader(block)?.cksumValid === true
}

/** A header block decoded; undefined for bytes that do not decode (a numeric field in no format tar knows). */
function decodeHeader(block: Buffer, extended?: HeaderData, global?: HeaderData): Header | undefined {
  try {
    return new Header(block, 0, extended, global)
  } catch {
    return undefined
  }
}

function invalidHeader(first: boolean): NerdError {
  return new NerdError(first ? 'unrecognized image format: the input is not a tar archive' : 'invalid tar header: the archive is corrupt')
}

/** A NUL-terminated header field's bytes. */
function field(block: Buffer, offset: number, size: number): Buffer {
  const bytes = block.subarray(offset, offset + size)
  const end = bytes.indexOf(0)
  return end < 0 ? bytes : bytes.subarray(0, end)
}

/**
 * The names a header block gives, byte-faithful (byte-names.ts): the `tar` package decodes them as
 * UTF-8, which loses the bytes of a name that is not. A ustar prefix is read as the package reads it.
 */
function blockNames(block: Buffer): {path: string; linkpath: string} {
  let path = decodeName(field(block, 0, 100))
  if (block.subarray(257, 265).toString('latin1') === 'ustar\u000000') {
    const prefix = decodeName(field(block, 345, block[475] !== 0 ? 155 : 130))
    if (prefix) path = `${prefix}/${path}`
  }
  return {path, linkpath: decodeName(field(block, 157, 100))}
}

/** A PAX header body's records in order, their values as bytes. */
function* paxRecords(body: Buffer): Generator<[string, Buffer]> {
  for (let at = 0; at < body.length; ) {
    const space = body.indexOf(0x20, at)
    const length = space < 0 ? NaN : Number(body.toString('latin1', at, space))
    if (!(length > space - at + 1) || at + length > body.length) return
    const record = body.subarray(space + 1, at + length - 1)
    const equals = record.indexOf(0x3d)
    yield [equals < 0 ? '' : record.toString('latin1', 0, equals), record.subarray(equals + 1)]
    at += length
  }
}

/**
 * The path and linkpath records of a PAX header's body, byte-faithful: the `tar` package drops a
 * record whose value is not UTF-8 (its length no longer matches).
 */
function paxNames(body: Buffer): {path?: string; linkpath?: string} {
  const names: {path?: string; linkpath?: string} = {}
  for (const [key, value] of paxRecords(body)) if (key === 'path' || key === 'linkpath') names[key] = decodeName(value)
  return names
}

/**
 * The GNU.sparse records of a PAX header's body (the `tar` package keeps none), as Go's archive/tar
 * gathers them: format 0.0's GNU.sparse.offset and GNU.sparse.numbytes pairs become one
 * GNU.sparse.map, as format 0.1 gives it; undefined when there are none.
 */
function sparseRecords(body: Buffer): Map<string, string> | undefined {
  const records = new Map<string, string>()
  const pairs: string[] = []
  for (const [key, value] of paxRecords(body)) {
    if (!key.startsWith('GNU.sparse.')) continue
    const text = value.toString('utf8')
    if (key === 'GNU.sparse.offset' || key === 'GNU.sparse.numbytes') {
      if ((key === 'GNU.sparse.offset') !== (pairs.length % 2 === 0) || text.includes(',')) throw invalidHeader(false)
      pairs.push(text)
    } else records.set(key, text)
  }
  if (pairs.length > 0) records.set('GNU.sparse.map', pairs.join(','))
  return records.size > 0 ? records : undefined
}

/** The data fragments of a sparse file: `length` bytes of the archive's at `offset` of the file, holes between. */
type SparseMap = Array<{offset: number; length: number}>

/** A decimal number of a sparse map, as Go's strconv.ParseInt takes it. */
function sparseNumber(text: string | undefined): number {
  if (text === undefined || !/^[+-]?\d+$/.test(text)) throw invalidHeader(false)
  return Number(text)
}

/**
 * A PAX sparse file's real name and size and how its map is read, as Go's archive/tar reads GNU tar's
 * formats 0.0, 0.1 (the map in the records) and 1.0 (the map at the start of the data); undefined
 * for no sparse file, or a format Go does not know either.
 */
function paxSparse(records: Map<string, string>): {name?: string; size?: number; map: SparseMap | 'in data'} | undefined {
  const major = records.get('GNU.sparse.major')
  const minor = records.get('GNU.sparse.minor')
  let inData: boolean
  if (major === '0' && (minor === '0' || minor === '1')) inData = false
  else if (major === '1' && minor === '0') inData = true
  else if (major !== undefined || minor !== undefined) return undefined
  else if (records.get('GNU.sparse.map')) inData = false
  else return undefined
  const size = records.get('GNU.sparse.size') ?? records.get('GNU.sparse.realsize')
  const name = records.get('GNU.sparse.name') || undefined
  if (inData) return {name, size: size === undefined ? undefined : sparseNumber(size), map: 'in data'}
  const numbers = (records.get('GNU.sparse.map') ?? '').split(',')
  const count = sparseNumber(records.get('GNU.sparse.numblocks'))
  if (numbers.length !== 2 * count && !(count === 0 && numbers.length === 1 && numbers[0] === '')) throw invalidHeader(false)
  return {name, size: size === undefined ? undefined : sparseNumber(size), map: pairsOf(count === 0 ? [] : numbers)}
}

function pairsOf(numbers: string[]): SparseMap {
  const map: SparseMap = []
  for (let index = 0; index < numbers.length; index += 2) map.push({offset: sparseNumber(numbers[index]), length: sparseNumber(numbers[index + 1])})
  return map
}

/**
 * Format 1.0's map: decimal numbers on lines (a count, then offset and length pairs) in whole blocks
 * at the start of the data, `stored` bytes; the map and the bytes its blocks took.
 */
async function sparseMapInData(source: ByteSource, stored: number): Promise<{map: SparseMap; bytes: number}> {
  let text = ''
  let bytes = 0
  const lines = async (wanted: number): Promise<string[]> => {
    while (text.split('\n').length - 1 < wanted) {
      const block = bytes + BLOCK <= stored ? await source.exactly(BLOCK) : undefined
      if (block === undefined) throw new TruncatedArchiveError()
      text += block.toString('latin1')
      bytes += BLOCK
    }
    return text.split('\n')
  }
  const count = sparseNumber((await lines(1))[0])
  if (count < 0) throw invalidHeader(false)
  return {map: pairsOf((await lines(1 + 2 * count)).slice(1, 1 + 2 * count)), bytes}
}

/**
 * A sparse file's bytes, `size` in all: its map's fragments read from `source` (which holds
 * `stored` bytes of them) and zeros in the holes, in pieces of up to `chunkBytes`; each piece read from the archive is told to `consumed`.
 * A map whose fragments overlap, go backwards or past the end is corrupt, as to Go.
 */
async function* sparseBody(source: ByteSource, map: SparseMap, size: number, stored: number, chunkBytes: number, consumed: (bytes: number) => void): AsyncGenerator<Buffer, void, undefined> {
  const data = map.reduce((sum, {length}) => sum + length, 0)
  if (data > stored) throw new TruncatedArchiveError()
  if (data < stored) throw new NerdError('archive/tar: unreferenced file data')
  const zeros = Buffer.alloc(Math.min(chunkBytes, size))
  let at = 0
  const hole = function* (end: number): Generator<Buffer> {
    for (; at < end; at += Math.min(chunkBytes, end - at)) yield zeros.subarray(0, Math.min(chunkBytes, end - at))
  }
  for (const {offset, length} of map) {
    if (offset < at || length < 0 || offset + length > size) throw invalidHeader(false)
    yield* hole(offset)
    for await (const piece of source.stream(length, chunkBytes)) {
      consumed(piece.length)
      yield piece
    }
    at += length
  }
  yield* hole(size)
}

/**
 * The path and link target of the entry `block` (decoded as `header`) that `extended` (its PAX records
 * or GNU long names) precedes. A name there replaces the block's name and ustar prefix whole, as Go's
 * archive/tar (docker's) and the tar package's own ReadEntry read it: the package's Header alone puts
 * the block's prefix before it, and keeps the block's link field over it. The block's names are the
 * package's, unless its UTF-8 decoding lost bytes (U+FFFD): then read again, byte-faithful.
 */
function entryNames(block: Buffer, header: Header, extended: HeaderData | undefined): {path: string; linkpath?: string} {
  const lostBytes = `${header.path ?? ''}${header.linkpath ?? ''}`.includes('\ufffd')
  const own = lostBytes ? blockNames(block) : {path: header.path ?? '', linkpath: header.linkpath}
  return {path: extended?.path ?? own.path, linkpath: extended?.linkpath ?? own.linkpath}
}

export interface ReadOptions {
  chunkBytes?: number
  /**
   * A sparse file in GNU tar's PAX formats (0.0, 0.1, 1.0) comes out as Go's archive/tar (docker's)
   * reads it: a regular file of its real name and size, holes filled with zeros. Else as it is
   * stored (`headerBlocks` and `body` copy it whole).
   */
  expandSparse?: boolean
}

/**
 * The entries of a tar stream. Ends at the end-of-archive blocks (what follows them is not read), or
 * when the input ends exactly between two entries or zero blocks (as Go's archive/tar does); an input
 * ending anywhere else is truncated.
 */
export async function* readTar(input: AsyncIterable<Uint8Array>, options: ReadOptions = {}): AsyncGenerator<TarEntry, void, undefined> {
  const source = new ByteSource(input)
  const chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES
  let extended: HeaderData | undefined
  let sparse: Map<string, string> | undefined
  let global: HeaderData | undefined
  let headerBlocks: Buffer[] = []
  let first = true
  try {
    for (;;) {
      const block = await source.exactly(BLOCK)
      if (block === undefined) return
      // End of archive, as Go's archive/tar (docker's) reads it: input ending right after the first
      // zero block is whole, one ending inside the second is truncated, a header there is corrupt.
      if (isZeroBlock(block)) {
        const second = await source.exactly(BLOCK)
        if (second !== undefined && !isZeroBlock(second)) throw invalidHeader(false)
        return
      }
      const header = decodeHeader(block, extended, global)
      if (header === undefined || !header.cksumValid) throw invalidHeader(first)
      first = false
      const size = header.size ?? 0
      const type = header.type
      if (type === 'ExtendedHeader' || type === 'GlobalExtendedHeader' || type === 'NextFileHasLongPath' || type === 'NextFileHasLongLinkpath') {
        const meta = (await source.exactly(size + padding(size))) ?? Buffer.alloc(0)
        if (meta.length < size) throw new TruncatedArchiveError()
        headerBlocks.push(Buffer.from(block), Buffer.from(meta))
        const text = meta.subarray(0, size).toString('utf8')
        // Read again, byte-faithful, only where the UTF-8 decoding lost bytes (U+FFFD).
        if (type === 'ExtendedHeader') {
          extended = {...Pax.parse(text, extended, false), ...(text.includes('\ufffd') ? paxNames(meta.subarray(0, size)) : {})}
          sparse = sparseRecords(meta.subarray(0, size))
        }
        else if (type === 'GlobalExtendedHeader') global = Pax.parse(text, global, true)
        else extended = {...extended, [type === 'NextFileHasLongPath' ? 'path' : 'linkpath']: decodeName(field(meta, 0, size))}
        continue
      }
      const names = entryNames(block, header, extended)
      Object.assign(header, names)
      extended = undefined
      const entryHeader = [...headerBlocks, Buffer.from(block)]
      headerBlocks = []
      // GNU's old sparse header: the blocks that go on with its map come before its data.
      for (let more = type === 'SparseFile' && block[482] !== 0; more; ) {
        const extension = await source.exactly(BLOCK)
        if (extension === undefined) throw new TruncatedArchiveError()
        entryHeader.push(Buffer.from(extension))
        more = extension[504] !== 0
      }
      // Only regular files (and old sparse ones' stored data) carry data that consumers read; other types' sizes are skipped.
      const hasBody = type === 'File' || type === 'OldFile' || type === 'ContiguousFile' || type === 'SparseFile'
      const expanded = hasBody && type !== 'SparseFile' && options.expandSparse && sparse ? paxSparse(sparse) : undefined
      sparse = undefined
      let consumed = 0
      const count = (bytes: number): void => {
        consumed += bytes
      }
      const stored = async function* (): AsyncGenerator<Buffer, void, undefined> {
        for await (const piece of source.stream(size, chunkBytes)) {
          count(piece.length)
          yield piece
        }
      }
      let body = hasBody ? stored() : emptyBody()
      let path = names.path
      let entrySize = hasBody ? size : 0
      if (expanded) {
        const {map, bytes} = expanded.map === 'in data' ? await sparseMapInData(source, size) : {map: expanded.map, bytes: 0}
        count(bytes)
        path = expanded.name ?? path
        entrySize = expanded.size ?? size
        body = sparseBody(source, map, entrySize, size - bytes, chunkBytes, count)
      }
      const entry: TarEntry = {
        path,
        type,
        typeflag: block[156],
        size: entrySize,
        mode: (header.mode ?? 0) & 0o7777,
        uid: header.uid ?? 0,
        gid: header.gid ?? 0,
        headerBlocks: entryHeader,
        header,
        body,
      }
      if (names.linkpath) entry.linkpath = names.linkpath
      yield entry
      await source.skip(size - consumed + padding(size))
    }
  } finally {
    await source.close()
  }
}

async function* emptyBody(): AsyncGenerator<Buffer, void, undefined> {}
