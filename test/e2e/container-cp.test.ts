/** cp end to end: trees with modes, owners and symbolic links, both ways, running and stopped containers, tar streams. */
import assert from 'node:assert/strict'
import {execFile} from 'node:child_process'
import {chmod, chown, lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, symlink, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {promisify} from 'node:util'
import {after, before, describe, it} from 'node:test'
import {nerdOk, removeAllContainers} from '../helpers/containers.ts'
import {loadTestImage, nerd} from '../helpers/e2e.ts'

const run = promisify(execFile)
const IMG = 'docker.io/nerd-test/busybox:latest'
let work: string

/** The tree as `ls` inside a container shows it: mode, owner, name, link target. */
async function listing(container: string, path: string): Promise<string> {
  return nerdOk(['exec', container, 'sh', '-c', `cd ${path} && find . | sort | while read f; do stat -c '%A %u:%g %N' "$f"; done`])
}

describe('cp', () => {
  before(async () => {
    await loadTestImage('nerd-test/busybox:latest')
    work = await mkdtemp(join(tmpdir(), 'nerd-cp-'))
    const tree = join(work, 'tree')
    await mkdir(join(tree, 'sub/deeper'), {recursive: true})
    await writeFile(join(tree, 'top.txt'), 'top\n')
    await chmod(join(tree, 'top.txt'), 0o640)
    await writeFile(join(tree, 'sub/deeper/run.sh'), '#!/bin/sh\necho ran\n')
    await chmod(join(tree, 'sub/deeper/run.sh'), 0o755)
    await chown(join(tree, 'sub/deeper/run.sh'), 1000, 1000)
    await symlink('../top.txt', join(tree, 'sub/link'))
    await chmod(join(tree, 'sub'), 0o750)
  })

  after(async () => {
    await removeAllContainers()
    await rm(work, {recursive: true, force: true})
  })

  it('round-trips a tree with modes and symbolic links into a running container and back', async () => {
    await nerdOk(['run', '-d', '--name', 'live', IMG, 'sleep', '120'])
    await nerdOk(['cp', join(work, 'tree'), 'live:/data'])
    const inside = await listing('live', '/data')
    assert.match(inside, /^-rw-r----- 0:0 \.\/top\.txt$/m)
    assert.match(inside, /^drwxr-x--- 0:0 \.\/sub$/m)
    assert.match(inside, /^-rwxr-xr-x 0:0 \.\/sub\/deeper\/run\.sh$/m)
    assert.match(inside, /^lrwxrwxrwx 0:0 '\.\/sub\/link' -> '\.\.\/top\.txt'$/m)
    assert.equal(await nerdOk(['exec', 'live', '/data/sub/deeper/run.sh']), 'ran\n')

    // -a keeps the owners; into an existing directory the tree lands under its own name.
    await nerdOk(['exec', 'live', 'mkdir', '/kept'])
    await nerdOk(['cp', '-a', join(work, 'tree'), 'live:/kept'])
    assert.match(await listing('live', '/kept/tree'), /^-rwxr-xr-x 1000:1000 \.\/sub\/deeper\/run\.sh$/m)

    await nerdOk(['cp', 'live:/data', join(work, 'back')])
    assert.equal((await lstat(join(work, 'back/top.txt'))).mode & 0o777, 0o640)
    assert.equal((await lstat(join(work, 'back/sub'))).mode & 0o777, 0o750)
    assert.equal(await readlink(join(work, 'back/sub/link')), '../top.txt')
    assert.equal(await readFile(join(work, 'back/sub/deeper/run.sh'), 'utf8'), '#!/bin/sh\necho ran\n')
  })

  it('copies in and out of a stopped container, with its volumes\' bind mounts in place', async () => {
    const bound = join(work, 'bound')
    await mkdir(bound)
    await writeFile(join(bound, 'from-host.txt'), 'bound\n')
    await nerdOk(['run', '--name', 'stopped', '-v', `${bound}:/mnt/bound`, IMG, 'sh', '-c', 'echo made > /made.txt; sleep 1'])
    await nerdOk(['cp', 'stopped:/made.txt', join(work, 'made.txt')])
    assert.equal(await readFile(join(work, 'made.txt'), 'utf8'), 'made\n')
    await nerdOk(['cp', 'stopped:/mnt/bound/from-host.txt', join(work, 'via-bind.txt')])
    assert.equal(await readFile(join(work, 'via-bind.txt'), 'utf8'), 'bound\n')
    await nerdOk(['cp', join(work, 'tree/top.txt'), 'stopped:/mnt/bound/'])
    assert.equal(await readFile(join(bound, 'top.txt'), 'utf8'), 'top\n')
    await nerdOk(['cp', join(work, 'tree'), 'stopped:/copied'])
    await nerdOk(['start', 'stopped'])
    assert.match(await listing('stopped', '/copied'), /^-rwxr-xr-x 0:0 \.\/sub\/deeper\/run\.sh$/m)
  })

  it('streams a tar archive out of and into a container, and says what is missing in one line', async () => {
    const archive = join(work, 'out.tar')
    const out = await nerd(['cp', 'live:/data/sub', '-'])
    assert.equal(out.code, 0, out.stderr)
    await writeFile(archive, out.stdoutBytes)
    const names = (await run('tar', ['-tf', archive])).stdout.split('\n').filter(Boolean).sort()
    assert.deepEqual(names, ['sub/', 'sub/deeper/', 'sub/deeper/run.sh', 'sub/link'])

    const streamed = await nerd(['cp', '-', 'live:/tmp'], {input: await readFile(archive)})
    assert.equal(streamed.code, 0, streamed.stderr)
    assert.equal(await nerdOk(['exec', 'live', 'readlink', '/tmp/sub/link']), '../top.txt\n')
    assert.equal(await nerdOk(['exec', 'live', '/tmp/sub/deeper/run.sh']), 'ran\n')

    const missing = await nerd(['cp', 'live:/nosuch', join(work, 'x')])
    assert.equal(missing.code, 1)
    assert.equal(missing.stderr, 'Error: Could not find the file /nosuch in container live\n')
    const both = await nerd(['cp', 'live:/a', 'live:/b'])
    assert.equal(both.code, 1)
    assert.match(both.stderr, /copying between containers is not supported/)
  })

  it('copies symbolic links as they are, absolute targets included, and never extracts through one', async () => {
    await nerdOk(['exec', 'live', 'ln', '-s', '/etc/hostname', '/hn'])
    await nerdOk(['cp', 'live:/hn', join(work, 'hn')])
    assert.equal(await readlink(join(work, 'hn')), '/etc/hostname')
    await symlink('/etc/passwd', join(work, 'pw'))
    await nerdOk(['cp', join(work, 'pw'), 'live:/pw'])
    assert.equal(await nerdOk(['exec', 'live', 'readlink', '/pw']), '/etc/passwd\n')

    // A link in the container to a host directory: on the host, extracting through it would write there.
    const host = join(work, 'host-only')
    await mkdir(host)
    await nerdOk(['exec', 'live', 'ln', '-s', host, '/data/trap'])
    await mkdir(join(work, 'crafted/trap'), {recursive: true})
    await writeFile(join(work, 'crafted/trap/x'), 'pwned\n')
    await run('tar', ['-cf', join(work, 'through.tar'), '-C', join(work, 'crafted'), 'trap/x'])
    const through = await nerd(['cp', '-', 'live:/data'], {input: await readFile(join(work, 'through.tar'))})
    assert.equal(through.code, 1)
    assert.equal(through.stderr, 'Error: cannot extract "trap/x" through the symbolic link "trap"\n')
    await run('tar', ['-P', '-cf', join(work, 'up.tar'), '-C', join(work, 'crafted/trap'), '../trap/x'])
    const up = await nerd(['cp', '-', 'live:/data'], {input: await readFile(join(work, 'up.tar'))})
    assert.equal(up.code, 1)
    assert.equal(up.stderr, 'Error: "../trap/x" is outside of "/data"\n')
    assert.deepEqual(await readdir(host), [])
  })

  it('copies the directory a link leads to for a path ending in / or /.', async () => {
    await nerdOk(['exec', 'live', 'ln', '-s', '/data', '/datalink'])
    await nerdOk(['cp', 'live:/datalink/', join(work, 'slash')])
    assert.equal(await readFile(join(work, 'slash/top.txt'), 'utf8'), 'top\n')
    await mkdir(join(work, 'into'))
    await nerdOk(['cp', 'live:/datalink/', join(work, 'into')])
    assert.equal(await readFile(join(work, 'into/datalink/top.txt'), 'utf8'), 'top\n')
    await nerdOk(['cp', 'live:/datalink/.', join(work, 'into')])
    assert.equal(await readFile(join(work, 'into/top.txt'), 'utf8'), 'top\n')
    await nerdOk(['cp', 'live:/datalink', join(work, 'plain')])
    assert.equal(await readlink(join(work, 'plain')), '/data')

    const out = await nerd(['cp', 'live:/datalink/', '-'])
    assert.equal(out.code, 0, out.stderr)
    await writeFile(join(work, 'datalink.tar'), out.stdoutBytes)
    assert.ok((await run('tar', ['-tf', join(work, 'datalink.tar')])).stdout.split('\n').includes('datalink/top.txt'))
  })

  it('archives real owners and times without -a, and restores directory times on the host', async () => {
    await nerdOk(['exec', 'live', 'touch', '-d', '2001-02-03 04:05:06', '/kept/tree/sub'])
    const out = await nerd(['cp', 'live:/kept/tree', '-'])
    assert.equal(out.code, 0, out.stderr)
    await writeFile(join(work, 'owned.tar'), out.stdoutBytes)
    const listed = (await run('tar', ['--numeric-owner', '--full-time', '-tvf', join(work, 'owned.tar')], {env: {TZ: 'UTC'}})).stdout
    assert.match(listed, /^-rwxr-xr-x 1000\/1000 .* tree\/sub\/deeper\/run\.sh$/m)
    assert.match(listed, /^drwxr-x--- 0\/0 .* 2001-02-03 04:05:06 tree\/sub\/$/m)

    await nerdOk(['cp', 'live:/kept/tree', join(work, 'timed')])
    assert.deepEqual((await lstat(join(work, 'timed/sub'))).mtime, new Date('2001-02-03T04:05:06Z'))
  })

  it('names paths in the container in its messages', async () => {
    const missing = await nerd(['cp', join(work, 'tree/top.txt'), 'live:/no/such/file'])
    assert.equal(missing.code, 1)
    assert.equal(missing.stderr, 'Error: no such directory: /no/such\n')
    // Stopped (or about to be), its root is a temporary mount: not named either.
    const stopped = await nerd(['cp', '-', 'stopped:/copied'], {input: await readFile(join(work, 'up.tar'))})
    assert.equal(stopped.stderr, 'Error: "../trap/x" is outside of "/copied"\n')
  })
})
