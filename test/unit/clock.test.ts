import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {preciseNow} from '../../src/clock.ts'

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
