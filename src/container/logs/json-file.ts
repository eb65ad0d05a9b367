/**
 * docker's json-file log: one JSON object per line,
 * `{"log":"<line>\n","stream":"stdout","time":"<RFC 3339 with nanoseconds, UTC>"}` (with
 * `"attrs":{…}` before `time` when the log options name labels, variables or a tag), rotated before
 * an entry once the file has reached max-size (as docker's, it ends a little past it): `<file>`
 * becomes `<file>.1`, `.1` becomes `.2` … up to
 * `<file>.<max-file - 1>`, gzipped (`.1.gz` …) with compress; with max-file 1 a new, empty file
 * replaces it.
 *
 * Written with synchronous calls straight from the bytes received: the logger that runs beside every
 * container stays off libuv's thread pool (but while it gzips a rotated file, see
 * compressed-rotation.ts) and allocates next to nothing per line.
 */
import {closeSync, fstatSync, ftruncateSync, openSync, renameSync, rmSync, writeSync} from 'node:fs'
import {NerdError} from '../../errors.ts'
import {fileFailure} from '../../files.ts'
import {goJSON} from '../../format/go-json.ts'
import {parseBytes, parseDecimalBytes} from '../../format/byte-sizes.ts'
import {compareStrings, goAtoi, goParseBool, goParseBoolError} from '../../format/go-values.ts'
import type {ContainerRecord} from '../model.ts'
import {CompressedRotation} from './compressed-rotation.ts'
import {maxEscapedLength, writeEscaped} from './json-string.ts'

export interface JsonFileOptions {
  /** Bytes; unset means the file is never rotated. */
  maxSize?: number
  /** Files kept including the live one (docker's default 1: no rotated copies). */
  maxFile?: number
  /** docker's `attrs` of every entry (see logs/attributes.ts). */
  attrs?: Record<string, string>
  /** Rotated files are gzipped (`<file>.1.gz` …, see compressed-rotation.ts); the live one stays plain. */
  compress?: boolean
  /**
   * Told of the first write that fails (a full disk), as an error naming the file: the log drops
   * what it cannot write and goes on, as docker's does, for the container must not wait on its output.
   */
  onWriteFailure?: (error: Error) => void
}

export type LogStream = 'stdout' | 'stderr'

/** docker logs a line longer than this in pieces of this size, the newline only on the last. */
export const MAX_LINE_PIECE = 16 * 1024

/** The options every driver takes (docker's logger factory checks them). */
const GENERIC_OPTIONS = new Set(['mode', 'max-buffer-size'])
/** What the json-file driver puts in its entries' `attrs` (logs/attributes.ts reads them). */
const ATTRIBUTE_OPTIONS = new Set(['labels', 'env', 'tag', 'labels-regex', 'env-regex'])
/** The json-file driver's own (its ValidateLogOpt). */
const JSON_FILE_OPTIONS = new Set(['max-file', 'max-size', 'compress', ...ATTRIBUTE_OPTIONS])

/**
 * docker's check of `--log-driver` and `--log-opt` at create (logger.ValidateLogOpts): every
 * driver's options, the driver, then the names of the json-file driver's options. Their values are
 * the logger's to read, at each start (parseLogOptions, logs/attributes.ts's checkLogAttributes).
 *
 * nerd's logger always drains the container's output as fast as it writes the file, so
 * `mode=non-blocking` changes nothing: where docker would drop lines once max-buffer-size of them
 * wait, nerd's container waits for the disk, and no line is lost.
 */
export function checkLogConfig(driver: string, config: Record<string, string>): void {
  if (driver === 'none') return
  const mode = config.mode ?? ''
  if (!['', 'blocking', 'non-blocking'].includes(mode)) throw new NerdError(`logger: logging mode not supported: ${mode}`)
  const bufferSize = config['max-buffer-size']
  if (bufferSize !== undefined) {
    if (mode !== 'non-blocking') throw new NerdError("logger: max-buffer-size option is only supported with 'mode=non-blocking'")
    try {
      parseBytes(bufferSize)
    } catch (error) {
      throw new NerdError(`error parsing option max-buffer-size: ${(error as Error).message}`)
    }
  }
  // nerd has docker's json-file and none only (not journald, syslog, local …).
  if (driver !== 'json-file') throw new NerdError(`logger: no log driver named '${driver}' is registered`)
  for (const key of Object.keys(config)) {
    if (!GENERIC_OPTIONS.has(key) && !JSON_FILE_OPTIONS.has(key)) throw new NerdError(`unknown log opt '${key}' for json-file log driver`)
  }
}

/** Whether the log options name labels, variables or a tag for the entries' `attrs`. */
export function namesAttributes(config: Record<string, string>): boolean {
  return Object.keys(config).some((key) => ATTRIBUTE_OPTIONS.has(key))
}

/** The json-file driver's max-size, max-file and compress, read and refused as docker's driver does as it starts (jsonfilelog.New). */
export function parseLogOptions(config: Record<string, string>): JsonFileOptions {
  const options: JsonFileOptions = {}
  if (config['max-size'] !== undefined) {
    options.maxSize = parseDecimalBytes(config['max-size'])
    if (options.maxSize <= 0) throw new NerdError('max-size must be a positive number')
  }
  if (config['max-file'] !== undefined) {
    options.maxFile = goAtoi(config['max-file'], `strconv.Atoi: parsing ${JSON.stringify(config['max-file'])}`)
    if (options.maxFile < 1) throw new NerdError('max-file cannot be less than 1')
  }
  if (config.compress !== undefined) {
    const compress = goParseBool(config.compress)
    if (compress === undefined) throw new NerdError(goParseBoolError(config.compress))
    // Only rotated files are compressed: docker wants some to be made and kept.
    if (compress && (options.maxSize === undefined || (options.maxFile ?? 1) < 2)) {
      throw new NerdError('compress cannot be true when max-file is less than 2 or max-size is not set')
    }
    if (compress) options.compress = true
  }
  return options
}

/** Wall-clock nanoseconds minus the monotonic clock; resynchronised when the wall clock moves. */
let epochOffset = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint()

/** Now in nanoseconds since the epoch: the wall clock, with the monotonic clock's resolution. */
export function nowNanoseconds(): bigint {
  const now = process.hrtime.bigint() + epochOffset
  const wall = BigInt(Date.now()) * 1_000_000n
  if (now - wall > 1_000_000n || wall - now > 1_000_000n) {
    epochOffset = wall - process.hrtime.bigint()
    return wall
  }
  return now
}

/** RFC 3339 in UTC to the nanosecond, as docker writes an entry's `time` (`-t` pads it to nine digits). */
export function logTimestamp(nanoseconds: bigint = nowNanoseconds()): string {
  const seconds = nanoseconds / 1_000_000_000n
  // Go's RFC3339Nano, as docker's writer: trailing zeros of the fraction dropped, and the dot with none left.
  const fraction = (nanoseconds % 1_000_000_000n).toString().padStart(9, '0').replace(/0+$/, '')
  return `${new Date(Number(seconds) * 1000).toISOString().slice(0, 19)}${fraction === '' ? '' : `.${fraction}`}Z`
}

export interface JsonFileLog {
  /**
   * Logs the complete lines of `chunk`; the rest waits for its newline (or 16 KiB, or close). Never
   * throws: what cannot be written is dropped (see JsonFileOptions.onWriteFailure).
   */
  write(stream: LogStream, chunk: Uint8Array): void
  /** Logs what is left of an unfinished line, as is (or drops it, as write), and closes the file once the rotated files are compressed. */
  close(): Promise<void>
}

const ENTRY_START = Buffer.from('{"log":"')
const ENTRY_END = Buffer.from('"}\n')
/** The longest `time` (nine fraction digits; fewer when it ends in zeros). */
const TIME_LENGTH = '2006-01-02T15:04:05.000000000Z'.length

/** `attrs` as Go's json.Marshal writes a map: keys sorted. */
function attrsJson(attrs: Record<string, string>): string {
  return goJSON(Object.fromEntries(Object.entries(attrs).sort(([a], [b]) => compareStrings(a, b))))
}

/** What comes between an entry's text and its time: the stream, and the attributes when there are some. */
function streamFields(attrs: Record<string, string> | undefined): Record<LogStream, Buffer> {
  const attrsField = attrs && Object.keys(attrs).length > 0 ? `,"attrs":${attrsJson(attrs)}` : ''
  return {stdout: Buffer.from(`","stream":"stdout"${attrsField},"time":"`), stderr: Buffer.from(`","stream":"stderr"${attrsField},"time":"`)}
}
/** Entries are gathered here and written with one call per chunk received. */
const OUTPUT_SIZE = 128 * 1024

/** An unfinished line of one stream: at most MAX_LINE_PIECE bytes, since a full piece is logged at once. */
interface PendingLine {
  bytes: Buffer
  length: number
  /**
   * While a line longer than MAX_LINE_PIECE is logged in pieces, the time of its first piece, which
   * docker's copier gives every piece (partialTS); else when the pending bytes were last read, the
   * time of the unfinished line the close logs (docker's, at the end of the output, is no earlier).
   */
  time: Buffer
  timeLength: number
  pieced: boolean
}

export async function openJsonFileLog(path: string, options: JsonFileOptions = {}): Promise<JsonFileLog> {
  const maxFile = options.maxFile ?? 1
  const streamField = streamFields(options.attrs)
  /** Everything of an entry except the escaped text. */
  const entryFrame = ENTRY_START.length + streamField.stdout.length + TIME_LENGTH + ENTRY_END.length
  /** -1 while the file is closed: a rotation that could not open the new one; the next write tries again. */
  let fd = openSync(path, 'a', 0o640)
  let size = fstatSync(fd).size
  let failureTold = false
  const output = Buffer.allocUnsafe(Math.max(OUTPUT_SIZE, entryFrame + maxEscapedLength(MAX_LINE_PIECE)))
  let outputLength = 0
  const pending: Record<LogStream, PendingLine> = {
    stdout: {bytes: Buffer.allocUnsafe(MAX_LINE_PIECE), length: 0, time: Buffer.allocUnsafe(TIME_LENGTH), timeLength: 0, pieced: false},
    stderr: {bytes: Buffer.allocUnsafe(MAX_LINE_PIECE), length: 0, time: Buffer.allocUnsafe(TIME_LENGTH), timeLength: 0, pieced: false},
  }
  // Rewritten in place for each chunk: a Buffer.from per chunk would be a slice of Node's shared
  // 8 KiB pool, and a pool that outlives two scavenges (a few hundred chunks) sits in the old
  // generation, its malloc'd memory kept until a full GC, which a logger allocating so little
  // seldom needs: the logger of a container writing small chunks grew by megabytes a minute.
  const time = Buffer.allocUnsafe(TIME_LENGTH)
  let timeLength = 0
  /** The time of the last entry made: a compressed rotated file's (docker's lastTimestamp), kept only when compressing. */
  const lastTime = Buffer.allocUnsafe(TIME_LENGTH)
  let lastTimeLength = 0
  const compressed = options.compress && maxFile > 1 ? new CompressedRotation(path, maxFile) : undefined

  const writeAll = (bytes: Buffer, length: number): void => {
    if (fd < 0) fd = openSync(path, 'a', 0o640)
    try {
      for (let written = 0; written < length; ) written += writeSync(fd, bytes, written, length - written)
    } catch (error) {
      // Half an entry would spoil the line the next write appends to.
      try {
        ftruncateSync(fd, size)
      } catch {
        // The file keeps a cut line, which readers skip.
      }
      throw fileFailure('write', path, error)
    }
    size += length
  }
  /** Runs `write`; a failure (a full disk) drops what it was writing, as docker drops it, and is told once. */
  const dropOnFailure = (write: () => void): void => {
    try {
      write()
    } catch (error) {
      outputLength = 0
      if (failureTold) return
      failureTold = true
      options.onWriteFailure?.(error as Error)
    }
  }
  /** Writes the gathered entries. */
  const flush = (): void => {
    const length = outputLength
    outputLength = 0
    if (length > 0) writeAll(output, length)
  }
  /**
   * docker truncates the file when it keeps no rotated copy; a new file instead lets a follower
   * tell that it started over, which a truncated file followed by a longer write would hide.
   */
  const rotate = (): void => {
    if (fd >= 0) closeSync(fd)
    fd = -1
    if (maxFile <= 1) {
      rmSync(path, {force: true})
    } else if (compressed) {
      compressed.rotate(lastTime.toString('latin1', 0, lastTimeLength))
    } else {
      for (let index = maxFile - 1; index >= 1; index--) {
        try {
          renameSync(index === 1 ? path : `${path}.${index - 1}`, `${path}.${index}`)
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
        }
      }
    }
    size = 0
    fd = openSync(path, 'a', 0o640)
  }
  /** Adds the entry for `source[start, end)` stamped `stamp[0, stampLength)` to the output, rotating first once the file has reached max-size. */
  const entry = (stream: LogStream, source: Buffer, start: number, end: number, stamp: Buffer, stampLength: number): void => {
    if (output.length - outputLength < entryFrame + maxEscapedLength(end - start)) flush()
    const entryStart = outputLength
    let offset = entryStart + ENTRY_START.copy(output, entryStart)
    offset = writeEscaped(source, start, end, output, offset)
    offset += streamField[stream].copy(output, offset)
    offset += stamp.copy(output, offset, 0, stampLength)
    offset += ENTRY_END.copy(output, offset)
    outputLength = offset
    const entryLength = offset - entryStart
    // docker's writer: `if pos.size >= capacity { rotate }` before each entry.
    if (options.maxSize !== undefined && size + entryStart >= options.maxSize) {
      // A file full before this logger wrote to it (a smaller max-size since): its last entry's time unknown, this one's is no earlier.
      if (compressed && lastTimeLength === 0) lastTimeLength = stamp.copy(lastTime, 0, 0, stampLength)
      if (entryStart > 0) writeAll(output, entryStart)
      rotate()
      output.copy(output, 0, entryStart, offset)
      outputLength = entryLength
    }
    if (compressed) lastTimeLength = stamp.copy(lastTime, 0, 0, stampLength)
  }
  /** Logs `source[start, end)`, which ends a line or (`piece`) a piece of one, after what is pending. */
  const line = (stream: LogStream, source: Buffer, start: number, end: number, piece: boolean): void => {
    const unfinished = pending[stream]
    if (!unfinished.pieced) unfinished.timeLength = time.copy(unfinished.time, 0, 0, timeLength)
    // Taken before the entry is made: a failed write drops it, and the next line starts afresh.
    unfinished.pieced = piece
    if (unfinished.length === 0) return entry(stream, source, start, end, unfinished.time, unfinished.timeLength)
    // One contiguous piece, so that a UTF-8 sequence cut between two chunks is whole again.
    const length = unfinished.length + source.copy(unfinished.bytes, unfinished.length, start, end)
    unfinished.length = 0
    entry(stream, unfinished.bytes, 0, length, unfinished.time, unfinished.timeLength)
  }

  return {
    write(stream, chunk) {
      const source = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
      const unfinished = pending[stream]
      timeLength = time.write(logTimestamp(), 'latin1')
      dropOnFailure(() => {
        let start = 0
        while (start < source.length) {
          const newline = source.indexOf(10, start)
          const textEnd = newline < 0 ? source.length : newline
          const room = MAX_LINE_PIECE - unfinished.length
          if (textEnd - start >= room) {
            // docker's 16 KiB buffer filled up without a newline: that much is logged as a piece of its own.
            line(stream, source, start, start + room, true)
            start += room
          } else if (newline < 0) {
            unfinished.length += source.copy(unfinished.bytes, unfinished.length, start)
            if (!unfinished.pieced) unfinished.timeLength = time.copy(unfinished.time, 0, 0, timeLength)
            start = source.length
          } else {
            line(stream, source, start, newline + 1, false)
            start = newline + 1
          }
        }
        flush()
      })
    },
    async close() {
      dropOnFailure(() => {
        for (const stream of ['stdout', 'stderr'] as const) {
          const unfinished = pending[stream]
          if (unfinished.length > 0) entry(stream, unfinished.bytes, 0, unfinished.length, unfinished.time, unfinished.timeLength)
          unfinished.length = 0
          unfinished.pieced = false
        }
        flush()
      })
      if (fd >= 0) closeSync(fd)
      fd = -1
      await compressed?.idle()
    },
  }
}

/** A container's json-file log, written with its log options and the attributes worked out at create. */
export function openContainerLog(record: Pick<ContainerRecord, 'LogPath' | 'HostConfig' | 'LogAttributes'>, onWriteFailure?: (error: Error) => void): Promise<JsonFileLog> {
  return openJsonFileLog(record.LogPath, {
    ...parseLogOptions(record.HostConfig.LogConfig.Config),
    ...(record.LogAttributes ? {attrs: record.LogAttributes} : {}),
    ...(onWriteFailure ? {onWriteFailure} : {}),
  })
}
