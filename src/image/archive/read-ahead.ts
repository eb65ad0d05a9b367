/**
 * Reading an archive ahead of the content writes it feeds. Each Content.Write waits for
 * containerd's answer to every chunk, so one write at a time leaves both sides idle half the time;
 * with the next files' bytes already read, several writes run at once. A byte budget shared by
 * all of them bounds the memory this takes, whatever the sizes of the layers: when it is spent,
 * reading waits for the writers.
 */

/** Bytes buffered between the reader and the writers, at most `limit` (one chunk may exceed it). */
export class ByteBudget {
  readonly #limit: number
  #used = 0
  #waiting: Array<() => void> = []
  #failure: Error | undefined

  constructor(limit: number) {
    this.#limit = limit
  }

  /** Waits until `bytes` fit (or nothing is buffered), then counts them. Rejects once failed. */
  async acquire(bytes: number): Promise<void> {
    while (this.#used > 0 && this.#used + bytes > this.#limit) {
      if (this.#failure) throw this.#failure
      await new Promise<void>((resolve) => this.#waiting.push(resolve))
    }
    if (this.#failure) throw this.#failure
    this.#used += bytes
  }

  release(bytes: number): void {
    this.#used -= bytes
    this.#wake()
  }

  /** Makes every acquire reject with `error`, waiting ones included. */
  fail(error: Error): void {
    this.#failure ??= error
    this.#wake()
  }

  get used(): number {
    return this.#used
  }

  #wake(): void {
    const waiting = this.#waiting
    this.#waiting = []
    for (const resolve of waiting) resolve()
  }
}

/**
 * One file's bytes on their way from the reader to its writer. Chunks count against the budget
 * from push until the writer takes them. A writer that stops early (the blob was already there, or
 * it failed) closes the channel: what it holds is released and later pushes are dropped.
 */
export class ChunkChannel implements AsyncIterable<Buffer> {
  readonly #budget: ByteBudget
  readonly #chunks: Buffer[] = []
  #ended = false
  #closed = false
  #failure: Error | undefined
  #wake: (() => void) | undefined

  constructor(budget: ByteBudget) {
    this.#budget = budget
  }

  /** Call after the budget granted the chunk's bytes. */
  push(chunk: Buffer): void {
    if (this.#closed) {
      this.#budget.release(chunk.length)
      return
    }
    this.#chunks.push(chunk)
    this.#signal()
  }

  end(): void {
    this.#ended = true
    this.#signal()
  }

  /** The writer sees `error` instead of the rest of the bytes. */
  fail(error: Error): void {
    this.#failure ??= error
    this.#signal()
  }

  /** Releases what is buffered; later pushes are dropped. */
  close(): void {
    this.#closed = true
    for (const chunk of this.#chunks.splice(0)) this.#budget.release(chunk.length)
    this.#signal()
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Buffer, void, undefined> {
    try {
      for (;;) {
        if (this.#failure) throw this.#failure
        const chunk = this.#chunks.shift()
        if (chunk !== undefined) {
          this.#budget.release(chunk.length)
          yield chunk
          continue
        }
        if (this.#ended || this.#closed) return
        await new Promise<void>((resolve) => (this.#wake = resolve))
      }
    } finally {
      this.close()
    }
  }

  #signal(): void {
    const wake = this.#wake
    this.#wake = undefined
    wake?.()
  }
}
