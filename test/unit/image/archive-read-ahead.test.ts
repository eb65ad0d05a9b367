import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {setImmediate as tick} from 'node:timers/promises'
import {ByteBudget, ChunkChannel} from '../../../src/image/archive/read-ahead.ts'

async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false
  promise.then(() => (done = true), () => (done = true))
  await tick()
  await tick()
  return done
}

describe('ByteBudget', () => {
  it('lets bytes in up to its limit and waits for releases beyond it', async () => {
    const budget = new ByteBudget(10)
    await budget.acquire(6)
    const waiting = budget.acquire(6)
    assert.equal(await settled(waiting), false)
    budget.release(6)
    assert.equal(await settled(waiting), true)
    assert.equal(budget.used, 6)
  })

  it('always lets one chunk in when nothing is held, however large', async () => {
    const budget = new ByteBudget(10)
    await budget.acquire(100)
    assert.equal(budget.used, 100)
  })

  it('rejects waiting and later acquires once failed', async () => {
    const budget = new ByteBudget(10)
    await budget.acquire(10)
    const waiting = budget.acquire(1)
    budget.fail(new Error('writer failed'))
    await assert.rejects(waiting, /writer failed/)
    await assert.rejects(budget.acquire(1), /writer failed/)
  })
})

describe('ChunkChannel', () => {
  it('hands chunks to the reader in order, releasing their bytes as they are taken', async () => {
    const budget = new ByteBudget(100)
    const channel = new ChunkChannel(budget)
    const received: string[] = []
    const reading = (async () => {
      for await (const chunk of channel) received.push(chunk.toString())
    })()
    for (const text of ['ab', 'cde', 'f']) {
      await budget.acquire(text.length)
      channel.push(Buffer.from(text))
    }
    channel.end()
    await reading
    assert.deepEqual(received, ['ab', 'cde', 'f'])
    assert.equal(budget.used, 0)
  })

  it('releases what it holds and drops later pushes once its reader stops', async () => {
    const budget = new ByteBudget(100)
    const channel = new ChunkChannel(budget)
    await budget.acquire(5)
    channel.push(Buffer.alloc(5))
    channel.close()
    assert.equal(budget.used, 0)
    await budget.acquire(7)
    channel.push(Buffer.alloc(7))
    assert.equal(budget.used, 0)
  })

  it('closes itself when its reader breaks off', async () => {
    const budget = new ByteBudget(100)
    const channel = new ChunkChannel(budget)
    for (const size of [3, 4]) {
      await budget.acquire(size)
      channel.push(Buffer.alloc(size))
    }
    for await (const chunk of channel) {
      assert.equal(chunk.length, 3)
      break
    }
    assert.equal(budget.used, 0)
  })

  it('makes its reader fail with the reader-side error', async () => {
    const channel = new ChunkChannel(new ByteBudget(100))
    const reading = (async () => {
      for await (const chunk of channel) assert.ok(chunk)
    })()
    channel.fail(new Error('unexpected EOF'))
    await assert.rejects(reading, /unexpected EOF/)
  })
})
