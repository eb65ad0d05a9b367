import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {parseLabels, parseMapOption} from '../../src/labels.ts'

describe('parseMapOption', () => {
  it('reads docker map options: a bare key has an empty value, the last value wins', () => {
    assert.deepEqual(parseMapOption(['type=tmpfs', 'o=size=10m,uid=1000', 'device=tmpfs', 'flag', 'type=none']), {type: 'none', o: 'size=10m,uid=1000', device: 'tmpfs', flag: ''})
  })

  it('keeps an empty key, and splits at another delimiter when given one (--tmpfs)', () => {
    assert.deepEqual(parseMapOption(['=v']), {'': 'v'})
    assert.deepEqual(parseMapOption(['/run:size=1m,mode=1777', '/tmp'], ':'), {'/run': 'size=1m,mode=1777', '/tmp': ''})
  })

  it('keeps __proto__ as an own key, for the callers to check as docker would', () => {
    const options = parseMapOption(['__proto__=x'])
    assert.deepEqual(Object.keys(options), ['__proto__'])
    assert.equal(Object.getPrototypeOf(options), Object.prototype)
  })
})

describe('parseLabels', () => {
  it('keeps a __proto__ label as an own key, as docker keeps every label; later values win; an empty key is refused', () => {
    const labels = parseLabels(['__proto__=x', 'a=1', 'b', 'a=2'])
    assert.deepEqual(Object.entries(labels), [['__proto__', 'x'], ['a', '2'], ['b', '']])
    assert.equal(Object.getPrototypeOf(labels), Object.prototype)
    assert.throws(() => parseLabels(['=v']), /invalid label "=v": the key is empty/)
  })
})
