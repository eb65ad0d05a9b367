import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {parseNetworkFilters} from '../../../src/network/list.ts'

function failure(message: string): (error: unknown) => boolean {
  return (error) => {
    assert.equal((error as Error).message, message)
    return true
  }
}

describe('parseNetworkFilters', () => {
  it('takes dangling as 0, 1, true or false, once, with docker\'s messages otherwise', () => {
    assert.deepEqual(parseNetworkFilters(['dangling=1', 'dangling=1']), [{key: 'dangling', value: '1'}, {key: 'dangling', value: '1'}])
    const invalid = 'invalid value for filter \'dangling\', must be "true" (or "1"), or "false" (or "0")'
    for (const value of ['maybe', 'TRUE']) assert.throws(() => parseNetworkFilters([`dangling=${value}`]), failure(invalid), value)
    assert.throws(() => parseNetworkFilters(['dangling=true', 'dangling=false']), failure('got more than one value for filter key "dangling"'))
  })
})
