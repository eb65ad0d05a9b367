import assert from 'node:assert/strict'
import {mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import type {Mount} from '../../../src/containerd/index.ts'
import {lookupInLayers, readRootfsFiles, statInLayers} from '../../../src/container/rootfs-files.ts'

describe('files of a root filesystem read from its layers', () => {
  let work: string
  let upper: string
  let lower: string
  let base: string
  let mounts: Mount[]
  const put = (layer: string, path: string, text: string) => {
    mkdirSync(join(layer, path, '..'), {recursive: true})
    writeFileSync(join(layer, path), text)
  }
  const link = (layer: string, path: string, target: string) => {
    mkdirSync(join(layer, path, '..'), {recursive: true})
    symlinkSync(target, join(layer, path))
  }

  before(() => {
    work = mkdtempSync(join(tmpdir(), 'nerd-rootfs-files-'))
    ;[upper, lower, base] = ['upper', 'lower', 'base'].map((name) => join(work, name))
    for (const layer of [upper, lower, base]) mkdirSync(layer)
    mounts = [{type: 'overlay', source: 'overlay', target: '', options: [`upperdir=${upper}`, `workdir=${join(work, 'w')}`, `lowerdir=${lower}:${base}`]} as Mount]
    // A file of the host the links below aim at: a lookup that left the layers would find it.
    put(work, 'host-secret', 'host\n')
  })
  after(() => rmSync(work, {recursive: true, force: true}))

  it('takes a file from the topmost layer that has it, merging directories', async () => {
    put(base, 'etc/passwd', 'base\n')
    put(lower, 'etc/passwd', 'lower\n')
    put(base, 'etc/group', 'group\n')
    const files = await readRootfsFiles(mounts, ['/etc/passwd', '/etc/group', '/etc/missing'])
    assert.deepEqual(files, {'/etc/passwd': 'lower\n', '/etc/group': 'group\n'})
  })

  it('follows links inside the layers: an absolute target starts at their root, .. stops there', async () => {
    put(base, 'srv/users', 'inside\n')
    link(lower, 'abs', '/srv/users')
    link(lower, 'escape', '../../../../host-secret')
    link(lower, 'absolute-host', join(work, 'host-secret'))
    link(upper, 'dir', '/srv')
    const files = await readRootfsFiles(mounts, ['/abs', '/escape', '/absolute-host', '/dir/users'])
    assert.deepEqual(files, {'/abs': 'inside\n', '/dir/users': 'inside\n'})
  })

  it('stops at a whiteout and at a non-directory above a directory', async () => {
    put(base, 'gone/file', 'hidden\n')
    writeFileSync(join(lower, '.wh.gone'), '')
    put(base, 'replaced/file', 'hidden\n')
    put(lower, 'replaced', 'a file now\n')
    put(base, 'etc/shadow', 'base\n')
    writeFileSync(join(lower, 'etc', '.wh.shadow'), '')
    assert.equal(await statInLayers([upper, lower, base], '/gone/file'), undefined)
    assert.equal(await statInLayers([upper, lower, base], '/replaced/file'), undefined)
    assert.equal(await statInLayers([upper, lower, base], '/etc/shadow'), undefined)
    assert.equal((await lookupInLayers([upper, lower, base], '/replaced', {followLast: false}))?.stats.isFile(), true)
  })

  it('does not follow a last link unless asked, and gives up on a loop', async () => {
    link(lower, 'loop', '/loop')
    link(lower, 'to-users', 'srv/users')
    assert.equal((await lookupInLayers([upper, lower, base], '/to-users', {followLast: false}))?.stats.isSymbolicLink(), true)
    const trail: string[] = []
    assert.equal((await lookupInLayers([upper, lower, base], '/to-users', {followLast: true, trail}))?.path, join(base, 'srv', 'users'))
    assert.deepEqual(trail, ['/to-users', '/srv', '/srv/users'])
    trail.length = 0
    link(lower, 'to-srv', 'srv')
    assert.equal(await lookupInLayers([upper, lower, base], '/to-srv/none', {followLast: true, trail}), undefined)
    assert.deepEqual(trail, ['/to-srv', '/srv', '/srv/none'], 'the path it ended on last')
    assert.equal(await lookupInLayers([upper, lower, base], '/loop/x', {followLast: true}), undefined)
  })
})
