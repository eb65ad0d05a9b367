/**
 * A container's health monitor: `node dist/health.js <data root> <namespace> <id> [start|resume]`,
 * started (detached) by each start of a container that has a health check, and again by the next
 * look at the container when it was killed (resume). It runs the probe in the container as an exec
 * at docker's intervals, keeps the state in the container's health.json (inspect's State.Health,
 * ps's "(healthy)") and ends with the task it was started for. containerd going away (killed,
 * restarted, upgraded) is not that end: the task runs on in its shim, and the monitor connects again.
 */
import {readFileSync} from 'node:fs'
import {open, rm, unlink, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {setTimeout as delay} from 'node:timers/promises'
import {delayFor, preciseNow} from '../clock.ts'
import {connect, isConnectionError, packJson} from '../containerd/index.ts'
import type {ContainerdClient, ExitStatus} from '../containerd/index.ts'
import {readJsonIfExists, writeJsonAtomic} from '../files.ts'
import {formatGoDuration} from '../format/go-duration.ts'
import {ownerTag} from '../owner.ts'
import {HEALTH_STATUS_ACTION, publishEvent, publishEvents} from '../system/nerd-events.ts'
import {startFailureMessage} from './attach.ts'
import {execEvents, execProcessSpec, newExecId, PROCESS_TYPE_URL} from './exec.ts'
import {afterProbe, healthTiming, nextProbeDelay, PROBE_OUTPUT_LIMIT, restartHealth, unmonitoredHealth} from './health.ts'
import type {HealthTiming, MonitorMode} from './health.ts'
import {initProcessRuns, recordedInitProcess} from './host-process.ts'
import {makeIoDir} from './io.ts'
import {loadContainer} from './lifecycle.ts'
import type {ContainerScope, LoadedContainer} from './lifecycle.ts'
import type {HealthProbe, HealthState} from './model.ts'
import {containerPaths, readRecord, readState} from './store.ts'
import type {ContainerPaths} from './store.ts'

/**
 * Monitors the container's health until its task ends, or `stop` aborts (a signal to the monitor):
 * then the probe under way is killed and deleted, and the monitor's mark is left for the next look
 * at the container to restart it. A monitor whose mark another has taken (a later start's) ends.
 */
export async function monitorHealth(dataRoot: string, namespace: string, id: string, mode: MonitorMode, stop: AbortSignal): Promise<void> {
  const paths = containerPaths(dataRoot, namespace, id)
  const record = await readRecord(paths)
  const timing = healthTiming(record?.Config.Healthcheck, record?.Config.Shell)
  if (!record?.Address || !timing || !(await takeMark(paths.healthMonitor, mode))) return
  const scope = new ReconnectingScope(await connect({address: record.Address, namespace}), record.Address, namespace, dataRoot, paths)
  const taskEnded = new AbortController()
  try {
    const container = await loadContainer(scope, id)
    const task = await runningTask(scope, id)
    if (!task) return
    void endWithTask(scope, id, task.pid, taskEnded)
    const ending = AbortSignal.any([taskEnded.signal, stop])
    // This task's status, once containerd answers; undefined once the container or the task is gone, or a later start made another.
    const status = async () => {
      const now = (await readRecord(paths)) && (await scope.call((client) => client.tasks.get(id), ending).catch(() => undefined))
      return now && now.pid === task.pid ? now.status : undefined
    }
    // Already so when nerd made the start; not when containerd's restart monitor did (the logger starts this then).
    let health = mode === 'start' ? await restartHealth(paths.health) : await resumedHealth(paths.health)
    const startedAt = mode === 'start' ? Date.now() : startTimeOf((await readState(paths)).StartedAt)
    // As docker's pause, which stops the monitor: no probe of a paused container, which is unhealthy
    // until a probe after its unpause passes, the first one interval after it (docker's new monitor).
    // False when the task ended (or the monitor stopped) meanwhile.
    const waitOutPause = async (): Promise<boolean> => {
      if (health.Status !== 'unhealthy' && ownsMark(paths)) {
        health = unmonitoredHealth(health)
        await writeJsonAtomic(paths.health, health)
      }
      for (;;) {
        if (!(await delayFor(PAUSE_LOOK_MS, ending))) return false
        const now = await status()
        if (now === undefined) return false
        if (now === 'RUNNING') return true
      }
    }
    while (await delayFor(nextProbeDelay(health, Date.now() - startedAt, timing), ending)) {
      if (!ownsMark(paths)) return
      const before = await status()
      if (before === undefined) break
      if (before !== 'RUNNING') {
        if (!(await waitOutPause())) break
        continue
      }
      // A pause during the probe cuts it short, as docker's pause cancels the probe under way: frozen
      // until the unpause, it would end after it and pass for a probe of the container since.
      const probed = new AbortController()
      const paused = pausedDuring(status, AbortSignal.any([probed.signal, ending]))
      const probe = await runProbe(scope, container, timing, AbortSignal.any([ending, paused]))
      probed.abort()
      // A probe the exit cut short says nothing of the container's health, nor one a pause or the loss of containerd cut short.
      if (ending.aborted) break
      if (!probe) continue
      const after = await status()
      if (after === undefined) break
      if (after !== 'RUNNING' || paused.aborted) {
        if (!(await waitOutPause())) break
        continue
      }
      if (!ownsMark(paths)) return
      const next = afterProbe(health, probe, Date.now() - startedAt, timing)
      await writeJsonAtomic(paths.health, next)
      if (next.Status !== health.Status) {
        await publishEvent(scope.client, {type: 'container', action: HEALTH_STATUS_ACTION, id, attributes: {[HEALTH_STATUS_ACTION]: next.Status}})
      }
      health = next
    }
    // As docker's, the container whose monitor stops with it is unhealthy (no event).
    if (!stop.aborted && ownsMark(paths) && health.Status !== 'unhealthy') await writeJsonAtomic(paths.health, unmonitoredHealth(health))
  } finally {
    taskEnded.abort()
    scope.close()
    if (!stop.aborted && ownsMark(paths)) await unlink(paths.healthMonitor).catch(() => undefined)
  }
}

/** How often a monitor looks whether the task is paused while a probe runs, and whether it runs again while paused. */
const PAUSE_LOOK_MS = 250

/** A signal aborted once `status` tells the task is no longer running (paused), looked at until `done`. */
function pausedDuring(status: () => Promise<string | undefined>, done: AbortSignal): AbortSignal {
  const paused = new AbortController()
  void (async () => {
    while (await delayFor(PAUSE_LOOK_MS, done)) {
      const now = await status()
      if (done.aborted || now === undefined) return
      if (now !== 'RUNNING') return paused.abort()
    }
  })()
  return paused.signal
}

/** The pauses between attempts to reach containerd again: doubled from the first up to the last. */
const FIRST_RECONNECT_DELAY_MS = 100
const MAX_RECONNECT_DELAY_MS = 2000

/**
 * The monitor's client, made again when containerd went away (a crash, a restart, an upgrade): the
 * container runs on meanwhile, and its monitor must not take the lost connection for its end. It
 * gives up once the container is gone, or its process has ended: there is nothing left to probe.
 */
class ReconnectingScope implements ContainerScope {
  client: ContainerdClient
  readonly dataRoot: string
  readonly #address: string
  readonly #namespace: string
  readonly #paths: ContainerPaths
  readonly #closed = new AbortController()
  #reconnecting: Promise<boolean> | undefined

  constructor(client: ContainerdClient, address: string, namespace: string, dataRoot: string, paths: ContainerPaths) {
    this.client = client
    this.dataRoot = dataRoot
    this.#address = address
    this.#namespace = namespace
    this.#paths = paths
  }

  /** The call's answer, asked again of a new client each time containerd could not be reached; undefined when `stop` aborts first. */
  async call<T>(call: (client: ContainerdClient) => Promise<T>, stop: AbortSignal): Promise<T | undefined> {
    for (;;) {
      const client = this.client
      try {
        return await call(client)
      } catch (error) {
        if (!isConnectionError(error) || stop.aborted) throw error
        if (!(await this.reconnect(client, stop))) return undefined
      }
    }
  }

  /**
   * Replaces the client `failed`, which lost containerd, by one that gets an answer, trying again at
   * pauses growing up to MAX_RECONNECT_DELAY_MS; false when `stop` aborts first, or when the
   * container or its process is gone meanwhile (containerd, which may never come back, cannot say
   * so). Callers whose calls failed on the same client share one attempt: each new client would cut
   * the others' calls short.
   */
  reconnect(failed: ContainerdClient, stop: AbortSignal): Promise<boolean> {
    if (failed !== this.client) return Promise.resolve(true)
    if (stop.aborted) return Promise.resolve(false)
    this.#reconnecting ??= this.#connectAgain().finally(() => (this.#reconnecting = undefined))
    let onStop = (): void => undefined
    const stopped = new Promise<boolean>((resolve) => stop.addEventListener('abort', (onStop = () => resolve(false)), {once: true}))
    return Promise.race([this.#reconnecting, stopped]).finally(() => stop.removeEventListener('abort', onStop))
  }

  /**
   * The new client takes the lost one's place only once containerd answered it: until then, a call
   * made meanwhile fails on the lost one, as a lost connection, and waits for this attempt (a client
   * closed, or not answering yet, in its place had that call fail otherwise, or cut it short).
   */
  async #connectAgain(): Promise<boolean> {
    const closed = this.#closed.signal
    for (let pause = FIRST_RECONNECT_DELAY_MS; ; pause = Math.min(pause * 2, MAX_RECONNECT_DELAY_MS)) {
      let client: ContainerdClient | undefined
      try {
        client = await connect({address: this.#address, namespace: this.#namespace})
        await client.version.version()
        // Closed meanwhile (the monitor has ended): so is the client made since.
        if (closed.aborted) {
          client.close()
          return false
        }
        const lost = this.client
        this.client = client
        lost.close()
        return true
      } catch (error) {
        client?.close()
        if (!isConnectionError(error)) throw error
      }
      if (!(await this.#processRuns()) || !(await delayFor(pause, closed))) return false
    }
  }

  /** Whether the container is still there, with the process its hook recorded running (or none recorded yet). */
  async #processRuns(): Promise<boolean> {
    if (!(await readRecord(this.#paths))) return false
    const init = recordedInitProcess(this.#paths.initPid)
    return init === undefined || initProcessRuns(init)
  }

  close(): void {
    this.#closed.abort()
    this.client.close()
  }
}

/**
 * Aborts `ended` when the task's process `pid` has ended, or the task is gone or runs another
 * process (a later start, which has a monitor of its own): a lost connection to containerd is none of these.
 */
async function endWithTask(scope: ReconnectingScope, id: string, pid: number, ended: AbortController): Promise<void> {
  try {
    await scope.call(async (client) => {
      const task = await client.tasks.get(id)
      // Asked again after containerd came back: the process may have ended, or been replaced, meanwhile.
      if (task.pid === pid && task.status !== 'STOPPED') await client.tasks.wait(id, {signal: ended.signal})
    }, ended.signal)
  } catch {
    // Gone, or containerd says so otherwise: the end all the same.
  } finally {
    ended.abort()
  }
}

/**
 * Marks the container as monitored by this process. A start's monitor takes the mark over (the last
 * one's is gone with its task, or about to be); one resumed in place of a monitor killed only makes
 * a new one, so that of two looks at the container that restart it, one monitor runs.
 */
async function takeMark(mark: string, mode: MonitorMode): Promise<boolean> {
  try {
    await writeFile(mark, ownerTag(), {flag: mode === 'start' ? 'w' : 'wx'})
    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw error
  }
}

/** Whether the container's monitor mark still names this process: a later start's monitor takes it over. */
function ownsMark(paths: ContainerPaths): boolean {
  try {
    return readFileSync(paths.healthMonitor, 'utf8') === ownerTag()
  } catch {
    return false
  }
}

/** The state a monitor resumed in place of one killed goes on from (starting, if there is none). */
async function resumedHealth(path: string): Promise<HealthState> {
  return (await readJsonIfExists<HealthState>(path)) ?? (await restartHealth(path))
}

/** The time (ms since the epoch) the state's StartedAt names; now when it names none. */
function startTimeOf(startedAt: string): number {
  const time = Date.parse(startedAt)
  return Number.isNaN(time) ? Date.now() : time
}

/** How long a monitor waits for its task to run: a logger starts it before the shim has created the task. */
const TASK_START_WAIT_MS = 10_000
const TASK_POLL_MS = 100

/** The container's task once it runs (or is paused); undefined when it has not come to run within TASK_START_WAIT_MS. */
async function runningTask(scope: ContainerScope, id: string): Promise<{pid: number} | undefined> {
  const deadline = Date.now() + TASK_START_WAIT_MS
  for (;;) {
    const task = await scope.client.tasks.get(id).catch(() => undefined)
    if (task?.status === 'RUNNING' || task?.status === 'PAUSED' || task?.status === 'PAUSING') return task
    if ((task && task.status !== 'CREATED') || Date.now() >= deadline) return undefined
    await delay(TASK_POLL_MS)
  }
}

/**
 * How often a running probe's output file is looked at, and the size it is cut back from to the
 * part kept (and one byte more, which says that there was more): a probe that writes without end
 * must not fill the disk until its timeout.
 */
const OUTPUT_CHECK_MS = 100
const OUTPUT_FILE_CAP = 1024 * 1024
/** How long a probe killed (timed out, or the monitor stopped) is waited for, and its output with it. */
const KILLED_PROBE_WAIT_MS = 2000

/**
 * One probe: the command as an exec in the container, its output (the first 4096 bytes, and "..."
 * when there was more, as docker's limitedBuffer) and exit code; -1 when it cannot run or times out.
 * Its stdout and stderr go to a file (file://), which the shim writes by itself: a FIFO would need
 * this process to read it, and a monitor killed mid-probe left the shim blocked on the exec's I/O.
 * Undefined when containerd went away meanwhile: the probe's end is then unknown.
 */
async function runProbe(scope: ReconnectingScope, container: LoadedContainer, timing: HealthTiming, stop: AbortSignal): Promise<HealthProbe | undefined> {
  const {client} = scope
  const id = container.record.Id
  const start = preciseNow()
  const probe = (ExitCode: number, Output: string): HealthProbe => ({Start: start, End: preciseNow(), ExitCode, Output})
  const execId = newExecId()
  const dir = await makeIoDir(scope.dataRoot)
  const output = join(dir, 'output')
  const waiting = new AbortController()
  let exit: Promise<ExitStatus> | undefined
  let deleted = false
  let lost = false
  let capping: NodeJS.Timeout | undefined
  try {
    const spec = await execProcessSpec(scope, container, {command: timing.command, env: [], interactive: false, tty: false, detach: false, privileged: false, detachKeys: ''})
    // As docker's probes, an exec seen in events: published while it is made, before it starts.
    const announced = publishEvents(client, execEvents(id, execId, timing.command))
    const uri = `file://${output}`
    await client.tasks.exec({containerId: id, execId, spec: packJson(PROCESS_TYPE_URL, spec), terminal: false, stdout: uri, stderr: uri})
    exit = client.tasks.wait(id, {execId, signal: waiting.signal})
    exit.catch(() => undefined)
    await announced
    await client.tasks.start(id, execId)
    capping = setInterval(() => void capOutput(output), OUTPUT_CHECK_MS)
    const timer = new AbortController()
    const outcome = await Promise.race([
      exit.then((status) => status, (error: unknown) => (isConnectionError(error) ? ('lost' as const) : ('ended' as const))),
      delayFor(timing.timeoutMs, AbortSignal.any([timer.signal, stop])).then((due) => (due ? ('timeout' as const) : ('stopped' as const))),
    ])
    timer.abort()
    if (typeof outcome === 'object') {
      // Deleted first: the shim's delete waits for it to have written the output.
      await client.tasks.deleteProcess(id, execId).catch(() => undefined)
      deleted = true
      return probe(outcome.exitStatus, await readOutput(output))
    }
    if (outcome === 'timeout') {
      await endProbe(scope, id, execId, exit)
      deleted = true
      const text = await readOutput(output)
      return probe(-1, `Health check exceeded timeout (${formatGoDuration(timing.timeoutMs)})${text === '' ? '' : `: ${text}`}`)
    }
    lost = outcome === 'lost'
    return lost ? undefined : probe(-1, '')
  } catch (error) {
    lost = isConnectionError(error)
    return lost ? undefined : probe(-1, startFailureMessage((error as Error).message))
  } finally {
    clearInterval(capping)
    // What is still there of it: the monitor stopped, or the task ended, mid-probe; or, once
    // containerd answers again, what its shim still runs when containerd went away.
    if (lost && (await scope.reconnect(client, stop).catch(() => false))) {
      exit = scope.client.tasks.wait(id, {execId, signal: waiting.signal})
      exit.catch(() => undefined)
    }
    if (!deleted) await endProbe(scope, id, execId, exit)
    waiting.abort()
    await rm(dir, {recursive: true, force: true})
  }
}

/** Kills the probe's exec (if it still runs), waits a little for its end, and deletes it. */
async function endProbe(scope: ContainerScope, id: string, execId: string, exit: Promise<ExitStatus> | undefined): Promise<void> {
  const {client} = scope
  if (exit) {
    await client.tasks.kill(id, 9, {execId}).catch(() => undefined)
    await Promise.race([exit.catch(() => undefined), delay(KILLED_PROBE_WAIT_MS)])
  }
  await client.tasks.deleteProcess(id, execId).catch(() => undefined)
}

/** Cuts a running probe's output file back to what is kept (and one byte) once it has grown past OUTPUT_FILE_CAP. */
async function capOutput(path: string): Promise<void> {
  const file = await open(path, 'r+').catch(() => undefined)
  if (!file) return
  try {
    if ((await file.stat()).size > OUTPUT_FILE_CAP) await file.truncate(PROBE_OUTPUT_LIMIT + 1)
  } catch {
    // Gone with the probe.
  } finally {
    await file.close()
  }
}

/** The probe's output as docker keeps it: the first 4096 bytes, with "..." when there was more. */
async function readOutput(path: string): Promise<string> {
  const file = await open(path, 'r').catch(() => undefined)
  if (!file) return ''
  try {
    const buffer = Buffer.alloc(PROBE_OUTPUT_LIMIT)
    const {bytesRead} = await file.read(buffer, 0, PROBE_OUTPUT_LIMIT, 0)
    const more = (await file.stat()).size > PROBE_OUTPUT_LIMIT
    return buffer.subarray(0, bytesRead).toString('utf8') + (more ? '...' : '')
  } finally {
    await file.close()
  }
}
