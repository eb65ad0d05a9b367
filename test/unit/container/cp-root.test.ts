import assert from 'node:assert/strict'
import {closeSync, writeFileSync} from 'node:fs'
import {mkdir, mkdtemp, readdir, readFile, rename, rm, symlink} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {fdPath, openRoot, walkInRoot, WalkError} from '../../../src/container/cp-root.ts'

describe('walks in a root held open', () => {
  let work: string
  let root: string
  let outside: string
  let rootFd: number
  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'nerd-cp-root-'))
    root = join(work, 'root')
    outside = join(work, 'outside')
    await mkdir(join(root, 'etc/real'), {recursive: true})
    await mkdir(outside)
    await symlink('/etc/real', join(root, 'etc/absolute'))
    await symlink('../../../../..', join(root, 'etc/escape'))
    await symlink(outside, join(root, 'host'))
    rootFd = openRoot(root)
  })
  after(async () => {
    closeSync(rootFd)
    await rm(work, {recursive: true, force: true})
  })

  it('resolves links inside the root: absolute targets and .. never reach above it', () => {
    for (const [path, expected] of [
      ['/etc/absolute/file', ['etc', 'real', 'file']],
      ['/etc/escape/etc/real/x', ['etc', 'real', 'x']],
      ['/../../etc/x', ['etc', 'x']],
    ] as const) {
      const located = walkInRoot(rootFd, path)
      closeSync(located.parent)
      assert.deepEqual(located.parts, expected, path)
    }
    // The host directory a link names is looked for in the root, where there is none.
    assert.throws(() => walkInRoot(rootFd, '/host/x'), (error: unknown) => error instanceof WalkError && error.code === 'ENOENT')
  })

  it('keeps writing where it walked when a directory on the way is swapped for a link meanwhile', async () => {
    await mkdir(join(root, 'swap'))
    const located = walkInRoot(rootFd, '/swap/f')
    try {
      await rename(join(root, 'swap'), join(root, 'swapped'))
      await symlink(outside, join(root, 'swap'))
      writeFileSync(fdPath(located.parent, located.name), 'x', {flag: 'wx'})
    } finally {
      closeSync(located.parent)
    }
    assert.deepEqual(await readdir(outside), [])
    assert.equal(await readFile(join(root, 'swapped/f'), 'utf8'), 'x')
  })
})
