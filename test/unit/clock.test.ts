import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {delayFor, preciseNow} from '../../src/clock.ts'

describe('preciseNow', () => {
  it('gives the wall-clock time as RFC 3339 with nine fractional digits, as docker records its times', () => {
    const before = Date.now()
    const text = preciseNow()
    const after = Date.now()
    assert.match(text, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/)
    const millis = Date.parse(text)
    assert.ok(millis >= before - 2 && millis <= after + 2, `${text} is not between ${before} and ${after}`)
  })

  it('goes forward to the nanosecond from one call to the next', () => {
    const nanoseconds = (text: string) => BigInt(Math.floor(Date.parse(text) / 1000)) * 1_000_000_000n + BigInt(text.slice(20, 29))
    const times = Array.from({length: 50}, () => nanoseconds(preciseNow()))
    for (let index = 1; index < times.length; index++) assert.ok(times[index]! >= times[index - 1]!, `${times[index]} after ${times[index - 1]}`)
    // Not all on whole milliseconds, as Date's would be.
    assert.ok(times.some((time) => time % 1_000_000n !== 0n))
  })
})

describe('delayFor', () => {
  it("waits a delay longer than Node's timers take (2^31 ms and more), which stops at once when aborted", async () => {
    const stop = new AbortController()
    // Given to one timer, 1000 hours would have fired after 1 ms (Node's TimeoutOverflowWarning).
    const waited = delayFor(1000 * 3_600_000, stop.signal)
    const outcome = await Promise.race([waited.then((result) => `waited: ${result}`), new Promise((resolve) => setTimeout(resolve, 100, 'still waiting'))])
    assert.equal(outcome, 'still waiting')
    stop.abort()
    assert.equal(await waited, false)
  })

  it('resolves true once the delay is over, at once for none', async () => {
    const signal = new AbortController().signal
    assert.equal(await delayFor(20, signal), true)
    assert.equal(await delayFor(-5, signal), true)
  })
})
