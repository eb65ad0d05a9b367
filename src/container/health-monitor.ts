/**
 * A container's health monitor: `node dist/health.js <data root> <namespace> <id>`, started (detached)
 * by each start of a container that has a health check. It runs the probe in the container as an
 * exec at docker's intervals, keeps the state in the container's health.json (inspect's
 * State.Health, ps's "(healthy)") and ends with the task it was started for.
 */
import {randomBytes} from 'node:crypto'
import {setTimeout as delay} from 'node:timers/promises'
import {connect, packJson} from '../containerd/index.ts'
import {writeJsonAtomic} from '../files.ts'
import {formatGoDuration} from '../format/go-duration.ts'
import {HEALTH_STATUS_ACTION, publishEvent, publishEvents} from '../system/nerd-events.ts'
import {startFailureMessage} from './attach.ts'
import {execEvents, execProcessSpec, PROCESS_TYPE_URL} from './exec.ts'
import {afterProbe, healthTiming, nextProbeDelay, PROBE_OUTPUT_LIMIT, restartHealth} from './health.ts'
import type {HealthTiming} from './health.ts'
import {ended, makeFifos, openFifos} from './io.ts'
import {loadContainer} from './lifecycle.ts'
import type {ContainerScope, LoadedContainer} from './lifecycle.ts'
import type {HealthProbe} from './model.ts'
import {containerPaths, readRecord} from './store.ts'

export async function monitorHealth(dataRoot: string, namespace: string, id: string): Promise<void> {
  const paths = containerPaths(dataRoot, namespace, id)
  const record = await readRecord(paths)
  const timing = healthTiming(record?.Config.Healthcheck)
  if (!record?.Address || !timing) return
  const client = await connect({address: record.Address, namespace})
  try {
    const scope = {client, dataRoot}
    const container = await loadContainer(scope, id)
    const task = await runningTask(scope, id)
    if (!task) return
    const startedAt = Date.now()
    // The monitor ends with this task: its exit, or a later start's task (which has a monitor of its own).
    const taskEnded = new AbortController()
    client.tasks.wait(id, {signal: taskEnded.signal}).then(
      () => taskEnded.abort(),
      () => taskEnded.abort(),
    )
    // This task's status; undefined once the container or the task is gone, or a later start made another.
    const status = async () => {
      const now = (await readRecord(paths)) && (await client.tasks.get(id).catch(() => undefined))
      return now && now.pid === task.pid ? now.status : undefined
    }
    // Already so when nerd made the start; not when containerd's restart monitor did (the logger starts this then).
    let health = await restartHealth(paths.health)
    while (await sleep(nextProbeDelay(health, Date.now() - startedAt, timing), taskEnded.signal)) {
      // As docker's, no probe of a paused container: its health stays what it was.
      const before = await status()
      if (before === undefined) break
      if (before !== 'RUNNING') continue
      const probe = await runProbe(scope, container, timing, taskEnded.signal)
      // A probe the exit cut short says nothing of the container's health, nor one a pause cut short.
      if (taskEnded.signal.aborted) break
      const after = await status()
      if (after === undefined) break
      if (after !== 'RUNNING') continue
      const next = afterProbe(health, probe, Date.now() - startedAt, timing)
      await writeJsonAtomic(paths.health, next)
      if (next.Status !== health.Status) {
        await publishEvent(client, {type: 'container', action: HEALTH_STATUS_ACTION, id, attributes: {[HEALTH_STATUS_ACTION]: next.Status}})
      }
      health = next
    }
    taskEnded.abort()
  } finally {
    client.close()
  }
}

/** How long a monitor waits for its task to run: a logger starts it before the shim has created the task. */
const TASK_START_WAIT_MS = 10_000
const TASK_POLL_MS = 100

/** The container's task once it runs; undefined when it has not come to run within TASK_START_WAIT_MS. */
async function runningTask(scope: ContainerScope, id: string): Promise<{pid: number} | undefined> {
  const deadline = Date.now() + TASK_START_WAIT_MS
  for (;;) {
    const task = await scope.client.tasks.get(id).catch(() => undefined)
    if (task?.status === 'RUNNING') return task
    if ((task && task.status !== 'CREATED') || Date.now() >= deadline) return undefined
    await delay(TASK_POLL_MS)
  }
}

/** Resolves true after `ms`, false at once when the signal aborts first. */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  return delay(ms, true, {signal}).catch(() => false)
}

/** One probe: the command as an exec in the container, its output (the first 4096 bytes) and exit code; -1 when it cannot run or times out. */
async function runProbe(scope: ContainerScope, container: LoadedContainer, timing: HealthTiming, stop: AbortSignal): Promise<HealthProbe> {
  const {client} = scope
  const id = container.record.Id
  const start = new Date()
  const probe = (ExitCode: number, Output: string): HealthProbe => ({Start: start.toISOString(), End: new Date().toISOString(), ExitCode, Output})
  const execId = `health-${randomBytes(8).toString('hex')}`
  const fifos = openFifos(await makeFifos(scope.dataRoot, {stdin: false, terminal: false}))
  const chunks: Buffer[] = []
  let kept = 0
  const keep = (chunk: Buffer): void => {
    if (kept >= PROBE_OUTPUT_LIMIT) return
    chunks.push(chunk.subarray(0, PROBE_OUTPUT_LIMIT - kept))
    kept += Math.min(chunk.length, PROBE_OUTPUT_LIMIT - kept)
  }
  fifos.stdout.on('data', keep)
  fifos.stderr?.on('data', keep)
  const waiting = new AbortController()
  const onStop = (): void => waiting.abort()
  stop.addEventListener('abort', onStop, {once: true})
  try {
    const spec = await execProcessSpec(scope, container, {command: timing.command, env: [], interactive: false, tty: false, detach: false, privileged: false, detachKeys: []})
    // As docker's probes, an exec seen in events: published while it is made, before it starts.
    const announced = publishEvents(client, execEvents(id, execId, timing.command))
    await client.tasks.exec({containerId: id, execId, spec: packJson(PROCESS_TYPE_URL, spec), terminal: false, stdout: fifos.paths.stdout, stderr: fifos.paths.stderr})
    const exit = client.tasks.wait(id, {execId, signal: waiting.signal})
    exit.catch(() => undefined)
    await announced
    await client.tasks.start(id, execId)
    let timer: NodeJS.Timeout | undefined
    const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timing.timeoutMs)))
    const outcome = await Promise.race([exit, timedOut])
    clearTimeout(timer)
    if (outcome === 'timeout') {
      await client.tasks.kill(id, 9, {execId}).catch(() => undefined)
      return probe(-1, `Health check exceeded timeout (${formatGoDuration(timing.timeoutMs)})`)
    }
    // What the probe wrote reaches the FIFOs before the shim closes them.
    await Promise.race([Promise.all([ended(fifos.stdout), ended(fifos.stderr)]), new Promise((resolve) => setTimeout(resolve, 1000).unref())])
    return probe(outcome.exitStatus, Buffer.concat(chunks).toString('utf8'))
  } catch (error) {
    return probe(-1, startFailureMessage((error as Error).message))
  } finally {
    stop.removeEventListener('abort', onStop)
    waiting.abort()
    await client.tasks.deleteProcess(id, execId).catch(() => undefined)
    await fifos.dispose()
  }
}
