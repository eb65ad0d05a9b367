/** The /proc and /sys paths a container's process cannot see or write, as docker's HostConfig has them. */
import type {DockerHostConfig} from '../model.ts'

/** docker's masked /proc and /sys paths, in docker's order (which inspect shows as HostConfig.MaskedPaths). */
export const MASKED_PATHS = [
  '/proc/asound', '/proc/acpi', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list', '/proc/timer_stats',
  '/proc/sched_debug', '/proc/scsi', '/sys/firmware',
  // docker and containerd 2 also hide the RAPL power readings, a side channel on secrets (Platypus)
  '/sys/devices/virtual/powercap',
]
export const READONLY_PATHS = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger']

/** docker's MaskedPaths and ReadonlyPaths: the defaults, none (null) when privileged, empty with `systempaths=unconfined`. */
export function systemPaths(privileged: boolean, unconfined: boolean): Pick<DockerHostConfig, 'MaskedPaths' | 'ReadonlyPaths'> {
  if (unconfined) return {MaskedPaths: [], ReadonlyPaths: []}
  return privileged ? {MaskedPaths: null, ReadonlyPaths: null} : {MaskedPaths: [...MASKED_PATHS], ReadonlyPaths: [...READONLY_PATHS]}
}
