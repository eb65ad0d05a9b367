/** update end to end: limits applied to a running container's cgroup and kept for its next start. */
import assert from 'node:assert/strict'
import {after, before, describe, it} from 'node:test'
import {inspectContainer, nerdOk, removeAllContainers, until} from '../helpers/containers.ts'
import {loadTestImage, nerd} from '../helpers/e2e.ts'

const IMG = 'docker.io/nerd-test/busybox:latest'
const cgroupFile = (v1: string, v2: string) => `cat /sys/fs/cgroup/${v1} 2>/dev/null || cat /sys/fs/cgroup/${v2}`

describe('update', () => {
  before(async () => {
    await loadTestImage('nerd-test/busybox:latest')
  })

  after(async () => {
    await removeAllContainers()
  })

  it('changes the memory, CPU and pids limits the running container\'s cgroup enforces, and keeps them across a restart', async () => {
    await nerdOk(['run', '-d', '--name', 'limited', '-m', '64m', IMG, 'sleep', '120'])
    const memory = () => nerdOk(['exec', 'limited', 'sh', '-c', cgroupFile('memory/memory.limit_in_bytes', 'memory.max')])
    assert.equal(await memory(), `${64 * 2 ** 20}\n`)
    assert.equal(await nerdOk(['update', '--memory', '128m', '--cpus', '0.5', '--pids-limit', '50', 'limited']), 'limited\n')
    assert.equal(await memory(), `${128 * 2 ** 20}\n`)
    assert.match(await nerdOk(['exec', 'limited', 'sh', '-c', cgroupFile('pids/pids.max', 'pids.max')]), /^50$/m)
    const host = (await inspectContainer('limited')).HostConfig
    assert.deepEqual([host.Memory, host.NanoCpus, host.PidsLimit], [128 * 2 ** 20, 500_000_000, 50])

    await nerdOk(['restart', '-t', '0', 'limited'])
    assert.equal(await memory(), `${128 * 2 ** 20}\n`)
  })

  it('lifts the running container\'s pids limit with --pids-limit -1, as inspect then shows (0); --pids-limit 0 changes nothing, as docker\'s CLI does not send it', async () => {
    const pidsMax = () => nerdOk(['exec', 'limited', 'sh', '-c', cgroupFile('pids/pids.max', 'pids.max')])
    await nerdOk(['update', '--pids-limit', '20', 'limited'])
    assert.equal(await pidsMax(), '20\n')
    assert.equal(await nerdOk(['update', '--pids-limit', '0', 'limited']), 'limited\n')
    assert.equal(await pidsMax(), '20\n')
    assert.equal((await inspectContainer('limited')).HostConfig.PidsLimit, 20)
    await nerdOk(['update', '--pids-limit', '-1', 'limited'])
    assert.equal(await pidsMax(), 'max\n')
    assert.equal((await inspectContainer('limited')).HostConfig.PidsLimit, 0)
  })

  it('takes a 0 as no value, as docker does: the limits stay, in inspect, in the cgroup and after a restart', async () => {
    await nerdOk(['run', '-d', '--name', 'zeroed', '--network', 'none', '-m', '64m', '--cpus', '0.5', IMG, 'sleep', '120'])
    const limits = async () => {
      const host = (await inspectContainer('zeroed')).HostConfig
      const cgroup = await nerdOk(['exec', 'zeroed', 'sh', '-c', `${cgroupFile('memory/memory.limit_in_bytes', 'memory.max')}; ${cgroupFile('cpu/cpu.cfs_quota_us', 'cpu.max')}`])
      return [host.Memory, host.MemorySwap, host.NanoCpus, cgroup]
    }
    const before = await limits()
    assert.deepEqual(before.slice(0, 3), [64 * 2 ** 20, 128 * 2 ** 20, 500_000_000])
    assert.equal(await nerdOk(['update', '--memory', '0', '--cpus', '0', '--memory-reservation', '0', 'zeroed']), 'zeroed\n')
    assert.deepEqual(await limits(), before)
    await nerdOk(['restart', '-t', '0', 'zeroed'])
    assert.deepEqual(await limits(), before)
  })

  it('refuses a change that conflicts with the container\'s settings in docker\'s words, and changes nothing', async () => {
    await nerdOk(['run', '-d', '--name', 'periodic', '--network', 'none', '-m', '64m', '--cpu-period', '100000', '--cpu-quota', '50000', IMG, 'sleep', '120'])
    for (const [args, message] of [
      [['--memory', '256m', 'periodic'], 'Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time'],
      [['--cpus', '1', 'periodic'], 'Conflicting options: Nano CPUs cannot be updated as CPU Period has already been set'],
      [['--cpu-quota', '60000', 'zeroed'], 'Conflicting options: CPU Quota cannot be updated as NanoCPUs has already been set'],
    ] as const) {
      const result = await nerd(['update', ...args])
      assert.equal(result.code, 1, result.stderr)
      assert.equal(result.stderr, `Error: Cannot update container ${(await inspectContainer(args.at(-1)!)).Id}: ${message}\n`)
    }
    const host = (await inspectContainer('periodic')).HostConfig
    assert.deepEqual([host.Memory, host.MemorySwap, host.NanoCpus, host.CpuQuota], [64 * 2 ** 20, 128 * 2 ** 20, 0, 50000])
  })

  it('checks a memory reservation against the request\'s own memory limit only, as docker\'s daemon', async () => {
    await nerdOk(['run', '-d', '--name', 'reserved', '--network', 'none', '-m', '64m', IMG, 'sleep', '120'])
    assert.equal(await nerdOk(['update', '--memory-reservation', '96m', 'reserved']), 'reserved\n')
    assert.equal((await inspectContainer('reserved')).HostConfig.MemoryReservation, 96 * 2 ** 20)
    const soft = await nerdOk(['exec', 'reserved', 'sh', '-c', cgroupFile('memory/memory.soft_limit_in_bytes', 'memory.low')])
    assert.equal(soft, `${96 * 2 ** 20}\n`)
    const both = await nerd(['update', '-m', '64m', '--memory-swap', '128m', '--memory-reservation', '96m', 'reserved'])
    assert.equal(both.code, 1, both.stdout)
    assert.equal(both.stderr, 'Error: Minimum memory limit can not be less than memory reservation limit, see usage\n')
  })

  it('refuses a restart policy for a --rm container with docker\'s prefix', async () => {
    await nerdOk(['run', '-d', '--rm', '--name', 'autoremoved', '--network', 'none', IMG, 'sleep', '120'])
    const result = await nerd(['update', '--restart', 'always', 'autoremoved'])
    assert.equal(result.code, 1, result.stdout)
    assert.equal(result.stderr, `Error: Cannot update container ${(await inspectContainer('autoremoved')).Id}: Restart policy cannot be updated because AutoRemove is enabled for the container\n`)
  })

  it('takes docker\'s --cpu-rt-period and --cpu-rt-runtime, recorded for the next start, and its hidden --kernel-memory, which its daemon ignores', async () => {
    await nerdOk(['run', '-d', '--name', 'realtime', '--network', 'none', IMG, 'sleep', '120'])
    assert.equal(await nerdOk(['update', '--cpu-rt-period', '1000000', '--cpu-rt-runtime', '950', 'realtime']), 'realtime\n')
    const {CpuRealtimePeriod, CpuRealtimeRuntime, KernelMemory} = (await inspectContainer('realtime')).HostConfig
    assert.deepEqual({CpuRealtimePeriod, CpuRealtimeRuntime}, {CpuRealtimePeriod: 1000000, CpuRealtimeRuntime: 950})
    assert.deepEqual(await nerd(['update', '--kernel-memory', '50m', 'realtime']).then(({code, stdout, stderr}) => ({code, stdout, stderr})), {code: 0, stdout: 'realtime\n', stderr: ''})
    assert.equal((await inspectContainer('realtime')).HostConfig.KernelMemory, KernelMemory)
    await nerdOk(['rm', '-f', 'realtime'])
    assert.doesNotMatch(await nerdOk(['update', '--help']), /kernel-memory/)
  })

  it('changes the restart policy, and refuses what docker refuses with exit 1', async () => {
    await nerdOk(['update', '--restart', 'on-failure:3', 'limited'])
    assert.deepEqual((await inspectContainer('limited')).HostConfig.RestartPolicy, {Name: 'on-failure', MaximumRetryCount: 3})
    for (const [args, message] of [
      [[], /you must provide one or more flags/],
      [['--memory', '1m'], /Minimum memory limit allowed is 6MB/],
    ] as const) {
      const result = await nerd(['update', ...args, 'limited'])
      assert.equal(result.code, 1, `${args.join(' ')}: ${result.stderr}`)
      assert.match(result.stderr, message)
    }
    // A value the flag's type refuses is a flag error, as docker's: exit 125 and the help hint.
    for (const [flag, message] of [
      ['--memory', 'invalid argument "lots" for "-m, --memory" flag: invalid size: \'lots\''],
      ['--pids-limit', 'invalid argument "lots" for "--pids-limit" flag: strconv.ParseInt: parsing "lots": invalid syntax'],
    ] as const) {
      const result = await nerd(['update', flag, 'lots', 'limited'])
      assert.equal(result.code, 125, result.stderr)
      assert.equal(result.stderr, `${message}\nRun 'nerd update --help' for more information\n`)
    }
    // A limit the running cgroup cannot take (its shared memory needs more, and no swap is left) fails on one line, as docker's.
    await nerdOk(['run', '-d', '--name', 'filled', '--network', 'none', '-m', '64m', IMG, 'sh', '-c', 'dd if=/dev/zero of=/dev/shm/fill bs=1M count=24 2>/dev/null; sleep 120'])
    await until('the memory to fill', async () => ((await nerd(['exec', 'filled', 'sh', '-c', `[ "$(wc -c </dev/shm/fill)" -eq ${24 * 2 ** 20} ]`])).code === 0 ? true : undefined))
    const tooSmall = await nerd(['update', '--memory', '8m', '--memory-swap', '8m', 'filled'])
    assert.equal(tooSmall.code, 1, tooSmall.stdout)
    assert.match(tooSmall.stderr, new RegExp(`^Error: Cannot update container ${(await inspectContainer('filled')).Id}: \\S.*\\n$`))
    assert.equal((await inspectContainer('filled')).HostConfig.Memory, 64 * 2 ** 20)
    const missing = await nerd(['update', '--memory', '64m', 'nosuch'])
    assert.equal(missing.code, 1)
    assert.match(missing.stderr, /No such container: nosuch/)
  })
})
