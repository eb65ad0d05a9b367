/**
 * What happens when a detached container's process exits: docker's restart policies and `--rm`, or
 * else the task's deletion.
 * The container's logger (which the shim runs for as long as the task's output flows) starts this
 * in its own process when the output ends, since deleting the task ends the logger itself.
 *
 * containerd 1.6's restart monitor also restarts `always`/`unless-stopped` containers, within its
 * 10 s interval and after a containerd restart; this handler restarts at once and also carries out
 * `on-failure[:N]`, which 1.6 does not know.
 */
import {setTimeout as delay} from 'node:timers/promises'
import {connect, isConnectionError, toDate} from '../containerd/index.ts'
import type {ContainerdClient, ExitStatus, Process} from '../containerd/index.ts'
import {withFileLock} from '../files.ts'
import {unlink} from 'node:fs/promises'
import {AlreadyRunningError, deleteTask, getTask, loadContainer, monitorRestarts, policyRestarts, recordExit, removeAutoRemoved, RESTART_STATUS_LABEL} from './lifecycle.ts'
import type {ContainerScope, LoadedContainer} from './lifecycle.ts'
import {defaultStartContext, startDetached} from './run.ts'
import {signalNumber} from './spec/signals.ts'
import {containerPaths, readRecord, readState, updateState} from './store.ts'

const FIRST_RESTART_DELAY_MS = 100
const MAX_RESTART_DELAY_MS = 60_000
/** A process that ran this long started well: the back-off starts over. */
const SUCCESSFUL_RUN_MS = 10_000

/**
 * docker's back-off before a restart by policy: 100 ms, doubled at each restart, at most a minute,
 * and 100 ms again after a process that ran 10 s or more.
 */
export function restartDelayMs(previousDelayMs: number | undefined, ranMs: number): number {
  if (previousDelayMs === undefined || ranMs >= SUCCESSFUL_RUN_MS) return FIRST_RESTART_DELAY_MS
  return Math.min(previousDelayMs * 2, MAX_RESTART_DELAY_MS)
}

/**
 * A restart the policy asked for: a new task in the background, counted in RestartCount before it
 * starts (inspect shows the count with the new process). containerd's restart monitor may start the
 * container meanwhile; its logger counts that start unless it takes the start mark this start left
 * (logs/logger.ts), so exactly one of the two counts it.
 */
export async function restartByPolicy(scope: ContainerScope, container: LoadedContainer, options: {endedPid?: number} = {}): Promise<void> {
  const running = (task: Process | undefined): boolean => (task?.status ?? 'STOPPED') !== 'STOPPED'
  // A stop marks the container first, then waits for this lock: either this sees the mark, or the stop sees what this started.
  await withFileLock(container.paths.policyRestart, async () => {
    const task = await getTask(scope, container.record.Id)
    if (running(task)) return
    // Another process than the one that ended (`endedPid`) was started meanwhile (a user's start or
    // restart, which also sets the count back): its own exit is its own handler's to see out.
    if (task && options.endedPid !== undefined && task.pid !== options.endedPid) return
    const state = await updateState(container.paths, (current) => (current.ExplicitlyStopped ? {} : {RestartCount: current.RestartCount + 1}))
    if (state.ExplicitlyStopped) return
    try {
      await startDetached(scope, container, defaultStartContext())
    } catch (error) {
      if (!running(await getTask(scope, container.record.Id))) throw error
      // Found running before any mark was left, or the mark is still here: the monitor's logger counted.
      const beforeMark = (error as Error).cause instanceof AlreadyRunningError
      const markLeft = await unlink(container.paths.startMark).then(() => true, () => false)
      if (beforeMark || markLeft) await updateState(container.paths, (current) => ({RestartCount: current.RestartCount - 1}))
    }
  })
}

/**
 * How long the handler waits out a containerd that cannot be reached (restarting, being upgraded):
 * a process that exits meanwhile still gets its policy, as docker's daemon applies it when it comes back.
 */
const CONTAINERD_OUTAGE_MS = 10 * 60_000
const RECONNECT_INTERVAL_MS = 1000

/**
 * A client, the task's process and its exit as containerd reports it, once containerd answers;
 * undefined when the task runs another process than `watchedPid`: a start since (a user's, or
 * containerd's restart monitor's) replaced it, and the new process's exit is its own handler's.
 */
async function waitForExit(address: string, namespace: string, id: string, watchedPid: number | undefined, killAt: number | undefined): Promise<{client: ContainerdClient; pid: number; exit: ExitStatus} | undefined> {
  const deadline = Date.now() + CONTAINERD_OUTAGE_MS
  for (;;) {
    let client: ContainerdClient | undefined
    try {
      client = await connect({address, namespace})
      const {pid} = await client.tasks.get(id)
      if (watchedPid !== undefined && pid !== watchedPid) {
        client.close()
        return undefined
      }
      const exit = client.tasks.wait(id)
      if (killAt !== undefined) await killWhenDue(client, id, exit, killAt)
      return {client, pid, exit: await exit}
    } catch (error) {
      client?.close()
      if (!isConnectionError(error) || Date.now() > deadline) throw error
      await delay(RECONNECT_INTERVAL_MS)
    }
  }
}

/** A stop's kill, due at `killAt`, unless the process exits before. */
async function killWhenDue(client: ContainerdClient, id: string, exit: Promise<ExitStatus>, killAt: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  const exited = await Promise.race([exit.then(() => true, () => true), new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), Math.max(0, killAt - Date.now()))))])
  clearTimeout(timer)
  if (!exited) await client.tasks.kill(id, signalNumber('SIGKILL'), {all: true}).catch(() => undefined)
}

/**
 * Sees out the container's process `watchedPid` (without it, the task's current process); with
 * `killAt`, a stop cut short: the process is killed then if it has not ended.
 */
export async function handleTaskExit(dataRoot: string, namespace: string, id: string, watchedPid?: number, killAt?: number): Promise<void> {
  const paths = containerPaths(dataRoot, namespace, id)
  const record = await readRecord(paths)
  if (!record?.Address) return
  const watched = await waitForExit(record.Address, namespace, id, watchedPid, killAt)
  if (!watched) return
  const {client, pid, exit} = watched
  try {
    const scope = {client, dataRoot}
    const state = await readState(paths)
    if (policyRestarts(record, state, exit.exitStatus)) {
      const ranMs = (toDate(exit.exitedAt) ?? new Date()).getTime() - Date.parse(state.StartedAt)
      const backOffMs = restartDelayMs(state.RestartDelay, ranMs)
      await updateState(paths, () => ({RestartDueAt: Date.now() + backOffMs, RestartDelay: backOffMs}))
      // Restarting, it shows how it ended (inspect's OOMKilled) until it runs again, as docker's.
      await recordExit(scope, paths, id, exit)
      // containerd's restart monitor, which starts a task it finds stopped within its 10 s period,
      // would cut the back-off short: it leaves the container alone until the restart labels it again.
      if (monitorRestarts(record)) await client.containers.update({id, labels: {}}, [`labels.${RESTART_STATUS_LABEL}`])
      await delay(backOffMs)
      // The user may have stopped or removed it meanwhile.
      if ((await readState(paths)).ExplicitlyStopped || !(await readRecord(paths))) return
      await restartByPolicy(scope, await loadContainer(scope, id), {endedPid: pid})
    } else if (record.HostConfig.AutoRemove) {
      await removeAutoRemoved(scope, await loadContainer(scope, id))
    } else {
      // As docker's daemon, nothing of an exited container runs on: deleting its task ends its shim
      // and logger (which then logs what is left of an unfinished line), and runs the poststop hook
      // that frees its network addresses and ports.
      await deleteTask(scope, await loadContainer(scope, id), exit)
    }
  } finally {
    client.close()
  }
}
