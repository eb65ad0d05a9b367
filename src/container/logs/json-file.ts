/**
 * docker's json-file log: one JSON object per line, `{"log":"<line>\n","stream":"stdout","time":"<RFC 3339 nanoseconds>"}`,
 * rotated at max-size into `<file>.1` … `<file>.<max-file - 1>`.
 */
import {closeSync, openSync, renameSync, rmSync, statSync, writeSync} from 'node:fs'
import {NerdError} from '../../errors.ts'

export interface JsonFileOptions {
  /** Bytes; unset means no rotation. */
  maxSize?: number
  /** Files kept including the live one (docker's default 1). */
  maxFile?: number
}

export type LogStream = 'stdout' | 'stderr'

/** docker splits lines longer than this and writes the pieces without a newline. */
const MAX_PARTIAL_LINE = 16 * 1024

/** docker's sizes: `10`, `10k`, `10m`, `1g` (1024-based, as docker's units.RAMInBytes). */
function parseLogSize(value: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?$/i.exec(value.trim())
  if (!match) throw new NerdError(`invalid max-size '${value}'`)
  const power = ' kmgt'.indexOf(match[2]!.toLowerCase() || ' ')
  return Math.floor(Number(match[1]) * 1024 ** power)
}

/** `--log-opt` values of the json-file driver. */
export function parseLogOptions(config: Record<string, string>): JsonFileOptions {
  const options: JsonFileOptions = {}
  for (const [key, value] of Object.entries(config)) {
    if (key === 'max-size') options.maxSize = parseLogSize(value)
    else if (key === 'max-file') {
      if (!/^\d+$/.test(value) || Number(value) < 1) throw new NerdError(`max-file must be a number greater than 0, got '${value}'`)
      options.maxFile = Number(value)
    } else throw new NerdError(`unknown log opt '${key}' for json-file log driver`)
  }
  if (options.maxFile !== undefined && options.maxFile > 1 && options.maxSize === undefined) throw new NerdError(`max-file cannot be set without max-size`)
  return options
}

/** RFC 3339 with nine fractional digits in UTC, as Go's time.RFC3339Nano pads it in docker's logs. */
export function logTimestamp(now: bigint = process.hrtime.bigint(), epochOffset: bigint = EPOCH_OFFSET): string {
  const nanos = now + epochOffset
  const seconds = nanos / 1_000_000_000n
  const fraction = (nanos % 1_000_000_000n).toString().padStart(9, '0')
  return `${new Date(Number(seconds) * 1000).toISOString().slice(0, 19)}.${fraction}Z`
}

/** Wall clock minus the monotonic clock, once: entries get nanosecond times that never go backwards. */
const EPOCH_OFFSET = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint()

export interface JsonFileLog {
  write(stream: LogStream, chunk: Uint8Array): void
  close(): Promise<void>
}

export async function openJsonFileLog(path: string, options: JsonFileOptions = {}): Promise<JsonFileLog> {
  let fd = openSync(path, 'a', 0o640)
  let size = statSync(path).size
  const pending: Record<LogStream, Buffer> = {stdout: Buffer.alloc(0), stderr: Buffer.alloc(0)}
  const maxFile = options.maxFile ?? 1

  const rotate = (): void => {
    closeSync(fd)
    if (maxFile <= 1) rmSync(path, {force: true})
    else {
      for (let index = maxFile - 1; index >= 1; index--) {
        const from = index === 1 ? path : `${path}.${index - 1}`
        try {
          renameSync(from, `${path}.${index}`)
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
        }
      }
    }
    fd = openSync(path, 'a', 0o640)
    size = 0
  }
  const entry = (stream: LogStream, text: Buffer): void => {
    const line = Buffer.from(`${JSON.stringify({log: text.toString('utf8'), stream, time: logTimestamp()})}\n`)
    if (options.maxSize !== undefined && size > 0 && size + line.length > options.maxSize) rotate()
    writeSync(fd, line)
    size += line.length
  }
  return {
    write(stream, chunk) {
      let buffer = Buffer.concat([pending[stream], chunk])
      for (let newline = buffer.indexOf(10); newline >= 0; newline = buffer.indexOf(10)) {
        entry(stream, buffer.subarray(0, newline + 1))
        buffer = buffer.subarray(newline + 1)
      }
      while (buffer.length >= MAX_PARTIAL_LINE) {
        entry(stream, buffer.subarray(0, MAX_PARTIAL_LINE))
        buffer = buffer.subarray(MAX_PARTIAL_LINE)
      }
      pending[stream] = Buffer.from(buffer)
    },
    async close() {
      for (const stream of ['stdout', 'stderr'] as const) {
        if (pending[stream].length > 0) entry(stream, pending[stream])
        pending[stream] = Buffer.alloc(0)
      }
      closeSync(fd)
    },
  }
}
