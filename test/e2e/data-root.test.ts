/**
 * The data root's own safety: the modes nerd gives it and the state files holding containers'
 * environments, the data roots it refuses (another user's, one others may write to, a link another
 * user planted in it), and container names as long as its name store keeps.
 */
import assert from 'node:assert/strict'
import {statSync} from 'node:fs'
import {chmod, chown, lchown, mkdir, readdir, symlink, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {before, describe, it} from 'node:test'
import {nerdOk} from '../helpers/containers.ts'
import {ctr, fileNamespace, loadTestImage, nerd} from '../helpers/e2e.ts'
import {suiteDirectory} from '../helpers/temporary.ts'

const NOBODY = 65534

function mode(path: string): number {
  return statSync(path).mode & 0o7777
}

describe('data root', () => {
  const scratch = suiteDirectory('nerd-e2e-data-root-')
  before(() => loadTestImage('nerd-test/busybox:latest'))

  it('is made 0700 whichever command makes it, one of the user\'s is set to 0700, and a container\'s environment is in files only its owner reads', async () => {
    const fresh = join(scratch(), 'fresh')
    await nerdOk(['volume', 'create', 'first'], {dataRoot: fresh})
    assert.equal(mode(fresh).toString(8), '700')

    const open = join(scratch(), 'open')
    await mkdir(open)
    await chmod(open, 0o755)
    const id = (await nerdOk(['create', '--name', 'secret', '-e', 'PASSWORD=hunter2', 'nerd-test/busybox', 'true'], {dataRoot: open})).trim()
    assert.equal(mode(open).toString(8), '700')
    const state = join(open, 'containers', fileNamespace(), id)
    for (const file of [join(state, 'config.json'), join(state, 'state.json'), join(open, 'names', fileNamespace(), 'secret')]) {
      assert.equal(mode(file).toString(8), '600', file)
    }
    await nerdOk(['rm', 'secret'], {dataRoot: open})
  })

  it('refuses, on one line with exit 1, a data root another user owns or others may write to, and a directory or link in it another user owns, writing nothing through them', async () => {
    const theirs = join(scratch(), 'theirs')
    await mkdir(theirs)
    await chown(theirs, NOBODY, NOBODY)
    const owned = await nerd(['volume', 'create', 'v1'], {dataRoot: theirs})
    assert.deepEqual([owned.code, owned.stderr], [1, `Error: refusing to use data root ${theirs}: it is owned by user ${NOBODY}, neither root nor the user running nerd (0)\n`])
    assert.deepEqual(await readdir(theirs), [])

    const shared = join(scratch(), 'shared')
    await mkdir(shared)
    await chmod(shared, 0o777)
    const writable = await nerd(['ps', '-a'], {dataRoot: shared})
    assert.deepEqual([writable.code, writable.stderr], [1, `Error: refusing to use data root ${shared}: it is writable by other users (mode 0777)\n`])
    assert.equal(mode(shared).toString(8), '777', 'left as it is')

    // Another user's link where nerd keeps names: root nerd would write and unlink through it.
    const planted = join(scratch(), 'planted')
    const elsewhere = join(scratch(), 'elsewhere')
    await mkdir(planted, {mode: 0o700})
    await mkdir(join(elsewhere, fileNamespace()), {recursive: true})
    await symlink(elsewhere, join(planted, 'names'))
    await lchown(join(planted, 'names'), NOBODY, NOBODY)
    const linked = await nerd(['create', '--name', 'pwned', 'nerd-test/busybox', 'true'], {dataRoot: planted})
    assert.deepEqual([linked.code, linked.stderr], [1, `Error: refusing to use data root directory ${join(planted, 'names')}: it is a symbolic link owned by user ${NOBODY}, neither root nor the user running nerd (0)\n`])
    assert.deepEqual(await readdir(join(elsewhere, fileNamespace())), [])

    const worldWritable = join(scratch(), 'world-writable')
    await mkdir(join(worldWritable, 'volumes'), {recursive: true, mode: 0o700})
    await chmod(join(worldWritable, 'volumes'), 0o777)
    const directory = await nerd(['volume', 'ls'], {dataRoot: worldWritable})
    assert.deepEqual([directory.code, directory.stderr], [1, `Error: refusing to use data root directory ${join(worldWritable, 'volumes')}: it is writable by other users (mode 0777)\n`])
  })

  it('refuses on one line a data root the kernel will not make (under /proc, /sys, below a file), where a recursive mkdir would spin forever', async () => {
    const file = join(scratch(), 'a-file')
    await writeFile(file, '')
    for (const [dataRoot, reason] of [['/proc/nerd-nope/data', 'mkdir /proc/nerd-nope: no such file or directory'], ['/sys/nerd-nope', 'mkdir /sys/nerd-nope: operation not permitted'], [join(file, 'data'), `mkdir ${join(file, 'data')}: not a directory`]]) {
      for (const [args, code] of [[['ps'], 1], [['run', '--rm', 'nerd-test/busybox', 'true'], 125]] as const) {
        const refused = await nerd([...args], {dataRoot, timeoutMs: 10_000})
        assert.deepEqual([refused.code, refused.stderr], [code, `Error: ${reason}\n`], `${dataRoot} ${args[0]}`)
      }
    }
  })

  it('refuses a data root reached through another user\'s link, touching nothing of what it points to', async () => {
    const shared = join(scratch(), 'shared-parent')
    await mkdir(shared)
    await chmod(shared, 0o1777)
    const victim = join(scratch(), 'victim')
    await mkdir(join(victim, 'lib'), {recursive: true})
    await chmod(join(victim, 'lib'), 0o755)
    await symlink(victim, join(shared, 'theirs'))
    await lchown(join(shared, 'theirs'), NOBODY, NOBODY)
    const refused = await nerd(['volume', 'create', 'v1'], {dataRoot: join(shared, 'theirs', 'lib')})
    assert.deepEqual([refused.code, refused.stderr], [1, `Error: refusing to use data root parent ${join(shared, 'theirs')}: it is a symbolic link owned by user ${NOBODY}, neither root nor the user running nerd (0)\n`])
    assert.deepEqual([mode(join(victim, 'lib')).toString(8), await readdir(join(victim, 'lib'))], ['755', []])
  })

  it("narrows a group-writable data root and directories of the user's, which an older nerd made under umask 002, rather than refuse them", async () => {
    const groupWritable = join(scratch(), 'group-writable')
    await mkdir(join(groupWritable, 'volumes'), {recursive: true})
    await chmod(groupWritable, 0o775)
    await chmod(join(groupWritable, 'volumes'), 0o775)
    await nerdOk(['volume', 'ls'], {dataRoot: groupWritable})
    assert.deepEqual([mode(groupWritable).toString(8), mode(join(groupWritable, 'volumes')).toString(8)], ['700', '755'])
  })

  it('keeps a container name as long as a file name can be; a longer one is refused on one line, leaving nothing', async () => {
    const longest = 'n'.repeat(255)
    const id = (await nerdOk(['create', '--name', longest, 'nerd-test/busybox', 'true'])).trim()
    assert.equal((await nerdOk(['inspect', '-f', '{{.Name}}', longest])).trim(), `/${longest}`)
    await nerdOk(['rm', longest])
    assert.equal((await nerd(['inspect', id])).code, 1)
    const tooLong = 'n'.repeat(256)
    const refused = await nerd(['create', '--name', tooLong, 'nerd-test/busybox', 'true'])
    assert.equal(refused.stderr, `Error: Invalid container name (${tooLong}), names are at most 255 characters long\n`)
    assert.notEqual(refused.code, 0)
    assert.equal(await nerdOk(['ps', '-aq']), '')
  })

  it("keeps another data root's containers on the namespace apart: it neither lists, finds, removes nor prunes them, and has names of its own", async () => {
    const other = join(scratch(), 'other')
    const created = (await nerdOk(['create', '--network', 'none', '--name', 'kept-created', 'nerd-test/busybox', 'true'])).trim()
    const running = (await nerdOk(['run', '-d', '--network', 'none', '--name', 'kept-running', 'nerd-test/busybox', 'sleep', '300'])).trim()
    assert.equal(await nerdOk(['ps', '-aq'], {dataRoot: other}), '')
    for (const reference of ['kept-running', running, running.slice(0, 12), created]) {
      const removal = await nerd(['rm', '-f', reference], {dataRoot: other})
      // As docker's rm -f of a container it does not have: said, but no failure.
      assert.deepEqual([removal.code, removal.stdout, removal.stderr], [0, '', `Error: No such container: ${reference}\n`])
    }
    assert.equal(await nerdOk(['container', 'prune', '-f'], {dataRoot: other}), 'Total reclaimed space: 0B\n')
    const theirs = (await nerdOk(['create', '--network', 'none', '--name', 'kept-created', 'nerd-test/busybox', 'true'], {dataRoot: other})).trim()
    assert.equal(await nerdOk(['ps', '-aq', '--no-trunc'], {dataRoot: other}), `${theirs}\n`)
    const listed = await nerdOk(['ps', '-a', '--no-trunc', '--format', '{{.ID}} {{.Names}} {{.State}}'])
    assert.deepEqual(listed.split('\n').filter(Boolean).sort(), [`${created} kept-created created`, `${running} kept-running running`].sort())
    await nerdOk(['rm', '-f', 'kept-created'], {dataRoot: other})
    await nerdOk(['rm', '-f', 'kept-created', 'kept-running'])
    assert.equal((await ctr(['containers', 'ls', '-q'])).stdout, '')
  })
})
