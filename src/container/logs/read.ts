/** Reading a json-file log as `nerd logs` does: rotated files first, tail, time window, follow. */
import {open, readFile, stat} from 'node:fs/promises'
import {NerdError} from '../../errors.ts'

export interface ReadLogOptions {
  follow?: boolean
  /** Last N entries; undefined means all. */
  tail?: number
  since?: Date
  until?: Date
  timestamps?: boolean
  /** Rotated files to read besides the live one (max-file - 1). */
  maxFile?: number
  /** Polled while following: true ends the follow (container removed, or exited for good). */
  shouldStop?: () => Promise<boolean>
  signal?: AbortSignal
}

export interface LogSink {
  stdout(chunk: string): void
  stderr(chunk: string): void
}

interface Entry {
  log: string
  stream: string
  time: string
}

function parseEntries(text: string): Entry[] {
  const entries: Entry[] = []
  for (const line of text.split('\n')) {
    if (line === '') continue
    try {
      entries.push(JSON.parse(line) as Entry)
    } catch {
      // a line cut by a concurrent write or rotation: skip it as docker does
    }
  }
  return entries
}

/** Compares RFC 3339 times with nanoseconds against a Date (millisecond precision is enough for filters). */
function entryTime(entry: Entry): number {
  return Date.parse(entry.time)
}

async function readIfExists(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return ''
    throw error
  }
}

const POLL_MS = 200

export async function readLogs(path: string, options: ReadLogOptions, sink: LogSink): Promise<void> {
  const emit = (entry: Entry): void => {
    const time = entryTime(entry)
    if (options.since && time < options.since.getTime()) return
    if (options.until && time > options.until.getTime()) return
    const text = options.timestamps ? `${entry.time} ${entry.log}` : entry.log
    if (entry.stream === 'stderr') sink.stderr(text)
    else sink.stdout(text)
  }
  const rotated: string[] = []
  for (let index = (options.maxFile ?? 1) - 1; index >= 1; index--) rotated.push(`${path}.${index}`)
  let backlog: Entry[] = []
  for (const file of rotated) backlog.push(...parseEntries(await readIfExists(file)))
  const live = await readIfExists(path)
  backlog.push(...parseEntries(live.slice(0, live.lastIndexOf('\n') + 1)))
  if (options.until) backlog = backlog.filter((entry) => entryTime(entry) <= options.until!.getTime())
  if (options.since) backlog = backlog.filter((entry) => entryTime(entry) >= options.since!.getTime())
  if (options.tail !== undefined) backlog = options.tail <= 0 ? [] : backlog.slice(-options.tail)
  for (const entry of backlog) emit(entry)
  if (!options.follow) return

  // Follow from the end of what was read; a smaller file means it was rotated or recreated (restart).
  let offset = Buffer.byteLength(live.slice(0, live.lastIndexOf('\n') + 1))
  let identity = await fileIdentity(path)
  for (;;) {
    if (options.signal?.aborted) return
    const current = await fileIdentity(path)
    if (current && (current.ino !== identity?.ino || current.size < offset)) {
      if (identity && current.ino !== identity.ino) {
        // Finish the file that was rotated away, then start on the new one.
        const previous = rotated.length > 0 ? `${path}.1` : undefined
        if (previous) offset = await drain(previous, offset, emit)
      }
      offset = 0
      identity = current
    }
    const before = offset
    if (current) offset = await drain(path, offset, emit)
    if (offset === before && (await options.shouldStop?.())) {
      if (current) await drain(path, offset, emit)
      return
    }
    if (offset === before) await new Promise((resolve) => setTimeout(resolve, POLL_MS))
  }
}

async function fileIdentity(path: string): Promise<{ino: number; size: number} | undefined> {
  try {
    const stats = await stat(path)
    return {ino: stats.ino, size: stats.size}
  } catch {
    return undefined
  }
}

/** Emits the complete entries after `offset`; returns the offset after the last complete line. */
async function drain(path: string, offset: number, emit: (entry: Entry) => void): Promise<number> {
  let handle
  try {
    handle = await open(path, 'r')
  } catch {
    return offset
  }
  try {
    const {size} = await handle.stat()
    if (size <= offset) return offset
    const buffer = Buffer.alloc(size - offset)
    await handle.read(buffer, 0, buffer.length, offset)
    const end = buffer.lastIndexOf(10)
    if (end < 0) return offset
    for (const entry of parseEntries(buffer.subarray(0, end + 1).toString('utf8'))) emit(entry)
    return offset + end + 1
  } finally {
    await handle.close()
  }
}

/**
 * docker's `--since`/`--until` values: RFC 3339 dates (with or without time and zone), Unix
 * timestamps with optional fraction, or a duration before now (`10m`, `1h30m`, `2s`).
 */
export function parseLogTime(value: string, now: Date = new Date()): Date {
  const duration = /^(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m(?!s))?(?:(\d+(?:\.\d+)?)s)?(?:(\d+(?:\.\d+)?)ms)?$/.exec(value)
  if (duration && value !== '') {
    const [, hours, minutes, seconds, millis] = duration
    const total = Number(hours ?? 0) * 3_600_000 + Number(minutes ?? 0) * 60_000 + Number(seconds ?? 0) * 1000 + Number(millis ?? 0)
    return new Date(now.getTime() - total)
  }
  if (/^\d+(\.\d+)?$/.test(value)) return new Date(Math.round(Number(value) * 1000))
  if (/^\d{4}-\d{2}-\d{2}/.test(value)) {
    const withZone = /T.*(Z|[+-]\d{2}:?\d{2})$/.test(value) ? value : value.includes('T') ? `${value}Z` : `${value}T00:00:00Z`
    const parsed = Date.parse(withZone)
    if (!Number.isNaN(parsed)) return new Date(parsed)
  }
  throw new NerdError(`invalid value for "since"/"until": failed to parse value as time or duration: "${value}"`)
}
