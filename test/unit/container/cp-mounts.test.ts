import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {runningContainerView} from '../../../src/container/cp-mounts.ts'
import {pathParts} from '../../../src/container/cp-root.ts'

/** A mountinfo line per mount point (the fields the view reads: the point and the type). */
function mountinfo(...points: Array<[string, string]>): string {
  return points.map(([point, type], index) => `${index + 70} 69 0:${index + 40} / ${point} rw,relatime - ${type} ${type} rw`).join('\n')
}

/** A runc container's mounts, with a volume in /dev and an /etc file nerd binds. */
const RUNC = mountinfo(
  ['/', 'overlay'],
  ['/proc', 'proc'],
  ['/dev', 'tmpfs'],
  ['/dev/pts', 'devpts'],
  ['/dev/shm', 'tmpfs'],
  ['/sys', 'sysfs'],
  ['/sys/fs/cgroup', 'cgroup2'],
  ['/etc/hosts', 'ext4'],
  ['/data', 'ext4'],
  ['/data/sub', 'proc'],
  ['/dev/cache/vol', 'ext4'],
  ['/proc/keys', 'tmpfs'],
  ['/run', 'tmpfs'],
  ['/with\\040space', 'tmpfs'],
)

describe('a running container as docker\'s cp sees it', () => {
  const shows = runningContainerView(RUNC, ['/etc/hosts', '/data', '/dev/cache/vol'])
  const at = (path: string): string => shows(pathParts(path))

  it('holds the root filesystem and the container\'s own mounts, with what is mounted under them', () => {
    for (const path of ['/', '/bin/sh', '/etc', '/etc/hosts', '/data', '/data/sub/1/status', '/dev/cache/vol', '/dev/cache/vol/file']) assert.equal(at(path), 'all', path)
  })

  it('holds the mount points the runtime made in the root filesystem as entries without content', () => {
    for (const path of ['/proc', '/dev', '/sys', '/run', '/with space']) assert.equal(at(path), 'entry', path)
  })

  it('leaves out what is in the runtime\'s mounts, their own mount points included', () => {
    for (const path of ['/proc/1/status', '/proc/keys', '/dev/null', '/dev/pts', '/dev/shm/file', '/sys/kernel', '/sys/fs/cgroup', '/run/file']) assert.equal(at(path), 'none', path)
  })

  it('keeps the way to a volume mounted under a runtime mount', () => {
    assert.equal(at('/dev/cache'), 'entry')
    assert.equal(at('/dev/other'), 'none')
  })

  it('holds all of a tree that has no mounts but its root', () => {
    const whole = runningContainerView(mountinfo(['/', 'overlay']), ['/etc/hosts'])
    assert.equal(whole(pathParts('/proc/1/status')), 'all')
  })
})
