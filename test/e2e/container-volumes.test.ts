/**
 * Volumes in run/create end to end: named volumes outliving their containers, in-use refusal, the
 * image's VOLUMEs as anonymous volumes that rm -v removes, copy-up of the image's content,
 * --mount type=volume, --volumes-from.
 */
import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {existsSync} from 'node:fs'
import {mkdir, mkdtemp, readdir, readFile, realpath, rm, symlink as makeSymlink, writeFile} from 'node:fs/promises'
import {release, tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {inspectContainer, nerdOk, removeAllContainers, until} from '../helpers/containers.ts'
import {ctr, fileDataRoot, loadTestImage, nerd} from '../helpers/e2e.ts'
import {buildImageArchive, busyboxRootfs, DEFAULT_PATH, dir, file, opaqueWhiteout, symlink} from '../helpers/oci-image.ts'

const IMG = 'docker.io/nerd-test/busybox:latest'
const MULTILAYER = 'docker.io/nerd-test/multilayer:latest'

async function volumeNames(): Promise<string[]> {
  return (await nerdOk(['volume', 'ls', '-q'])).split('\n').filter(Boolean)
}

describe('volumes in containers', () => {
  before(async () => {
    await loadTestImage('nerd-test/busybox:latest')
    await loadTestImage('nerd-test/multilayer:latest')
  })

  after(async () => {
    await removeAllContainers()
    const names = await volumeNames()
    if (names.length > 0) await nerd(['volume', 'rm', '-f', ...names])
  })

  it('keeps what one container wrote to a named volume for the next, after the first is removed', async () => {
    await nerdOk(['run', '--name', 'writer', '-v', 'shared:/data', IMG, 'sh', '-c', 'echo kept > /data/note'])
    await nerdOk(['rm', 'writer'])
    assert.equal(await nerdOk(['run', '--rm', '-v', 'shared:/data:ro', IMG, 'cat', '/data/note']), 'kept\n')
    const readOnly = await nerd(['run', '--rm', '--mount', 'type=volume,source=shared,target=/data,readonly', IMG, 'touch', '/data/x'])
    assert.notEqual(readOnly.code, 0)
    assert.match(readOnly.stderr, /Read-only file system/)
    const [volume] = JSON.parse(await nerdOk(['volume', 'inspect', 'shared'])) as Record<string, any>[]
    assert.equal(volume!.Name, 'shared')
  })

  it('refuses to remove a volume a container uses, naming the container', async () => {
    const id = (await nerdOk(['run', '-d', '-v', 'busy:/data', IMG, 'sleep', '60'])).trim()
    const refused = await nerd(['volume', 'rm', 'busy'])
    assert.equal(refused.code, 1)
    assert.equal(refused.stderr.trim().split('\n').length, 1)
    assert.match(refused.stderr, new RegExp(`volume is in use - \\[${id}\\]`))
    const mounts = (await inspectContainer(id)).Mounts as Record<string, any>[]
    assert.deepEqual(mounts.map((mount) => [mount.Type, mount.Name, mount.Destination, mount.RW]), [['volume', 'busy', '/data', true]])
    await nerdOk(['rm', '-f', id])
    assert.equal(await nerdOk(['volume', 'rm', 'busy']), 'busy\n')
  })

  it('gives an image VOLUME an anonymous volume filled from the image, which rm -v removes', async () => {
    const before = await volumeNames()
    await nerdOk(['run', '--name', 'imagevol', '--entrypoint', 'sh', MULTILAYER, '-c', 'ls /data/volume; echo mine > /data/volume/added'])
    const mounts = (await inspectContainer('imagevol')).Mounts as Record<string, any>[]
    assert.equal(mounts.length, 1)
    assert.equal(mounts[0]!.Destination, '/data/volume')
    assert.match(mounts[0]!.Name, /^[0-9a-f]{64}$/)
    assert.deepEqual((await volumeNames()).filter((name) => !before.includes(name)), [mounts[0]!.Name])
    await nerdOk(['rm', '-v', 'imagevol'])
    assert.deepEqual(await volumeNames(), before)
  })

  it("refuses an image VOLUME or -v /path over a file of the image (links followed) at create, as docker's daemon, leaving no container or volume", async () => {
    await nerdOk(['run', '--name', 'file-volume-base', '--network', 'none', IMG, 'true'])
    await nerdOk(['commit', '-c', 'VOLUME /bin/sh', 'file-volume-base', 'nerd-e2e/file-volume:1'])
    await nerdOk(['rm', 'file-volume-base'])
    try {
      const before = await volumeNames()
      const created = await nerd(['create', '--name', 'over-file', '--network', 'none', '-v', 'named-beside:/x', 'nerd-e2e/file-volume:1', 'true'])
      assert.equal(created.code, 1)
      assert.match(created.stderr, /^Error: cannot mount volume over existing file, file exists \/\S+\/bin\/busybox\n$/)
      const run = await nerd(['run', '--rm', '--network', 'none', '-v', '/etc/hostname', IMG, 'true'])
      assert.equal(run.code, 125)
      assert.match(run.stderr, /^Error: cannot mount volume over existing file, file exists \/\S+\/etc\/hostname\n$/)
      assert.equal((await nerd(['container', 'inspect', 'over-file'])).code, 1)
      assert.deepEqual(await volumeNames(), before)
      // Covered by a named volume, the image's VOLUME is no anonymous one: nothing to refuse.
      await nerdOk(['create', '--name', 'over-file-named', '--network', 'none', '-v', 'named-over:/bin/sh', 'nerd-e2e/file-volume:1', 'true'])
      await nerdOk(['rm', 'over-file-named'])
      await nerdOk(['volume', 'rm', 'named-over'])
    } finally {
      await nerd(['rmi', 'nerd-e2e/file-volume:1'])
    }
  })

  it('copies the image\'s content into a new named volume, not into one that has data, and not with nocopy', async () => {
    assert.match(await nerdOk(['run', '--rm', '-v', 'etc-copy:/etc', IMG, 'cat', '/etc/passwd']), /^root:/m)
    assert.equal(await nerdOk(['run', '--rm', '--mount', 'type=volume,source=etc-empty,target=/etc,volume-nocopy', IMG, 'sh', '-c', 'test -e /etc/passwd && echo copied || echo empty']), 'empty\n')
    // The volume's root takes exactly the image directory's mode (0700): a tmpfs root's sticky bit (1777) goes. The
    // tmpfs keeps it while a container has it mounted; else, as in docker, the copy-up's mount is undone and the copy with it.
    const tmpfsRoot = ['--mount', 'type=volume,source=root-tmpfs,target=/root,volume-opt=type=tmpfs,volume-opt=device=tmpfs']
    assert.equal(await nerdOk(['run', '--rm', '--network', 'none', ...tmpfsRoot, IMG, 'stat', '-c', '%a', '/root']), '1777\n')
    await nerdOk(['run', '-d', '--name', 'tmpfs-keeper', '--network', 'none', '-v', 'root-tmpfs:/kept', IMG, 'sleep', '60'])
    assert.equal(await nerdOk(['run', '--rm', '--network', 'none', ...tmpfsRoot, IMG, 'stat', '-c', '%a', '/root']), '700\n')
    await nerdOk(['rm', '-f', 'tmpfs-keeper'])
    await nerdOk(['volume', 'rm', 'root-tmpfs'])
  })

  it("fills a new volume on /etc with docker's init layer's mount points, so a read-only one takes the hosts, hostname and resolv.conf binds", async () => {
    const listed = await nerd(['run', '--rm', '--hostname', 'ro-etc', '-v', 'ro-etc:/etc:ro', IMG, 'sh', '-c', 'ls /etc; cat /etc/hostname'])
    assert.equal(listed.code, 0, listed.stderr)
    for (const name of ['group', 'hostname', 'hosts', 'mtab', 'passwd', 'resolv.conf']) assert.ok(listed.stdout.split('\n').includes(name), `${name} in ${listed.stdout}`)
    assert.match(listed.stdout, /\nro-etc\n$/)
    // The volume keeps the empty mount points, as docker's: nerd's files are bound over them.
    const [volume] = JSON.parse(await nerdOk(['volume', 'inspect', 'ro-etc'])) as {Mountpoint: string}[]
    assert.equal(await readFile(join(volume!.Mountpoint, 'hosts'), 'utf8'), '')
    await nerdOk(['volume', 'rm', 'ro-etc'])
  })

  it('mounts a volume-subpath of a volume, copying the image into it when empty, and checks it at each start as docker does', async () => {
    await nerdOk(['volume', 'create', 'sub-vol'])
    const [volume] = JSON.parse(await nerdOk(['volume', 'inspect', 'sub-vol'])) as {Mountpoint: string}[]
    await mkdir(join(volume!.Mountpoint, 'sub/empty'), {recursive: true})
    await writeFile(join(volume!.Mountpoint, 'sub/inside'), 'in sub\n')
    await writeFile(join(volume!.Mountpoint, 'top'), 'top\n')
    assert.equal(await nerdOk(['run', '--rm', '--mount', 'type=volume,src=sub-vol,dst=/p,volume-subpath=sub', IMG, 'ls', '/p']), 'empty\ninside\n')
    // An empty subdirectory gets the image's content, as docker's copy-up into the subpath.
    await nerdOk(['create', '--name', 'sub-etc', '--mount', 'type=volume,src=sub-vol,dst=/etc,volume-subpath=sub/empty', IMG, 'true'])
    assert.ok((await readdir(join(volume!.Mountpoint, 'sub/empty'))).includes('passwd'))
    const document = await inspectContainer('sub-etc')
    assert.deepEqual(document.HostConfig.Mounts, [{Type: 'volume', Source: 'sub-vol', Target: '/etc', VolumeOptions: {Subpath: 'sub/empty'}}])
    assert.equal((document.Mounts as Record<string, any>[])[0]!.Source, volume!.Mountpoint)
    // A link put in its place is refused at the next start: it could lead out of the volume.
    await rm(join(volume!.Mountpoint, 'sub/empty'), {recursive: true})
    await makeSymlink('/', join(volume!.Mountpoint, 'sub/empty'))
    const linked = await nerd(['start', 'sub-etc'])
    assert.deepEqual([linked.code, linked.stderr.trim()], [1, `Error: cannot access path ${volume!.Mountpoint}/sub/empty: too many levels of symbolic links\nError: failed to start containers: sub-etc`])
    const missing = await nerd(['run', '--rm', '--mount', 'type=volume,src=sub-vol,dst=/p,volume-subpath=nosub', IMG, 'true'])
    assert.deepEqual([missing.code, missing.stderr], [127, `Error: cannot access path ${volume!.Mountpoint}/nosub: no such file or directory\n`])
    for (const [spec, reason] of [['src=sub-vol,dst=/p,volume-subpath=../x', 'subpath must be a relative path within the volume'], ['dst=/p,volume-subpath=sub', 'must not set Subpath when using anonymous volumes']]) {
      const refused = await nerd(['run', '--rm', '--mount', `type=volume,${spec}`, IMG, 'true'])
      // The daemon's words, not a flag error: docker's CLI passes these on.
      assert.deepEqual([refused.code, refused.stderr], [125, `Error: invalid mount config for type "volume": ${reason}\n`])
    }
    await nerdOk(['rm', 'sub-etc'])
    await nerdOk(['volume', 'rm', 'sub-vol'])
  })

  it('binds a volume-subpath from a staging mount of what nerd opened, which goes when the task ends, at rm and after a failed start', async () => {
    await nerdOk(['volume', 'create', 'stage-vol'])
    const [volume] = JSON.parse(await nerdOk(['volume', 'inspect', 'stage-vol'])) as {Mountpoint: string}[]
    await mkdir(join(volume!.Mountpoint, 'sub'))
    await writeFile(join(volume!.Mountpoint, 'sub/f'), 'staged\n')
    // Mount point (field 5) → the path inside its filesystem (field 4), for the staging mounts of this file's containers.
    const staged = async () =>
      new Map((await readFile('/proc/self/mountinfo', 'utf8')).split('\n').flatMap((line) => {
        const fields = line.split(' ')
        return fields[4]?.startsWith(containers) && fields[4].includes('/volume-subpaths/') ? [[fields[4], fields[3]!] as const] : []
      }))
    const subpathMount = '--mount=type=volume,src=stage-vol,dst=/p,volume-subpath=sub'
    const id = (await nerdOk(['run', '-d', '--network', 'none', subpathMount, IMG, 'sleep', '300'])).trim()
    // Made by the first container of the file's data root (this test alone too).
    const containers = await realpath(join(fileDataRoot(), 'containers'))
    // The runtime binds the staging path, never the subpath by its name, which a container could swap for a link meanwhile.
    const info = JSON.parse((await ctr(['containers', 'info', id])).stdout) as {Spec: {mounts: {destination: string; source: string}[]}}
    const source = info.Spec.mounts.find((mount) => mount.destination === '/p')!.source
    assert.match(source, new RegExp(`/${id}/volume-subpaths/[0-9a-f]{64}$`))
    const running = await staged()
    assert.deepEqual([...running.keys()], [await realpath(source)])
    assert.match([...running.values()][0]!, /\/sub$/)
    assert.equal(await nerdOk(['exec', id, 'cat', '/p/f']), 'staged\n')
    await nerdOk(['stop', '-t', '0', id])
    assert.equal((await staged()).size, 0)
    await nerdOk(['start', id])
    assert.equal((await staged()).size, 1)
    await nerdOk(['rm', '-f', id])
    assert.equal((await staged()).size, 0)
    const failed = await nerd(['run', '--rm', '--network', 'none', subpathMount, IMG, '/nonexistent'])
    assert.equal(failed.code, 127)
    assert.equal((await staged()).size, 0)
    // A staging a killed nerd left (staged, no task made): rm takes it off (taskGone) before it removes the directory, not through it.
    const left = (await nerdOk(['create', '--network', 'none', subpathMount, IMG, 'true'])).trim()
    const leftStaging = join(dirname(dirname(source)).replace(id, left), 'volume-subpaths', 'left')
    await mkdir(leftStaging, {recursive: true})
    execFileSync('mount', ['--bind', join(volume!.Mountpoint, 'sub'), leftStaging])
    assert.equal((await staged()).size, 1)
    await nerdOk(['rm', left])
    assert.equal((await staged()).size, 0)
    assert.equal(await readFile(join(volume!.Mountpoint, 'sub/f'), 'utf8'), 'staged\n')
    await nerdOk(['volume', 'rm', 'stage-vol'])
  })

  it("takes --volume-driver for -v and the image's VOLUMEs as docker's daemon: local works, another driver is not found", async () => {
    await nerdOk(['create', '--name', 'driven', '--network', 'none', '--volume-driver', 'local', '-v', 'driven-vol:/p', IMG, 'true'])
    assert.equal((await inspectContainer('driven')).HostConfig.VolumeDriver, 'local')
    await nerdOk(['rm', 'driven'])
    await nerdOk(['volume', 'rm', 'driven-vol'])
    const named = await nerd(['run', '--rm', '--network', 'none', '--volume-driver', 'foo', '-v', 'foo-vol:/p', IMG, 'true'])
    assert.deepEqual([named.code, named.stderr], [125, 'Error: create foo-vol: error looking up volume plugin foo: plugin "foo" not found\n'])
    const image = await nerd(['run', '--rm', '--network', 'none', '--volume-driver', 'foo', '--entrypoint', 'true', MULTILAYER])
    assert.equal(image.code, 125)
    assert.match(image.stderr, /^Error: create [0-9a-f]{64}: error looking up volume plugin foo: plugin "foo" not found\n$/)
    // Not --mount's: docker's CLI puts it in the -v volumes' options only.
    await nerdOk(['run', '--rm', '--network', 'none', '--volume-driver', 'foo', '--mount', 'type=volume,src=mount-vol,dst=/p', IMG, 'true'])
    await nerdOk(['volume', 'rm', 'mount-vol'])
  })

  it('a run or create that fails makes no volume, or removes those it made; a volume that was there stays', async () => {
    await nerdOk(['volume', 'create', 'was-there'])
    const before = await volumeNames()
    const failing = [
      ['-w', 'relative'], ['--mount', 'type=bind,src=/nonexistent-source,dst=/y'], ['--memory', '1k'], ['--cpuset-cpus', '99'], ['--oom-score-adj', '5000'],
      ['--cpus', '99'], ['--cap-add', 'NOPE'], ['--runtime', 'nosuchrt'], ['--network', 'nosuchnet'], ['--ipc', 'container:nosuch'], ['--pid', 'container:nosuch'],
      ['--security-opt', 'seccomp=/nonexistent.json'], ['--mount', 'type=volume,dst=/z,volume-driver=foo'],
      // A copy-up that fails (a tmpfs too small for the image's /etc): the volume was made, and goes.
      ['--mount', 'type=volume,src=small-new,dst=/etc,volume-opt=type=tmpfs,volume-opt=device=tmpfs,"volume-opt=o=size=4k,nr_inodes=2"'],
    ]
    for (const extra of failing) {
      const result = await nerd(['run', '--rm', '-v', 'made-here:/x', '-v', 'was-there:/w', '-v', '/anonymous', ...extra, IMG, 'true'])
      assert.equal(result.code, 125, `${extra.join(' ')}: ${result.stderr}`)
      assert.deepEqual(await volumeNames(), before, extra.join(' '))
    }
    const created = await nerd(['create', '--network', 'nosuchnet', '-v', 'made-here:/x', IMG, 'true'])
    assert.deepEqual([created.code, created.stderr, await volumeNames()], [1, 'Error: network nosuchnet not found\n', before])
    await nerdOk(['volume', 'rm', 'was-there'])
  })

  it('creates a container whose volume cannot be mounted, and fails its start, as docker mounts at create only for a copy-up', async () => {
    await nerdOk(['volume', 'create', '-o', 'type=none', '-o', 'o=bind', '-o', 'device=/nonexistent-device', 'unbound'])
    await nerdOk(['volume', 'create', '-o', 'type=tmpfs', '-o', 'device=tmpfs', '-o', 'o=size=bogus,nope', 'bad-tmpfs'])
    const mountpoint = async (name: string) => ((JSON.parse(await nerdOk(['volume', 'inspect', name])) as Record<string, any>[])[0]!.Mountpoint as string)
    const failures = {
      unbound: `mount /nonexistent-device:${await mountpoint('unbound')}, flags: 0x1000: no such file or directory`,
      'bad-tmpfs': `mount tmpfs:${await mountpoint('bad-tmpfs')}, data: size=bogus,nope: invalid argument`,
    }
    for (const [name, failure] of Object.entries(failures)) {
      const mounting = `error while mounting volume '${await mountpoint(name)}': failed to mount local volume: ${failure}`
      await nerdOk(['create', '--name', `${name}-user`, '--network', 'none', '-v', `${name}:/x`, IMG, 'true'])
      const started = await nerd(['start', `${name}-user`])
      assert.deepEqual([started.code, started.stderr], [1, `Error: ${mounting}\nError: failed to start containers: ${name}-user\n`])
      // A copy-up mounts it at create: the create fails then.
      const copying = await nerd(['create', '--network', 'none', '-v', `${name}:/etc`, IMG, 'true'])
      assert.deepEqual([copying.code, copying.stderr], [1, `Error: failed to populate volume: ${mounting}\n`])
      await nerdOk(['rm', `${name}-user`])
      await nerdOk(['volume', 'rm', name])
    }
    // Nor does a create leave a tmpfs volume mounted, a copy-up's included.
    await nerdOk(['volume', 'create', '-o', 'type=tmpfs', '-o', 'device=tmpfs', 'idle-tmpfs'])
    const idle = await mountpoint('idle-tmpfs')
    await nerdOk(['create', '--name', 'idle-1', '--network', 'none', '-v', 'idle-tmpfs:/x', IMG, 'true'])
    await nerdOk(['create', '--name', 'idle-2', '--network', 'none', '-v', 'idle-tmpfs:/etc', IMG, 'true'])
    assert.ok(!(await readFile('/proc/self/mountinfo', 'utf8')).split('\n').some((line) => line.split(' ')[4] === idle))
    await nerdOk(['rm', 'idle-1', 'idle-2'])
    await nerdOk(['volume', 'rm', 'idle-tmpfs'])
  })

  it('gives the volumes a run makes docker\'s null labels and options; --mount keys in any case, and an empty driver for the local one', async () => {
    await nerdOk(['create', '--name', 'made-volumes', '--network', 'none', '-v', 'plain-made:/p', '-v', '/anon-made',
      '--mount', 'TYPE=volume,Target=/m,SRC=mount-made,Volume-Driver=', '--mount', 'type=volume,src=labelled-made,dst=/l,volume-label=a=b', IMG, 'true'])
    const [anonymous] = ((await inspectContainer('made-volumes')).Mounts as Record<string, any>[]).filter((mount) => mount.Destination === '/anon-made')
    const shown = JSON.parse(await nerdOk(['volume', 'inspect', 'plain-made', anonymous!.Name, 'mount-made', 'labelled-made'])) as Record<string, any>[]
    assert.deepEqual(shown.map((volume) => [volume.Labels, volume.Options, volume.Driver]), [
      [null, null, 'local'],
      [{'com.docker.volume.anonymous': ''}, null, 'local'],
      [null, null, 'local'],
      [{a: 'b'}, null, 'local'],
    ])
    await nerdOk(['rm', '-v', 'made-volumes'])
    await nerdOk(['volume', 'rm', 'plain-made', 'mount-made', 'labelled-made'])
    const plugin = await nerd(['run', '--rm', '--network', 'none', '--mount', 'type=volume,src=plugged,dst=/x,volume-driver=foo', IMG, 'true'])
    assert.deepEqual([plugin.code, plugin.stderr], [125, 'Error: create plugged: error looking up volume plugin foo: plugin "foo" not found\n'])
  })

  it('refuses a bad volume name with the volume store\'s message, as docker\'s daemon when it creates the volume', async () => {
    const short = await nerd(['run', '--rm', '--network', 'none', '-v', 'x:/x', IMG, 'true'])
    assert.deepEqual([short.code, short.stderr], [125, 'Error: create x: volume name is too short, names should be at least two alphanumeric characters\n'])
    const path = await nerd(['run', '--rm', '--network', 'none', '-v', 'relative/path:/x', IMG, 'true'])
    assert.equal(path.code, 125)
    assert.match(path.stderr, /^Error: create relative\/path: "relative\/path" includes invalid characters for a local volume name/)
  })

  it('mounts the volumes and binds of another container with --volumes-from', async () => {
    await nerdOk(['run', '--name', 'source', '-v', 'from-vol:/shared', IMG, 'sh', '-c', 'echo from-source > /shared/file'])
    assert.equal(await nerdOk(['run', '--rm', '--volumes-from', 'source', IMG, 'cat', '/shared/file']), 'from-source\n')
    const readOnly = await nerd(['run', '--rm', '--volumes-from', 'source:ro', IMG, 'touch', '/shared/x'])
    assert.notEqual(readOnly.code, 0)
    // SELinux label modes are accepted, as docker's ParseVolumesFrom does (nerd has no SELinux to relabel with).
    assert.equal(await nerdOk(['run', '--rm', '--volumes-from', 'source:z', IMG, 'cat', '/shared/file']), 'from-source\n')
    const labelledReadOnly = await nerd(['run', '--rm', '--volumes-from', 'source:ro,Z', IMG, 'touch', '/shared/x'])
    assert.match(labelledReadOnly.stderr, /Read-only file system/)
    const copyMode = await nerd(['run', '--rm', '--volumes-from', 'source:nocopy', IMG, 'true'])
    assert.deepEqual([copyMode.code, copyMode.stderr], [125, 'Error: invalid mode: nocopy\n'])
    const missing = await nerd(['run', '--rm', '--volumes-from', 'nosuch', IMG, 'true'])
    assert.equal(missing.code, 125)
    assert.match(missing.stderr, /No such container: nosuch/)
  })

  it('rm -v of the last container sharing an anonymous volume through --volumes-from removes it, as docker does', async () => {
    await nerdOk(['create', '--name', 'anon-source', '--network', 'none', '-v', '/anon', IMG, 'true'])
    await nerdOk(['create', '--name', 'anon-sharer', '--network', 'none', '--volumes-from', 'anon-source', IMG, 'true'])
    const [mount] = (await inspectContainer('anon-source')).Mounts as Record<string, any>[]
    await nerdOk(['rm', '-v', 'anon-source'])
    assert.ok((await volumeNames()).includes(mount!.Name), 'kept while anon-sharer uses it')
    await nerdOk(['rm', '-v', 'anon-sharer'])
    assert.ok(!(await volumeNames()).includes(mount!.Name), 'removed with its last user')
  })

  it('mounts a tmpfs volume while a container runs with it, and unmounts it when the last one ends, as docker\'s local driver', async () => {
    await nerdOk(['volume', 'create', '-o', 'type=tmpfs', '-o', 'device=tmpfs', '-o', 'o=size=1m', 'mem-vol'])
    const [volume] = JSON.parse(await nerdOk(['volume', 'inspect', 'mem-vol'])) as Record<string, any>[]
    const mounted = async () => (await readFile('/proc/self/mountinfo', 'utf8')).split('\n').some((line) => line.split(' ')[4] === volume!.Mountpoint)
    await nerdOk(['run', '--rm', '--network', 'none', '-v', 'mem-vol:/m', IMG, 'sh', '-c', 'echo secret > /m/s'])
    assert.equal(await mounted(), false)
    assert.equal(await nerdOk(['run', '--rm', '--network', 'none', '-v', 'mem-vol:/m', IMG, 'ls', '-A', '/m']), '')

    // Shared while one runs: another's writes reach it, and its end leaves the mount to the one running.
    await nerdOk(['run', '-d', '--name', 'mem-keeper', '--network', 'none', '-v', 'mem-vol:/m', IMG, 'sleep', '60'])
    await nerdOk(['run', '--rm', '--network', 'none', '-v', 'mem-vol:/m', IMG, 'sh', '-c', 'echo shared > /m/s'])
    assert.equal(await mounted(), true)
    assert.equal(await nerdOk(['exec', 'mem-keeper', 'cat', '/m/s']), 'shared\n')
    await nerdOk(['stop', '-t', '0', 'mem-keeper'])
    assert.equal(await mounted(), false)
    await nerdOk(['start', 'mem-keeper'])
    assert.equal(await mounted(), true)
    assert.equal(await nerdOk(['exec', 'mem-keeper', 'ls', '-A', '/m']), '')
    await nerdOk(['rm', '-f', 'mem-keeper'])
    assert.equal(await mounted(), false)
    // A detached container that exits lets it go too.
    await nerdOk(['run', '-d', '--name', 'mem-brief', '--network', 'none', '-v', 'mem-vol:/m', IMG, 'true'])
    await until('the volume to be unmounted', async () => ((await mounted()) ? undefined : true))
    await nerdOk(['rm', 'mem-brief'])
    await nerdOk(['volume', 'rm', 'mem-vol'])
  })

  it("mounts a bind-backed volume's device on its _data with its o (ro, bind not recursive) while a container runs with it, which binds _data, as docker's local driver", async () => {
    const device = await mkdtemp(join(tmpdir(), 'nerd-bound-device-'))
    const below = join(device, 'below')
    await mkdir(below)
    await writeFile(join(device, 'f'), 'on the host')
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', below])
    try {
      await writeFile(join(below, 'hidden'), 'in a filesystem mounted under the device')
      await nerdOk(['volume', 'create', '-o', 'type=none', '-o', 'o=bind,ro', '-o', `device=${device}`, 'bound-ro'])
      const [volume] = JSON.parse(await nerdOk(['volume', 'inspect', 'bound-ro'])) as Record<string, any>[]
      const mountpoint = volume!.Mountpoint as string
      const written = await nerd(['run', '--rm', '--network', 'none', '-v', 'bound-ro:/m', IMG, 'sh', '-c', 'cat /m/f; ls -A /m/below; touch /m/written'])
      assert.deepEqual([written.code, written.stdout, written.stderr], [1, 'on the host', 'touch: /m/written: Read-only file system\n'])
      assert.deepEqual((await readdir(device)).sort(), ['below', 'f'])

      await nerdOk(['run', '-d', '--name', 'bound-user', '--network', 'none', '-v', 'bound-ro:/m', IMG, 'sleep', '60'])
      const [point] = (await inspectContainer('bound-user')).Mounts as Record<string, any>[]
      assert.deepEqual([point!.Type, point!.Source, point!.RW], ['volume', mountpoint, true])
      const mounted = (await readFile('/proc/self/mountinfo', 'utf8')).split('\n').filter((line) => line.split(' ')[4] === mountpoint)
      assert.equal(mounted.length, 1, mounted.join('\n'))
      assert.match(mounted[0]!.split(' ')[5]!, /^ro,/)
      await nerdOk(['rm', '-f', 'bound-user'])
      assert.deepEqual(await readdir(mountpoint), [], 'unmounted when the last container is gone')

      // A file cannot be mounted on the _data directory.
      await nerdOk(['volume', 'create', '-o', 'type=none', '-o', 'o=bind', '-o', `device=${join(device, 'f')}`, 'bound-file'])
      const [onFile] = JSON.parse(await nerdOk(['volume', 'inspect', 'bound-file'])) as Record<string, any>[]
      const refused = await nerd(['run', '--rm', '--network', 'none', '-v', 'bound-file:/m', IMG, 'true'])
      assert.deepEqual([refused.code, refused.stderr], [
        125,
        `Error: error while mounting volume '${onFile!.Mountpoint}': failed to mount local volume: mount ${join(device, 'f')}:${onFile!.Mountpoint}, flags: 0x1000: not a directory\n`,
      ])
      await nerdOk(['volume', 'rm', 'bound-ro', 'bound-file'])
      assert.equal(await readFile(join(device, 'f'), 'utf8'), 'on the host')
    } finally {
      execFileSync('umount', [below])
      await rm(device, {recursive: true, force: true})
    }
  })

  it('inspect shows the mounts as docker does: Mode, a --mount tmpfs, HostConfig.Mounts and VolumesFrom', async () => {
    await nerdOk(['create', '--name', 'mounts-from', '--network', 'none', '-v', 'from-src:/from', IMG, 'true'])
    await nerdOk([
      'create', '--name', 'mounts-shown', '--network', 'none', '-v', '/anon', '-v', 'named-m:/named', '--mount', 'type=volume,source=mounted-m,target=/mounted,volume-nocopy',
      '--mount', 'type=volume,target=/mounted-anon', '--mount', 'type=tmpfs,target=/scratch,tmpfs-size=1m', '--tmpfs', '/run', '--volumes-from', 'mounts-from:ro', IMG, 'true',
    ])
    const document = await inspectContainer('mounts-shown')
    const byDestination = Object.fromEntries((document.Mounts as Record<string, any>[]).map((mount) => [mount.Destination, mount]))
    assert.deepEqual(Object.keys(byDestination).sort(), ['/anon', '/from', '/mounted', '/mounted-anon', '/named', '/scratch'])
    // A --mount volume, named or anonymous, has docker's setBindModeIfNull mode `z`; a `-v /path` anonymous one none.
    const modes = ['/anon', '/named', '/mounted', '/mounted-anon'].map((destination) => byDestination[destination].Mode)
    assert.deepEqual([...modes, byDestination['/from'].RW], ['', 'z', 'z', 'z', false])
    assert.deepEqual(byDestination['/scratch'], {Type: 'tmpfs', Source: '', Destination: '/scratch', Mode: '', RW: true, Propagation: ''})
    assert.deepEqual(document.HostConfig.Mounts, [
      {Type: 'volume', Source: 'mounted-m', Target: '/mounted', VolumeOptions: {NoCopy: true}},
      {Type: 'volume', Target: '/mounted-anon'},
      {Type: 'tmpfs', Target: '/scratch', TmpfsOptions: {SizeBytes: 1048576}},
    ])
    assert.deepEqual(document.HostConfig.VolumesFrom, ['mounts-from:ro'])
    assert.equal((await inspectContainer('mounts-from')).HostConfig.VolumesFrom, null)
    await nerdOk(['rm', '-v', 'mounts-shown', 'mounts-from'])
  })

  it('keeps a read-only bind or volume read-only under --volumes-from name:rw, and a bind\'s propagation, as docker does', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'nerd-e2e-rofrom-'))
    try {
      await nerdOk(['create', '--name', 'ro-source', '--network', 'none', '-v', `${dir}:/bound:ro`, '--mount', 'type=volume,source=ro-vol,target=/vol,readonly', '-v', 'rw-vol:/open', IMG, 'true'])
      for (const target of ['/bound', '/vol']) {
        const refused = await nerd(['run', '--rm', '--network', 'none', '--volumes-from', 'ro-source:rw', IMG, 'touch', `${target}/x`])
        assert.notEqual(refused.code, 0, target)
        assert.match(refused.stderr, /Read-only file system/)
      }
      await nerdOk(['run', '--rm', '--network', 'none', '--volumes-from', 'ro-source:rw', IMG, 'touch', '/open/x'])
      // The bind keeps its propagation, as docker copies the mount point.
      await nerdOk(['create', '--name', 'slave-source', '--network', 'none', '-v', `${dir}:/slave:rslave`, IMG, 'true'])
      await nerdOk(['create', '--name', 'slave-from', '--network', 'none', '--volumes-from', 'slave-source', IMG, 'true'])
      const [point] = (await inspectContainer('slave-from')).Mounts as Record<string, any>[]
      assert.deepEqual([point!.Destination, point!.Propagation], ['/slave', 'rslave'])
      const spec = JSON.parse((await ctr(['containers', 'info', '--spec', (await inspectContainer('slave-from')).Id as string])).stdout) as {mounts: {destination: string; options: string[]}[]}
      assert.ok(spec.mounts.find((mount) => mount.destination === '/slave')!.options.includes('rslave'))
      await nerdOk(['rm', 'ro-source', 'slave-source', 'slave-from'])
    } finally {
      await rm(dir, {recursive: true, force: true})
    }
  })

  it('makes a read-only bind recursively read-only (its submounts too) on Linux >= 5.12, as docker >= 25; bind-recursive=writable does not', {skip: !/^([6-9]|5\.(1[2-9]|[2-9]\d))/.test(release()) && 'kernel older than 5.12'}, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'nerd-e2e-rro-'))
    const sub = join(dir, 'sub')
    await mkdir(sub)
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'nerd-e2e-rro', sub])
    try {
      const writeSub = 'touch /r/sub/x 2>/dev/null && echo sub-writable || echo sub-read-only'
      assert.equal(await nerdOk(['run', '--rm', '--network', 'none', '-v', `${dir}:/r:ro`, IMG, 'sh', '-c', writeSub]), 'sub-read-only\n')
      assert.equal(await nerdOk(['run', '--rm', '--network', 'none', '--mount', `type=bind,src=${dir},dst=/r,readonly`, IMG, 'sh', '-c', writeSub]), 'sub-read-only\n')
      const forced = `type=bind,src=${dir},dst=/r,readonly,bind-recursive=readonly,bind-propagation=rprivate`
      assert.equal(await nerdOk(['run', '--rm', '--network', 'none', '--mount', forced, IMG, 'sh', '-c', writeSub]), 'sub-read-only\n')
      assert.deepEqual(await readdir(sub), [])
      const writable = `type=bind,src=${dir},dst=/r,readonly,bind-recursive=writable`
      assert.equal(await nerdOk(['run', '--rm', '--network', 'none', '--mount', writable, IMG, 'sh', '-c', `touch /r/top 2>/dev/null; ${writeSub}`]), 'sub-writable\n')
      assert.deepEqual(await readdir(dir), ['sub'], 'the bind itself stays read-only')
      // What inspect shows of it: docker's BindOptions, and a read-only mount.
      await nerdOk(['create', '--name', 'rro-shown', '--network', 'none', '--mount', writable, IMG, 'true'])
      const document = await inspectContainer('rro-shown')
      assert.deepEqual(document.HostConfig.Mounts, [{Type: 'bind', Source: dir, Target: '/r', ReadOnly: true, BindOptions: {ReadOnlyNonRecursive: true}}])
      assert.equal((document.Mounts as Record<string, any>[])[0]!.RW, false)
      await nerdOk(['rm', 'rro-shown'])
    } finally {
      execFileSync('umount', [sub])
      await rm(dir, {recursive: true, force: true})
    }
  })

  it("copies an image's VOLUME content from inside the image: a link in it to a host path, or a relative VOLUME, never reaches the host", async () => {
    const secret = await mkdtemp(join(tmpdir(), 'nerd-e2e-host-secret-'))
    await writeFile(join(secret, 'host-only'), 'host secret\n')
    const archive = join(secret, 'image.tar')
    const climb = '../'.repeat(12)
    // The image has a directory of its own at the secret's path (and its parents but /tmp, which busybox's root has).
    const inImage = secret.slice(1).split('/').map((_, index, parts) => parts.slice(0, index + 1).join('/')).filter((path) => path !== 'tmp')
    await buildImageArchive({
      name: 'nerd-e2e/volume-links:1',
      images: [{
        layers: [{entries: [...(await busyboxRootfs()), ...inImage.map((path) => dir(path)), file(`${inImage.at(-1)}/in-image`, 'image file\n'), symlink('abs', secret), symlink('rel', `${climb}${secret.slice(1)}`)]}],
        config: {Env: [DEFAULT_PATH], Cmd: ['sh'], Volumes: {'/abs': {}, '/rel': {}, [`${climb}${secret.slice(1)}`]: {}}},
      }],
    }, archive)
    try {
      await nerdOk(['load', '-i', archive])
      // Each link resolves inside the image, to its own directory of that path.
      const listed = await nerdOk(['run', '--rm', 'nerd-e2e/volume-links:1', 'sh', '-c', `ls /abs /rel ${secret}`])
      assert.equal(listed, `/abs:\nin-image\n\n/rel:\nin-image\n\n${secret}:\nin-image\n`)
      const named = await nerdOk(['run', '--rm', '-v', 'links-named:/abs', 'nerd-e2e/volume-links:1', 'ls', '/abs'])
      assert.equal(named, 'in-image\n')
      await nerdOk(['volume', 'rm', 'links-named'])
    } finally {
      await nerd(['rmi', 'nerd-e2e/volume-links:1'])
      await rm(secret, {recursive: true, force: true})
    }
  })

  it('leaves a volume whose copy-up failed half way empty, so the next container copies again instead of taking half', async () => {
    const scratch = await mkdtemp(join(tmpdir(), 'nerd-e2e-copyup-'))
    const archive = join(scratch, 'image.tar')
    await buildImageArchive({
      name: 'nerd-e2e/copy-up-big:1',
      images: [{layers: [{entries: [...(await busyboxRootfs()), dir('data'), file('data/a-small', 'small\n'), file('data/b-big', 'x'.repeat(3 * 1024 * 1024))]}], config: {Env: [DEFAULT_PATH], Cmd: ['sh'], Volumes: {'/data': {}}}}],
    }, archive)
    try {
      await nerdOk(['load', '-i', archive])
      await nerdOk(['volume', 'create', '--opt', 'type=tmpfs', '--opt', 'device=tmpfs', '--opt', 'o=size=1m', 'too-small'])
      const failed = await nerd(['run', '--rm', '-v', 'too-small:/data', 'nerd-e2e/copy-up-big:1', 'ls', '/data'])
      assert.equal(failed.code, 125, failed.stderr)
      assert.match(failed.stderr, /failed to copy \/data into volume too-small/)
      assert.equal(await nerdOk(['run', '--rm', '-v', 'too-small:/data', '--entrypoint', 'ls', IMG, '/data']), '')
      await nerdOk(['volume', 'rm', 'too-small'])
    } finally {
      await nerd(['rmi', 'nerd-e2e/copy-up-big:1'])
      await rm(scratch, {recursive: true, force: true})
    }
  })

  it("makes a missing -v bind source (a --volumes-from copy's too) at each start, a restart and a policy's restart, not at create, as docker's daemon; a --mount one fails the start", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'nerd-e2e-bind-source-'))
    const made = join(dir, 'made', 'deeper')
    const exitCode = async (name: string) => (await inspectContainer(name)).State.ExitCode as number
    try {
      await nerdOk(['create', '--name', 'made-source', '--network', 'none', '-v', `${made}:/d`, IMG, 'sh', '-c', 'touch /d/ran'])
      assert.ok(!existsSync(made), 'not made at create')
      await nerdOk(['start', '-a', 'made-source'])
      assert.ok(existsSync(join(made, 'ran')))
      await rm(join(dir, 'made'), {recursive: true})
      await nerdOk(['start', '-a', 'made-source'])
      assert.ok(existsSync(join(made, 'ran')), 'made again at the next start')
      await rm(join(dir, 'made'), {recursive: true})
      await nerdOk(['restart', 'made-source'])
      await until('the restarted process to write', async () => (existsSync(join(made, 'ran')) ? true : undefined))
      // A --volumes-from copy of a --mount bind is made too: docker's copy drops SkipMountpointCreation.
      const mounted = join(dir, 'mounted')
      await mkdir(mounted)
      await nerdOk(['create', '--name', 'mount-source', '--network', 'none', '--mount', `type=bind,src=${mounted},dst=/m`, IMG, 'true'])
      await nerdOk(['create', '--name', 'mount-copy', '--network', 'none', '--volumes-from', 'mount-source', IMG, 'touch', '/m/copied'])
      await rm(mounted, {recursive: true})
      const refused = await nerd(['start', '-a', 'mount-source'])
      assert.equal(refused.code, 1)
      assert.match(refused.stderr, new RegExp(`^Error: failed to create task for container: failed to create shim task: .*${mounted}.*no such file or directory`))
      assert.deepEqual([existsSync(mounted), await exitCode('mount-source')], [false, 127])
      await nerdOk(['start', '-a', 'mount-copy'])
      assert.ok(existsSync(join(mounted, 'copied')))
      // The process ends with 1 once the host removed its source; its policy's restart makes it again.
      const policy = join(dir, 'policy')
      await mkdir(policy)
      await writeFile(join(policy, 'first'), '')
      await nerdOk(['run', '-d', '--name', 'made-by-policy', '--network', 'none', '--restart', 'on-failure:1', '-v', `${policy}:/p`, IMG,
        'sh', '-c', 'if [ -e /p/first ]; then while [ -e /p/first ]; do sleep 0.1; done; exit 1; fi; touch /p/second'])
      await rm(policy, {recursive: true})
      await until('the restart by policy to write', async () => (existsSync(join(policy, 'second')) ? true : undefined), 15_000)
      const restarted = await until('the restarted process to end', async () => {
        const {State, RestartCount} = await inspectContainer('made-by-policy')
        return State.Status === 'exited' ? {ExitCode: State.ExitCode as number, Error: State.Error as string, RestartCount: RestartCount as number} : undefined
      })
      assert.deepEqual(restarted, {ExitCode: 0, Error: '', RestartCount: 1})
    } finally {
      await nerd(['rm', '-f', 'made-source', 'mount-source', 'mount-copy', 'made-by-policy'])
      await rm(dir, {recursive: true, force: true})
    }
  })

  it('shows a -v bind\'s mode as typed in inspect\'s Mounts, as docker\'s raw mode; none for --mount and --volumes-from binds', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'nerd-e2e-modes-'))
    try {
      await nerdOk(['create', '--name', 'bind-modes', '--network', 'none', '-v', `${dir}:/rw:rw`, '-v', `${dir}:/z:z`, '-v', `${dir}:/roz:ro,z`, '-v', `${dir}:/slave:rslave,ro`,
        '-v', `${dir}:/plain`, '--mount', `type=bind,src=${dir},dst=/mounted`, IMG, 'true'])
      await nerdOk(['create', '--name', 'bind-modes-from', '--network', 'none', '--volumes-from', 'bind-modes', IMG, 'true'])
      const modes = async (name: string) => ((await inspectContainer(name)).Mounts as Record<string, any>[]).map((mount) => [mount.Destination, mount.Mode, mount.RW])
      assert.deepEqual(await modes('bind-modes'), [['/rw', 'rw', true], ['/z', 'z', true], ['/roz', 'ro,z', false], ['/slave', 'rslave,ro', false], ['/plain', '', true], ['/mounted', '', true]])
      assert.deepEqual((await modes('bind-modes-from')).map(([, mode]) => mode), ['', '', '', '', '', ''])
      await nerdOk(['rm', 'bind-modes-from', 'bind-modes'])
    } finally {
      await rm(dir, {recursive: true, force: true})
    }
  })

  describe('--mount type=image', () => {
    const imageViews = async () => (await ctr(['snapshots', 'ls'])).stdout.split('\n').flatMap((line) => (line.startsWith('nerd-image-mount/') ? [line.split(/\s+/)[0]!] : []))

    it("mounts an image's filesystem read-only, its layers merged, or a subpath of it; inspect shows it as docker's; rm leaves no snapshot", async () => {
      const read = (mount: string, script: string) => nerdOk(['run', '--rm', '--mount', mount, IMG, 'sh', '-c', script])
      const whole = await read(`type=image,source=${MULTILAYER},target=/img`, 'cat /img/data/keep.txt /img/etc/layer3; ls /img/data/hidden; ls /img/data/removed.txt 2>&1; touch /img/x 2>&1; true')
      assert.match(whole, /^keep\n[^\n]*\nnew.txt\n.*removed.txt: No such file or directory\n.*Read-only file system\n$/s)
      assert.equal(await read(`type=image,source=${MULTILAYER},target=/img,image-subpath=data,readonly=false`, 'cat /img/keep.txt; ls /img/hidden; touch /img/x 2>&1 | grep -c Read-only'), 'keep\nnew.txt\n1\n')
      assert.equal(await read(`type=image,source=${IMG},target=/img,image-subpath=bin/../bin`, 'test -x /img/busybox && echo found; touch /img/x 2>&1 | grep -c Read-only'), 'found\n1\n')

      const id = (await nerdOk(['run', '-d', '--mount', `type=image,src=${MULTILAYER},dst=/img,image-subpath=data`, IMG, 'sleep', '60'])).trim()
      const document = await inspectContainer(id)
      const [point] = document.Mounts as Record<string, any>[]
      assert.deepEqual([document.Mounts.length, point.Type, point.Name, point.Destination, point.Mode, point.RW, point.Propagation], [1, 'image', MULTILAYER, '/img', '', false, 'rprivate'])
      assert.deepEqual(document.HostConfig.Mounts, [{Type: 'image', Source: MULTILAYER, Target: '/img', ImageOptions: {Subpath: 'data'}}])
      assert.deepEqual(await imageViews(), [`nerd-image-mount/${id}/0`])
      // docker counts a container that mounts an image as one using it, by the image's name.
      const refused = await nerd(['rmi', MULTILAYER])
      assert.equal(refused.code, 1)
      assert.match(refused.stderr, new RegExp(`conflict: unable to delete nerd-test/multilayer:latest \\(must be forced\\) - container ${id.slice(0, 12)} is using its referenced image`))
      await nerdOk(['restart', '-t', '0', id])
      assert.equal(await nerdOk(['exec', id, 'cat', '/img/keep.txt']), 'keep\n')
      await nerdOk(['rm', '-f', id])
      assert.deepEqual(await imageViews(), [])
    })

    it("refuses a missing image, a subpath not in it, as docker's daemon, leaving nothing behind", async () => {
      const containers = await nerdOk(['ps', '-aq'])
      const refused = async (mount: string, message: string) => {
        const result = await nerd(['run', '--rm', '--mount', mount, IMG, 'true'])
        assert.equal(result.code, 125, result.stderr)
        assert.match(result.stderr, new RegExp(message))
        assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr)
      }
      await refused('type=image,source=nerd-test/absent:latest,target=/img', 'No such image: nerd-test/absent:latest')
      await refused(`type=image,source=${IMG},target=/img,image-subpath=nothere`, 'cannot access path /.*/nothere: no such file or directory')
      await refused(`type=image,source=${MULTILAYER},target=/img,image-subpath=data/removed.txt`, 'cannot access path /.*/data/removed.txt: no such file or directory')
      await refused(`type=image,source=${IMG},target=/img,image-subpath=bin/busybox/x`, 'cannot access path /.*: not a directory')
      await refused(`type=image,source=${IMG},target=/img,image-subpath=../etc`, 'invalid mount config for type "image": subpath must be a relative path within the volume')
      await refused(`type=image,target=/img`, 'invalid mount config for type "image": field Source must not be empty')
      const mixed = await nerd(['run', '--rm', '--mount', `type=image,source=${IMG},target=/img,volume-nocopy`, IMG, 'true'])
      assert.equal(mixed.code, 125)
      assert.match(mixed.stderr, /for "--mount" flag: cannot mix 'volume-\*' options with mount type 'image'/)
      assert.deepEqual(await imageViews(), [])
      assert.equal(await nerdOk(['ps', '-aq']), containers)
    })

    it('merges what overlayfs merges under a subpath (opaque directories, 70 layers), follows links inside the image, for cp of a stopped container and --volumes-from too', async () => {
      const scratch = await mkdtemp(join(tmpdir(), 'nerd-e2e-image-mount-'))
      try {
        await buildImageArchive({name: 'nerd-e2e/image-mount:1', images: [{layers: [
          {entries: [dir('data'), dir('data/sub'), file('data/sub/x', 'x1\n'), dir('data/real'), file('data/real/f', 'f1\n'), symlink('data/rel', 'real'), symlink('data/up', '../data/real'), symlink('data/esc', '../../..'), symlink('data/lnk', '/etc')]},
          {entries: [dir('data'), dir('data/sub'), opaqueWhiteout('data/sub'), file('data/sub/y', 'y2\n'), dir('data/real'), file('data/real/g', 'g2\n')]},
        ]}]}, join(scratch, 'data.tar'))
        // Past a page of containerd's paths in one lowerdir.
        await buildImageArchive({name: 'nerd-e2e/image-mount-many:1', images: [{layers: Array.from({length: 70}, (_, index) => ({entries: [dir('d'), file(`d/f${index}`, '')]}))}]}, join(scratch, 'many.tar'))
        await nerdOk(['load', '-i', join(scratch, 'data.tar')])
        await nerdOk(['load', '-i', join(scratch, 'many.tar')])
        const read = (mounts: string[], script: string) => nerdOk(['run', '--rm', '--network', 'none', ...mounts.flatMap((mount) => ['--mount', mount]), IMG, 'sh', '-c', script])
        const data = 'type=image,source=nerd-e2e/image-mount:1'
        assert.equal(await read([`${data},target=/sub,image-subpath=data/sub`, `${data},target=/rel,image-subpath=data/rel`, `${data},target=/up,image-subpath=data/up/`], 'ls /sub /rel /up'), '/rel:\nf\ng\n\n/sub:\ny\n\n/up:\nf\ng\n')
        const many = 'type=image,source=nerd-e2e/image-mount-many:1'
        assert.equal(await read([`${many},target=/m`, `${many},target=/d,image-subpath=d`], 'ls /m/d | wc -l; ls /d | wc -l'), '70\n70\n')
        for (const [subpath, message] of [['data/sub/x', 'cannot access path /.*/data/sub/x: no such file or directory'], ['data/esc', 'path concatenation escapes the base directory, base: /.*, subpath: data/esc'], ['data/lnk', 'subpath: data/lnk']]) {
          const refused = await nerd(['run', '--rm', '--network', 'none', '--mount', `${data},target=/m,image-subpath=${subpath}`, IMG, 'true'])
          assert.equal(refused.code, 125, refused.stderr)
          assert.match(refused.stderr, new RegExp(message!))
        }

        await nerdOk(['create', '--name', 'image-mount-cp', '--network', 'none', '--mount', `${data},target=/sub,image-subpath=data/sub`, '--mount', `${many},target=/m,image-subpath=`, IMG, 'true'])
        assert.deepEqual((await inspectContainer('image-mount-cp')).HostConfig.Mounts.map((mount: Record<string, unknown>) => mount.ImageOptions), [{Subpath: 'data/sub'}, {}])
        await nerdOk(['cp', 'image-mount-cp:/sub', join(scratch, 'sub')])
        await nerdOk(['cp', 'image-mount-cp:/m/d', join(scratch, 'd')])
        assert.deepEqual([await readdir(join(scratch, 'sub')), (await readdir(join(scratch, 'd'))).length], [['y'], 70])
        assert.equal(await nerdOk(['run', '--rm', '--network', 'none', '--volumes-from', 'image-mount-cp', IMG, 'sh', '-c', 'ls /sub; ls /m/d | wc -l']), 'y\n70\n')
        await nerdOk(['rm', 'image-mount-cp'])
        assert.deepEqual(await imageViews(), [])
      } finally {
        await nerd(['rm', '-f', 'image-mount-cp'])
        await nerd(['rmi', 'nerd-e2e/image-mount:1', 'nerd-e2e/image-mount-many:1'])
        await rm(scratch, {recursive: true, force: true})
      }
    })
  })
})
