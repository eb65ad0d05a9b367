/**
 * Reading a json-file log as `docker logs` does: the rotated files oldest first (gzipped ones
 * through gunzip), then the live one; `--tail` counted over all of them (before the time filters, as
 * docker counts); `--since` and `--until` on the entries' times; `-t` and `--details` prefixes; and
 * `-f`, which follows the live file through rotations and re-creations until the caller says to stop,
 * and reads every file rotated between two of its looks that is still there.
 *
 * Files are read in blocks, never whole, and the tail is found reading backwards from the end, so a
 * large log costs neither memory nor time for the part not shown. A gzipped file cannot be read
 * backwards: its lines are counted in a first pass, streaming too.
 */
import {watch} from 'node:fs'
import {open, stat} from 'node:fs/promises'
import type {FileHandle} from 'node:fs/promises'
import {basename, dirname} from 'node:path'
import {pipeline} from 'node:stream/promises'
import {crc32, createGunzip} from 'node:zlib'
import {NerdError} from '../../errors.ts'
import {compareStrings, goParseInt64} from '../../format/go-values.ts'
import {parseGoDuration} from '../../format/go-duration.ts'
import {GoTimeParseError, parseGoTime} from '../../format/go-time-parse.ts'

export interface ReadLogOptions {
  follow?: boolean
  /** The last N entries; undefined or negative means all. */
  tail?: number
  /** Nanoseconds since the epoch (parseLogTimeNanoseconds). */
  since?: bigint
  /** Nanoseconds since the epoch (parseLogTimeNanoseconds). */
  until?: bigint
  /** Prefix each line with its time, as `-t`. */
  timestamps?: boolean
  /** Prefix each line with its attributes (docker's `attrs`), as `--details`. */
  details?: boolean
  /** Files kept, the live one included (max-file): which rotated files to read. Unset: as many as there are. */
  maxFile?: number
  /** Asked while following and no new entry came: true ends the follow (container removed, or exited for good). */
  shouldStop?: () => Promise<boolean>
  /**
   * Asked, once a look across the files, when a name is found empty: true when no logger writes the
   * log any more (the container's task is gone), so that the name stays empty and is not waited for.
   */
  writerGone?: () => Promise<boolean>
  signal?: AbortSignal
}

/**
 * Where the entries go, a block's worth of consecutive entries of one stream at a time. A write
 * that answers false (an output whose buffer is full: a slow reader at the end of a pipe) has the
 * reading wait for `drained` before it reads on.
 */
export interface LogSink {
  stdout(chunk: string): boolean | void
  stderr(chunk: string): boolean | void
  drained?(): Promise<void>
  /** Told when a follow found that lines went before it could read them (rotated out of the log). */
  warning?(message: string): void
}

/** docker's words when its follower missed rotations. */
const MISSED_ROTATIONS = 'file rotations were missed while following logs; some log messages have been skipped over'

interface Entry {
  log: string
  stream: string
  time: string
  attrs?: Record<string, string>
}

const BLOCK_SIZE = 64 * 1024
/** How often a follow looks at the file when no change notice came. */
const POLL_MS = 250

/** Nanoseconds since the epoch of an RFC 3339 time with up to nine fractional digits. */
function timeNanoseconds(time: string): bigint {
  const match = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(.*)$/.exec(time)
  if (!match) return BigInt(Date.parse(time)) * 1_000_000n
  return BigInt(Date.parse(`${match[1]}${match[3]}`)) * 1_000_000n + BigInt((match[2] ?? '').padEnd(9, '0'))
}

/** docker's `-t` format: the entry's time with exactly nine fractional digits. */
function fixedTimestamp(time: string): string {
  return time.replace(/(T\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?/, (_, clock: string, fraction = '') => `${clock}.${fraction.padEnd(9, '0')}`)
}

/** Go's url.QueryEscape, which docker applies to `--details` keys and values. */
function queryEscape(value: string): string {
  return encodeURIComponent(value)
    .replace(/%20/g, '+')
    .replace(/[!'()*]/g, (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`)
}

function detailsPrefix(attrs: Record<string, string> | undefined): string {
  const pairs = Object.entries(attrs ?? {}).sort(([a], [b]) => compareStrings(a, b))
  return `${pairs.map(([key, value]) => `${queryEscape(key)}=${queryEscape(value)}`).join(',')} `
}

/**
 * Turns entries into the sink's writes, filtered and prefixed. Consecutive entries of a stream go
 * out in one write per block read: a write per entry (a small string, and a small buffer the
 * output makes of it) kept a follow of a chatty container growing by megabytes a minute.
 */
class Printer {
  private readonly options: ReadLogOptions
  private readonly sink: LogSink
  /** An entry after --until was seen: nothing later is shown. */
  passedUntil = false
  private pending = ''
  private pendingStream: 'stdout' | 'stderr' = 'stdout'
  private full = false

  constructor(options: ReadLogOptions, sink: LogSink) {
    this.options = options
    this.sink = sink
  }

  line(bytes: Buffer): void {
    let entry: Entry
    try {
      entry = JSON.parse(bytes.toString('utf8')) as Entry
    } catch {
      // A line damaged by a crash or a disk that filled up: docker skips it too.
      return
    }
    if (typeof entry.log !== 'string' || typeof entry.time !== 'string') return
    const {since, until} = this.options
    if (since !== undefined || until !== undefined) {
      const time = timeNanoseconds(entry.time)
      if (since !== undefined && time < since) return
      if (until !== undefined && time > until) {
        this.passedUntil = true
        return
      }
    }
    let text = entry.log
    if (this.options.details) text = detailsPrefix(entry.attrs) + text
    if (this.options.timestamps) text = `${fixedTimestamp(entry.time)} ${text}`
    const stream = entry.stream === 'stderr' ? 'stderr' : 'stdout'
    // The two streams keep their order: a change of stream writes out the other's first.
    if (stream !== this.pendingStream) this.writePending()
    this.pendingStream = stream
    this.pending += text
  }

  /** Passes on a warning, after what was read before it. */
  warning(message: string): void {
    this.writePending()
    this.sink.warning?.(message)
  }

  /** Writes out what the block gave, and waits for an output that is full to drain. */
  async flush(): Promise<void> {
    this.writePending()
    if (!this.full) return
    this.full = false
    await this.sink.drained?.()
  }

  private writePending(): void {
    if (this.pending === '') return
    if (this.sink[this.pendingStream](this.pending) === false) this.full = true
    this.pending = ''
  }
}

/** Feeds the complete lines of `handle` from `offset` to `end` (or its end) to `printer`; returns the offset after the last. */
async function readLines(handle: FileHandle, offset: number, printer: Printer, end?: number): Promise<number> {
  const buffer = Buffer.allocUnsafe(BLOCK_SIZE)
  let carried: Buffer | undefined
  for (;;) {
    const want = end === undefined ? BLOCK_SIZE : Math.min(BLOCK_SIZE, end - offset - (carried?.length ?? 0))
    if (want <= 0) break
    const {bytesRead} = await handle.read(buffer, 0, want, offset + (carried?.length ?? 0))
    if (bytesRead === 0) break
    const block = carried ? Buffer.concat([carried, buffer.subarray(0, bytesRead)]) : buffer.subarray(0, bytesRead)
    let start = 0
    for (let newline = block.indexOf(10); newline >= 0; newline = block.indexOf(10, start)) {
      printer.line(block.subarray(start, newline))
      start = newline + 1
    }
    offset += start
    // A line longer than a block is carried into the next read; a copy, since the buffer is reused.
    carried = start < block.length ? Buffer.from(block.subarray(start)) : undefined
    await printer.flush()
    if (printer.passedUntil) break
  }
  return offset
}

/** The offset after the last newline of `handle` at or before `size`. */
async function completeEnd(handle: FileHandle, size: number): Promise<number> {
  const buffer = Buffer.allocUnsafe(BLOCK_SIZE)
  for (let end = size; end > 0; ) {
    const start = Math.max(0, end - BLOCK_SIZE)
    const {bytesRead} = await handle.read(buffer, 0, end - start, start)
    const newline = buffer.subarray(0, bytesRead).lastIndexOf(10)
    if (newline >= 0) return start + newline + 1
    end = start
  }
  return 0
}

/**
 * Where the last `count` lines of `[0, end)` start (end just after a newline), or how many lines
 * short the file is when it holds fewer.
 */
async function tailStart(handle: FileHandle, end: number, count: number): Promise<{offset: number} | {missing: number}> {
  const buffer = Buffer.allocUnsafe(BLOCK_SIZE)
  // The newline ending the last line is not a boundary to count.
  let seen = -1
  for (let blockEnd = end; blockEnd > 0; ) {
    const start = Math.max(0, blockEnd - BLOCK_SIZE)
    const {bytesRead} = await handle.read(buffer, 0, blockEnd - start, start)
    for (let index = buffer.subarray(0, bytesRead).lastIndexOf(10); index >= 0; index = index > 0 ? buffer.lastIndexOf(10, index - 1) : -1) {
      if (++seen === count) return {offset: start + index + 1}
    }
    blockEnd = start
  }
  return end === 0 ? {missing: count} : {missing: count - seen - 1}
}

/** A file's content from its start, in blocks; the handle stays open (a stream of it would close it on error). */
async function* fileBlocks(handle: FileHandle): AsyncGenerator<Buffer, void, undefined> {
  for (let position = 0; ; ) {
    // A new buffer each time: gunzip may still hold the last one.
    const buffer = Buffer.allocUnsafe(BLOCK_SIZE)
    const {bytesRead} = await handle.read(buffer, 0, BLOCK_SIZE, position)
    if (bytesRead === 0) return
    position += bytesRead
    yield buffer.subarray(0, bytesRead)
  }
}

/** The decompressed content of a gzipped rotated file, in blocks; it ends where the data stops making sense. */
async function* gunzipped(handle: FileHandle): AsyncGenerator<Buffer, void, undefined> {
  const gunzip = createGunzip({chunkSize: BLOCK_SIZE})
  const feeding = pipeline(fileBlocks(handle), gunzip)
  feeding.catch(() => undefined)
  try {
    for await (const chunk of gunzip) yield chunk as Buffer
    await feeding
  } catch (error) {
    // A damaged file (written by a logger cut off, or a disk that filled up) shows what it holds up
    // to the damage, as a damaged line is skipped: docker skips such a file for --tail too.
    if (!String((error as NodeJS.ErrnoException).code).startsWith('Z_')) throw error
  } finally {
    gunzip.destroy()
  }
}

/** Feeds the complete lines of a gzipped rotated file to `printer`, but the first `skip`. */
async function readCompressedLines(handle: FileHandle, skip: number, printer: Printer): Promise<void> {
  let carried: Buffer | undefined
  for await (const chunk of gunzipped(handle)) {
    const block = carried ? Buffer.concat([carried, chunk]) : chunk
    let start = 0
    for (let newline = block.indexOf(10); newline >= 0; newline = block.indexOf(10, start)) {
      if (skip > 0) skip--
      else printer.line(block.subarray(start, newline))
      start = newline + 1
    }
    carried = start < block.length ? block.subarray(start) : undefined
    await printer.flush()
    if (printer.passedUntil) break
  }
}

/**
 * Feeds the complete lines of a log file to `printer`, a gzipped one through gunzip; `from` is where
 * to start: a byte offset in a plain file (its `end` is left after the last line read), a number of
 * lines to skip in a gzipped one.
 */
async function readFileLines(file: LogFile, from: number, printer: Printer): Promise<void> {
  if (file.compressed) await readCompressedLines(file.handle, from, printer)
  else file.end = await readLines(file.handle, from, printer, file.end)
}

/** As tailStart for a gzipped file, which cannot be read backwards: the offset is the number of lines to skip. */
async function compressedTailStart(handle: FileHandle, count: number): Promise<{offset: number} | {missing: number}> {
  let lines = 0
  for await (const chunk of gunzipped(handle)) {
    for (let newline = chunk.indexOf(10); newline >= 0; newline = chunk.indexOf(10, newline + 1)) lines++
  }
  return lines >= count ? {offset: lines - count} : {missing: count - lines}
}

/**
 * Nanoseconds since the epoch of the last entry of a gzipped rotated file, from docker's
 * `{"lastTime":…}` in the extra field of its gzip header (which nerd writes too); undefined without one.
 */
async function compressedLastTime(handle: FileHandle): Promise<bigint | undefined> {
  const header = Buffer.alloc(12)
  const {bytesRead} = await handle.read(header, 0, header.length, 0)
  const FEXTRA = 4
  if (bytesRead < header.length || header[0] !== 0x1f || header[1] !== 0x8b || !(header[3]! & FEXTRA)) return undefined
  const extra = Buffer.alloc(header.readUInt16LE(10))
  await handle.read(extra, 0, extra.length, header.length)
  try {
    const {lastTime} = JSON.parse(extra.toString('utf8')) as {lastTime?: unknown}
    const time = typeof lastTime === 'string' ? timeNanoseconds(lastTime) : undefined
    // Go's zero time (year 1) means none.
    return time !== undefined && time > 0n ? time : undefined
  } catch {
    return undefined
  }
}

interface LogFile {
  handle: FileHandle
  ino: number
  /** Where the complete lines end now (a plain file). */
  end: number
  /** A gzipped rotated file (`<file>.<n>.gz`), read from its start through gunzip. */
  compressed: boolean
  /** The CRC-32 and size of a plain rotated file's content, once worked out: what the trailer of its gzipped copy holds. */
  checksum?: {crc: number; size: number}
}

async function openLogFile(path: string, compressed = false): Promise<LogFile | undefined> {
  let handle: FileHandle
  try {
    handle = await open(path, 'r')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
  const {ino, size} = await handle.stat()
  return {handle, ino, end: compressed ? size : await completeEnd(handle, size), compressed}
}

/** `<file>.<index>`, or `<file>.<index>.gz` once compressed (the plain one first: it is removed only after the complete .gz has its name). */
async function openRotatedFile(path: string, index: number): Promise<LogFile | undefined> {
  return (await openLogFile(`${path}.${index}`)) ?? (await openLogFile(`${path}.${index}.gz`, true))
}

async function closeAll(files: (LogFile | undefined)[]): Promise<void> {
  for (const file of files) await file?.handle.close()
}

/** The CRC-32 and size of a whole (rotated, so final) file. */
async function contentChecksum(handle: FileHandle): Promise<{crc: number; size: number}> {
  const buffer = Buffer.allocUnsafe(BLOCK_SIZE)
  let crc = 0
  let size = 0
  for (;;) {
    const {bytesRead} = await handle.read(buffer, 0, BLOCK_SIZE, size)
    if (bytesRead === 0) return {crc, size}
    crc = crc32(buffer.subarray(0, bytesRead), crc)
    size += bytesRead
  }
}

/** Whether `gzipped` is the copy the logger made of the plain rotated file `plain`, by the CRC-32 and size in its gzip trailer. */
async function gzippedCopy(plain: LogFile, gzipped: LogFile): Promise<boolean> {
  const trailer = Buffer.alloc(8)
  if (gzipped.end < trailer.length) return false
  await gzipped.handle.read(trailer, 0, trailer.length, gzipped.end - trailer.length)
  plain.checksum ??= await contentChecksum(plain.handle)
  return trailer.readUInt32LE(0) === plain.checksum.crc && trailer.readUInt32LE(4) === plain.checksum.size % 2 ** 32
}

/**
 * Whether the rotated `file` is `<file>.<index>` now (plain or gzipped), another file is, or none.
 * Told by the inode, but for the gzipped copy of a plain file, whose trailer is read.
 */
async function whatIsAt(path: string, index: number, file: LogFile): Promise<'it' | 'other' | 'none'> {
  const plain = await stat(`${path}.${index}`).catch(() => undefined)
  if (plain?.ino === file.ino) return 'it'
  // Both names are there for a moment once the compression is done: the .gz is then the same file.
  const gzipped = await stat(`${path}.${index}.gz`).catch(() => undefined)
  if (!gzipped) return plain ? 'other' : 'none'
  if (gzipped.ino === file.ino) return 'it'
  if (file.compressed) return 'other'
  const candidate = await openLogFile(`${path}.${index}.gz`, true)
  if (!candidate) return plain ? 'other' : 'none'
  try {
    return (await gzippedCopy(file, candidate)) ? 'it' : 'other'
  } finally {
    await candidate.handle.close()
  }
}

/**
 * How long a file is looked for while rotations keep moving it as it is looked for, and a step of
 * a walk retried; a logger that rotates without pause for that long outruns any reader anyway.
 */
const PATIENCE_MS = 2000

/** How often a walk looks again for a file that a rotation under way is about to put under a name. */
const MISSING_FILE_POLL_MS = 5

/**
 * How long in all a walk waits for rotated files to come under names it found empty. A rotation
 * empties a name for the moment between two renames (a logger held up between them, a loaded
 * machine, for a scheduler's slice or a few); a file removed by hand leaves its name empty for good,
 * and the rotations move that hole up under the walk: a walk that waited for each name anew waited
 * until the hole left the log, and a `logs` of a stopped container waited for every hole.
 */
const HOLE_PATIENCE_MS = 500

/** The inode of the live file now; undefined while there is none. */
async function liveInode(path: string): Promise<number | undefined> {
  return (await stat(path).catch(() => undefined))?.ino
}

/**
 * Where the rotated `file` is now (`<file>.<index>`, `from` or higher): `gone` once it is under none
 * of the names, `outrun` when rotations kept moving it for PATIENCE_MS. Rotations move it up while it
 * is looked for: only a look through all the names with no rotation meanwhile says it is not there.
 */
async function findRotated(path: string, file: LogFile, from: number, maxFile: number | undefined): Promise<number | 'gone' | 'outrun'> {
  if (maxFile !== undefined && from >= maxFile) return 'gone'
  const started = Date.now()
  for (;;) {
    const live = await liveInode(path)
    for (let index = from; maxFile === undefined || index < maxFile; index++) {
      const there = await whatIsAt(path, index, file)
      if (there === 'it') return index
      // Without max-file, the files in a row.
      if (there === 'none' && maxFile === undefined) break
    }
    if ((await liveInode(path)) === live) return 'gone'
    if (Date.now() - started >= PATIENCE_MS) return 'outrun'
  }
}

/** Whether a rotated file (plain or gzipped) is under any name from `<file>.<from>` up to `<file>.<to>`, `to` left out. */
async function anyNamed(path: string, from: number, to: number): Promise<boolean> {
  for (let index = from; index < to; index++) {
    for (const name of [`${path}.${index}`, `${path}.${index}.gz`]) {
      if (await stat(name).then(() => true, () => false)) return true
    }
  }
  return false
}

/**
 * When a rotation under way moved `file` (found before a name found empty) into its place, at the
 * latest `now`: the rotation that empties a name moved the file before it just before, which sets
 * that file's ctime (a rename does). Waits for a name are counted from then.
 */
async function movedIntoPlace(file: LogFile, now: number): Promise<number> {
  return Math.min(now, (await file.handle.stat()).ctimeMs)
}

/** The files after a rotated one, oldest first, up to the live file (undefined while there is none). */
interface Chain {
  rotated: LogFile[]
  live?: LogFile
}

/** How a look across the files (walkToLive, openLog) takes a name found empty. */
interface WalkOptions {
  maxFile: number | undefined
  /**
   * Whether to wait for a live file found missing (PATIENCE_MS): a follow that found the live name
   * empty goes on from the last file read at once instead, and looks again at its next poll.
   */
  waitForLive: boolean
  writerGone: (() => Promise<boolean>) | undefined
}

function walkOptions(options: ReadLogOptions, waitForLive: boolean): WalkOptions {
  return {maxFile: options.maxFile, waitForLive, writerGone: options.writerGone}
}

/**
 * The files after `anchor` (held open, rotated, at `<file>.<index>`), each opened while the one
 * before it is still where it was: the file one index lower, or the live one after `.1`, is then
 * the next, and a name found empty is one a rotation under way is about to fill. A rotation between
 * the two moves the one before up: it is found again, and the walk goes on from there; so a
 * rotation at any moment neither skips a file nor shows one twice (as the gzipped copy of one
 * already open). Undefined when `anchor` went out of the log meanwhile. `removedAfter`: the file
 * after `anchor` was removed by hand; its place, the name below `anchor` found empty, stays so (each
 * rotation moves `anchor` up, then finds nothing to move into its old name), and is not waited for.
 */
async function walkToLive(path: string, anchor: LogFile, index: number, walk: WalkOptions, removedAfter = false): Promise<Chain | undefined> {
  const {maxFile} = walk
  const rotated: LogFile[] = []
  let last = anchor
  let lastAt = index
  let next: LogFile | undefined
  let liveMissingSince: number | undefined
  let holesWaitedUntil: number | undefined
  /** No logger writes the log any more: a name found empty stays so. Asked at the first one. */
  let writerGone: boolean | undefined
  try {
    for (let probe = index - 1; ; ) {
      next = probe === 0 ? await openLogFile(path) : await openRotatedFile(path, probe)
      if (next && probe < lastAt - 1 && (await anyNamed(path, probe + 1, lastAt))) {
        // A name skipped as a hole is filled now: the rotation held up there went on, and moved the
        // file that was below it up into it; the file just opened may be one after that file.
        await next.handle.close()
        next = undefined
        probe = lastAt - 1
        continue
      }
      if ((await whatIsAt(path, lastAt, last)) !== 'it') {
        await next?.handle.close()
        next = undefined
        const found = await findRotated(path, last, lastAt + 1, maxFile)
        if (typeof found !== 'number') {
          await closeAll(rotated)
          return undefined
        }
        probe += found - lastAt
        lastAt = found
        continue
      }
      if (next) {
        if (probe === 0) return {rotated, live: next}
        rotated.push(next)
        last = next
        lastAt = probe
        next = undefined
        probe--
        continue
      }
      // Nothing under that name, the file before still in its place: a rotation is under way, most
      // likely. It empties each name just before it fills it again (the live file's last, which the
      // logger then makes anew), and may have moved the file before into its place already: the
      // file comes, and going on without it would skip it unseen.
      writerGone ??= (await walk.writerGone?.()) ?? false
      const now = Date.now()
      if (probe === 0) {
        // A live file missing since long before the file before was moved into `.1` was removed (by
        // hand), not moved by a rotation under way: it is not waited for.
        liveMissingSince ??= await movedIntoPlace(last, now)
        // It did not come: the log is gone.
        if (!walk.waitForLive || writerGone || now - liveMissingSince >= PATIENCE_MS) return {rotated}
      } else if (removedAfter && last === anchor && probe === lastAt - 1) {
        // The place of the file removed by hand: not waited for. Once only: at the top of the log, the
        // rotation that would drop `anchor` moves that empty name onto it instead, and the file after
        // the one removed comes into the name; the walk, gone on below, then steps back to it.
        removedAfter = false
        probe--
        continue
      } else {
        // Counted, as for the live file, from when the rotation moved the file before into its place.
        holesWaitedUntil ??= (await movedIntoPlace(last, now)) + HOLE_PATIENCE_MS
        // It did not come: a rotated file was removed (not by nerd's logger); the walk goes on below it.
        if (writerGone || now >= holesWaitedUntil) {
          probe--
          continue
        }
      }
      await new Promise((resolve) => setTimeout(resolve, MISSING_FILE_POLL_MS))
    }
  } catch (error) {
    await closeAll([...rotated, next])
    throw error
  }
}

/**
 * All the files of the log, oldest first, the live one apart: walked from the oldest rotated one,
 * found again when the logger dropped it meanwhile. The live file is opened first: when no rotated
 * file is found, a rotation after that moves the live file opened, which a follow then sees.
 */
async function openLog(path: string, walk: WalkOptions): Promise<Chain> {
  const {maxFile} = walk
  const started = Date.now()
  for (;;) {
    const live = await openLogFile(path)
    let oldest: {file: LogFile; index: number} | undefined
    try {
      for (let index = 1; maxFile === undefined || index < maxFile; index++) {
        const file = await openRotatedFile(path, index)
        if (!file) {
          if (maxFile === undefined) break
          continue
        }
        await oldest?.file.handle.close()
        oldest = {file, index}
      }
    } catch (error) {
      await closeAll([live, oldest?.file])
      throw error
    }
    if (!oldest) return live ? {rotated: [], live} : {rotated: []}
    await live?.handle.close()
    const chain = await walkToLive(path, oldest.file, oldest.index, walk).catch(async (error: unknown) => {
      await oldest.file.handle.close()
      throw error
    })
    if (chain) return {...chain, rotated: [oldest.file, ...chain.rotated]}
    await oldest.file.handle.close()
    // Dropped before the walk was done: the logger outran it. From the oldest again, unless it does
    // so for good: then the live file alone.
    if (Date.now() - started >= PATIENCE_MS) {
      const now = await openLogFile(path)
      return now ? {rotated: [], live: now} : {rotated: []}
    }
  }
}

/**
 * Wakes a follow when something in the log's directory changes, or after `ms` at the latest. A
 * change noticed while the follow was not waiting (reading, or asking whether to stop) ends its next
 * wait at once: it may have come after the follow's last look, and a burst of output can rotate the
 * log several times while the follow sleeps a whole poll.
 */
function changeNotices(path: string, signal: AbortSignal | undefined): {wait(ms: number): Promise<void>; close(): void} {
  let wake: (() => void) | undefined
  let changed = false
  let watcher: ReturnType<typeof watch> | undefined
  try {
    const name = basename(path)
    watcher = watch(dirname(path), {persistent: false}, (_, file) => {
      if (file !== null && !file.startsWith(name)) return
      if (wake) wake()
      else changed = true
    })
    watcher.on('error', () => watcher?.close())
  } catch {
    // No directory yet or no inotify: polling alone.
  }
  return {
    wait: (ms) =>
      new Promise<void>((resolve) => {
        if (changed || signal?.aborted) {
          changed = false
          resolve()
          return
        }
        const done = (): void => {
          clearTimeout(timer)
          signal?.removeEventListener('abort', done)
          wake = undefined
          resolve()
        }
        const timer = setTimeout(done, ms)
        signal?.addEventListener('abort', done)
        wake = done
      }),
    close: () => watcher?.close(),
  }
}

/**
 * Where a follow is: the live file it reads, or, while there is none (a logger held up between
 * moving the live file and making the next), the last file it read to its end (`anchor`), from which
 * it walks to the live file once one comes. Opening that one from its start instead skipped every
 * file rotated meanwhile, without a warning.
 */
interface FollowedFiles {
  live?: LogFile
  /**
   * The newest rotated file before `live`, when known: where the files after `live` begin when
   * `live` goes out of the log unrotated (removed by hand: the logger writes on into it until its
   * next rotation, which leaves its place empty).
   */
  before?: LogFile
  anchor?: LogFile
}

export async function readLogs(path: string, options: ReadLogOptions, sink: LogSink): Promise<void> {
  const printer = new Printer(options, sink)
  // The files are all open before any is read: a rotation while they are read then shows as a new
  // live file to follow.
  const {live, rotated} = await openLog(path, walkOptions(options, true))
  const anchor = live || !options.follow ? undefined : rotated.at(-1)
  const before = live && options.follow ? rotated.at(-1) : undefined
  const reading: FollowedFiles = live ? {live, before} : anchor ? {anchor} : {}
  try {
    try {
      await readBacklog(rotated, reading.live, options, printer)
    } finally {
      await closeAll(rotated.filter((file) => file !== anchor && file !== before))
    }
    if (!options.follow || printer.passedUntil || (options.until !== undefined && options.until < BigInt(Date.now()) * 1_000_000n)) return
    await follow(path, reading, options, printer)
  } finally {
    await closeAll([reading.live, reading.before, reading.anchor])
  }
}

/** What is in the files now: the rotated ones (oldest first), then the live one up to its last complete line (where `live.end` is left). */
async function readBacklog(rotated: LogFile[], live: LogFile | undefined, options: ReadLogOptions, printer: Printer): Promise<void> {
  let files = live ? [...rotated, live] : rotated
  const {since} = options
  if (since !== undefined) {
    // As docker's: a compressed file whose last entry is before --since is not read, nor any older one.
    for (let index = files.length - 1; index >= 0; index--) {
      const file = files[index]!
      if (!file.compressed) continue
      const lastTime = await compressedLastTime(file.handle)
      if (lastTime === undefined || lastTime >= since) continue
      files = files.slice(index + 1)
      break
    }
  }

  let first = 0
  let offset = 0
  if (options.tail !== undefined && options.tail >= 0) {
    first = files.length
    let count = options.tail
    for (let index = files.length - 1; index >= 0 && count > 0; index--) {
      const file = files[index]!
      const start = file.compressed ? await compressedTailStart(file.handle, count) : await tailStart(file.handle, file.end, count)
      first = index
      if ('offset' in start) {
        offset = start.offset
        break
      }
      count = start.missing
    }
  }
  for (let index = first; index < files.length && !printer.passedUntil; index++) {
    await readFileLines(files[index]!, index === first ? offset : 0, printer)
  }
}

/**
 * The followed file (the live one, or the anchor) is no longer the live one. Reads the rest of it
 * (the logger closes a file before it moves it, so what it holds now is all it will), then every
 * file rotated after it, oldest first; returns the live file now, to be read from its start, or the
 * anchor to go on from while there is none. A live file removed by hand is under no name: the files
 * after it are those after `before`, the file before it, while that one is kept. When it went out of
 * the log before it was found (more rotations than max-file keeps), what was between is lost: the
 * sink is warned, and the oldest rotated file kept comes next. `at` is where the followed file was
 * found, when it was looked for already (the live name found empty: the walk does not wait for a
 * live file then).
 */
async function readRotated(path: string, followed: LogFile, before: LogFile | undefined, options: ReadLogOptions, printer: Printer, at?: number): Promise<FollowedFiles> {
  const {maxFile} = options
  const walk = walkOptions(options, at === undefined)
  // Opened first: a logger faster than the output cannot rotate them away while the rest of the
  // followed file is read.
  const found = at ?? (await findRotated(path, followed, 1, maxFile))
  let after = typeof found === 'number' ? await walkToLive(path, followed, found, walk) : undefined
  /** The file the chain `after` comes after. */
  let from = followed
  if (found === 'gone' && before) {
    // Under no name: removed by hand. Its place is empty, after the file before it (the rotations
    // since moved it up), and the files after it are the ones after that.
    const beforeAt = await findRotated(path, before, 1, maxFile)
    after = typeof beforeAt === 'number' ? await walkToLive(path, before, beforeAt, walk, true) : undefined
    from = before
  }
  const {rotated, live} = after ?? (await openLog(path, walk))
  let anchor: LogFile | undefined
  let nextBefore: LogFile | undefined
  try {
    // An anchor, read to its end already, may be gzipped: its end is then its size, and nothing is read.
    followed.end = await readLines(followed.handle, followed.end, printer)
    // The file followed went out of the log: so did what came between, unless nothing came (no
    // rotated file kept: max-file 1), even when no rotated file was found (all rotated away meanwhile).
    if (!after && ((maxFile ?? 1) > 1 || rotated.length > 0)) printer.warning(MISSED_ROTATIONS)
    for (const file of rotated) {
      if (printer.passedUntil) break
      await readFileLines(file, 0, printer)
    }
    const newest = rotated.at(-1) ?? (after ? from : undefined)
    if (live) nextBefore = newest
    else anchor = newest
  } catch (error) {
    await live?.handle.close()
    throw error
  } finally {
    await closeAll(rotated.filter((file) => file !== anchor && file !== nextBefore))
  }
  return live ? {live, before: nextBefore} : anchor ? {anchor} : {}
}

/** Reads what is appended to the live file, and to the files that replace it, until told to stop. */
async function follow(path: string, reading: FollowedFiles, options: ReadLogOptions, printer: Printer): Promise<void> {
  const notices = changeNotices(path, options.signal)
  let lastAsked = 0
  /** Told to stop: one more look, for what came (or was rotated) since the last. */
  let stopping = false
  /** Goes on from the file followed, rotated (found at `at` when looked for already), to the files after it. */
  const moveOn = async (at?: number): Promise<void> => {
    const followed = reading.live ?? reading.anchor
    const {before} = reading
    delete reading.live
    delete reading.before
    delete reading.anchor
    let next: FollowedFiles = {}
    try {
      if (followed) next = await readRotated(path, followed, before, options, printer, at)
      else {
        const opened = await openLogFile(path)
        if (opened) next = {live: opened}
      }
    } finally {
      await closeAll([followed, before].filter((file) => file !== next.anchor && file !== next.before))
    }
    if (next.live) next.live.end = 0
    Object.assign(reading, next)
  }
  try {
    while (!options.signal?.aborted && !printer.passedUntil) {
      const live = reading.live
      // Looked at before the file is read: a rotation is seen one read sooner, before a logger
      // faster than the output rotates the next files away.
      let current
      try {
        current = await stat(path)
      } catch {
        current = undefined
      }
      if (current && current.ino !== live?.ino) {
        // Rotated, maybe more than once since the last look, or recreated; or a live file has come
        // after the anchor.
        await moveOn()
        continue
      }
      if (live && current && current.size < live.end) {
        // Truncated: with max-file 1 the file starts over.
        live.end = 0
        continue
      }
      let progressed = false
      if (live) {
        const end = await readLines(live.handle, live.end, printer, current?.size)
        progressed = end !== live.end
        live.end = end
      }
      if (progressed) continue
      const followed = live ?? reading.anchor
      if (!current && followed) {
        // No live file: a rotation under way, or held up before it makes the next live file (for
        // seconds, on a loaded machine), or the live file removed by hand (the logger writes on into
        // it until its next rotation). The files rotated meanwhile are read now, the file followed
        // found rotated: waiting for the next live file let further rotations take it out of the log
        // although all it held was read, and the follow warned of lines missed.
        const at = await findRotated(path, followed, 1, options.maxFile)
        if (typeof at === 'number') {
          await moveOn(at)
          if (reading.live) continue
        }
      }
      if (stopping || (options.until !== undefined && options.until < BigInt(Date.now()) * 1_000_000n)) return
      if (Date.now() - lastAsked >= POLL_MS) {
        lastAsked = Date.now()
        stopping = (await options.shouldStop?.()) ?? false
        if (stopping) continue
      }
      await notices.wait(POLL_MS)
    }
  } finally {
    notices.close()
  }
}

/** The layout docker's GetTimestamp reads a time in: by its fraction, `T`, colons, and whether it names a zone. */
function timestampLayout(value: string, local: boolean): string {
  if (value.includes('.')) return local ? '2006-01-02T15:04:05.999999999' : '2006-01-02T15:04:05.999999999Z07:00'
  if (!value.includes('T')) return local ? '2006-01-02' : '2006-01-02Z07:00'
  // The colons of the time: an offset's own (`+01:00`) is not one.
  const colons = (value.match(/:/g)?.length ?? 0) - (!local && !/[zZ]/.test(value) && value.includes(':') ? 1 : 0)
  const time = ['2006-01-02T15', '2006-01-02T15:04', '2006-01-02T15:04:05'][Math.min(colons, 2)]!
  return local ? time : `${time}Z07:00`
}

/** goParseInt64, undefined for what it refuses: docker's parseTimestamp tells no reason. */
function parseInt64(text: string): bigint | undefined {
  try {
    return goParseInt64(text, text)
  } catch {
    return undefined
  }
}

/** docker's parseTimestamp: Unix seconds, with an optional fraction (its first nine digits counted). */
function parseUnixTimestamp(value: string): bigint | undefined {
  const [whole = '', fraction] = value.split(/\.(.*)/s)
  const seconds = parseInt64(whole)
  const nanoseconds = fraction === undefined ? 0n : parseInt64(fraction)
  if (seconds === undefined || nanoseconds === undefined) return undefined
  const digits = fraction?.replace(/^[+-]/, '').length ?? 0
  const scaled = digits <= 9 ? nanoseconds * 10n ** BigInt(9 - digits) : nanoseconds / 10n ** BigInt(digits - 9)
  return seconds * 1_000_000_000n + scaled
}

/**
 * docker's `--since`/`--until` values (its GetTimestamp, then ParseTimestamps), in nanoseconds since
 * the epoch: a Go duration before `now` (to the whole second, as docker's `Unix()`), an RFC 3339
 * date or time (without a zone at the offset local time has now, as docker's FixedZone), or Unix
 * seconds with an optional fraction. A value with a `-` that is none of them fails in Go's time.Parse words.
 */
export function parseLogTimeNanoseconds(value: string, now: Date = new Date()): bigint {
  const duration = value === '0' ? undefined : parseGoDuration(value)
  if (duration !== undefined) return BigInt(Math.floor((now.getTime() - duration) / 1000)) * 1_000_000_000n
  const local = !/[zZ+]/.test(value) && value.split('-').length - 1 !== 3
  try {
    return parseGoTime(timestampLayout(value, local), value, local ? -now.getTimezoneOffset() * 60 : 0)
  } catch (error) {
    if (!(error instanceof GoTimeParseError)) throw error
    if (value.includes('-')) throw new NerdError(error.message)
  }
  const timestamp = parseUnixTimestamp(value)
  if (timestamp === undefined) throw new NerdError(`failed to parse value as time or duration: "${value}"`)
  return timestamp
}

/** parseLogTimeNanoseconds to the millisecond, for filters that compare dates (prune's until, events). */
export function parseLogTime(value: string, now: Date = new Date()): Date {
  return new Date(Number(parseLogTimeNanoseconds(value, now) / 1_000_000n))
}
