import assert from 'node:assert/strict'
import {link, mkdir, mkdtemp, rm, symlink, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {mountPoints} from '../../../src/mountinfo.ts'
import {directorySize} from '../../../src/volume/host.ts'

describe('mountinfo', () => {
  it('lists mount points with octal escapes decoded', () => {
    const info = [
      '22 27 0:21 / /proc rw,relatime - proc proc rw',
      '99 27 0:50 / /var/lib/nerd/volumes/ns/with\\040space/_data rw - tmpfs tmpfs rw,size=10240k',
      '',
    ].join('\n')
    assert.deepEqual(mountPoints(info), ['/proc', '/var/lib/nerd/volumes/ns/with space/_data'])
  })
})

describe('directory size', () => {
  let root: string
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'nerd-volume-size-'))
    await mkdir(join(root, 'sub/deeper'), {recursive: true})
    await writeFile(join(root, 'a'), 'x'.repeat(1000))
    await writeFile(join(root, 'sub/deeper/b'), 'y'.repeat(234))
    await link(join(root, 'a'), join(root, 'sub/hard-a'))
    await writeFile(join(root, 'empty'), '')
    await symlink('a-target-of-eleven', join(root, 'link'))
  })
  after(() => rm(root, {recursive: true, force: true}))

  it('counts file sizes, hard links once, directories not, symlinks by their own size', async () => {
    assert.equal(await directorySize(root), 1000 + 234 + 'a-target-of-eleven'.length)
  })

  it('is 0 for a directory that does not exist', async () => {
    assert.equal(await directorySize(join(root, 'missing')), 0)
  })
})
