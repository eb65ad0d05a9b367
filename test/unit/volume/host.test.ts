import assert from 'node:assert/strict'
import {link, mkdir, mkdtemp, readdir, readFile, readlink, rm, symlink, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {mountPoints} from '../../../src/mountinfo.ts'
import {copyDirectoryContents, directorySize, mountFailure} from '../../../src/volume/host.ts'

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

describe('mount failures', () => {
  const said = (text: string) => `mount: /v/_data: ${text}.`

  it('reads as moby/sys/mount\'s error: the options split into mount(2) flags and data, the errno mount(8) names as Go says it', () => {
    const einval = said('wrong fs type, bad option, bad superblock on tmpfs, missing codepage or helper program, or other error')
    assert.equal(mountFailure('tmpfs', '/v/_data', 'size=bogus,nope', einval), 'mount tmpfs:/v/_data, data: size=bogus,nope: invalid argument')
    // Propagation goes in a second mount(2), so the first one's flags leave it out (its recursion bit stays).
    assert.equal(mountFailure('/src', '/v/_data', 'rbind,rprivate,ro,noexec,exec,defaults', einval), 'mount /src:/v/_data, flags: 0x5001, data: defaults: invalid argument')
    assert.equal(mountFailure('none', '/v/_data', '', said("unknown filesystem type 'nosuchfs'")), 'mount none:/v/_data: no such device')
    assert.equal(mountFailure('', '/v/_data', '', said('mount point does not exist')), 'mount /v/_data: no such file or directory')
    assert.equal(mountFailure('x', '/v/_data', '', said('mount(2) system call failed: Operation not supported')), 'mount x:/v/_data: operation not supported')
    assert.equal(mountFailure('x', '/v/_data', '', said('fsconfig() failed: tmpfs: Bad value for \'size\'')), "mount x:/v/_data: fsconfig() failed: tmpfs: Bad value for 'size'")
  })
})

describe('copy into a volume', () => {
  let root: string
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'nerd-volume-copy-'))
  })
  after(async () => {
    await rm(root, {recursive: true, force: true})
  })

  it('never writes through a link a container put where an entry goes: staged, each entry is renamed in, and a name taken stops the copy', async () => {
    const [source, target, staging, canary] = ['image', 'volume/_data', 'volume/copy-up', 'host-file'].map((name) => join(root, name))
    await mkdir(join(source, 'sub'), {recursive: true})
    await writeFile(join(source, 'passwd'), 'root:x:0:0\n')
    await writeFile(join(source, 'sub/file'), 'image')
    await mkdir(target, {recursive: true})
    await writeFile(canary, 'ORIG')
    // What a container sharing the volume puts there between the emptiness check and the copy.
    await symlink(canary, join(target, 'passwd'))

    await copyDirectoryContents(source, target, staging)
    assert.equal(await readFile(canary, 'utf8'), 'ORIG')
    assert.equal(await readlink(join(target, 'passwd')), canary)
    assert.deepEqual((await readdir(join(root, 'volume'))).sort(), ['_data'])

    await rm(join(target, 'passwd'))
    await copyDirectoryContents(source, target, staging)
    assert.deepEqual([(await readdir(target)).sort(), await readFile(join(target, 'sub/file'), 'utf8')], [['passwd', 'sub'], 'image'])
    assert.deepEqual(await readdir(join(root, 'volume')), ['_data'])
  })
})
