/**
 * The OCI spec of run/create as the container sees it, where it used to differ from docker's: 64-bit
 * rlimits and seccomp arguments, the /etc files under --read-only, /dev/shm shared through
 * `--ipc shareable`, HOSTNAME under `--uts host`, and inspect's labels.
 */
import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {existsSync} from 'node:fs'
import {mkdir, mkdtemp, readFile, realpath, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {inspectContainer, nerdOk, removeAllContainers} from '../helpers/containers.ts'
import {fileDataRoot, fileNamespace, loadTestImage, nerd} from '../helpers/e2e.ts'
import {capabilitiesFromMask, KNOWN_CAPABILITIES} from '../../src/container/spec/index.ts'
import {buildImageArchive, busyboxRootfs, DEFAULT_PATH, symlink} from '../helpers/oci-image.ts'

const IMG = 'docker.io/nerd-test/busybox:latest'
let workDir: string

/** The host's mount points under this file's data root. */
async function mountsUnderDataRoot(): Promise<string[]> {
  const root = await realpath(fileDataRoot())
  return (await readFile('/proc/self/mountinfo', 'utf8'))
    .split('\n')
    .map((line) => line.split(' ')[4] ?? '')
    .filter((point) => point.startsWith(`${root}/`))
}

describe('the spec of run and create', () => {
  before(async () => {
    await loadTestImage('nerd-test/busybox:latest')
    workDir = await mkdtemp(join(tmpdir(), 'nerd-spec-'))
  })

  after(async () => {
    await removeAllContainers()
    await rm(workDir, {recursive: true, force: true})
  })

  it('--ulimit with -1 is unlimited (2^64-1), also after an update, a restart and in an exec', async () => {
    // Limits whose hard limit is unlimited on the host: raising memlock's (docker's usual example)
    // takes CAP_SYS_RESOURCE, which test machines may not give.
    assert.equal(await nerdOk(['run', '--rm', '--ulimit', 'core=-1:-1', IMG, 'sh', '-c', 'ulimit -c']), 'unlimited\n')
    await nerdOk(['run', '-d', '--name', 'unlimited', '--ulimit', 'core=-1', '--ulimit', 'fsize=-1:-1', IMG, 'sleep', '600'])
    const limits = () => nerdOk(['exec', 'unlimited', 'sh', '-c', 'ulimit -c; ulimit -f'])
    // update reads the stored spec, changes its resources and stores it again.
    assert.equal(await nerdOk(['update', '--memory', '64m', 'unlimited']), 'unlimited\n')
    assert.equal(await limits(), 'unlimited\nunlimited\n')
    await nerdOk(['restart', '-t', '0', 'unlimited'])
    assert.equal(await limits(), 'unlimited\nunlimited\n')
    assert.deepEqual((await inspectContainer('unlimited')).HostConfig.Ulimits, [
      {Name: 'core', Soft: -1, Hard: -1},
      {Name: 'fsize', Soft: -1, Hard: -1},
    ])
    await nerdOk(['rm', '-f', 'unlimited'])
  })

  it('/proc/interrupts is masked (GHSA-6fw5-f8r9-fgfm), as docker 28.5 masks it; not with --privileged', async () => {
    const script = 'wc -c < /proc/interrupts; grep -c " /proc/interrupts " /proc/self/mountinfo'
    assert.equal(await nerdOk(['run', '--rm', IMG, 'sh', '-c', script]), '0\n1\n')
    assert.match(await nerdOk(['run', '--rm', '--privileged', IMG, 'sh', '-c', 'grep -c CPU0 /proc/interrupts']), /^1\n$/)
  })

  it('a seccomp profile keeps a full 64-bit argument', async () => {
    const profile = join(workDir, 'seccomp.json')
    // mkdir and mkdirat with any first argument (<= 2^64-1) fail with EACCES.
    const rule = (name: string) => ({names: [name], action: 'SCMP_ACT_ERRNO', errnoRet: 13, args: [{index: 0, value: '@MAX@', op: 'SCMP_CMP_LE'}]})
    await writeFile(profile, JSON.stringify({defaultAction: 'SCMP_ACT_ALLOW', syscalls: [rule('mkdir'), rule('mkdirat')]}).replaceAll('"@MAX@"', '18446744073709551615'))
    const result = await nerd(['run', '--rm', '--security-opt', `seccomp=${profile}`, IMG, 'sh', '-c', 'mkdir /made 2>&1; echo rc=$?'])
    assert.equal(result.code, 0, result.stderr)
    assert.match(result.stdout, /Permission denied\nrc=1\n$/)
    // docker >= 28 loads a profile file for a privileged container too
    const privileged = await nerdOk(['run', '--rm', '--privileged', '--security-opt', `seccomp=${profile}`, IMG, 'sh', '-c', 'grep Seccomp: /proc/self/status; mkdir /made 2>&1; echo rc=$?'])
    assert.match(privileged, /^Seccomp:\s+2\n.*Permission denied\nrc=1\n$/s)
  })

  it('--cap-add/--cap-drop of a capability the host cannot give is refused at create, in docker\'s words', async (t) => {
    // what containerd's runc can grant: the bounding set nerd and the test's containerd share
    const bounding = capabilitiesFromMask(/^CapBnd:\s*([0-9a-f]+)$/m.exec(await readFile('/proc/self/status', 'utf8'))![1]!)
    const missing = KNOWN_CAPABILITIES.find((name) => !bounding.includes(name))
    if (!missing) return t.skip('this host can give every capability')
    const refused = await nerd(['run', '--rm', '--name', 'nocap', '--cap-drop', missing.slice(4).toLowerCase(), IMG, 'true'])
    assert.equal(refused.code, 125)
    assert.equal(refused.stderr, `Error: invalid CapDrop: capability not supported by your kernel or not available in the current environment: "${missing}"\n`)
    assert.equal((await nerd(['inspect', 'nocap'])).code, 1)
  })

  it('--read-only mounts /etc/hosts, /etc/resolv.conf and /etc/hostname read-only, unless the user mounts their own', async () => {
    const script = 'for f in /etc/hosts /etc/resolv.conf /etc/hostname; do echo x >> $f 2>/dev/null && echo $f writable || echo $f read-only; done'
    assert.equal(await nerdOk(['run', '--rm', '--read-only', IMG, 'sh', '-c', script]), '/etc/hosts read-only\n/etc/resolv.conf read-only\n/etc/hostname read-only\n')
    assert.equal(await nerdOk(['run', '--rm', IMG, 'sh', '-c', script]), '/etc/hosts writable\n/etc/resolv.conf writable\n/etc/hostname writable\n')
    const hosts = join(workDir, 'hosts')
    await writeFile(hosts, '127.0.0.1 localhost\n')
    const own = await nerdOk(['run', '--rm', '--read-only', '-v', `${hosts}:/etc/hosts`, IMG, 'sh', '-c', script])
    assert.equal(own.split('\n')[0], '/etc/hosts writable')
  })

  it('--ipc shareable shares its /dev/shm tmpfs with --ipc container:<it>, mounted while it runs and gone with it', async () => {
    const donorId = (await nerdOk(['run', '-d', '--name', 'donor', '--ipc', 'shareable', '--shm-size', '8m', IMG, 'sleep', '600'])).trim()
    const shm = join(await realpath(fileDataRoot()), 'containers', fileNamespace(), donorId, 'shm')
    assert.deepEqual(await mountsUnderDataRoot(), [shm])
    await nerdOk(['exec', 'donor', 'sh', '-c', 'echo shared > /dev/shm/marker'])
    const donorIpc = (await nerdOk(['exec', 'donor', 'readlink', '/proc/self/ns/ipc'])).trim()
    const joined = await nerdOk(['run', '--rm', '--ipc', 'container:donor', IMG, 'sh', '-c', 'readlink /proc/self/ns/ipc; cat /dev/shm/marker; df -k /dev/shm | tail -1'])
    const [ipc, marker, df] = joined.split('\n')
    assert.equal(ipc, donorIpc)
    assert.equal(marker, 'shared')
    assert.match(df!, /^\S+\s+8192\s/, 'the donor\'s --shm-size')

    // Stopped, its tmpfs is unmounted (its content gone, as docker's); started again, mounted anew.
    await nerdOk(['stop', '-t', '0', 'donor'])
    assert.deepEqual(await mountsUnderDataRoot(), [])
    await nerdOk(['start', 'donor'])
    assert.deepEqual(await mountsUnderDataRoot(), [shm])
    assert.equal(await nerdOk(['exec', 'donor', 'sh', '-c', 'ls /dev/shm; echo again > /dev/shm/marker; ls /dev/shm']), 'marker\n')
    assert.equal(await nerdOk(['run', '--rm', '--ipc', 'container:donor', IMG, 'cat', '/dev/shm/marker']), 'again\n')
    await nerdOk(['rm', '-f', 'donor'])
    assert.deepEqual(await mountsUnderDataRoot(), [])
  })

  it('--device with a directory gives the device nodes under it, at the container path', async () => {
    const devices = join(workDir, 'devices')
    await mkdir(join(devices, 'sub'), {recursive: true})
    execFileSync('mknod', [join(devices, 'null'), 'c', '1', '3'])
    execFileSync('mknod', [join(devices, 'sub', 'zero'), 'c', '1', '5'])
    await writeFile(join(devices, 'plain'), '')
    const script = 'ls /dev/mine /dev/mine/sub; echo gone > /dev/mine/null && head -c 3 /dev/mine/sub/zero | wc -c'
    assert.equal(await nerdOk(['run', '--rm', '--device', `${devices}:/dev/mine`, IMG, 'sh', '-c', script]), '/dev/mine:\nnull\nsub\n\n/dev/mine/sub:\nzero\n3\n')
  })

  it('-w through an image\'s links makes the directory inside the root filesystem, never on the host; a file there is refused in docker\'s words', async () => {
    const outside = join(workDir, 'outside')
    const image = 'nerd-e2e/workdir-links:v1'
    const archive = join(workDir, 'workdir-links.tar')
    const links = [symlink('dang', '/nonexistdir'), symlink('out', outside), symlink('up', `../../../../../../..${outside}`)]
    await buildImageArchive({name: image, images: [{layers: [{entries: await busyboxRootfs()}, {entries: links}], config: {Env: [DEFAULT_PATH], Cmd: ['sh']}}]}, archive)
    await nerdOk(['load', '-q', '-i', archive])
    assert.equal(await nerdOk(['run', '--rm', '-w', '/dang/sub', image, 'pwd', '-P']), '/nonexistdir/sub\n')
    for (const link of ['out', 'up']) assert.equal(await nerdOk(['run', '--rm', '-w', `/${link}/made`, image, 'pwd', '-P']), `${outside}/made\n`)
    assert.equal(existsSync(outside), false, 'a directory was made on the host')
    const file = await nerd(['run', '--rm', '-w', '/etc/passwd', image, 'true'])
    assert.deepEqual([file.code, file.stderr], [125, 'Error: Cannot mkdir: /etc/passwd is not a directory\n'])
    await nerdOk(['rmi', image])
  })

  it('--uts host: HOSTNAME is the container\'s hostname (its short ID), as in /etc/hostname and Config.Hostname', async () => {
    const id = (await nerdOk(['run', '-d', '--name', 'uts-host', '--uts', 'host', IMG, 'sleep', '600'])).trim()
    assert.equal(await nerdOk(['exec', 'uts-host', 'sh', '-c', 'echo $HOSTNAME; cat /etc/hostname']), `${id.slice(0, 12)}\n${id.slice(0, 12)}\n`)
    assert.equal((await inspectContainer('uts-host')).Config.Hostname, id.slice(0, 12))
    await nerdOk(['rm', '-f', 'uts-host'])
  })

  it('inspect shows Config.Labels sorted by key, as docker\'s JSON of a Go map', async () => {
    await nerdOk(['create', '--name', 'labelled', '-l', 'zz=1', '-l', 'aa=2', '-l', 'mm=3', IMG, 'true'])
    assert.equal(await nerdOk(['inspect', '-f', '{{json .Config.Labels}}', 'labelled']), '{"aa":"2","mm":"3","zz":"1"}\n')
    await nerdOk(['rm', 'labelled'])
  })
})
