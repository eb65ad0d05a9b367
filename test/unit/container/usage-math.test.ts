import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {countersOf, cpuPercent, hostCpuOf, networkBytesOf, statsFrame} from '../../../src/container/stats.ts'
import type {StatsSample} from '../../../src/container/stats.ts'

const sample = (cpuNanos: number, systemNanos: number, onlineCpus = 2): StatsSample => ({cpuNanos, systemNanos, onlineCpus, memoryUsage: 0, memoryLimit: 0, blockRead: 0, blockWrite: 0, netReceived: 0, netSent: 0, pids: 0})

describe('stats arithmetic', () => {
  it('reads cgroup v1 and v2 counters as docker counts them (inactive page cache left out)', () => {
    const v1 = countersOf('io.containerd.cgroups.v1.Metrics', {
      cpu: {usage: {total: '5000'}},
      memory: {usage: {usage: '10485760', limit: '67108864'}, totalInactiveFile: '1048576'},
      blkio: {ioServiceBytesRecursive: [{op: 'Read', value: '4096'}, {op: 'Write', value: '8192'}, {op: 'Read', value: '100'}]},
      pids: {current: '3'},
    })
    assert.deepEqual(v1, {cpuNanos: 5000, memoryUsage: 9437184, memoryLimit: 67108864, blockRead: 4196, blockWrite: 8192, pids: 3})
    const v2 = countersOf('io.containerd.cgroups.v2.Metrics', {cpu: {usageUsec: '7'}, memory: {usage: '2048', usageLimit: '4096', inactiveFile: '1024'}, io: {usage: [{rbytes: '1', wbytes: '2'}]}, pids: {current: '1'}})
    assert.deepEqual(v2, {cpuNanos: 7000, memoryUsage: 1024, memoryLimit: 4096, blockRead: 1, blockWrite: 2, pids: 1})
    // Inactive file pages not below the usage: v1's own count (without the child cgroups), else the whole usage, as docker's client.
    const v1Usage = (totalInactiveFile: string, inactiveFile: string) => countersOf('io.containerd.cgroups.v1.Metrics', {memory: {usage: {usage: '4096'}, totalInactiveFile, inactiveFile}}).memoryUsage
    assert.equal(v1Usage('8192', '1024'), 3072)
    assert.equal(v1Usage('4096', '4096'), 4096)
    assert.equal(countersOf('io.containerd.cgroups.v2.Metrics', {memory: {usage: '2048', inactiveFile: '3000'}}).memoryUsage, 2048)
    // No limit (cgroup v1's huge number): the host's memory, as docker shows it.
    assert.ok(countersOf('io.containerd.cgroups.v1.Metrics', {memory: {usage: {usage: '1', limit: '9223372036854771712'}}}).memoryLimit < 2 ** 50)
  })

  it('takes the host CPU time and its CPUs from /proc/stat (its cpu lines, which come first) and network bytes without loopback from net/dev', () => {
    const procStat = 'cpu  100 0 50 1000 0 0 0 0 0 0\ncpu0 1 2 3\ncpu1 1 2 3\ncpu2 1 2 3\nintr 1 2\ncpu3 1 2 3\n'
    assert.deepEqual(hostCpuOf(procStat), {systemNanos: 1150 * 1e7, onlineCpus: 3})
    const netDev = [
      'Inter-|   Receive                                                |  Transmit',
      ' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed',
      '    lo:    900      9    0    0    0     0          0         0      900      9    0    0    0     0       0          0',
      '  eth0:   1500     12    0    0    0     0          0         0      472      6    0    0    0     0       0          0',
    ].join('\n')
    assert.deepEqual(networkBytesOf(netDev), {received: 1500, sent: 472})
  })

  it('computes CPU % over the host\'s CPU time between two readings, times the host\'s online CPUs', () => {
    assert.equal(cpuPercent(undefined, sample(100, 100)), 0)
    assert.equal(cpuPercent(sample(0, 0, 3), sample(50, 100, 3)), 150)
    assert.equal(cpuPercent(sample(0, 0, 64), sample(50, 100, 64)), 3200)
    assert.equal(cpuPercent(sample(10, 10), sample(10, 10)), 0)
  })

  it('writes a streaming frame as docker\'s client: the cursor home, each line erased to its end, the rest of the screen erased', () => {
    assert.equal(statsFrame('NAME   CPU %\nbusy   1.00%\n'), '\x1b[HNAME   CPU % \x1b[K\nbusy   1.00% \x1b[K\n \x1b[K\n\x1b[J')
    assert.equal(statsFrame(''), '\x1b[H \x1b[K\n\x1b[J')
  })
})
