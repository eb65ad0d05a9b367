/**
 * Cgroup limits from the resource flags, with docker's checks and messages, and what the host cannot
 * do (swappiness and disabling the OOM killer on cgroup v2, block I/O settings without their cgroup
 * files) dropped with docker's warnings.
 */
import type {Resources} from './oci.ts'
import type {DeviceThrottleKind, HostFacts, RunOptions} from './types.ts'
import {specError} from './errors.ts'

const MIN_MEMORY = 6 * 2 ** 20
/** The CFS period `--cpus` uses: 100ms. */
const CFS_PERIOD = 100_000
const CPU_LIST = /^\d+(-\d+)?(,\d+(-\d+)?)*$/
/** Linux's usual most CPUs: docker refuses numbers past it, or past the host's highest if higher (CVE-2018-20699). */
const MAX_CPUS = 8192

type Ranges = [first: number, last: number][]

function ranges(list: string): Ranges {
  return list.split(',').map((part) => {
    const [first, last = first] = part.split('-').map(Number) as [number, number?]
    return [first, last]
  })
}

/**
 * The ranges of `--cpuset-cpus`/`--cpuset-mems` (`0-2,5`) as docker's daemon reads them (sysinfo's
 * parseUintList), refused in its words: a bad format (`1-0` too), or a number past what Linux has.
 */
function cpusetRanges(list: string, kind: 'cpus' | 'mems', available: string | undefined): Ranges {
  const refuse = (reason: string) => specError(`Invalid value ${list} for cpuset ${kind}: ${reason}`)
  if (!CPU_LIST.test(list)) throw refuse(`invalid format: ${list}`)
  const requested = ranges(list)
  if (requested.some(([first, last]) => last < first)) throw refuse(`invalid format: ${list}`)
  const maximum = Math.max(MAX_CPUS, ...(available ? ranges(available).map(([, last]) => last) : []))
  if (requested.some(([, last]) => last > maximum)) throw refuse(`value of out range, maximum is ${maximum}`)
  return requested
}

/** Whether every number of `requested` is in `available` (a Linux list, `0-3`). */
function listWithin(requested: Ranges, available: string): boolean {
  const offered = ranges(available)
  return requested.every(([first, last]) => offered.some(([start, end]) => start <= first && last <= end))
}

type Limits = Omit<Resources, 'devices'>

/**
 * The swap limit docker's daemon gives a memory limit set without one: as much again
 * (daemon/daemon_unix.go, adaptContainerSettings), in its int64 arithmetic: a limit past half of
 * int64 (`--memory 9e18`) wraps to a negative swap, which runc refuses at start as under docker,
 * rather than a number no int64 of the spec can hold.
 */
export function defaultMemorySwap(memory: number): number {
  return Number(BigInt.asIntN(64, BigInt(memory) * 2n))
}

/**
 * `update`: the values are an update's own (docker's verifyContainerSettings with update set), where a
 * swap limit without a memory limit keeps the container's memory limit.
 */
export function resourceLimits(options: RunOptions, host: HostFacts, warnings: string[], check: {update?: boolean} = {}): Limits {
  const limits: Limits = {}
  const memory = memoryLimits(options, host, warnings, check.update ?? false)
  if (Object.keys(memory).length > 0) limits.memory = memory
  const cpu = cpuLimits(options, host)
  if (Object.keys(cpu).length > 0) limits.cpu = cpu
  if (options.pidsLimit !== undefined && options.pidsLimit > 0) limits.pids = {limit: options.pidsLimit}
  // docker drops what the host cannot apply before it checks the weight's range, and warns after the memory settings.
  const blkio = supportedBlkio(options, host)
  warnings.push(...blkio.warnings)
  const weight = blkio.settings.blkioWeight
  if (weight !== undefined && weight !== 0) {
    if (weight < 10 || weight > 1000) throw specError('Range of blkio weight is from 10 to 1000')
    limits.blockIO = {weight}
  }
  return limits
}

type BlkioSettings = Pick<RunOptions, 'blkioWeight' | 'blkioWeightDevices' | 'deviceThrottles'>

const THROTTLE_KINDS: readonly DeviceThrottleKind[] = ['readBps', 'writeBps', 'readIops', 'writeIops']

/** docker's warnings (daemon_unix.go, verifyPlatformContainerResources) for the block I/O settings it drops, in its order. */
const BLKIO_DISCARDED: Record<keyof NonNullable<HostFacts['blkio']>, string> = {
  weight: 'Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded.',
  weightDevice: 'Your kernel does not support Block I/O weight_device or the cgroup is not mounted. Weight-device discarded.',
  readBps: 'Your kernel does not support BPS Block I/O read limit or the cgroup is not mounted. Block I/O BPS read limit discarded.',
  writeBps: 'Your kernel does not support BPS Block I/O write limit or the cgroup is not mounted. Block I/O BPS write limit discarded.',
  readIops: 'Your kernel does not support IOPS Block read limit or the cgroup is not mounted. Block I/O IOPS read limit discarded.',
  writeIops: 'Your kernel does not support IOPS Block write limit or the cgroup is not mounted. Block I/O IOPS write limit discarded.',
}

/**
 * The block I/O settings the host's cgroup can apply, and docker's warning for each one given that it
 * cannot: docker's daemon drops those (a host without CFQ has no blkio.weight_device, where runc's
 * write would fail the start).
 */
export function supportedBlkio(options: RunOptions, host: Pick<HostFacts, 'blkio'>): {settings: BlkioSettings; warnings: string[]} {
  const support = host.blkio
  const warnings: string[] = []
  const kept = (given: boolean, kind: keyof typeof BLKIO_DISCARDED): boolean => {
    if (!given || !support || support[kind]) return true
    warnings.push(BLKIO_DISCARDED[kind])
    return false
  }
  const settings: BlkioSettings = {}
  if (kept((options.blkioWeight ?? 0) > 0, 'weight')) settings.blkioWeight = options.blkioWeight
  if (kept((options.blkioWeightDevices ?? []).length > 0, 'weightDevice')) settings.blkioWeightDevices = options.blkioWeightDevices
  if (options.deviceThrottles) {
    settings.deviceThrottles = Object.fromEntries(THROTTLE_KINDS.flatMap((kind) => {
      const rates = options.deviceThrottles?.[kind]
      return rates && kept(rates.length > 0, kind) ? [[kind, rates]] : []
    }))
  }
  return {settings, warnings}
}

function memoryLimits(options: RunOptions, host: HostFacts, warnings: string[], update: boolean): NonNullable<Resources['memory']> {
  const memory = options.memory ?? 0
  const reservation = options.memoryReservation ?? 0
  // docker: swap defaults to as much again as the memory limit, where it is unset or 0 (an update's 0 changes nothing)
  let swap = options.memorySwap ?? 0
  if (memory > 0 && swap === 0 && !update) swap = defaultMemorySwap(memory)
  if (memory !== 0 && memory < MIN_MEMORY) throw specError('Minimum memory limit allowed is 6MB')
  if (memory === 0 && swap > 0 && !update) throw specError('You should always set the Memory limit when using Memoryswap limit, see usage')
  if (memory > 0 && swap > 0 && swap < memory) throw specError('Minimum memoryswap limit should be larger than memory limit, see usage')
  if (reservation > 0 && memory > 0 && memory < reservation) {
    throw specError('Minimum memory limit can not be less than memory reservation limit, see usage')
  }
  if (reservation !== 0 && reservation < MIN_MEMORY) throw specError('Minimum memory reservation allowed is 6MB')
  const swappiness = options.memorySwappiness
  if (swappiness !== undefined && swappiness !== -1 && (swappiness < 0 || swappiness > 100)) {
    throw specError(`Invalid value: ${swappiness}, valid memory swappiness range is 0-100`)
  }
  if (memory > 0 && swap > 0 && host.swapLimit === false) {
    warnings.push('Your kernel does not support swap limit capabilities or the cgroup is not mounted. Memory limited without swap.')
    swap = 0
  }

  const limits: NonNullable<Resources['memory']> = {}
  if (memory > 0) limits.limit = memory
  if (reservation > 0) limits.reservation = reservation
  if (swap !== 0) limits.swap = swap
  if (swappiness !== undefined && swappiness !== -1) {
    if (host.cgroupVersion === 2) {
      warnings.push('Your kernel does not support memory swappiness capabilities or the cgroup is not mounted. Memory swappiness discarded.')
    } else {
      limits.swappiness = swappiness
    }
  }
  if (options.oomKillDisable) {
    if (host.cgroupVersion === 2) {
      warnings.push('Your kernel does not support OomKillDisable. OomKillDisable discarded.')
    } else {
      if (memory === 0) {
        warnings.push(
          'OOM killer is disabled for the container, but no memory limit is set, this can result in the system running out of resources.',
        )
      }
      limits.disableOOMKiller = true
    }
  }
  return limits
}

function cpuLimits(options: RunOptions, host: HostFacts): NonNullable<Resources['cpu']> {
  const nanoCpus = options.nanoCpus ?? 0
  const period = options.cpuPeriod ?? 0
  const quota = options.cpuQuota ?? 0
  if (nanoCpus > 0 && period > 0) throw specError('Conflicting options: Nano CPUs and CPU Period cannot both be set')
  if (nanoCpus > 0 && quota > 0) throw specError('Conflicting options: Nano CPUs and CPU Quota cannot both be set')
  if (nanoCpus < 0 || (host.cpuCount !== undefined && nanoCpus > host.cpuCount * 1e9)) {
    const count = host.cpuCount ?? 0
    throw specError(`range of CPUs is from 0.01 to ${count}.00, as there are only ${count} CPUs available`)
  }
  if (period !== 0 && (period < 1000 || period > 1_000_000)) {
    throw specError('CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)')
  }
  if (quota > 0 && quota < 1000) throw specError('CPU cfs quota can not be less than 1ms (i.e. 1000)')
  if (options.cpuShares !== undefined && options.cpuShares < 0) throw specError(`invalid CPU shares (${options.cpuShares}): value must be a positive integer`)
  if (options.cpusetCpus) {
    const requested = cpusetRanges(options.cpusetCpus, 'cpus', host.onlineCpus)
    if (host.onlineCpus && !listWithin(requested, host.onlineCpus)) {
      throw specError(`Requested CPUs are not available - requested ${options.cpusetCpus}, available: ${host.onlineCpus}`)
    }
  }
  if (options.cpusetMems) {
    const requested = cpusetRanges(options.cpusetMems, 'mems', host.onlineMems)
    if (host.onlineMems && !listWithin(requested, host.onlineMems)) {
      throw specError(`Requested memory nodes are not available - requested ${options.cpusetMems}, available: ${host.onlineMems}`)
    }
  }

  const limits: NonNullable<Resources['cpu']> = {}
  if (options.cpuShares) limits.shares = options.cpuShares
  if (nanoCpus > 0) {
    limits.quota = Math.trunc((nanoCpus * CFS_PERIOD) / 1e9)
    limits.period = CFS_PERIOD
  } else {
    if (quota !== 0) limits.quota = quota
    if (period !== 0) limits.period = period
  }
  if (options.cpusetCpus) limits.cpus = options.cpusetCpus
  if (options.cpusetMems) limits.mems = options.cpusetMems
  const realtimePeriod = options.cpuRealtimePeriod ?? 0
  const realtimeRuntime = options.cpuRealtimeRuntime ?? 0
  if (realtimePeriod > 0 && realtimeRuntime > 0 && realtimeRuntime > realtimePeriod) throw specError('cpu-rt-runtime cannot be higher than cpu-rt-period')
  if (realtimePeriod > 0) limits.realtimePeriod = realtimePeriod
  if (realtimeRuntime > 0) limits.realtimeRuntime = realtimeRuntime
  return limits
}
