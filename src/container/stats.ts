/**
 * `stats`: a container's resource use as docker shows it, from containerd's task metrics (cgroup v1
 * or v2), /proc/stat (the host's CPU time, for CPU %) and the network counters of the task's network
 * namespace (/proc/<pid>/net/dev).
 */
import {readFile} from 'node:fs/promises'
import {availableParallelism, totalmem} from 'node:os'
import {unpackAny} from '../containerd/index.ts'
import {bytesSize, humanSize} from '../format/index.ts'
import type {ContainerScope} from './lifecycle.ts'
import type {ContainerView} from './model.ts'

/** One reading of a container's counters. */
export interface StatsSample {
  /** CPU time the container used, in nanoseconds. */
  cpuNanos: number
  /** The host's CPU time (all CPUs), in nanoseconds. */
  systemNanos: number
  memoryUsage: number
  memoryLimit: number
  blockRead: number
  blockWrite: number
  netReceived: number
  netSent: number
  pids: number
}

/** docker's columns (and `--format` fields). */
export interface StatsRow {
  Container: string
  ID: string
  Name: string
  CPUPerc: string
  MemUsage: string
  MemPerc: string
  NetIO: string
  BlockIO: string
  PIDs: string
}

type Counter = string | number | undefined

const number = (value: Counter): number => Number(value ?? 0)

interface V1Metrics {
  cpu?: {usage?: {total?: Counter}}
  memory?: {usage?: {usage?: Counter; limit?: Counter}; totalInactiveFile?: Counter}
  blkio?: {ioServiceBytesRecursive?: {op?: string; value?: Counter}[]}
  pids?: {current?: Counter}
  /** memory.oom_control. */
  memoryOomControl?: {oomKill?: Counter}
}

interface V2Metrics {
  cpu?: {usageUsec?: Counter}
  memory?: {usage?: Counter; usageLimit?: Counter; inactiveFile?: Counter}
  io?: {usage?: {rbytes?: Counter; wbytes?: Counter}[]}
  pids?: {current?: Counter}
  /** memory.events. */
  memoryEvents?: {oomKill?: Counter}
}

/** cgroup limits above this are "no limit": docker then shows the host's memory. */
const UNLIMITED = 2 ** 60

/** The counters of a decoded metrics payload, v1 or v2 (docker's memory usage leaves out the inactive page cache). */
export function countersOf(typeUrl: string, metrics: V1Metrics & V2Metrics): Omit<StatsSample, 'systemNanos' | 'netReceived' | 'netSent'> {
  const hostMemory = totalmem()
  const limited = (limit: number) => (limit > 0 && limit < UNLIMITED ? Math.min(limit, hostMemory) : hostMemory)
  if (typeUrl.endsWith('cgroups.v2.Metrics')) {
    const io = metrics.io?.usage ?? []
    return {
      cpuNanos: number(metrics.cpu?.usageUsec) * 1000,
      memoryUsage: Math.max(0, number(metrics.memory?.usage) - number(metrics.memory?.inactiveFile)),
      memoryLimit: limited(number(metrics.memory?.usageLimit)),
      blockRead: io.reduce((sum, entry) => sum + number(entry.rbytes), 0),
      blockWrite: io.reduce((sum, entry) => sum + number(entry.wbytes), 0),
      pids: number(metrics.pids?.current),
    }
  }
  const entries = metrics.blkio?.ioServiceBytesRecursive ?? []
  const sumOf = (op: string) => entries.filter((entry) => entry.op?.toLowerCase() === op).reduce((sum, entry) => sum + number(entry.value), 0)
  return {
    cpuNanos: number(metrics.cpu?.usage?.total),
    memoryUsage: Math.max(0, number(metrics.memory?.usage?.usage) - number(metrics.memory?.totalInactiveFile)),
    memoryLimit: limited(number(metrics.memory?.usage?.limit)),
    blockRead: sumOf('read'),
    blockWrite: sumOf('write'),
    pids: number(metrics.pids?.current),
  }
}

/**
 * Whether the OOM killer killed a process of the container's task, from the oom_kill counter of its
 * memory cgroup (v1 memory.oom_control, v2 memory.events), which lasts until the task is deleted:
 * docker's OOMKilled, which its daemon sets from containerd's OOM event. False when containerd has
 * no metrics of the task (its cgroup is gone).
 */
export async function oomKilled(scope: ContainerScope, id: string): Promise<boolean> {
  const [metric] = await scope.client.tasks.metrics([`id==${id}`]).catch(() => [])
  const metrics = metric?.data ? unpackAny<V1Metrics & V2Metrics>(metric.data) : undefined
  return number(metrics?.memoryOomControl?.oomKill ?? metrics?.memoryEvents?.oomKill) > 0
}

/** The host's CPU time from /proc/stat's first line, in nanoseconds (USER_HZ is 100 on Linux). */
export function systemNanosOf(procStat: string): number {
  const fields = procStat.split('\n', 1)[0]!.trim().split(/\s+/).slice(1, 8).map(Number)
  return fields.reduce((sum, ticks) => sum + ticks, 0) * 1e7
}

/** Bytes received and sent on every interface but loopback, from /proc/<pid>/net/dev. */
export function networkBytesOf(netDev: string): {received: number; sent: number} {
  let received = 0
  let sent = 0
  for (const line of netDev.split('\n').slice(2)) {
    const [name, counters] = line.split(':')
    if (!counters || name!.trim() === 'lo') continue
    const fields = counters.trim().split(/\s+/).map(Number)
    received += fields[0] ?? 0
    sent += fields[8] ?? 0
  }
  return {received, sent}
}

/** docker's CPU %: the container's share of the host's CPU time between two readings, times the CPUs. */
export function cpuPercent(previous: StatsSample | undefined, current: StatsSample): number {
  if (!previous) return 0
  const cpu = current.cpuNanos - previous.cpuNanos
  const system = current.systemNanos - previous.systemNanos
  return cpu > 0 && system > 0 ? (cpu / system) * availableParallelism() * 100 : 0
}

/** One row of `stats`; `.Container` is the name or ID the user typed (`typed`), the full ID when listing them all, as in docker. */
export function statsRow(view: ContainerView, sample: StatsSample | undefined, previous: StatsSample | undefined, options: {noTrunc: boolean; typed?: string}): StatsRow {
  const id = options.noTrunc ? view.record.Id : view.record.Id.slice(0, 12)
  const container = options.typed ?? view.record.Id
  if (!sample) {
    return {Container: container, ID: id, Name: view.record.Name, CPUPerc: '0.00%', MemUsage: '0B / 0B', MemPerc: '0.00%', NetIO: '0B / 0B', BlockIO: '0B / 0B', PIDs: '0'}
  }
  const memoryPercent = sample.memoryLimit > 0 ? (sample.memoryUsage / sample.memoryLimit) * 100 : 0
  return {
    Container: container,
    ID: id,
    Name: view.record.Name,
    CPUPerc: `${cpuPercent(previous, sample).toFixed(2)}%`,
    MemUsage: `${bytesSize(sample.memoryUsage)} / ${bytesSize(sample.memoryLimit)}`,
    MemPerc: `${memoryPercent.toFixed(2)}%`,
    NetIO: `${humanSize(sample.netReceived)} / ${humanSize(sample.netSent)}`,
    BlockIO: `${humanSize(sample.blockRead)} / ${humanSize(sample.blockWrite)}`,
    PIDs: String(sample.pids),
  }
}

/** A reading of every running container among `views` (by ID). */
export async function sampleStats(scope: ContainerScope, views: readonly ContainerView[]): Promise<Map<string, StatsSample>> {
  const running = views.filter((view) => view.status === 'running' || view.status === 'paused')
  const samples = new Map<string, StatsSample>()
  if (running.length === 0) return samples
  const [metrics, procStat] = await Promise.all([
    scope.client.tasks.metrics(running.map((view) => `id==${view.record.Id}`)),
    readFile('/proc/stat', 'utf8'),
  ])
  const systemNanos = systemNanosOf(procStat)
  for (const metric of metrics) {
    const view = running.find((candidate) => candidate.record.Id === metric.id)
    if (!view || !metric.data) continue
    const decoded = unpackAny<V1Metrics & V2Metrics>(metric.data)
    if (!decoded) continue
    const network = await readFile(`/proc/${view.pid}/net/dev`, 'utf8').then(networkBytesOf, () => ({received: 0, sent: 0}))
    samples.set(view.record.Id, {...countersOf(metric.data.typeUrl, decoded), systemNanos, netReceived: network.received, netSent: network.sent})
  }
  return samples
}
