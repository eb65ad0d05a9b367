/** The scavenges nerd asks for while blobs move, so their buffers go without mark-compacts. */
import assert from 'node:assert/strict'
import {constants, PerformanceObserver} from 'node:perf_hooks'
import {describe, it} from 'node:test'
import {noteBytesMoved} from '../../../src/containerd/scavenge.ts'

/** The kinds of the collections V8 reports while `action` runs (and the observer's turn after it). */
async function collectionsDuring(action: () => void): Promise<number[]> {
  const kinds: number[] = []
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) kinds.push((entry.detail as {kind: number}).kind)
  })
  observer.observe({entryTypes: ['gc']})
  action()
  await new Promise((resolve) => setTimeout(resolve, 20))
  observer.disconnect()
  return kinds
}

describe('noteBytesMoved', () => {
  it('collects the young generation once every 8 MiB and not before', async () => {
    // Whatever an earlier count left over is used up first.
    noteBytesMoved(8 << 20)
    assert.deepEqual(await collectionsDuring(() => noteBytesMoved((8 << 20) - 1)), [])
    assert.deepEqual(await collectionsDuring(() => noteBytesMoved(1)), [constants.NODE_PERFORMANCE_GC_MINOR])
    assert.deepEqual(await collectionsDuring(() => {
      for (let i = 0; i < 16; i++) noteBytesMoved(1 << 20)
    }), [constants.NODE_PERFORMANCE_GC_MINOR, constants.NODE_PERFORMANCE_GC_MINOR])
  })

  it('leaves gc unexposed to the contexts created afterwards', async () => {
    noteBytesMoved(8 << 20)
    const {runInNewContext} = await import('node:vm')
    assert.equal(runInNewContext('typeof gc'), 'undefined')
    assert.equal(typeof (globalThis as {gc?: unknown}).gc, 'undefined')
  })
})
