import {formatFloat} from './go-fmt.ts'

/**
 * Sizes and durations the way docker prints and parses them (github.com/docker/go-units).
 */

const DECIMAL_UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB']
const BINARY_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB', 'ZiB', 'YiB']

function scaled(size: number, base: number, units: readonly string[]): {value: number; unit: string} {
  let value = size
  let index = 0
  while (value >= base && index < units.length - 1) {
    value /= base
    index++
  }
  return {value, unit: units[index]}
}

/**
 * Decimal size with `precision` significant digits, as `docker ps -s` and `docker images` print
 * it: `0B`, `512B`, `1.23kB`, `45.6MB`, `1GB` (and, like docker, `1e+03kB` just below 1MB).
 */
export function humanSize(bytes: number, precision = 3): string {
  const {value, unit} = scaled(bytes, 1000, DECIMAL_UNITS)
  return `${formatFloat(value, 'g', precision)}${unit}`
}

/** Binary size with 4 significant digits, as docker prints memory: `1.5MiB`, `15.55GiB`. */
export function bytesSize(bytes: number): string {
  const {value, unit} = scaled(bytes, 1024, BINARY_UNITS)
  return `${formatFloat(value, 'g', 4)}${unit}`
}

/** go-units HumanDuration: `Less than a second`, `About a minute`, `3 hours`, `2 weeks`. */
export function humanDuration(milliseconds: number): string {
  const seconds = Math.trunc(milliseconds / 1000)
  if (seconds < 1) return 'Less than a second'
  if (seconds === 1) return '1 second'
  if (seconds < 60) return `${seconds} seconds`
  const minutes = Math.trunc(milliseconds / 60_000)
  if (minutes === 1) return 'About a minute'
  if (minutes < 60) return `${minutes} minutes`
  const exactHours = milliseconds / 3_600_000
  const hours = Math.trunc(exactHours + 0.5)
  if (hours === 1) return 'About an hour'
  if (hours < 48) return `${hours} hours`
  if (hours < 24 * 7 * 2) return `${Math.trunc(hours / 24)} days`
  if (hours < 24 * 30 * 2) return `${Math.trunc(hours / 24 / 7)} weeks`
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24 / 30)} months`
  return `${Math.trunc(Math.trunc(exactHours) / 24 / 365)} years`
}

/** `3 days ago`, as docker's CREATED and `.RunningFor` columns print a past time. */
export function timeAgo(date: Date, now: Date = new Date()): string {
  return `${humanDuration(now.getTime() - date.getTime())} ago`
}

export type ContainerStatusName = 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead'

export interface ContainerState {
  status: ContainerStatusName
  startedAt?: Date
  finishedAt?: Date
  exitCode?: number
  health?: 'starting' | 'healthy' | 'unhealthy'
}

/**
 * The STATUS column of `docker ps`: `Up 5 seconds`, `Up 2 hours (healthy)`,
 * `Up About a minute (Paused)`, `Exited (0) 2 hours ago`, `Created`.
 */
export function containerStatus(state: ContainerState, now: Date = new Date()): string {
  const since = (date: Date | undefined) => humanDuration(date ? now.getTime() - date.getTime() : 0)
  switch (state.status) {
    case 'paused':
      return `Up ${since(state.startedAt)} (Paused)`
    case 'restarting':
      return `Restarting (${state.exitCode ?? 0}) ${since(state.finishedAt)} ago`
    case 'running':
      if (state.health) return `Up ${since(state.startedAt)} (${state.health === 'starting' ? 'health: starting' : state.health})`
      return `Up ${since(state.startedAt)}`
    case 'removing':
      return 'Removal In Progress'
    case 'dead':
      return 'Dead'
  }
  if (!state.startedAt) return 'Created'
  // docker's is empty without a finish time; nerd's last resort is the start, which the exit followed.
  return `Exited (${state.exitCode ?? 0}) ${since(state.finishedAt ?? state.startedAt)} ago`
}
