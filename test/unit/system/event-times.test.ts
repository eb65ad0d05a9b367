import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {eventTime, eventWindow} from '../../../src/system/event-times.ts'

const now = new Date('2026-03-01T10:00:00.750Z')
const nowSeconds = Math.floor(now.getTime() / 1000)

describe('events --since/--until', () => {
  it("sends docker's texts: a duration to the whole second, a Unix timestamp as typed, a date as seconds.nanoseconds", () => {
    assert.deepEqual(eventTime('10m', now), {nanos: BigInt(nowSeconds - 600) * 1_000_000_000n, text: String(nowSeconds - 600)})
    assert.deepEqual(eventTime('1700000000.5', now), {nanos: 1_700_000_000_500_000_000n, text: '1700000000.5'})
    assert.equal(eventTime('2026-03-01T09:00:00.25Z', now).text, `${nowSeconds - 3600}.250000000`)
    assert.deepEqual(eventTime('0', now), {nanos: 0n, text: '0'})
  })

  it("refuses a since after the until in docker's daemon's words", () => {
    assert.throws(() => eventWindow('0s', '10m', now), {message: `\`since\` time (${nowSeconds}) cannot be after \`until\` time (${nowSeconds - 600})`})
    assert.doesNotThrow(() => eventWindow('10m', '10m', now))
  })

  it('tells a since in the past (nothing to replay) from one of this second or to come', () => {
    assert.equal(eventWindow('1m', undefined, now).sinceInPast, true)
    assert.equal(eventWindow(String(nowSeconds), undefined, now).sinceInPast, false)
    assert.equal(eventWindow(String(nowSeconds + 5), undefined, now).sinceInPast, false)
    assert.equal(eventWindow(undefined, '-1m', now).sinceInPast, false)
    assert.deepEqual(eventWindow(String(nowSeconds + 5), String(nowSeconds + 9), now), {
      since: BigInt(nowSeconds + 5) * 1_000_000_000n,
      untilMillis: (nowSeconds + 9) * 1000,
      sinceInPast: false,
    })
  })
})
