import assert from 'node:assert/strict'
import {mkdir, mkdtemp, rm, symlink, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {copyName, inContainerTerms, parseCopyArguments, resolveInRoot} from '../../../src/container/cp.ts'

describe('cp arguments', () => {
  it('takes the container side from NAME:PATH as docker splits it: absolute paths and ones starting with . are local', () => {
    assert.equal(parseCopyArguments('.x:y', 'web:/tmp').hostPath, '.x:y')
    assert.deepEqual(parseCopyArguments('a/b:c', '/tmp/out'), {container: 'a/b', containerPath: 'c', hostPath: '/tmp/out', direction: 'from-container'})
    assert.throws(() => parseCopyArguments(':x', '/y'), /must specify at least one container source/)
    assert.throws(() => parseCopyArguments('', 'web:/'), {message: 'source can not be empty'})
    assert.throws(() => parseCopyArguments('f', ''), {message: 'destination can not be empty'})
    assert.deepEqual(parseCopyArguments('web:/etc/hosts', '.'), {container: 'web', containerPath: '/etc/hosts', hostPath: '.', direction: 'from-container'})
    assert.deepEqual(parseCopyArguments('./a:b', 'web:/tmp'), {container: 'web', containerPath: '/tmp', hostPath: './a:b', direction: 'to-container'})
    // docker's daemon refuses an empty path in the container, either way (and before it looks for the container).
    assert.throws(() => parseCopyArguments('-', 'web:'), {message: 'bad parameter: pathcannot be empty'})
    assert.throws(() => parseCopyArguments('web:', '/tmp/out'), {message: 'bad parameter: pathcannot be empty'})
    assert.throws(() => parseCopyArguments('a:/x', 'b:/y'), /copying between containers is not supported/)
    assert.throws(() => parseCopyArguments('/x', '/y'), /must specify at least one container source/)
  })

  it('names a copy by the path as typed: its last element, . for the root or a directory\'s contents', () => {
    assert.equal(copyName('/etc/hosts'), 'hosts')
    assert.equal(copyName('/data/link/'), 'link')
    assert.equal(copyName('/data/link/.'), '.')
    assert.equal(copyName('/'), '.')
    assert.equal(copyName('/data/..'), '.')
    assert.equal(copyName('relative'), 'relative')
  })

  it('names paths in messages as the container sees them', () => {
    const error = inContainerTerms(new Error("ENOENT: no such file or directory, link '/proc/7/root/a' -> '/proc/7/root'"), '/proc/7/root')
    assert.equal((error as Error).message, "ENOENT: no such file or directory, link '/a' -> '/'")
    const other = new Error('unrelated')
    assert.equal(inContainerTerms(other, '/proc/7/root'), other)
  })
})

describe('paths in a container root', () => {
  let root: string
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'nerd-cp-unit-'))
    await mkdir(join(root, 'etc/real'), {recursive: true})
    await writeFile(join(root, 'etc/real/file'), 'x')
    await symlink('/etc/real', join(root, 'etc/absolute'))
    await symlink('../../../../..', join(root, 'etc/escape'))
    await symlink('real/file', join(root, 'etc/link'))
  })
  after(async () => rm(root, {recursive: true, force: true}))

  it('resolves symbolic links inside the root, never above it', async () => {
    assert.equal(await resolveInRoot(root, '/etc/absolute/file', false), join(root, 'etc/real/file'))
    assert.equal(await resolveInRoot(root, '/etc/escape/etc/real', false), join(root, 'etc/real'))
    assert.equal(await resolveInRoot(root, '/../../etc', false), join(root, 'etc'))
    assert.equal(await resolveInRoot(root, '/etc/link', false), join(root, 'etc/link'))
    assert.equal(await resolveInRoot(root, '/etc/link', true), join(root, 'etc/real/file'))
    assert.equal(await resolveInRoot(root, '/etc/nosuch/x', true), join(root, 'etc/nosuch/x'))
  })
})
