import assert from 'node:assert/strict'
import {availableParallelism} from 'node:os'
import {describe, it} from 'node:test'
import {countersOf, cpuPercent, networkBytesOf, systemNanosOf} from '../../../src/container/stats.ts'
import type {StatsSample} from '../../../src/container/stats.ts'

const sample = (cpuNanos: number, systemNanos: number): StatsSample => ({cpuNanos, systemNanos, memoryUsage: 0, memoryLimit: 0, blockRead: 0, blockWrite: 0, netReceived: 0, netSent: 0, pids: 0})

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
    // No limit (cgroup v1's huge number): the host's memory, as docker shows it.
    assert.ok(countersOf('io.containerd.cgroups.v1.Metrics', {memory: {usage: {usage: '1', limit: '9223372036854771712'}}}).memoryLimit < 2 ** 50)
  })

  it('takes the host CPU time from /proc/stat and network bytes without loopback from net/dev', () => {
    assert.equal(systemNanosOf('cpu  100 0 50 1000 0 0 0 0 0 0\ncpu0 1 2 3\n'), 1150 * 1e7)
    const netDev = [
      'Inter-|   Receive                                                |  Transmit',
      ' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed',
      '    lo:    900      9    0    0    0     0          0         0      900      9    0    0    0     0       0          0',
      '  eth0:   1500     12    0    0    0     0          0         0      472      6    0    0    0     0       0          0',
    ].join('\n')
    assert.deepEqual(networkBytesOf(netDev), {received: 1500, sent: 472})
  })

  it('computes CPU % over the host\'s CPU time between two readings, times the CPUs', () => {
    assert.equal(cpuPercent(undefined, sample(100, 100)), 0)
    assert.equal(cpuPercent(sample(0, 0), sample(50, 100)), 50 * availableParallelism())
    assert.equal(cpuPercent(sample(10, 10), sample(10, 10)), 0)
  })
})
