import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {formatGoDuration, parseGoDuration} from '../../../src/format/go-duration.ts'

describe('Go durations', () => {
  it('parses time.ParseDuration\'s syntax in milliseconds', () => {
    assert.equal(parseGoDuration('300ms'), 300)
    assert.equal(parseGoDuration('1h2m3.5s'), 3_723_500)
    assert.equal(parseGoDuration('-1s'), -1000)
    assert.equal(parseGoDuration('10us'), 0.01)
    assert.equal(parseGoDuration('0'), 0)
    assert.equal(parseGoDuration('5'), undefined)
    assert.equal(parseGoDuration('soon'), undefined)
  })

  it('prints Duration.String', () => {
    assert.equal(formatGoDuration(300), '300ms')
    assert.equal(formatGoDuration(30_000), '30s')
    assert.equal(formatGoDuration(90_000), '1m30s')
    assert.equal(formatGoDuration(3_600_000), '1h0m0s')
    assert.equal(formatGoDuration(1500), '1.5s')
    assert.equal(formatGoDuration(0.5), '500µs')
    assert.equal(formatGoDuration(0), '0s')
  })
})
