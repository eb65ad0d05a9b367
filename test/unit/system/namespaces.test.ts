import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {cgroupMountPoints, namespaceLabels} from '../../../src/system/namespaces.ts'

describe('cgroup hierarchies', () => {
  it('are the cgroup and cgroup2 mounts of a mountinfo file, their escapes decoded', () => {
    const mountinfo = [
      '31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755',
      '32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu',
      '40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime shared:9 - cgroup cgroup rw,name=systemd',
      '41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw',
      '42 31 0:39 / /mnt/my\\040cgroups rw - cgroup2 none rw',
      '43 31 0:40 / /cgroup-looking rw - ext4 /dev/cgroup rw',
      '',
    ].join('\n')
    assert.deepEqual(cgroupMountPoints(mountinfo), ['/sys/fs/cgroup/cpu', '/sys/fs/cgroup/systemd', '/sys/fs/cgroup/unified', '/mnt/my cgroups'])
  })
})

describe('namespace labels', () => {
  it('set a key alone to "true", as nerdctl does, and keep an empty value (a removal for update)', () => {
    assert.deepEqual(namespaceLabels(['a=1', 'b', 'c=', 'd=x=y']), {a: '1', b: 'true', c: '', d: 'x=y'})
    assert.deepEqual(namespaceLabels(), {})
    assert.throws(() => namespaceLabels(['=v']), {message: 'invalid label "=v": the key is empty'})
  })
})
