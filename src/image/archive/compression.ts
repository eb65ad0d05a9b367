/**
 * Compression of archives and layers, told by their first bytes (as docker and containerd do): gzip
 * and zstd are decompressed while streaming; bzip2 and xz archives by the `bzip2` and `xz` commands
 * (Node reads neither; docker's own archive package runs `xz` too), layers of them are refused.
 */
import {spawn} from 'node:child_process'
import {once} from 'node:events'
import type {Readable} from 'node:stream'
import {pipeline} from 'node:stream/promises'
import {createGunzip, createZstdDecompress, type ZstdDecompress} from 'node:zlib'
import {NerdError} from '../../errors.ts'
import {TruncatedArchiveError} from './tar-reader.ts'

export type Compression = 'none' | 'gzip' | 'zstd' | 'bzip2' | 'xz'

const MAGIC: ReadonlyArray<[Compression, readonly number[]]> = [
  ['gzip', [0x1f, 0x8b, 0x08]],
  ['zstd', [0x28, 0xb5, 0x2f, 0xfd]],
  ['bzip2', [0x42, 0x5a, 0x68]],
  ['xz', [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]],
]
/** Bytes that are enough to recognise every format above. */
export const MAGIC_BYTES = 6

/**
 * A zstd skippable frame's magic number (0x184D2A50 to 0x184D2A5F, little-endian), which may open
 * a zstd stream too: containerd's DetectCompression takes it for zstd.
 */
function startsWithSkippableFrame(head: Uint8Array): boolean {
  return head.length >= 4 && (head[0] & 0xf0) === 0x50 && head[1] === 0x2a && head[2] === 0x4d && head[3] === 0x18
}

/** The compression whose magic number `head` starts with; `none` for anything else (a tar). */
export function detectCompression(head: Uint8Array): Compression {
  for (const [compression, magic] of MAGIC) {
    if (head.length >= magic.length && magic.every((byte, index) => head[index] === byte)) return compression
  }
  return startsWithSkippableFrame(head) ? 'zstd' : 'none'
}

/**
 * zstd decompressed frame after frame, as zstd(1) and containerd read a stream of several
 * (`cat a.zst b.zst`, pzstd's output, zstd:chunked layers). Node's decompressor (nodejs/node#64741)
 * ends its output where a frame ends inside a chunk written to it and drops the chunk's rest; so it
 * is fed one chunk at a time, and what it left of one (its bytesWritten counts what it took) starts
 * a new decompressor. A frame that ends with its chunk needs none: the next chunk opens a new frame.
 */
async function* decompressZstd(input: AsyncIterable<Buffer>): AsyncGenerator<Buffer, void, undefined> {
  const iterator = input[Symbol.asyncIterator]()
  let unread: Buffer | undefined
  let inputDone = false
  const feed = async (decoder: ZstdDecompress): Promise<void> => {
    for (;;) {
      let chunk = unread
      unread = undefined
      if (!chunk) {
        const next = await iterator.next()
        if (next.done) {
          inputDone = true
          break
        }
        chunk = next.value
      }
      const before = decoder.bytesWritten
      await new Promise<void>((resolve, reject) => decoder.write(chunk, (error) => (error ? reject(error) : resolve())))
      const taken = decoder.bytesWritten - before
      if (taken < chunk.length) {
        unread = chunk.subarray(taken)
        break
      }
    }
    decoder.end()
  }
  try {
    while (!inputDone) {
      const decoder = createZstdDecompress()
      // A failure of the input or of the decoder ends the decoder's output with it.
      feed(decoder).catch((error: unknown) => decoder.destroy(error as Error))
      try {
        for await (const chunk of decoder) yield chunk as Buffer
      } finally {
        decoder.destroy()
      }
    }
  } finally {
    // Stopped early (the tar's end is reached, or a failure): let the input go.
    if (!inputDone) await iterator.return?.()
  }
}

/** What a failing decompressor means to the user: a cut-off stream is the common case. */
function decompressionError(error: unknown, compression: Compression, what: string): Error {
  const code = (error as NodeJS.ErrnoException).code
  if (code === 'Z_BUF_ERROR' || /unexpected end/i.test((error as Error).message)) return new TruncatedArchiveError()
  if (typeof code === 'string' && (code.startsWith('Z_') || code.startsWith('ZSTD_') || code.startsWith('ERR_ZSTD'))) {
    return new NerdError(`${what}: invalid ${compression} data: ${(error as Error).message}`, {cause: error})
  }
  return error instanceof Error ? error : new Error(String(error))
}

/**
 * Splits the first bytes off a stream to look at them; `rest` then yields the whole stream from
 * its first byte.
 */
export async function peek(input: AsyncIterable<Uint8Array>, bytes: number): Promise<{head: Buffer; rest: AsyncIterable<Buffer>}> {
  const iterator = input[Symbol.asyncIterator]()
  const parts: Buffer[] = []
  let length = 0
  let done = false
  while (length < bytes) {
    const next = await iterator.next()
    if (next.done) {
      done = true
      break
    }
    parts.push(Buffer.from(next.value.buffer, next.value.byteOffset, next.value.length))
    length += next.value.length
  }
  const head = Buffer.concat(parts, length)
  async function* rest(): AsyncGenerator<Buffer, void, undefined> {
    try {
      if (head.length > 0) yield head
      if (done) return
      for (;;) {
        const next = await iterator.next()
        if (next.done) return
        yield Buffer.from(next.value.buffer, next.value.byteOffset, next.value.length)
      }
    } finally {
      // Stopped early (a failure downstream): let the input release what it holds (a file descriptor).
      if (!done) await iterator.return?.()
    }
  }
  return {head: head.subarray(0, bytes), rest: rest()}
}

/** The commands that decompress to stdout what Node cannot (xz quiet: its warnings are no failure; bzip2's -q would hide its errors too). */
const DECOMPRESS_COMMANDS = {bzip2: ['bzip2', '-d', '-c'], xz: ['xz', '-d', '-c', '-q']} as const

/** What the commands say of input that ends too soon. */
const COMMAND_TRUNCATED = /unexpected end of input|ends unexpectedly/i

/**
 * `input` decompressed by the bzip2 or xz command. Stopped early (the tar's end is reached), the
 * command is killed.
 */
async function* decompressWithCommand(input: AsyncIterable<Buffer>, compression: 'bzip2' | 'xz', what: string): AsyncGenerator<Buffer, void, undefined> {
  const [command, ...args] = DECOMPRESS_COMMANDS[compression]
  const child = spawn(command, args, {stdio: ['pipe', 'pipe', 'pipe']})
  try {
    await once(child, 'spawn')
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'which is not installed' : (error as Error).message
    throw new NerdError(`${what} is ${compression}-compressed: nerd reads it with the ${command} command, ${reason}`, {cause: error})
  }
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text))
  const exited = once(child, 'close') as Promise<[number | null, NodeJS.Signals | null]>
  exited.catch(() => undefined)
  // A command that stops reading (it failed) breaks the pipe: its exit status says why. The input's
  // own failure is the failure.
  const feeding = pipeline(input, child.stdin).then(
    () => undefined,
    (error: NodeJS.ErrnoException) => (error.code === 'EPIPE' ? undefined : error),
  )
  let finished = false
  try {
    for await (const chunk of child.stdout as Readable) yield chunk as Buffer
    const [code] = await exited
    const inputFailure = await feeding
    if (inputFailure !== undefined) throw inputFailure
    if (code !== 0) {
      if (COMMAND_TRUNCATED.test(stderr)) throw new TruncatedArchiveError()
      const message = stderr.trim().split('\n')[0] || `${command} exited with status ${code}`
      throw new NerdError(`${what}: invalid ${compression} data: ${message}`)
    }
    finished = true
  } finally {
    if (!finished) child.kill()
  }
}

/**
 * The stream uncompressed: gzip and zstd are undone on the fly, bzip2 and xz by their commands,
 * anything else passes as is. `what` names the stream in errors (`the archive`).
 */
export async function* decompress(input: AsyncIterable<Uint8Array>, what: string): AsyncGenerator<Buffer, void, undefined> {
  const {head, rest} = await peek(input, MAGIC_BYTES)
  const compression = detectCompression(head)
  if (compression === 'none') {
    yield* rest
    return
  }
  if (compression === 'bzip2' || compression === 'xz') {
    yield* decompressWithCommand(rest, compression, what)
    return
  }
  try {
    if (compression === 'zstd') {
      yield* decompressZstd(rest)
      return
    }
    const transform = createGunzip()
    const feeding = pipeline(rest, transform)
    feeding.catch(() => undefined)
    try {
      for await (const chunk of transform) yield chunk as Buffer
      await feeding
    } finally {
      transform.destroy()
    }
  } catch (error) {
    throw decompressionError(error, compression, what)
  }
}
