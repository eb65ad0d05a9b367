/** cp end to end: trees with modes, owners, links and special files, both ways, running and stopped containers, tar streams. */
import assert from 'node:assert/strict'
import {execFile, spawn} from 'node:child_process'
import {existsSync} from 'node:fs'
import {chmod, chown, link, lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, rmdir, symlink, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {promisify} from 'node:util'
import {after, before, describe, it} from 'node:test'
import {nerdOk, removeAllContainers, until} from '../helpers/containers.ts'
import {loadTestImage, nerd, nerdEntry, nerdGlobals, nerdOnTerminal, startNerd} from '../helpers/e2e.ts'
import {buildImageArchive, busyboxRootfs, DEFAULT_PATH, file, zstdFrames} from '../helpers/oci-image.ts'

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
    // docker's daemon keeps the archive's numeric owners (its docs say root's).
    assert.match(inside, /^-rwxr-xr-x 1000:1000 \.\/sub\/deeper\/run\.sh$/m)
    assert.match(inside, /^lrwxrwxrwx 0:0 '\.\/sub\/link' -> '\.\.\/top\.txt'$/m)
    assert.equal(await nerdOk(['exec', 'live', '/data/sub/deeper/run.sh']), 'ran\n')

    // -a gives the container's user, which it has none of: the archive's owners; into an existing directory the tree lands under its own name.
    await nerdOk(['exec', 'live', 'mkdir', '/kept'])
    await nerdOk(['cp', '-a', join(work, 'tree'), 'live:/kept'])
    assert.match(await listing('live', '/kept/tree'), /^-rwxr-xr-x 1000:1000 \.\/sub\/deeper\/run\.sh$/m)

    await nerdOk(['cp', 'live:/data', join(work, 'back')])
    assert.equal((await lstat(join(work, 'back/top.txt'))).mode & 0o777, 0o640)
    assert.equal((await lstat(join(work, 'back/sub'))).mode & 0o777, 0o750)
    assert.equal(await readlink(join(work, 'back/sub/link')), '../top.txt')
    assert.equal(await readFile(join(work, 'back/sub/deeper/run.sh'), 'utf8'), '#!/bin/sh\necho ran\n')
    assert.equal((await lstat(join(work, 'back/sub/deeper/run.sh'))).uid, process.getuid!())
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
    assert.match(await listing('stopped', '/copied'), /^-rwxr-xr-x 1000:1000 \.\/sub\/deeper\/run\.sh$/m)
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
    const missingHere = join(work, 'nosuch')
    assert.deepEqual(await nerd(['cp', missingHere, 'live:/tmp/']).then(({code, stderr}) => ({code, stderr})), {code: 1, stderr: `Error: lstat ${missingHere}: no such file or directory\n`})
    // docker's CLI names a relative source by its absolute path; one going on under a file fails as Go's EvalSymlinks does, bare.
    assert.deepEqual(await nerd(['cp', 'nosuch', 'live:/tmp/'], {cwd: work}).then(({code, stderr}) => ({code, stderr})), {code: 1, stderr: `Error: lstat ${missingHere}: no such file or directory\n`})
    assert.deepEqual(await nerd(['cp', 'tree/top.txt/', 'live:/tmp/'], {cwd: work}).then(({code, stderr}) => ({code, stderr})), {code: 1, stderr: 'Error: not a directory\n'})
    const both = await nerd(['cp', 'live:/a', 'live:/b'])
    assert.equal(both.code, 1)
    assert.match(both.stderr, /copying between containers is not supported/)
  })

  it('copies trees whose paths and link targets are longer than ustar holds (300 and 1000 bytes), both ways and as tar streams, each entry where it was', async () => {
    await nerdOk(['run', '-d', '--name', 'deep', IMG, 'sleep', '120'])
    for (const depth of [30, 100]) {
      // Names of 9 bytes: paths of 300 and 1000 bytes below the tree, and a link target as long.
      const deep = Array.from({length: depth}, (_, index) => `dir${String(index).padStart(6, '0')}`).join('/')
      const tree = join(work, `deep-${depth}`)
      await mkdir(join(tree, deep), {recursive: true})
      await writeFile(join(tree, deep, 'f'), 'deep\n')
      await symlink(`/in/${deep}/f`, join(tree, deep, 'link'))
      const expected = depth + 3
      const count = (listed: string): number => listed.trim().split('\n').length
      await nerdOk(['cp', tree, `deep:/in${depth}`])
      assert.equal(count(await nerdOk(['exec', 'deep', 'find', `/in${depth}`])), expected, 'copied in')
      assert.equal(await nerdOk(['exec', 'deep', 'cat', `/in${depth}/${deep}/f`]), 'deep\n')
      assert.equal(await nerdOk(['exec', 'deep', 'readlink', `/in${depth}/${deep}/link`]), `/in/${deep}/f\n`)

      const back = join(work, `deep-back-${depth}`)
      await nerdOk(['cp', `deep:/in${depth}`, back])
      assert.equal(count((await run('find', [back], {maxBuffer: 1 << 24})).stdout), expected, 'copied out')
      assert.equal(await readlink(join(back, deep, 'link')), `/in/${deep}/f`)

      const streamed = await nerd(['cp', `deep:/in${depth}`, '-'])
      assert.equal(streamed.code, 0, streamed.stderr)
      await writeFile(join(work, 'deep.tar'), streamed.stdoutBytes)
      const listedByTar = (await run('tar', ['-tf', join(work, 'deep.tar')], {maxBuffer: 1 << 24})).stdout
      assert.equal(count(listedByTar), expected, 'GNU tar lists the stream')
      await nerdOk(['exec', 'deep', 'mkdir', `/again${depth}`])
      const into = await nerd(['cp', '-', `deep:/again${depth}`], {input: streamed.stdoutBytes})
      assert.equal(into.code, 0, into.stderr)
      assert.equal(count(await nerdOk(['exec', 'deep', 'find', `/again${depth}`])), expected + 1, 'a tar stream in')
    }
  })

  it('copies symbolic links as they are, absolute targets included, and extracts through one only inside the container', async () => {
    await nerdOk(['exec', 'live', 'ln', '-s', '/etc/hostname', '/hn'])
    await nerdOk(['cp', 'live:/hn', join(work, 'hn')])
    assert.equal(await readlink(join(work, 'hn')), '/etc/hostname')
    await symlink('/etc/passwd', join(work, 'pw'))
    await nerdOk(['cp', join(work, 'pw'), 'live:/pw'])
    assert.equal(await nerdOk(['exec', 'live', 'readlink', '/pw']), '/etc/passwd\n')

    // A link in the container to a host directory: followed inside the container (as docker's chrooted untar), never to the host.
    const host = join(work, 'host-only')
    await mkdir(host)
    await nerdOk(['exec', 'live', 'ln', '-s', host, '/data/trap'])
    await mkdir(join(work, 'crafted/trap'), {recursive: true})
    await writeFile(join(work, 'crafted/trap/x'), 'pwned\n')
    await run('tar', ['-cf', join(work, 'through.tar'), '-C', join(work, 'crafted'), 'trap/x'])
    const through = await nerd(['cp', '-', 'live:/data'], {input: await readFile(join(work, 'through.tar'))})
    assert.deepEqual([through.code, through.stderr], [0, ''])
    assert.equal(await nerdOk(['exec', 'live', 'cat', `${host}/x`]), 'pwned\n')
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

  it('never replaces a file with a directory or a directory with a file, either way, and says so as docker does', async () => {
    await nerdOk(['exec', 'live', 'sh', '-c', 'mkdir -p /ow/dir/inner; echo kept > /ow/file'])
    const source = join(work, 'ow-source')
    await mkdir(join(source, 'file/sub'), {recursive: true})
    await writeFile(join(source, 'dir'), 'a file\n')
    const refused = async (args: string[], message: string): Promise<void> => {
      const result = await nerd(['cp', ...args])
      assert.equal(result.code, 1, `${args.join(' ')}: ${result.stderr}`)
      assert.equal(result.stderr, `Error: ${message}\n`, args.join(' '))
    }
    await refused([join(source, 'file'), 'live:/ow/'], 'cannot overwrite non-directory "/ow/file" with directory "/ow"')
    await refused([join(source, 'dir'), 'live:/ow/'], 'cannot overwrite directory "/ow/dir" with non-directory "/ow"')
    await refused([join(work, 'tree'), 'live:/ow/file/'], 'cannot overwrite non-directory "/ow/file" with directory "/ow"')
    await refused([join(work, 'tree'), 'live:/ow/file'], 'cannot copy directory')
    assert.equal(await nerdOk(['exec', 'live', 'cat', '/ow/file']), 'kept\n')
    assert.equal(await nerdOk(['exec', 'live', 'ls', '/ow/dir']), 'inner\n')
    // A directory named passwd copied into /etc would have left the container without users.
    await mkdir(join(work, 'etcx/passwd'), {recursive: true})
    await refused([join(work, 'etcx/passwd'), 'live:/etc/'], 'cannot overwrite non-directory "/etc/passwd" with directory "/etc"')
    assert.equal(await nerdOk(['exec', 'live', 'id', '-u']), '0\n')

    const host = join(work, 'ow-host')
    await mkdir(host)
    await writeFile(join(host, 'dir'), 'precious\n')
    await refused(['live:/ow/dir', `${host}/`], `cannot overwrite non-directory "${host}/dir" with directory "${host}"`)
    await refused(['live:/ow/dir', `${host}/dir/`], `lstat ${host}/dir/: not a directory`)
    assert.equal(await readFile(join(host, 'dir'), 'utf8'), 'precious\n')
  })

  it('copies FIFOs and device nodes both ways, and keeps modes exactly and hard links', async () => {
    await nerdOk(['exec', 'live', 'sh', '-c', 'mkdir /spec; mkfifo /spec/p; mknod /spec/n c 1 3; echo a > /spec/a; echo z > /spec/z; chmod 1777 /spec; chmod 666 /spec/a'])
    await nerdOk(['cp', 'live:/spec', join(work, 'spec')])
    assert.ok((await lstat(join(work, 'spec/p'))).isFIFO())
    assert.equal((await lstat(join(work, 'spec/n'))).rdev, (await lstat('/dev/null')).rdev)
    assert.equal(await readFile(join(work, 'spec/z'), 'utf8'), 'z\n')
    // nerd's umask (the usual 022) must not narrow them.
    const umask = process.umask(0o022)
    try {
      assert.equal((await lstat(join(work, 'spec'))).mode & 0o7777, 0o1777)
      assert.equal((await lstat(join(work, 'spec/a'))).mode & 0o7777, 0o666)
      await link(join(work, 'spec/z'), join(work, 'spec/z2'))
      await nerdOk(['cp', join(work, 'spec'), 'live:/spec2'])
    } finally {
      process.umask(umask)
    }
    const copied = await nerdOk(['exec', 'live', 'sh', '-c', "cd /spec2 && stat -c '%A %h %i %t,%T %n' . a n p z z2"])
    const [top, a, n, p, z, z2] = copied.trim().split('\n').map((line) => line.split(' '))
    assert.deepEqual([top![0], a![0], n![0], n![3], p![0]], ['drwxrwxrwt', '-rw-rw-rw-', 'crw-r--r--', '1,3', 'prw-r--r--'], copied)
    assert.deepEqual([z![1], z![2]], ['2', z2![2]], copied)
  })

  it('copies names that are no UTF-8 as their bytes, both ways, and takes them on the command line, host paths and working directory too', async () => {
    // caf\xe9 (Latin-1), a symbolic link to it and a FIFO by such a name: docker's names are bytes end to end.
    const latin1 = (text: string): Buffer => Buffer.from(text, 'latin1')
    await nerdOk(['exec', 'live', 'sh', '-c', 'mkdir /names && cd /names && echo x > "$(printf \'caf\\351\')" && ln -s "$(printf \'caf\\351\')" link && mkfifo "$(printf \'p\\377\')" && echo ok > ok'])
    const streamed = await nerd(['cp', 'live:/names', '-'])
    assert.equal(streamed.code, 0, streamed.stderr)
    assert.ok(streamed.stdoutBytes.includes(latin1('path=names/caf\xe9\n')), 'the PAX path record holds the bytes')
    assert.ok(streamed.stdoutBytes.includes(latin1('linkpath=caf\xe9\n')), 'the PAX linkpath record holds the bytes')

    await nerdOk(['cp', 'live:/names', join(work, 'names')])
    const here = (await readdir(join(work, 'names'), {encoding: 'buffer'})).map((name) => name.toString('latin1')).sort()
    assert.deepEqual(here, ['caf\xe9', 'link', 'ok', 'p\xff'])
    assert.equal(await readFile(latin1(`${work}/names/caf\xe9`), 'utf8'), 'x\n')
    assert.deepEqual(await readlink(join(work, 'names/link'), {encoding: 'buffer'}), latin1('caf\xe9'))

    await nerdOk(['cp', join(work, 'names'), 'live:/names2'])
    assert.equal(await nerdOk(['exec', 'live', 'sh', '-c', 'cat /names2/"$(printf \'caf\\351\')" && cat /names2/link && test -p /names2/"$(printf \'p\\377\')" && ls /names2 | wc -l']), 'x\nx\n4\n')

    // The container's path as typed, its bytes from the command line (Node decodes argv as UTF-8).
    const typed = await run('sh', ['-c', '"$@" "$(printf \'live:/names/caf\\351\')" -', 'sh', process.execPath, '--', nerdEntry, ...nerdGlobals(), 'cp'], {encoding: 'buffer'})
    assert.ok(typed.stdout.includes(latin1('path=caf\xe9\n')), 'the file named by its bytes is archived')

    // Host paths that are no UTF-8, as a shell passes them (printf's escapes here): the source, the
    // destination, the working directory a relative one is in.
    const cpTyped = (source: string, destination: string, directory = work) =>
      run('sh', ['-c', 'cd "$(printf "$1")" && source=$(printf "$2") && destination=$(printf "$3") && shift 3 && "$@" "$source" "$destination"', 'sh', directory, source, destination, process.execPath, '--', nerdEntry, ...nerdGlobals(), 'cp'])
    const hostNames = join(work, 'host-names')
    await mkdir(latin1(`${hostNames}/sub\xfd`), {recursive: true})
    await mkdir(latin1(`${hostNames}/dd\xf4`))
    await writeFile(latin1(`${hostNames}/h\xe9`), 'h\n')
    await writeFile(latin1(`${hostNames}/sub\xfd/f`), 'f\n')
    await nerdOk(['exec', 'live', 'mkdir', '/in1'])
    await cpTyped(`${hostNames}/h\\351`, 'live:/in1/')
    await cpTyped(`${hostNames}/sub\\375`, 'live:/x1')
    await cpTyped(`${hostNames}/sub\\375/`, 'live:/x2')
    assert.equal(await nerdOk(['exec', 'live', 'sh', '-c', 'cat /in1/"$(printf \'h\\351\')" /x1/f /x2/f']), 'h\nf\nf\n')
    await cpTyped('live:/names/caf\\351', `${hostNames}/dd\\364/z`)
    await cpTyped('live:/names', `${hostNames}/dd\\364/`)
    await cpTyped('live:/names/ok', '.', `${hostNames}/dd\\364`)
    assert.deepEqual((await readdir(latin1(`${hostNames}/dd\xf4`))).sort(), ['names', 'ok', 'z'])
    assert.equal(await readFile(latin1(`${hostNames}/dd\xf4/z`), 'utf8'), 'x\n')
    assert.equal(await readFile(latin1(`${hostNames}/dd\xf4/names/caf\xe9`), 'utf8'), 'x\n')
    assert.equal(await readFile(latin1(`${hostNames}/dd\xf4/ok`), 'utf8'), 'ok\n')
  })

  it('refuses to write into a read-only root filesystem or volume, as docker does, and a --tmpfs is no volume', async () => {
    const readOnly = join(work, 'read-only')
    await mkdir(readOnly)
    await nerdOk(['run', '-d', '--name', 'sealed', '--read-only', '-v', 'cp-vol:/vol', '-v', `${readOnly}:/rom:ro`, '--tmpfs', '/scratch', IMG, 'sleep', '120'])
    const file = join(work, 'tree/top.txt')
    for (const [target, message] of [
      ['sealed:/x', 'container rootfs is marked read-only'],
      ['sealed:/scratch/x', 'container rootfs is marked read-only'],
      ['sealed:/rom/x', 'mounted volume is marked read-only'],
    ] as const) {
      const result = await nerd(['cp', file, target])
      assert.equal(result.code, 1, target)
      assert.equal(result.stderr, `Error: ${message}\n`, target)
    }
    await nerdOk(['cp', file, 'sealed:/vol/x'])
    assert.equal(await nerdOk(['exec', 'sealed', 'cat', '/vol/x']), 'top\n')
    await nerdOk(['cp', 'sealed:/etc/hostname', join(work, 'sealed-hostname')])
  })

  it('leaves nothing mounted when a copy with a stopped container fails or is interrupted', async () => {
    const temporary = join(work, 'tmp')
    await mkdir(temporary)
    const mounted = async (): Promise<string[]> => (await readFile('/proc/mounts', 'utf8')).split('\n').filter((line) => line.includes(temporary))
    await nerdOk(['create', '--name', 'idle', IMG])
    const failed = await nerd(['cp', join(work, 'tree'), 'idle:/etc/passwd'], {env: {TMPDIR: temporary}})
    assert.equal(failed.stderr, 'Error: cannot copy directory\n')

    // Its stdout never read, the copy waits with the root mounted until ctrl-c.
    const copy = spawn(process.execPath, ['--', nerdEntry, ...nerdGlobals(), 'cp', 'idle:/bin', '-'], {env: {...process.env, TMPDIR: temporary, NODE_TEST_CONTEXT: undefined}, stdio: ['ignore', 'pipe', 'ignore']})
    const ended = new Promise((resolve) => copy.on('close', (code, signal) => resolve(signal ?? code)))
    await until('the root filesystem to be mounted', async () => ((await mounted()).length > 0 ? true : undefined))
    copy.kill('SIGINT')
    assert.equal(await ended, 'SIGINT')
    assert.deepEqual(await mounted(), [])
    assert.deepEqual((await readdir(temporary)).filter((name) => name.startsWith('nerd-rootfs-')), [])
  })

  it('stops a copy out at ctrl-c while a large file is read, leaving nothing at the destination', async () => {
    await nerdOk(['run', '-d', '--name', 'large', IMG, 'sleep', '120'])
    await nerdOk(['exec', 'large', 'dd', 'if=/dev/zero', 'of=/large', 'bs=1M', 'count=1500'])
    const destination = join(work, 'large-out')
    await mkdir(destination)
    const copy = startNerd(['cp', 'large:/large', join(destination, 'large')])
    // The file is being written in the staging directory: the copy is under way.
    const writing = async (): Promise<true | undefined> => {
      const [staging] = await readdir(destination)
      return staging !== undefined && (await readdir(join(destination, staging)).catch(() => [])).length > 0 ? true : undefined
    }
    await until('the copy to write the file', writing)
    const interrupted = Date.now()
    copy.child.kill('SIGINT')
    assert.equal(await copy.ended, 'SIGINT')
    const took = Date.now() - interrupted
    assert.ok(took < 1500, `the copy ended ${took} ms after ctrl-c`)
    assert.deepEqual(await readdir(destination), [])
    await nerdOk(['rm', '-f', 'large'])
  })

  it('mounts a stopped container\'s root filesystem where no other user can reach it', async () => {
    // A shared temporary directory, as /tmp: anyone may look in it (work is root's alone).
    const temporary = await mkdtemp(join(tmpdir(), 'nerd-cp-shared-'))
    await chmod(temporary, 0o1777)
    const asNobody = (path: string) =>
      new Promise<{code: number | null; stderr: string}>((resolve) => {
        const child = execFile('ls', [path], {uid: 65534, gid: 65534}, (_error, _stdout, stderr) => resolve({code: child.exitCode, stderr}))
      })
    assert.equal((await asNobody(temporary)).code, 0, 'another user lists the temporary directory')
    const mounted = async (): Promise<string[]> =>
      (await readFile('/proc/mounts', 'utf8'))
        .split('\n')
        .filter((line) => line.includes(temporary))
        .map((line) => line.split(' ')[1]!)
    await nerdOk(['create', '--name', 'private-root', IMG])
    // Its stdout never read, the copy waits with the root mounted.
    const copy = startNerd(['cp', 'private-root:/bin', '-'], {env: {TMPDIR: temporary}})
    try {
      await until('the root filesystem to be mounted', async () => ((await mounted()).length > 0 ? true : undefined))
      const [root] = await mounted()
      const listed = await asNobody(join(root!, 'etc'))
      assert.notEqual(listed.code, 0, 'another user lists the container\'s /etc')
      assert.match(listed.stderr, /Permission denied/)
    } finally {
      copy.child.kill('SIGINT')
    }
    assert.equal(await copy.ended, 'SIGINT')
    assert.deepEqual(await mounted(), [])
    assert.deepEqual(await readdir(temporary), [])
    await rmdir(temporary)
    await nerdOk(['rm', 'private-root'])
  })

  it('mounts the root filesystem of an image of 130 layers, for cp and a volume\'s copy-up', async () => {
    // docker allows 125 layers; each names a directory of containerd's in the overlay's options.
    const layers = Array.from({length: 129}, (_, index) => ({entries: [file(`layers/${String(index).padStart(3, '0')}`, `${index}\n`)]}))
    const image = 'nerd-e2e/many-layers:v1'
    const archive = join(work, 'many-layers.tar')
    await buildImageArchive({name: image, images: [{layers: [{entries: await busyboxRootfs()}, ...layers], config: {Env: [DEFAULT_PATH], Cmd: ['sh']}}]}, archive)
    await nerdOk(['load', '-q', '-i', archive])
    try {
      await nerdOk(['create', '--name', 'many-layers', image])
      await nerdOk(['cp', 'many-layers:/layers/000', join(work, 'bottom-layer')])
      assert.equal(await readFile(join(work, 'bottom-layer'), 'utf8'), '0\n')
      await nerdOk(['cp', join(work, 'tree/top.txt'), 'many-layers:/layers/'])
      await nerdOk(['cp', 'many-layers:/layers/top.txt', join(work, 'top-layer')])
      assert.equal(await readFile(join(work, 'top-layer'), 'utf8'), 'top\n')

      // The volume is filled with the image's /layers, read from its root filesystem mounted.
      const listed = await nerdOk(['run', '--rm', '-v', 'many-layers:/layers', image, 'sh', '-c', 'ls /layers | wc -l; cat /layers/128'])
      assert.equal(listed, '129\n128\n')
    } finally {
      await nerd(['rm', '-f', 'many-layers'])
      await nerd(['volume', 'rm', 'many-layers'])
      await nerd(['rmi', image])
    }
  })

  it('says in one line why a stopped container\'s root filesystem cannot be mounted; a missing -v source is made, as its start makes it', async () => {
    const gone = join(work, 'gone')
    await mkdir(gone)
    const made = join(work, 'made')
    await mkdir(made)
    await nerdOk(['create', '--name', 'bound-gone', '--mount', `type=bind,src=${gone},dst=/mnt/gone`, '-v', `${made}:/mnt/made`, IMG])
    await rm(gone, {recursive: true})
    await rm(made, {recursive: true})
    const failed = await nerd(['cp', 'bound-gone:/etc/passwd', join(work, 'not-copied')])
    assert.deepEqual([failed.code, failed.stderr], [1, `Error: cannot mount ${gone}: special device ${gone} does not exist\n`])
    assert.ok(existsSync(made))
    await nerdOk(['rm', 'bound-gone'])
  })

  it('rm of a container unmounts the root filesystem a SIGKILLed copy left mounted, and not that of one still running', async () => {
    const temporary = join(work, 'killed-tmp')
    await mkdir(temporary)
    const mounted = async (): Promise<string[]> =>
      (await readFile('/proc/mounts', 'utf8'))
        .split('\n')
        .filter((line) => line.includes(temporary))
        .map((line) => line.split(' ')[1]!)
    const roots = async (): Promise<string[]> => (await readdir(temporary)).filter((name) => name.startsWith('nerd-rootfs-'))
    await nerdOk(['create', '--name', 'copied-killed', IMG])
    await nerdOk(['create', '--name', 'copied-live', IMG])
    // Their stdout never read, both wait with the root mounted.
    const start = (args: string[]) => startNerd(args, {env: {TMPDIR: temporary}})
    const live = start(['cp', 'copied-live:/bin', '-'])
    let killed: ReturnType<typeof start> | undefined
    try {
      await until('the root filesystem to be mounted', async () => ((await mounted()).length > 0 ? true : undefined))
      const [kept] = await mounted()
      killed = start(['cp', 'copied-killed:/bin', '-'])
      await until('the other root filesystem to be mounted', async () => ((await mounted()).length > 1 ? true : undefined))
      killed.child.kill('SIGKILL')
      assert.equal(await killed.ended, 'SIGKILL')
      assert.equal((await mounted()).length, 2, 'a SIGKILLed nerd leaves its mount')
      // Found in the temporary directory the killed nerd had, only: one named as a root elsewhere (a volume) is not nerd's.
      await nerdOk(['rm', '-f', 'copied-killed'], {env: {TMPDIR: temporary}})
      assert.deepEqual(await mounted(), [kept], 'the running copy keeps its mount')
      assert.deepEqual(await roots(), [dirname(kept!).slice(temporary.length + 1)])
    } finally {
      live.child.kill('SIGINT')
      // A copy that never got as far as its mount must not keep the file's process waiting on it.
      killed?.child.kill('SIGKILL')
    }
    assert.equal(await live.ended, 'SIGINT')
    assert.deepEqual(await mounted(), [])
    assert.deepEqual(await roots(), [])
    await nerdOk(['rm', 'copied-live'])
  })

  it('names paths in the container in its messages', async () => {
    const missing = await nerd(['cp', join(work, 'tree/top.txt'), 'live:/no/such/file'])
    assert.equal(missing.code, 1)
    assert.equal(missing.stderr, 'Error: Could not find the file /no/such in container live\n')
    assert.equal((await nerd(['cp', join(work, 'tree/top.txt'), 'live:/nonexist/'])).stderr, 'Error: no such directory\n')
    // As docker's CLI, the source and how the copy lands are checked before its daemon looks for the directory to extract in.
    assert.equal((await nerd(['cp', join(work, 'tree/top.txt'), 'live:/no/such/dir/'])).stderr, 'Error: no such directory\n')
    assert.equal((await nerd(['cp', join(work, 'nosuch'), 'live:/no/such/file'])).stderr, `Error: lstat ${join(work, 'nosuch')}: no such file or directory\n`)
    assert.equal((await nerd(['cp', 'live:/etc/passwd', join(work, 'nodir/x')])).stderr, `Error: invalid output path: directory "${join(work, 'nodir')}" does not exist\n`)
    assert.equal((await nerd(['cp', '', 'live:/'])).stderr, 'Error: source can not be empty\n')
    assert.equal((await nerd(['cp', join(work, 'tree/top.txt'), ''])).stderr, 'Error: destination can not be empty\n')
    // An empty path in the container (`live:`) is docker's daemon's refusal, either way: nothing copied.
    for (const args of [['live:', join(work, 'whole')], [join(work, 'tree/top.txt'), 'live:']]) {
      assert.deepEqual(await nerd(['cp', ...args]).then(({code, stderr}) => [code, stderr]), [1, 'Error: bad parameter: pathcannot be empty\n'], args.join(' '))
    }
    assert.equal(await lstat(join(work, 'whole')).catch(() => undefined), undefined)
    assert.equal((await nerd(['exec', 'live', 'test', '-e', '/top.txt'])).code, 1)
    // A dangling link as the destination: docker's CLI copies to its target, and the daemon names the target's missing directory.
    await nerdOk(['exec', 'live', 'sh', '-c', 'ln -s /no/such/dir/target /dangling && mkdir -p /rel && ln -s ../gone/target /rel/dangling'])
    assert.equal((await nerd(['cp', join(work, 'tree/top.txt'), 'live:/dangling'])).stderr, 'Error: Could not find the file /no/such/dir in container live\n')
    assert.equal((await nerd(['cp', join(work, 'tree/top.txt'), 'live:/rel/dangling'])).stderr, 'Error: Could not find the file /gone in container live\n')
    // Its target resolved whole, as the daemon's stat resolves it (FollowSymlinkInScope): through a link to a link too.
    await nerdOk(['exec', 'live', 'sh', '-c', 'ln -s /dangling /chained && ln -s /tmp/nonexist /in-tmp'])
    assert.equal((await nerd(['cp', join(work, 'tree/top.txt'), 'live:/chained'])).stderr, 'Error: Could not find the file /no/such/dir in container live\n')
    // A copy out with -L: docker's CLI asks for the target, which the daemon names; without -L, or with a trailing `/`, the path.
    for (const [path, named] of [['/dangling', '/no/such/dir/target'], ['/rel/dangling', '/gone/target'], ['/chained', '/no/such/dir/target'], ['/in-tmp', '/tmp/nonexist']]) {
      assert.equal((await nerd(['cp', '-L', `live:${path}`, '-'])).stderr, `Error: Could not find the file ${named} in container live\n`, path)
    }
    assert.equal((await nerd(['cp', '-L', 'live:/dangling/', '-'])).stderr, 'Error: Could not find the file /dangling/ in container live\n')
    // /proc/self names no process of the container's to nerd: nothing to copy, and no Node error.
    assert.equal((await nerd(['cp', 'live:/proc/self/status', work])).stderr, 'Error: Could not find the file /proc/self/status in container live\n')
    const underFile = await nerd(['cp', join(work, 'tree/top.txt'), 'live:/etc/passwd/x'])
    assert.equal(underFile.stderr, 'Error: extraction point is not a directory\n')
    const notDirectory = await nerd(['cp', '-', 'live:/nosuch'], {input: await readFile(join(work, 'up.tar'))})
    assert.equal(notDirectory.stderr, 'Error: destination "live:/nosuch" must be a directory\n')
    // Stopped (or about to be), its root is a temporary mount: not named either.
    const stopped = await nerd(['cp', '-', 'stopped:/copied'], {input: await readFile(join(work, 'up.tar'))})
    assert.equal(stopped.stderr, 'Error: "../trap/x" is outside of "/copied"\n')
  })

  it('takes an empty stream on stdin as an empty archive and refuses one that is no tar in Go\'s words, as docker\'s daemon', async () => {
    const empty = await nerd(['cp', '-', 'live:/tmp'], {input: Buffer.alloc(0)})
    assert.deepEqual([empty.code, empty.stderr], [0, ''])
    const short = await nerd(['cp', '-', 'live:/tmp'], {input: Buffer.from('garbage\n')})
    assert.deepEqual([short.code, short.stderr], [1, 'Error: Error processing tar file: unexpected EOF\n'])
    const long = await nerd(['cp', '-', 'live:/tmp'], {input: Buffer.alloc(2048, 'x')})
    assert.deepEqual([long.code, long.stderr], [1, 'Error: Error processing tar file: archive/tar: invalid tar header\n'])
  })

  it('follows a link above an archive entry inside the container (lib -> usr/lib), as docker\'s chrooted untar', async () => {
    await nerdOk(['exec', 'live', 'sh', '-c', 'mkdir -p /usr/lib && ln -s usr/lib /mlib && ln -s / /rootlink'])
    const tree = join(work, 'merged')
    await mkdir(join(tree, 'mlib'), {recursive: true})
    await writeFile(join(tree, 'mlib/x.so'), 'so\n')
    await run('tar', ['-cf', join(work, 'merged.tar'), '-C', tree, 'mlib/x.so'])
    const copied = await nerd(['cp', '-', 'live:/'], {input: await readFile(join(work, 'merged.tar'))})
    assert.deepEqual([copied.code, copied.stderr], [0, ''])
    assert.equal(await nerdOk(['exec', 'live', 'cat', '/usr/lib/x.so']), 'so\n')
    // A link to / resolves to the container's root, not the host's.
    await nerdOk(['cp', join(work, 'tree/top.txt'), `live:/rootlink${work}-in-root`])
    assert.equal(await nerdOk(['exec', 'live', 'cat', `${work}-in-root`]), 'top\n')
    assert.ok(!(await lstat(`${work}-in-root`).catch(() => undefined)))
  })

  it('makes device nodes of a GNU-format tar with their numbers', async () => {
    const devices = join(work, 'devices')
    await mkdir(devices)
    await run('mknod', [join(devices, 'bdev'), 'b', '7', '200'])
    await run('mknod', [join(devices, 'cdev'), 'c', '1', '3'])
    await run('tar', ['--format=gnu', '-cf', join(work, 'devices-gnu.tar'), '-C', devices, 'bdev', 'cdev'])
    await nerdOk(['exec', 'live', 'mkdir', '/gnu'])
    const copied = await nerd(['cp', '-', 'live:/gnu'], {input: await readFile(join(work, 'devices-gnu.tar'))})
    assert.deepEqual([copied.code, copied.stderr], [0, ''])
    // stat's %t,%T: major and minor in hex.
    assert.equal(await nerdOk(['exec', 'live', 'stat', '-c', '%F %t,%T', '/gnu/bdev', '/gnu/cdev']), 'block special file 7,c8\ncharacter special file 1,3\n')
  })

  it('takes bzip2, xz and zstd archives on stdin, as docker\'s daemon decompresses them', async () => {
    const source = join(work, 'compressed')
    await mkdir(source)
    await writeFile(join(source, 'packed.txt'), 'packed\n')
    const formats = [['bzip2', '-j'], ['xz', '-J'], ['zstd', '--zstd']] as const
    for (const [name, flag] of formats) {
      if (name === 'zstd' && (await run('sh', ['-c', 'command -v zstd']).catch(() => undefined)) === undefined) continue
      const archive = join(work, `archive.${name}`)
      await run('tar', [flag, '-cf', archive, '-C', source, 'packed.txt'])
      await nerdOk(['exec', 'live', 'mkdir', `/${name}`])
      const copied = await nerd(['cp', '-', `live:/${name}`], {input: await readFile(archive)})
      assert.deepEqual([copied.code, copied.stderr], [0, ''], name)
      assert.equal(await nerdOk(['exec', 'live', 'cat', `/${name}/packed.txt`]), 'packed\n', name)
    }
  })

  it('takes a zstd archive of several frames on stdin (pzstd\'s output, `cat a.zst b.zst`); one cut inside a file leaves no part of that file', async () => {
    const source = join(work, 'framed')
    await mkdir(source)
    await writeFile(join(source, 'big.txt'), 'framed\n'.repeat(20000))
    const tar = (await run('tar', ['-cf', '-', '-C', source, 'big.txt'], {encoding: 'buffer'})).stdout
    await nerdOk(['exec', 'live', 'mkdir', '/framed', '/cut'])
    const copied = await nerd(['cp', '-', 'live:/framed'], {input: zstdFrames(tar, [tar.length >> 1])})
    assert.deepEqual([copied.code, copied.stderr], [0, ''])
    assert.equal(await nerdOk(['exec', 'live', 'wc', '-c', '/framed/big.txt']), '140000 /framed/big.txt\n')
    const cut = await nerd(['cp', '-', 'live:/cut'], {input: tar.subarray(0, tar.length >> 1)})
    assert.equal(cut.code, 1)
    assert.match(cut.stderr, /^Error: .*unexpected EOF/)
    assert.equal(await nerdOk(['exec', 'live', 'ls', '-A', '/cut']), '')
  })

  it('copies a running container\'s / as docker\'s daemon sees it: the runtime\'s proc, sysfs and /dev mounts as empty mount points, a volume in /dev whole', async () => {
    const volume = join(work, 'dev-volume')
    await mkdir(volume)
    await writeFile(join(volume, 'kept.txt'), 'kept\n')
    await nerdOk(['run', '-d', '--name', 'mounted', '-v', `${volume}:/dev/vol`, IMG, 'sleep', '120'])
    const copy = join(work, 'root-copy')
    await nerdOk(['cp', 'mounted:/', copy])
    assert.deepEqual(await readdir(join(copy, 'proc')), [])
    assert.deepEqual(await readdir(join(copy, 'sys')), [])
    assert.deepEqual(await readdir(join(copy, 'dev')), ['vol'])
    assert.equal(await readFile(join(copy, 'dev/vol/kept.txt'), 'utf8'), 'kept\n')
    assert.match(await readFile(join(copy, 'etc/hosts'), 'utf8'), /localhost/)
    assert.ok((await lstat(join(copy, 'bin/busybox'))).isFile())

    await nerdOk(['cp', 'mounted:/proc', join(work, 'proc-copy')])
    assert.deepEqual(await readdir(join(work, 'proc-copy')), [])
    for (const path of ['/proc/1/status', '/sys/kernel', '/dev/null']) {
      const inside = await nerd(['cp', `mounted:${path}`, join(work, 'inside')])
      assert.deepEqual([inside.code, inside.stderr], [1, `Error: Could not find the file ${path} in container mounted\n`])
    }
  })

  it('fails in one line when a file in the container cannot be read, leaving nothing at the destination; /sys\'s files come whole', async () => {
    // Every sysfs bus has a write-only drivers_probe, which not even root can open for reading.
    await nerdOk(['run', '-d', '--name', 'sysfs', '-v', '/sys/bus/cpu:/cpu:ro', IMG, 'sleep', '120'])
    const destination = await mkdtemp(join(work, 'unreadable-'))
    const unreadable = /^Error: open \/cpu\/\S+: permission denied\n$/
    // The root's /bin comes first: the failure comes once it was written, in a place of its own.
    const beside = await nerd(['cp', 'sysfs:/', join(destination, 'root')])
    assert.equal(beside.code, 1, beside.stderr)
    assert.match(beside.stderr, unreadable)
    await mkdir(join(destination, 'into'))
    // Into a directory, its contents come as ./…: the bus's relative links to /sys/devices climb out
    // of it, which docker's untar refuses (at the first, before the unreadable file).
    const into = await nerd(['cp', 'sysfs:/', join(destination, 'into')])
    assert.equal(into.code, 1, into.stderr)
    assert.match(into.stderr, /^Error: invalid symlink ".*\/into\/cpu\/devices\/cpu\d+" -> "\.\.\/\.\.\/\.\.\/devices\/system\/cpu\/cpu\d+"\n$/)
    assert.deepEqual(await readdir(destination, {recursive: true}), ['into'])
    const streamed = await nerd(['cp', 'sysfs:/cpu', '-'])
    assert.equal(streamed.code, 1)
    assert.match(streamed.stderr, unreadable)

    // stat says 4096 bytes; the file holds what a read gives.
    await nerdOk(['cp', 'sysfs:/cpu/drivers_autoprobe', join(destination, 'autoprobe')])
    assert.equal(await readFile(join(destination, 'autoprobe'), 'utf8'), await readFile('/sys/bus/cpu/drivers_autoprobe', 'utf8'))
  })

  it('shows docker\'s progress and summary (the tar stream\'s size) on a terminal, and nothing with -q', async () => {
    await writeFile(join(work, 'six.txt'), 'hello\n')
    const into = await nerdOnTerminal(['cp', join(work, 'six.txt'), 'live:/tmp/six.txt'])
    assert.equal(into.code, 0)
    assert.deepEqual(into.screen, ['Successfully copied 2.05kB to live:/tmp/six.txt'])
    const out = await nerdOnTerminal(['cp', 'live:/tmp/six.txt', join(work, 'six-back.txt')])
    assert.deepEqual(out.screen, [`Successfully copied 2.05kB to ${join(work, 'six-back.txt')}`])
    const quiet = await nerdOnTerminal(['cp', '-q', join(work, 'six.txt'), 'live:/tmp/six.txt'])
    assert.deepEqual([quiet.code, quiet.screen], [0, []])
  })

  it('writes a copy out through a symbolic link at the destination, creating a dangling link\'s target', async () => {
    const out = await mkdtemp(join(work, 'through-link-'))
    await mkdir(join(out, 'd'))
    await writeFile(join(out, 'd/f'), 'old\n')
    await symlink('d/f', join(out, 'flink'))
    await symlink('nonexist', join(out, 'dangling'))
    await nerdOk(['exec', 'live', 'sh', '-c', 'echo new > /tmp/new.txt'])
    await nerdOk(['cp', 'live:/tmp/new.txt', join(out, 'flink')])
    await nerdOk(['cp', 'live:/tmp/new.txt', join(out, 'dangling')])
    assert.equal(await readlink(join(out, 'flink')), 'd/f')
    assert.equal(await readFile(join(out, 'd/f'), 'utf8'), 'new\n')
    assert.equal(await readlink(join(out, 'dangling')), 'nonexist')
    assert.equal(await readFile(join(out, 'nonexist'), 'utf8'), 'new\n')
    // A dangling link whose target's directory is missing as well: Go's words for the stat of that directory.
    await symlink('nowhere/x', join(out, 'deeper'))
    const deeper = await nerd(['cp', 'live:/tmp/new.txt', join(out, 'deeper')])
    assert.deepEqual([deeper.code, deeper.stderr], [1, `Error: stat ${join(out, 'nowhere')}: no such file or directory\n`])
  })

  it('cannot be made to write or read outside the container by one swapping a directory and a link to a host directory (CVE-2018-15664)', async () => {
    const target = join(work, 'race-target')
    await mkdir(target)
    await writeFile(join(target, 'secret'), 'HOST SECRET\n')
    await writeFile(join(work, 'pwn.txt'), 'PWNED\n')
    const loop = `while true; do rm -rf /tmp/race; mkdir /tmp/race; echo inside > /tmp/race/secret; usleep 2000; rm -rf /tmp/race; ln -s ${target} /tmp/race; usleep 2000; done`
    await nerdOk(['run', '-d', '--name', 'racer', IMG, 'sh', '-c', loop])
    const deadline = Date.now() + 20_000
    for (let attempt = 0; attempt < 100 && Date.now() < deadline; attempt++) {
      await nerd(['cp', join(work, 'pwn.txt'), 'racer:/tmp/race/'])
      const read = await nerd(['cp', 'racer:/tmp/race/secret', '-'])
      assert.ok(!read.stdout.includes('HOST SECRET'), `attempt ${attempt} read the host's file`)
      assert.deepEqual(await readdir(target), ['secret'], `attempt ${attempt} wrote on the host`)
    }
    await nerdOk(['rm', '-f', 'racer'])
  })
  it('owns what it copies in as docker\'s daemon does: the archive\'s owners, with -a the container\'s user; a copy out is the user nerd runs as\'s, -a or not', async () => {
    const owned = join(work, 'owned-src')
    await mkdir(owned)
    await writeFile(join(owned, 'u.txt'), 'x')
    await chown(join(owned, 'u.txt'), 1234, 5678)
    await run('tar', ['--numeric-owner', '-C', owned, '-cf', join(work, 'u.tar'), 'u.txt'])
    await nerdOk(['run', '-d', '--name', 'usered', '--user', 'nobody', IMG, 'sleep', '120'])
    const ids = async (path: string): Promise<string> => (await nerdOk(['exec', 'usered', 'stat', '-c', '%u:%g', path])).trim()
    assert.equal((await nerd(['cp', '-', 'usered:/tmp'], {input: await readFile(join(work, 'u.tar'))})).code, 0)
    assert.equal(await ids('/tmp/u.txt'), '1234:5678')
    await nerdOk(['cp', join(owned, 'u.txt'), 'usered:/tmp/plain.txt'])
    assert.equal(await ids('/tmp/plain.txt'), '1234:5678')
    await nerdOk(['cp', '-a', join(owned, 'u.txt'), 'usered:/tmp/a.txt'])
    assert.equal(await ids('/tmp/a.txt'), '65534:65534')
    const out = join(work, 'owned-out')
    await mkdir(out)
    await nerdOk(['cp', '-a', 'usered:/tmp/u.txt', out])
    assert.equal((await lstat(join(out, 'u.txt'))).uid, process.getuid!())
  })

  it('never replaces a device node named as the destination, on the host or in the container, as docker\'s CLI refuses', async () => {
    const devices = join(work, 'device-nodes')
    await mkdir(devices)
    await run('mknod', [join(devices, 'mynull'), 'c', '1', '3'])
    const host = await nerd(['cp', 'live:/data/top.txt', join(devices, 'mynull')])
    assert.deepEqual([host.code, host.stderr], [1, `Error: invalid output path: "${join(devices, 'mynull')}" must be a directory or a regular file: got a device\n`])
    assert.ok((await lstat(join(devices, 'mynull'))).isCharacterDevice())
    await nerdOk(['exec', 'live', 'sh', '-c', 'mkdir /devt && mknod /devt/n c 1 3 && ln -s /devt/n /devt/l'])
    for (const path of ['/devt/n', '/devt/l']) {
      const inside = await nerd(['cp', join(work, 'tree/top.txt'), `live:${path}`])
      assert.deepEqual([inside.code, inside.stderr], [1, `Error: destination "live:${path}" must be a directory or a regular file: got a device\n`])
    }
    const stream = await nerd(['cp', '-', 'live:/devt/n'], {input: Buffer.alloc(1024)})
    assert.deepEqual([stream.code, stream.stderr], [1, 'Error: destination "live:/devt/n" must be a directory or a regular file: got a device\n'])
    assert.match(await nerdOk(['exec', 'live', 'ls', '-l', '/devt/n']), /^c/)
  })

  it('names a link followed with -L to a stream after its target, and fails on a source link that loops or has too long a name, in docker\'s words', async () => {
    const out = await nerd(['cp', '-L', 'live:/hn', '-'])
    assert.equal(out.code, 0, out.stderr)
    await writeFile(join(work, 'followed.tar'), out.stdoutBytes)
    assert.equal((await run('tar', ['-tf', join(work, 'followed.tar')])).stdout, 'hostname\n')
    await nerdOk(['exec', 'live', 'sh', '-c', `ln -s /loop2 /loop1 && ln -s /loop1 /loop2 && ln -s /tmp/${'t'.repeat(300)} /longlink`])
    for (const flags of [[], ['-L']]) {
      const loop = await nerd(['cp', ...flags, 'live:/loop1', join(work, 'loop-out')])
      assert.deepEqual([loop.code, loop.stderr], [1, 'Error: evalSymlinksInScope: too many links in /loop1\n'], flags.join(''))
      const long = await nerd(['cp', ...flags, 'live:/longlink', join(work, 'long-out')])
      assert.deepEqual([long.code, long.stderr], [1, `Error: lstat /tmp/${'t'.repeat(300)}: file name too long\n`], flags.join(''))
    }
  })
})
