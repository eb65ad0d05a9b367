/**
 * docker's health checks: a container's check (its flags with the image's merged in), the timing
 * that applies, and how each probe's result moves the state, as docker's daemon does
 * (moby daemon/health.go). The probes run in the container's health monitor (health-monitor.ts).
 */
import {spawn} from 'node:child_process'
import {rm} from 'node:fs/promises'
import {join} from 'node:path'
import {readJsonIfExists, writeJsonAtomic} from '../files.ts'
import {codeDir, HELPER_NODE_FLAGS} from '../paths.ts'
import type {LoadedContainer} from './lifecycle.ts'
import type {HealthConfig, HealthProbe, HealthState} from './model.ts'

const NS_PER_MS = 1e6
const DEFAULT_INTERVAL_MS = 30_000
const DEFAULT_TIMEOUT_MS = 30_000
const DEFAULT_START_INTERVAL_MS = 5_000
const DEFAULT_RETRIES = 3
const DEFAULT_SHELL = ['/bin/sh', '-c']
/** docker keeps the last five probes, and the first 4096 bytes of each one's output. */
const KEPT_PROBES = 5
export const PROBE_OUTPUT_LIMIT = 4096

/** What a container's check comes to: undefined when it has none (or `NONE`). */
export interface HealthTiming {
  /** The probe's command line: CMD's arguments, or CMD-SHELL's words after the container's shell (/bin/sh -c). */
  command: string[]
  intervalMs: number
  timeoutMs: number
  startPeriodMs: number
  startIntervalMs: number
  retries: number
}

/** The container's check: what its flags set, the image's for the rest, as docker's daemon merges them. */
export function mergeHealthcheck(own: HealthConfig | undefined, image: HealthConfig | null | undefined): HealthConfig | undefined {
  if (!image) return own
  if (!own) return image
  const merged: HealthConfig = {...image, ...own}
  if (!own.Test?.length && image.Test) merged.Test = image.Test
  return merged
}

/**
 * The check's command and timing; `shell` is the container's Config.Shell, which runs a CMD-SHELL
 * probe with the words after CMD-SHELL as its arguments, else `/bin/sh -c`, as docker's daemon does.
 * The image's SHELL is not it: docker's merge of the image's config leaves it out.
 */
export function healthTiming(config: HealthConfig | undefined, shell?: readonly string[] | null): HealthTiming | undefined {
  const [kind, ...rest] = config?.Test ?? []
  let command: string[]
  if (kind === 'CMD' && rest.length > 0) command = rest
  else if (kind === 'CMD-SHELL' && rest.length > 0) command = [...(shell?.length ? shell : DEFAULT_SHELL), ...rest]
  else return undefined
  const ms = (ns: number | undefined, fallback: number) => (ns ? ns / NS_PER_MS : fallback)
  return {
    command,
    intervalMs: ms(config!.Interval, DEFAULT_INTERVAL_MS),
    timeoutMs: ms(config!.Timeout, DEFAULT_TIMEOUT_MS),
    startPeriodMs: ms(config!.StartPeriod, 0),
    startIntervalMs: ms(config!.StartInterval, DEFAULT_START_INTERVAL_MS),
    retries: config!.Retries || DEFAULT_RETRIES,
  }
}

/**
 * Makes the container's health `starting` again for a new start, as docker's initHealthMonitor:
 * the last probes stay in the log. Returns the state written.
 */
export async function restartHealth(path: string): Promise<HealthState> {
  const health: HealthState = {Status: 'starting', FailingStreak: 0, Log: (await readJsonIfExists<HealthState>(path))?.Log ?? []}
  await writeJsonAtomic(path, health)
  return health
}

/** How long until the next probe: the start interval while a container still starting is in its start period. */
export function nextProbeDelay(state: HealthState, sinceStartMs: number, timing: HealthTiming): number {
  return state.Status === 'starting' && sinceStartMs < timing.startPeriodMs ? timing.startIntervalMs : timing.intervalMs
}

/**
 * The state after a probe: a success makes the container healthy; a failure counts towards the
 * retries (not while a starting container is in its start period), and enough of them in a row make it unhealthy.
 */
export function afterProbe(state: HealthState, probe: HealthProbe, sinceStartMs: number, timing: HealthTiming): HealthState {
  const Log = [...state.Log, probe].slice(-KEPT_PROBES)
  if (probe.ExitCode === 0) return {Status: 'healthy', FailingStreak: 0, Log}
  if (state.Status === 'starting' && sinceStartMs < timing.startPeriodMs) return {...state, Log}
  const FailingStreak = state.FailingStreak + 1
  return {Status: FailingStreak >= timing.retries ? 'unhealthy' : state.Status, FailingStreak, Log}
}

/**
 * The state docker shows of a container whose monitor does not run (stopped, exited, paused):
 * unhealthy, as docker's CloseMonitorChannel makes it "for compatibility reasons".
 */
export function unmonitoredHealth(state: HealthState): HealthState {
  return {...state, Status: 'unhealthy'}
}

/** How a health monitor comes to run: for a start just made, or in place of one that died. */
export type MonitorMode = 'start' | 'resume'

/**
 * Starts the health monitor (dist/health.js) of a container just started, if it has a health check;
 * it is `starting` from now, as in docker, not from when the monitor has come up. The last monitor's
 * mark goes first: that monitor, still ending with its task, must not write over the new state, nor
 * be taken for a monitor killed and restarted.
 */
export async function startHealthMonitor(dataRoot: string, namespace: string, container: LoadedContainer): Promise<void> {
  if (!healthTiming(container.record.Config.Healthcheck)) return
  await rm(container.paths.healthMonitor, {force: true})
  await restartHealth(container.paths.health)
  spawnHealthMonitor(dataRoot, namespace, container.record.Id, 'start')
}

/** Runs dist/health.js for the container, detached from this process, with the long-lived helpers' Node flags. */
export function spawnHealthMonitor(dataRoot: string, namespace: string, id: string, mode: MonitorMode): void {
  spawn(process.execPath, [...HELPER_NODE_FLAGS, join(codeDir, 'health.js'), dataRoot, namespace, id, mode], {detached: true, stdio: 'ignore'}).unref()
}
