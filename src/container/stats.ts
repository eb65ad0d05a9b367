/**
 * `stats`: a container's resource use as docker shows it, from containerd's task metrics (cgroup v1
 * or v2), /proc/stat (the host's CPU time and CPUs, for CPU %) and the network counters of the task's
 * network namespace (/proc/<pid>/net/dev), and which containers it shows, in docker's order, frame
 * after frame.
 */
import {readFile, readlink} from 'node:fs/promises'
import {totalmem} from 'node:os'
import {NUMERIC_CONVERSION, unpackAny} from '../containerd/index.ts'
import {trimmedId} from '../errors.ts'
import {bytesSize, humanSize} from '../format/index.ts'
import {newestFirst} from './filters.ts'
import {containerView, loadContainerOrDead} from './lifecycle.ts'
import type {ContainerScope} from './lifecycle.ts'
import type {ContainerView} from './model.ts'
import {NoSuchContainerError} from './store.ts'

/** One reading of a container's counters. */
export interface StatsSample {
  /** CPU time the container used, in nanoseconds. */
  cpuNanos: number
  /** The host's CPU time (all CPUs), in nanoseconds. */
  systemNanos: number
  /** The host's online CPUs. */
  onlineCpus: number
  memoryUsage: number
  memoryLimit: number
  blockRead: number
  blockWrite: number
  netReceived: number
  netSent: number
  pids: number
}

/** What /proc/stat tells of the host in a sample. */
type HostCpu = Pick<StatsSample, 'systemNanos' | 'onlineCpus'>

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
  memory?: {usage?: {usage?: Counter; limit?: Counter}; totalInactiveFile?: Counter; inactiveFile?: Counter}
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

/**
 * docker's memory use, without the inactive page cache: the usage less the first of the inactive file
 * counts below it, else the whole usage (its client's calculateMemUsageUnixNoCache).
 */
function usageWithoutCache(usage: number, ...inactiveFile: number[]): number {
  const below = inactiveFile.find((bytes) => bytes < usage)
  return below === undefined ? usage : usage - below
}

/** The counters of a decoded metrics payload, v1 or v2. */
export function countersOf(typeUrl: string, metrics: V1Metrics & V2Metrics): Omit<StatsSample, keyof HostCpu | 'netReceived' | 'netSent'> {
  const hostMemory = totalmem()
  const limited = (limit: number) => (limit > 0 && limit < UNLIMITED ? Math.min(limit, hostMemory) : hostMemory)
  if (typeUrl.endsWith('cgroups.v2.Metrics')) {
    const io = metrics.io?.usage ?? []
    return {
      cpuNanos: number(metrics.cpu?.usageUsec) * 1000,
      memoryUsage: usageWithoutCache(number(metrics.memory?.usage), number(metrics.memory?.inactiveFile)),
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
    // docker's client looks at v1's total (with the child cgroups) first, then at the cgroup's own.
    memoryUsage: usageWithoutCache(number(metrics.memory?.usage?.usage), number(metrics.memory?.totalInactiveFile), number(metrics.memory?.inactiveFile)),
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
  const metrics = metric?.data ? unpackAny<V1Metrics & V2Metrics>(metric.data, NUMERIC_CONVERSION) : undefined
  return number(metrics?.memoryOomControl?.oomKill ?? metrics?.memoryEvents?.oomKill) > 0
}

/**
 * The host's CPU time from /proc/stat's `cpu` line, in nanoseconds (USER_HZ is 100 on Linux), and
 * its online CPUs, its `cpuN` lines, as docker's daemon reads them (readSystemCPUUsage): the host's
 * CPUs, whatever CPUs nerd itself may run on.
 */
export function hostCpuOf(procStat: string): HostCpu {
  let systemNanos = 0
  let onlineCpus = 0
  // As glibc's and docker's: the cpu lines come first.
  for (const line of procStat.split('\n')) {
    if (line.length < 4 || !line.startsWith('cpu')) break
    if (line[3] === ' ') systemNanos = line.trim().split(/\s+/).slice(1, 8).reduce((sum, ticks) => sum + Number(ticks), 0) * 1e7
    else if (/\d/.test(line[3]!)) onlineCpus++
  }
  return {systemNanos, onlineCpus}
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

/** docker's CPU %: the container's share of the host's CPU time between two readings, times the host's online CPUs. */
export function cpuPercent(previous: StatsSample | undefined, current: StatsSample): number {
  if (!previous) return 0
  const cpu = current.cpuNanos - previous.cpuNanos
  const system = current.systemNanos - previous.systemNanos
  return cpu > 0 && system > 0 ? (cpu / system) * current.onlineCpus * 100 : 0
}

/** A container `stats` shows. */
export interface StatsEntry {
  /** `.Container`: the name or ID as typed, the full ID when listing them all, as in docker. */
  container: string
  view: ContainerView
  /** A named container removed while streaming: docker's row of `--` from then on. */
  gone?: boolean
}

/** The row of a container that is gone: docker's IsInvalid values, with the name and ID it had. */
const GONE = {CPUPerc: '--', MemUsage: '-- / --', MemPerc: '--', NetIO: '--', BlockIO: '--', PIDs: '--'}

/**
 * The named containers, each reference once (docker's add skips one it has), in the order given; the
 * failures are every reference's that names no container, reported together as docker's errors.Join.
 */
export async function namedStatsEntries(scope: ContainerScope, references: readonly string[]): Promise<{entries: StatsEntry[]; failures: string[]}> {
  const unique = [...new Set(references)]
  // A dead container is one not running, as docker's stats shows it: its row has nothing to read.
  const outcomes = await Promise.allSettled(unique.map(async (reference) => containerView(scope, await loadContainerOrDead(scope, trimmedId('container', reference)))))
  const failures = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [(outcome.reason as Error).message] : []))
  const entries = outcomes.flatMap((outcome, index) => (outcome.status === 'fulfilled' ? [{container: unique[index]!, view: outcome.value}] : []))
  return {entries, failures}
}

/**
 * The named containers for the next frame, read again by ID: one removed meanwhile stays, gone, as
 * docker's stream for it ended (and a new container of its name is not it).
 */
export async function refreshStatsEntries(scope: ContainerScope, entries: readonly StatsEntry[]): Promise<StatsEntry[]> {
  return Promise.all(
    entries.map(async (entry) => {
      if (entry.gone) return entry
      try {
        return {...entry, view: await containerView(scope, await loadContainerOrDead(scope, entry.view.record.Id))}
      } catch (error) {
        if (error instanceof NoSuchContainerError) return {...entry, gone: true}
        throw error
      }
    }),
  )
}

/**
 * docker's order when listing them all: its container list's at first (newest first), then the
 * containers that appear later after them, as their events come (the oldest first); those no longer
 * listed leave.
 */
export function listedStatsEntries(previous: readonly StatsEntry[], views: readonly ContainerView[]): StatsEntry[] {
  const byId = new Map(views.map((view) => [view.record.Id, view]))
  const kept = previous.flatMap((entry) => {
    const view = byId.get(entry.view.record.Id)
    return view ? [{container: view.record.Id, view}] : []
  })
  const known = new Set(previous.map((entry) => entry.view.record.Id))
  const newcomers = newestFirst(views.filter((view) => !known.has(view.record.Id)))
  if (previous.length > 0) newcomers.reverse()
  return [...kept, ...newcomers.map((view) => ({container: view.record.Id, view}))]
}

/** One row of `stats`. */
export function statsRow(entry: StatsEntry, sample: StatsSample | undefined, previous: StatsSample | undefined, options: {noTrunc: boolean}): StatsRow {
  const {view} = entry
  const id = options.noTrunc ? view.record.Id : view.record.Id.slice(0, 12)
  const container = entry.container
  if (entry.gone) return {Container: container, ID: id, Name: view.record.Name, ...GONE}
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

/**
 * A streaming frame as docker's client writes it, on a terminal or not: the cursor home, each line of
 * the table (and the empty one after its last) with Println's space and an erase to the line's end,
 * then an erase below, so a table redrawn over a longer one leaves nothing of it. Not copied: docker
 * 28.5.2 appends these lines to the buffer that still holds the table, so writes it twice (a bug its
 * client fixed in 29.4).
 */
export function statsFrame(table: string): string {
  const lines = table.split('\n').map((line) => `${line} \x1b[K\n`)
  return `\x1b[H${lines.join('')}\x1b[J`
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
  const hostCpu = hostCpuOf(procStat)
  for (const metric of metrics) {
    const view = running.find((candidate) => candidate.record.Id === metric.id)
    if (!view || !metric.data) continue
    const decoded = unpackAny<V1Metrics & V2Metrics>(metric.data, NUMERIC_CONVERSION)
    if (!decoded) continue
    const network = await networkBytes(view.pid)
    samples.set(view.record.Id, {...countersOf(metric.data.typeUrl, decoded), ...hostCpu, netReceived: network.received, netSent: network.sent})
  }
  return samples
}

/** nerd's own network namespace: the host's, which --network host shares. */
let hostNetworkNamespace: Promise<string | undefined> | undefined

/**
 * The bytes of the network namespace the task's process is in: none for the host's, as docker's
 * sandbox of a --network host container has no interfaces of its own (and one that joins it with
 * container:X has X's).
 */
async function networkBytes(pid: number | undefined): Promise<{received: number; sent: number}> {
  const none = {received: 0, sent: 0}
  if (!pid) return none
  hostNetworkNamespace ??= readlink('/proc/self/ns/net').catch(() => undefined)
  const [own, host] = await Promise.all([readlink(`/proc/${pid}/ns/net`).catch(() => undefined), hostNetworkNamespace])
  if (own === undefined || own === host) return none
  return readFile(`/proc/${pid}/net/dev`, 'utf8').then(networkBytesOf, () => none)
}
