import assert from 'node:assert/strict'
import {describe, test} from 'node:test'
import {REASON_MAX_CHARACTERS, describeThrown} from '../../../src/hooks/errors.ts'

describe('describeThrown', () => {
  test('gives the first line of an error or of any other value', () => {
    assert.equal(describeThrown(new Error('no signature\nsecond line')), 'no signature')
    assert.equal(describeThrown('  spaced out  '), 'spaced out')
    assert.equal(describeThrown(42), '42')
    assert.equal(describeThrown({message: 'from an object'}), 'from an object')
    assert.equal(describeThrown(new TypeError('')), 'TypeError')
    assert.equal(describeThrown(''), 'failed without a message')
  })

  test('never throws, whatever the plugin threw', () => {
    assert.equal(describeThrown(Object.create(null)), 'threw an object that cannot be turned into text')
    const getter = {get message(): string { throw new Error('getter boom') }}
    assert.equal(describeThrown(getter), '[object Object]')
    const hostile = new Proxy({}, {get() { throw new Error('trap') }, getPrototypeOf() { throw new Error('trap') }})
    assert.equal(describeThrown(hostile), 'threw an object that cannot be turned into text')
    assert.equal(describeThrown(Symbol('sym')), 'Symbol(sym)')
  })

  test('cuts a long reason short and escapes control characters, so the line stays one short plain line', () => {
    const huge = describeThrown(new Error('x'.repeat(8 * 1024 * 1024)))
    assert.equal(huge, `${'x'.repeat(REASON_MAX_CHARACTERS)}…`)
    assert.equal(describeThrown('\u001b[2J\u001b[31mred\u001b[0m\rOVERWRITE\tend\u0007\u009b'), '\\x1b[2J\\x1b[31mred\\x1b[0m\\rOVERWRITE\\tend\\x07\\x9b')
    // Not cut inside a character outside the BMP.
    assert.equal(describeThrown('😀'.repeat(REASON_MAX_CHARACTERS + 5)), `${'😀'.repeat(REASON_MAX_CHARACTERS)}…`)
  })
})
