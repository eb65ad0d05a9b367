import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {initLayerEntriesIn} from '../../../src/container/volumes.ts'

describe("docker's init layer in a volume's copy-up", () => {
  it('gives the mount points the runtime needs in the directory a volume covers, and nothing elsewhere', () => {
    assert.deepEqual(initLayerEntriesIn('/etc'), [
      {name: 'resolv.conf', kind: 'file'},
      {name: 'hosts', kind: 'file'},
      {name: 'hostname', kind: 'file'},
      {name: 'mtab', kind: {link: '/proc/mounts'}},
    ])
    assert.deepEqual(initLayerEntriesIn('/dev').map(({name}) => name), ['pts', 'shm', 'console'])
    assert.deepEqual(initLayerEntriesIn('/etc/hosts'), [])
    assert.deepEqual(initLayerEntriesIn('/data'), [])
  })
})
