import {setTimeout as sleep} from 'node:timers/promises'
import {isAlreadyExists, isFailedPrecondition, isUnavailable} from './errors.ts'
import {type Rpc, unbounded, updateMask} from './rpc.ts'
import {noteBytesMoved} from './scavenge.ts'
import {EncodedMessage, type BidiCall} from './transport.ts'
import type {CallOptions, ContentInfo, ContentInfoUpdate, ContentStatus, Labels, ReadOptions, WriteOptions, WriteResult, WriteSource} from './types.ts'

/** What the Go client sends per WRITE message: far below the 16 MiB message limit, few round trips. */
const WRITE_CHUNK_BYTES = 1 << 20
const DEFAULT_LOCK_TIMEOUT_MS = 60_000
const FIRST_LOCK_RETRY_MS = 16
const MAX_LOCK_RETRY_MS = 2048

interface WriteRequest {
  action: 'STAT' | 'WRITE' | 'COMMIT'
  ref?: string
  total?: number
  expected?: string
  offset?: number
  labels?: Labels
}

interface WriteResponse {
  action: string
  offset: string
  total: string
  digest: string
}

export class ContentService {
  readonly #rpc: Rpc

  constructor(rpc: Rpc) {
    this.#rpc = rpc
  }

  async info(digest: string): Promise<ContentInfo> {
    return (await this.#rpc.unary<{info: ContentInfo}>('Info', {digest})).info
  }

  /** Only labels change; paths `labels` or `labels.<key>`. */
  async update(info: ContentInfoUpdate, paths?: string[]): Promise<ContentInfo> {
    return (await this.#rpc.unary<{info: ContentInfo}>('Update', {info, ...updateMask(paths)})).info
  }

  /** Filters: `digest`, `size`, `labels.<key>`. */
  async *list(filters: string[] = [], options?: CallOptions): AsyncGenerator<ContentInfo, void, undefined> {
    for await (const message of this.#rpc.stream<{info: ContentInfo[]}>('List', {filters}, options)) yield* message.info
  }

  async delete(digest: string): Promise<void> {
    await this.#rpc.unary('Delete', {digest})
  }

  /** The blob's bytes in chunks of up to 1 MiB. */
  async *read(digest: string, options: ReadOptions = {}): AsyncGenerator<Buffer, void, undefined> {
    const request = {digest, offset: options.offset ?? 0, size: options.size ?? 0}
    for await (const message of this.#rpc.stream<{data: Buffer}>('Read', request, options)) {
      noteBytesMoved(message.data.length)
      yield message.data
    }
  }

  /** The whole blob (or the requested range) in memory: for manifests, indexes and configs. */
  async readAll(digest: string, options: ReadOptions = {}): Promise<Buffer> {
    const chunks: Buffer[] = []
    for await (const chunk of this.read(digest, options)) chunks.push(chunk)
    return Buffer.concat(chunks)
  }

  async status(ref: string): Promise<ContentStatus> {
    return (await this.#rpc.unary<{status: ContentStatus}>('Status', {ref})).status
  }

  /** Filter: `ref`. */
  async listStatuses(filters: string[] = []): Promise<ContentStatus[]> {
    return (await this.#rpc.unary<{statuses: ContentStatus[]}>('ListStatuses', {filters})).statuses
  }

  /** Drops an unfinished write. */
  async abort(ref: string): Promise<void> {
    await this.#rpc.unary('Abort', {ref})
  }

  /**
   * Writes one blob under `ref` (containerd's convention: `layer-<digest>`, `config-<digest>`, …) and
   * commits it with `options.labels`. A blob already in this namespace is not sent again; one in
   * another namespace is committed without sending data; an interrupted write under the same ref
   * resumes where it stopped. While another writer holds the ref, retries with backoff.
   */
  async write(ref: string, source: WriteSource, options: WriteOptions): Promise<WriteResult> {
    const total = source instanceof Uint8Array ? source.length : options.total
    if (total === undefined) throw new Error(`content write ${ref}: the size (total) is required when the source is a reader`)
    const lockTimeoutMs = options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS
    const started = Date.now()
    let retryMs = FIRST_LOCK_RETRY_MS
    for (;;) {
      try {
        return await this.#writeOnce(ref, source, total, options)
      } catch (error) {
        if (!isUnavailable(error) || Date.now() - started + retryMs > lockTimeoutMs) throw error
        await sleep(retryMs, undefined, {signal: options.signal})
        retryMs = Math.min(retryMs * 2, MAX_LOCK_RETRY_MS)
      }
    }
  }

  async #writeOnce(ref: string, source: WriteSource, total: number, options: WriteOptions): Promise<WriteResult> {
    const {expected} = options
    const existing: WriteResult = {digest: expected, size: total, existed: true}
    const stream = this.#rpc.bidi<WriteRequest | EncodedMessage, WriteResponse>('Write', unbounded(options))
    try {
      stream.send({action: 'STAT', ref, total, expected})
      let status: WriteResponse
      try {
        status = await answer(stream, ref)
      } catch (error) {
        if (isAlreadyExists(error)) return existing
        throw error
      }
      // An ingest longer than the blob is stale: writing at offset 0 truncates it.
      let offset = Number(status.offset) > total ? 0 : Number(status.offset)
      if (offset < total) {
        // Lockstep (each WRITE answered before the next is sent), so grpc-js has copied a message
        // out of the reused buffer before writeMessages overwrites it.
        for await (const message of writeMessages(source, offset)) {
          stream.send(message)
          noteBytesMoved(message.dataLength)
          const written = await answer(stream, ref)
          offset += message.dataLength
          if (Number(written.offset) !== offset) throw new Error(`content write ${ref}: containerd is at offset ${written.offset}, nerd sent up to ${offset}`)
        }
      }
      if (offset !== total) throw new Error(`content write ${ref}: the source ended after ${offset} of ${total} bytes`)
      stream.send({action: 'COMMIT', offset, total, expected, labels: options.labels ?? {}})
      let committed: WriteResponse
      try {
        committed = await answer(stream, ref)
      } catch (error) {
        if (isAlreadyExists(error)) return existing
        // Size or digest mismatch: the ingest can never be committed, so do not leave it behind.
        if (isFailedPrecondition(error)) await this.abort(ref).catch(() => undefined)
        throw error
      }
      stream.end()
      // The daemon may repeat its final answer before closing; drain to see the stream end cleanly.
      while ((await stream.receive()) !== undefined);
      return {digest: committed.digest || expected, size: total, existed: false}
    } finally {
      stream.cancel()
    }
  }
}

async function answer(stream: BidiCall<WriteRequest | EncodedMessage, WriteResponse>, ref: string): Promise<WriteResponse> {
  const response = await stream.receive()
  if (!response) throw new Error(`content write ${ref}: containerd closed the stream without answering`)
  return response
}

/** Room for a WRITE message's fields before its data: action, offset (a 64-bit varint), data's tag and length. */
const WRITE_HEADER_ROOM = 2 + 11 + 1 + 5

class WriteMessage extends EncodedMessage {
  readonly dataLength: number

  constructor(bytes: Buffer, dataLength: number) {
    super(bytes)
    this.dataLength = dataLength
  }
}

/**
 * The source's bytes from `offset` on as encoded WriteContentRequest{action: WRITE, offset, data}
 * messages of up to WRITE_CHUNK_BYTES of data. The pieces a registry sends (tens of KB) are copied
 * once, into one buffer reused for every message: a 100 MB blob neither allocates another 100 MB
 * for messages nor leaves their garbage behind.
 */
export async function* writeMessages(source: WriteSource, offset: number): AsyncGenerator<WriteMessage, void, undefined> {
  const buffer = Buffer.allocUnsafe(WRITE_HEADER_ROOM + WRITE_CHUNK_BYTES)
  let length = 0
  let position = offset
  const message = (): WriteMessage => {
    const header = encodeWriteHeader(position, length)
    const start = WRITE_HEADER_ROOM - header.length
    buffer.set(header, start)
    const encoded = new WriteMessage(buffer.subarray(start, WRITE_HEADER_ROOM + length), length)
    position += length
    length = 0
    return encoded
  }
  const pieces = source instanceof Uint8Array ? [source.subarray(offset)] : source(offset)
  for await (const piece of pieces) {
    for (let taken = 0; taken < piece.length; ) {
      const count = Math.min(WRITE_CHUNK_BYTES - length, piece.length - taken)
      buffer.set(piece.subarray(taken, taken + count), WRITE_HEADER_ROOM + length)
      length += count
      taken += count
      if (length === WRITE_CHUNK_BYTES) yield message()
    }
  }
  if (length > 0) yield message()
}

/** action = 1 (WRITE = 1), offset = 5 (int64 varint), then data = 6's tag and length. */
function encodeWriteHeader(offset: number, dataLength: number): Buffer {
  return Buffer.from([0x08, 1, 0x28, ...varint(offset), 0x32, ...varint(dataLength)])
}

function varint(value: number): number[] {
  const bytes: number[] = []
  let rest = value
  while (rest >= 0x80) {
    bytes.push((rest % 0x80) | 0x80)
    rest = Math.floor(rest / 0x80)
  }
  bytes.push(rest)
  return bytes
}
