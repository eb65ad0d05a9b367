/**
 * A task made without nerd, as containerd's restart monitor makes one after a reboot: from the spec
 * containerd stores, with nothing of what nerd's start does beside it. Made here with `ctr task
 * start`, as the monitor makes it; the OCI hook must refuse one that would not be what nerd's start
 * makes, before the container's process runs, and nerd's own start must then work as ever.
 */
import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {readdir, readFile, readlink} from 'node:fs/promises'
import {after, before, describe, it} from 'node:test'
import {connect} from '../../src/containerd/index.ts'
import {changeStoredSpec} from '../../src/container/joined-namespaces.ts'
import {inspectContainer, loggerOf, nerdOk, removeAllContainers, taskStatus, until} from '../helpers/containers.ts'
import {ctr, fileNamespace, loadTestImage, nerd, testEnvironment} from '../helpers/e2e.ts'

const IMG = 'nerd-test/busybox'

/** `ctr task start` of the container `id` from its stored spec, as containerd's restart monitor starts one; what ctr said. */
async function startWithoutNerd(id: string): Promise<{code: number; stderr: string}> {
  const result = await ctr(['task', 'start', '--null-io', '-d', id])
  return {code: result.code, stderr: result.stderr}
}

/** Asserts that a start without nerd was refused by nerd's hook for `reason`, leaving no task running. */
async function assertRefused(id: string, reason: RegExp): Promise<void> {
  const {code, stderr} = await startWithoutNerd(id)
  // Had it started, it must not run on.
  if (code === 0) await ctr(['task', 'kill', '-s', 'SIGKILL', id])
  assert.notEqual(code, 0, 'the start without nerd was refused')
  assert.match(stderr, /refusing a start of the container that nerd did not make/)
  assert.match(stderr, reason)
  assert.notEqual(await taskStatus(id), 'RUNNING')
}

describe('a start nerd did not make (containerd restart monitor)', () => {
  before(async () => {
    await loadTestImage('nerd-test/busybox:latest')
  })

  after(async () => {
    await removeAllContainers()
    await nerd(['volume', 'rm', '-f', 'unmanaged-tmpfs', 'unmanaged-rebooted'])
  })

  it("is refused when a namespace it joins is no longer that of the joined container's process (the pid given to another), and nerd's start joins it again", async () => {
    await nerdOk(['run', '-d', '--name', 'joined', '--network', 'none', IMG, 'sleep', '300'])
    await nerdOk(['run', '-d', '--name', 'pid-taker', '--network', 'none', IMG, 'sleep', '300'])
    await nerdOk(['run', '-d', '--name', 'joiner', '--restart', 'always', '--network', 'container:joined', IMG, 'sleep', '300'])
    const {Id: id} = await inspectContainer('joiner')
    await nerdOk(['stop', '-t', '0', 'joiner'])
    // As after a reboot: the pid the stored spec names (the joined container's before) is another process's.
    const taker = (await inspectContainer('pid-taker')).State.Pid as number
    const client = await connect({address: testEnvironment.address, namespace: fileNamespace()})
    try {
      await changeStoredSpec(client, id, (spec) => {
        for (const namespace of spec.linux!.namespaces!) if (namespace.path) namespace.path = namespace.path.replace(/^\/proc\/\d+\//, `/proc/${taker}/`)
        return true
      })
    } finally {
      client.close()
    }
    await assertRefused(id, /its network namespace is not that of the running process of container [0-9a-f]{64}/)

    await nerdOk(['start', 'joiner'])
    const joinedPid = (await inspectContainer('joined')).State.Pid as number
    const joinerPid = (await inspectContainer('joiner')).State.Pid as number
    assert.equal(await readlink(`/proc/${joinerPid}/ns/net`), await readlink(`/proc/${joinedPid}/ns/net`))
  })

  it('is refused when a volume has a filesystem (tmpfs) that is not mounted on its _data, which nerd\'s start mounts', async () => {
    await nerdOk(['volume', 'create', '-o', 'type=tmpfs', '-o', 'device=tmpfs', '-o', 'o=size=1m', 'unmanaged-tmpfs'])
    const [volume] = JSON.parse(await nerdOk(['volume', 'inspect', 'unmanaged-tmpfs'])) as Record<string, any>[]
    await nerdOk(['run', '-d', '--name', 'tmpfs-user', '--restart', 'always', '--network', 'none', '-v', 'unmanaged-tmpfs:/tv', IMG, 'sh', '-c', 'echo y > /tv/f; sleep 300'])
    const {Id: id} = await inspectContainer('tmpfs-user')
    await nerdOk(['stop', '-t', '0', 'tmpfs-user'])

    await assertRefused(id, /the filesystem of volume unmanaged-tmpfs is not mounted on its _data/)
    assert.deepEqual(await readdir(volume!.Mountpoint), [], 'nothing written to the disk directory')

    await nerdOk(['start', 'tmpfs-user'])
    assert.match(await nerdOk(['exec', 'tmpfs-user', 'grep', ' /tv ', '/proc/mounts']), /^tmpfs \/tv tmpfs /)
  })

  it("after a reboot: the monitor's start refused, nerd's exit handler starts the container with its tmpfs volume mounted, no nerd command run", async () => {
    await nerdOk(['volume', 'create', '-o', 'type=tmpfs', '-o', 'device=tmpfs', '-o', 'o=size=1m', 'unmanaged-rebooted'])
    const [volume] = JSON.parse(await nerdOk(['volume', 'inspect', 'unmanaged-rebooted'])) as Record<string, any>[]
    await nerdOk(['run', '-d', '--name', 'rebooted', '--restart', 'always', '--network', 'none', '-v', 'unmanaged-rebooted:/tv', IMG, 'sleep', '300'])
    const {Id: id, State: {Pid: pid}} = await inspectContainer('rebooted')
    const label = async (value: string) => assert.equal((await ctr(['containers', 'label', id, `containerd.io/restart.status=${value}`])).code, 0)
    const mounted = async () => (await readFile('/proc/self/mountinfo', 'utf8')).split('\n').some((line) => line.split(' ')[4] === volume!.Mountpoint)
    // What a reboot leaves: no task, its exit unseen (the logger went with it), the volume's tmpfs gone.
    await label('')
    process.kill(await loggerOf(id), 'SIGKILL')
    process.kill(pid, 'SIGKILL')
    await until('the task to stop', async () => ((await taskStatus(id)) === 'STOPPED' ? true : undefined))
    assert.equal((await ctr(['tasks', 'delete', id])).code, 0)
    execFileSync('umount', [volume!.Mountpoint])
    // containerd's restart monitor takes it from here (within its 10 s period); nothing of nerd's looks.
    await label('running')
    await until('the container to run again, its volume mounted', async () => ((await taskStatus(id)) === 'RUNNING' && (await mounted()) ? true : undefined), 40_000)
    assert.match(await nerdOk(['exec', 'rebooted', 'grep', ' /tv ', '/proc/mounts']), /^tmpfs \/tv tmpfs /)
    assert.match((await nerd(['logs', 'rebooted'])).stderr, /refusing a start of the container that nerd did not make: the filesystem of volume unmanaged-rebooted is not mounted/)
  })

  it('is refused when the /dev/shm tmpfs of an --ipc shareable container is not mounted', async () => {
    await nerdOk(['run', '-d', '--name', 'shm-donor', '--restart', 'always', '--ipc', 'shareable', '--network', 'none', IMG, 'sleep', '300'])
    const {Id: id} = await inspectContainer('shm-donor')
    await nerdOk(['stop', '-t', '0', 'shm-donor'])
    await assertRefused(id, /its \/dev\/shm tmpfs is not mounted/)
    await nerdOk(['start', 'shm-donor'])
    assert.match(await nerdOk(['exec', 'shm-donor', 'grep', ' /dev/shm ', '/proc/mounts']), /^shm \/dev\/shm tmpfs /)
  })
})
