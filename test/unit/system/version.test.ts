import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {ansicDate} from '../../../src/system/version.ts'

describe('ansicDate', () => {
  it("writes an RFC 3339 build time in Go's time.ANSIC layout, as docker's version prints BuildTime", () => {
    assert.equal(ansicDate('2024-02-01T00:24:09.123Z'), 'Thu Feb  1 00:24:09 2024')
    assert.equal(ansicDate('2025-11-24T17:02:03Z'), 'Mon Nov 24 17:02:03 2025')
  })

  it('leaves an empty or unreadable time as it is', () => {
    assert.equal(ansicDate(''), '')
    assert.equal(ansicDate('yesterday'), 'yesterday')
  })
})
