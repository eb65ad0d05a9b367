/**
 * docker's `--log-opt compress=true`: a json-file log's rotated files are gzipped, `<file>.1.gz` up
 * to `<file>.<max-file - 1>.gz`, and the live file stays plain. As docker's, a rotation moves the
 * live file to `<file>.1` at once and compresses it behind the writer, so that logging never waits
 * for gzip; the gzip header carries docker's `{"lastTime":…}` in its extra field, the time of the
 * file's last entry, which lets `logs --since` skip the file unread.
 *
 * One file is compressed at a time, streaming, into a temporary name renamed to `.gz` only when
 * complete; the plain file is removed after that, so a reader always finds the whole file under one
 * of its two names. node:zlib is loaded at the first compression: a logger that never rotates (or
 * does not compress) never pays for it.
 */
import {createWriteStream, renameSync, rmSync, statSync, unlinkSync} from 'node:fs'
import {open} from 'node:fs/promises'
import type {FileHandle} from 'node:fs/promises'

/** A rotated file waiting for compression, or being compressed. */
interface Job {
  /** Where the file is now: `<file>.<index>`; later rotations move it up. */
  index: number
  /** The time of the file's last entry, or a later one. */
  lastTime: string
  /** Set while it is being compressed: a rotation that drops the file stops that. */
  abort?: AbortController
}

const BLOCK_SIZE = 64 * 1024
/** What Node's gzip starts with: a header without extra field (magic, method, flags, time, XFL, OS). */
const PLAIN_HEADER_LENGTH = 10
const FEXTRA = 4
const OS_UNKNOWN = 255

/** A gzip header whose extra field holds docker's rotated-file metadata, `{"lastTime":"<RFC 3339>"}`. */
export function rotatedFileHeader(lastTime: string): Buffer {
  const extra = Buffer.from(JSON.stringify({lastTime}))
  const header = Buffer.from([0x1f, 0x8b, 8, FEXTRA, 0, 0, 0, 0, 0, OS_UNKNOWN, 0, 0])
  header.writeUInt16LE(extra.length, PLAIN_HEADER_LENGTH)
  return Buffer.concat([header, extra])
}

/** Node's gzip output with its header replaced by `header` (the trailer's CRC covers the data only). */
function replacingHeader(header: Buffer): (chunks: AsyncIterable<Buffer>) => AsyncGenerator<Buffer> {
  return async function* (chunks) {
    yield header
    let skip = PLAIN_HEADER_LENGTH
    for await (const chunk of chunks) {
      if (skip >= chunk.length) {
        skip -= chunk.length
        continue
      }
      yield chunk.subarray(skip)
      skip = 0
    }
  }
}

function renameIfThere(from: string, to: string): void {
  try {
    renameSync(from, to)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
}

export class CompressedRotation {
  readonly #path: string
  readonly #maxFile: number
  /** Oldest rotation first; the first one is being compressed while `#running` is set. */
  #jobs: Job[] = []
  #running: Promise<void> | undefined

  /** For the log at `path`, keeping `maxFile` files (2 or more) with the live one. */
  constructor(path: string, maxFile: number) {
    this.#path = path
    this.#maxFile = maxFile
  }

  /**
   * Moves the closed live file to `<file>.1` once the rotated files have moved up one (the oldest
   * dropped), and queues it for compression. Plain rotated files move too: those still waiting for
   * compression, and any a compression failed on or an earlier logger left.
   */
  rotate(lastTime: string): void {
    const path = this.#path
    const last = this.#maxFile - 1
    rmSync(`${path}.${last}`, {force: true})
    rmSync(`${path}.${last}.gz`, {force: true})
    for (let index = last; index > 1; index--) {
      renameIfThere(`${path}.${index - 1}`, `${path}.${index}`)
      renameIfThere(`${path}.${index - 1}.gz`, `${path}.${index}.gz`)
    }
    renameIfThere(path, `${path}.1`)
    for (const job of this.#jobs) job.index++
    this.#jobs = this.#jobs.filter((job) => {
      if (job.index <= last) return true
      job.abort?.abort()
      return false
    })
    this.#jobs.push({index: 1, lastTime})
    this.#running ??= this.#run()
  }

  /** Resolves once every rotated file is compressed (or left plain after a failure). */
  async idle(): Promise<void> {
    while (this.#running) await this.#running
  }

  /** Compresses the queued files in turn; done (and `#running` cleared) in the same step that finds none left. */
  async #run(): Promise<void> {
    try {
      while (this.#jobs.length > 0) {
        const job = this.#jobs[0]!
        try {
          await this.#compress(job)
        } catch {
          // Left plain (a full disk, the container removed meanwhile): readers take that as well.
        }
        if (this.#jobs[0] === job) this.#jobs.shift()
      }
    } finally {
      this.#running = undefined
    }
  }

  async #compress(job: Job): Promise<void> {
    const [{createGzip}, {pipeline}] = await Promise.all([import('node:zlib'), import('node:stream/promises')])
    let source: FileHandle
    try {
      source = await open(`${this.#path}.${job.index}`, 'r')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return
      throw error
    }
    // Named after the process: a logger of the container's next task may be compressing too.
    const temporary = `${this.#path}.${process.pid}.gz.tmp`
    job.abort = new AbortController()
    try {
      const {ino} = await source.stat()
      await pipeline(
        source.createReadStream({highWaterMark: BLOCK_SIZE, autoClose: false}),
        createGzip(),
        replacingHeader(rotatedFileHeader(job.lastTime)),
        createWriteStream(temporary, {mode: 0o640}),
        {signal: job.abort.signal},
      )
      // Synchronous from here on: no rotation comes between finding where the file is and replacing it.
      const plain = `${this.#path}.${job.index}`
      // Another process (the logger of a later task) may have moved it: then it is left plain.
      if (statSync(plain, {throwIfNoEntry: false})?.ino !== ino) throw new Error(`${plain} was moved while it was compressed`)
      renameSync(temporary, `${plain}.gz`)
      unlinkSync(plain)
    } finally {
      await source.close()
      rmSync(temporary, {force: true})
    }
  }
}
