import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {readOnlyMounts} from '../../../src/container/export.ts'

describe('export', () => {
  it('mounts a snapshot read-only: an overlay\'s upper directory becomes its top lower one', () => {
    const overlay = {type: 'overlay', source: 'overlay', target: '', options: ['index=off', 'workdir=/s/2/work', 'upperdir=/s/2/fs', 'lowerdir=/s/1/fs:/s/0/fs']}
    assert.deepEqual(readOnlyMounts([overlay])[0]!.options, ['index=off', 'lowerdir=/s/2/fs:/s/1/fs:/s/0/fs', 'ro'])
    const bind = {type: 'bind', source: '/s/0/fs', target: '', options: ['rbind', 'rw']}
    assert.deepEqual(readOnlyMounts([bind])[0]!.options, ['rbind', 'ro'])
  })
})
