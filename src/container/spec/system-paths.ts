/** The /proc and /sys paths a container's process cannot see or write, as docker's HostConfig has them. */
import type {DockerHostConfig} from '../model.ts'

/** docker's masked /proc and /sys paths, in docker's order (which inspect shows as HostConfig.MaskedPaths). */
const MASKED_PATHS = [
  // /proc/interrupts (and each CPU's thermal_throttle, see `thermalThrottlePaths`) count events a container could time others' secrets by (GHSA-6fw5-f8r9-fgfm)
  '/proc/asound', '/proc/acpi', '/proc/interrupts', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list', '/proc/timer_stats',
  '/proc/sched_debug', '/proc/scsi', '/sys/firmware',
  // docker and containerd 2 also hide the RAPL power readings, a side channel on secrets (Platypus)
  '/sys/devices/virtual/powercap',
]
export const READONLY_PATHS = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger']

/** docker's default masked paths on a host with these thermal_throttle directories: appended after the fixed ones, as docker does. */
export function defaultMaskedPaths(thermalThrottlePaths: readonly string[] = []): string[] {
  return [...MASKED_PATHS, ...thermalThrottlePaths]
}

/**
 * The CPUs of /sys/devices/system/cpu/possible (`0-3,8`), as docker's platform.PossibleCPU reads them:
 * none when any part is not a number.
 */
export function possibleCpus(text: string): number[] {
  const cpus: number[] = []
  for (const range of text.trim().split(',')) {
    const [first = '', last = first] = range.split('-', 2)
    if (!/^[+-]?\d+$/.test(first) || !/^[+-]?\d+$/.test(last)) return []
    for (let cpu = Number(first); cpu <= Number(last); cpu++) cpus.push(cpu)
  }
  return cpus
}

/** The thermal_throttle directory of each possible CPU, which docker masks where the host has it. */
export function thermalThrottlePaths(possible: string, exists: (path: string) => boolean): string[] {
  return possibleCpus(possible)
    .map((cpu) => `/sys/devices/system/cpu/cpu${cpu}/thermal_throttle`)
    .filter(exists)
}

/** docker's MaskedPaths and ReadonlyPaths: the defaults, none (null) when privileged, empty with `systempaths=unconfined`. */
export function systemPaths(
  privileged: boolean,
  unconfined: boolean,
  thermalThrottle: readonly string[] = [],
): Pick<DockerHostConfig, 'MaskedPaths' | 'ReadonlyPaths'> {
  if (unconfined) return {MaskedPaths: [], ReadonlyPaths: []}
  return privileged ? {MaskedPaths: null, ReadonlyPaths: null} : {MaskedPaths: defaultMaskedPaths(thermalThrottle), ReadonlyPaths: [...READONLY_PATHS]}
}
