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
import {existsSync, watch} from 'node:fs'
import type {FSWatcher} from 'node:fs'
import {setTimeout as delay} from 'node:timers/promises'
import {delayFor} from '../clock.ts'
import {connect, isConnectionError, isNotFound, toDate} from '../containerd/index.ts'
import type {ContainerdClient, ExitStatus, Process} from '../containerd/index.ts'
import {withFileLock} from '../files.ts'
import {unlink} from 'node:fs/promises'
import {deleteTask, exitedState, getTask, holdOffRestartMonitor, loadContainer, policyRestarts, recordGoneTask, removeAutoRemoved, removeRestartStatusLabel, UNSEEN_EXIT_STATUS} from './lifecycle.ts'
import type {ContainerScope, LoadedContainer} from './lifecycle.ts'
import {defaultStartContext, startDetached} from './run.ts'
import {announceRecordedStart} from './start-hooks.ts'
import {signalNumber} from './spec/signals.ts'
import {startedBeforeBoot} from './host-process.ts'
import {releaseMark, waitForMark} from './process-mark.ts'
import {oomKilled} from './stats.ts'
import {containerPaths, readRecord, readState, updateState} from './store.ts'
import type {ContainerPaths} from './store.ts'
import {monitorRestarts} from './model.ts'
import type {ContainerRecord} from './model.ts'

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
 * A restart the policy asked for (and counted in RestartCount when it made it due, see seeOut): a
 * new task in the background. containerd's restart monitor may start the container meanwhile; its
 * logger does not count that start, which follows an exit recorded (logs/logger.ts).
 */
export async function restartByPolicy(scope: ContainerScope, container: LoadedContainer, options: {endedPid?: number; dueAt?: number} = {}): Promise<void> {
  const running = (task: Process | undefined): boolean => (task?.status ?? 'STOPPED') !== 'STOPPED'
  // A stop marks the container first, then waits for this lock: either this sees the mark, or the stop sees what this started.
  const pid = await withFileLock(container.paths.policyRestart, async (): Promise<number | undefined> => {
    const task = await getTask(scope, container.record.Id)
    // A task made and never started while this restart is still due (below) is its own, left by a
    // handler that died before the start (a user's start calls the restart off before it makes
    // one): the start deletes it.
    const unstarted = options.dueAt !== undefined && task?.status === 'CREATED'
    if (running(task) && !unstarted) return undefined
    // Another process than the one that ended (`endedPid`) was started meanwhile (a user's start or
    // restart, which also sets the count back): its own exit is its own handler's to see out.
    if (task && options.endedPid !== undefined && task.pid !== options.endedPid) return undefined
    // Called off meanwhile: a stop, or a start by hand (which clears the due time, see backOff).
    const current = await readState(container.paths)
    if (current.ExplicitlyStopped || (options.dueAt !== undefined && current.RestartDueAt !== options.dueAt)) return undefined
    try {
      // Failed, the container stays as its last run ended, with the start's error (recordStartFailure).
      return await startDetached(scope, {...container, restartedByPolicy: true}, defaultStartContext())
    } catch (error) {
      if (!running(await getTask(scope, container.record.Id))) throw error
      // Started by containerd's restart monitor meanwhile: the mark this start left is not that start's.
      await unlink(container.paths.startMark).catch(() => undefined)
      return undefined
    }
  })
  // Not under the lock: a stop need not wait for the plugins. Their failure is a warning (of a
  // notification), as after the user's starts.
  if (pid !== undefined) await announceRecordedStart(container, pid)
}

/**
 * How long the handler waits out a containerd that cannot be reached (restarting, being upgraded):
 * a process that exits meanwhile still gets its policy, as docker's daemon applies it when it comes back.
 */
const CONTAINERD_OUTAGE_MS = 10 * 60_000
const RECONNECT_INTERVAL_MS = 1000

/** How long a handler whose task is gone waits for containerd's report of its exit (a dead shim's clean-up). */
const GONE_TASK_EXIT_WAIT_MS = 2000

/** What a handler saw end. */
interface SeenExit {
  client: ContainerdClient
  /** The process: the task's, or the one watched; undefined when no process was watched and the task was gone. */
  pid?: number
  /** Its exit as containerd reported it; undefined when the task went before any was heard of. */
  exit?: ExitStatus
  /** For a task that went (its shim died): containerd's report of the exit, if heard of within GONE_TASK_EXIT_WAIT_MS. */
  reported?: Promise<ExitStatus | undefined>
  /** The task was made and never started: nothing ended (see seeOut). */
  unstarted?: boolean
}

/**
 * A client, the task's process and its exit as containerd reports it, once containerd answers;
 * undefined when the task runs another process than `watchedPid`: a start since (a user's, or
 * containerd's restart monitor's) replaced it, and the new process's exit is its own handler's.
 * A task that went unseen (its shim died: containerd deletes it, and reports the exit after) has
 * the report to come.
 */
async function waitForExit(address: string, namespace: string, id: string, watchedPid: number | undefined, killAt: number | undefined): Promise<SeenExit | undefined> {
  const deadline = Date.now() + CONTAINERD_OUTAGE_MS
  for (;;) {
    let client: ContainerdClient | undefined
    const listening = new AbortController()
    try {
      client = await connect({address, namespace})
      // Listened for before the task is looked for: a dead shim's task leaves containerd's list first.
      const reported = watchedPid === undefined ? undefined : reportedExit(client, namespace, id, listening.signal)
      const report = (): Promise<ExitStatus | undefined> | undefined => (reported ? heardWithin(reported, listening) : undefined)
      let task: Process
      try {
        task = await client.tasks.get(id)
      } catch (error) {
        if (!isNotFound(error)) throw error
        return {client, ...(watchedPid === undefined ? {} : {pid: watchedPid, reported: report()})}
      }
      if (watchedPid !== undefined && task.pid !== watchedPid) {
        listening.abort()
        client.close()
        return undefined
      }
      // Made and never started (a restart whose handler died between the two, seeOutLeftContainer):
      // no exit to wait for, and none would come.
      if (task.status === 'CREATED') {
        listening.abort()
        return {client, pid: task.pid, unstarted: true}
      }
      const exit = client.tasks.wait(id)
      if (killAt !== undefined) await killWhenDue(client, id, exit, killAt)
      try {
        const ended = await exit
        listening.abort()
        return {client, pid: task.pid, exit: ended}
      } catch (error) {
        // The shim died while waited for: containerd deletes the task, and reports the exit after;
        // or another deleted it.
        if (isConnectionError(error) || (!reported && !isNotFound(error))) throw error
        return {client, pid: task.pid, ...(reported ? {reported: report()} : {})}
      }
    } catch (error) {
      listening.abort()
      client?.close()
      if (!isConnectionError(error) || Date.now() > deadline) throw error
      await delay(RECONNECT_INTERVAL_MS)
    }
  }
}

/** The first /tasks/exit containerd reports of the container's init process, from now on; undefined once `signal` aborts. */
async function reportedExit(client: ContainerdClient, namespace: string, id: string, signal: AbortSignal): Promise<ExitStatus | undefined> {
  const events = client.events.subscribe([`namespace==${namespace},topic=="/tasks/exit",event.container_id==${id}`], {signal})
  try {
    for await (const event of events) {
      const payload = event.payload as {id?: string; exitStatus?: number; exitedAt?: ExitStatus['exitedAt']} | undefined
      if (payload?.exitStatus !== undefined && (payload.id ?? id) === id) return {exitStatus: payload.exitStatus, exitedAt: payload.exitedAt ?? null}
    }
  } catch {
    // Aborted, or containerd went: nothing heard.
  }
  return undefined
}

/** What `reported` tells within GONE_TASK_EXIT_WAIT_MS; then the listening ends. */
async function heardWithin(reported: Promise<ExitStatus | undefined>, listening: AbortController): Promise<ExitStatus | undefined> {
  const timer = setTimeout(() => listening.abort(), GONE_TASK_EXIT_WAIT_MS)
  try {
    return await reported
  } finally {
    clearTimeout(timer)
    listening.abort()
  }
}

/** A stop's kill, due at `killAt`, unless the process exits before. */
async function killWhenDue(client: ContainerdClient, id: string, exit: Promise<ExitStatus>, killAt: number): Promise<void> {
  const settled = new AbortController()
  const exited = await Promise.race([exit.then(() => true, () => true), delayFor(killAt - Date.now(), settled.signal).then(() => false)])
  settled.abort()
  if (!exited) await client.tasks.kill(id, signalNumber('SIGKILL'), {all: true}).catch(() => undefined)
}

/**
 * The exit status containerd reports when it cleans up after a dead shim: the shim's `delete` ends
 * the container's processes with SIGKILL and answers 128+SIGKILL. The report (/tasks/exit) goes
 * out once, a few ms after the task leaves containerd's list, often before a handler the logger
 * started can hear it: a handler that watched the process of a task found gone takes this.
 */
const DEAD_SHIM_EXIT_STATUS = 128 + 9

/**
 * Sees out the container's process `watchedPid` (without it, the task's current process); with
 * `killAt`, a stop cut short: the process is killed then if it has not ended. Once it has, the
 * handler takes the container's exit-handler mark (one handler at a time) and sees the exit out
 * unless another did meanwhile. A task found gone whose exit nerd did not record gets the exit
 * containerd reported, or UNSEEN_EXIT_STATUS; a restart by policy whose handler died is carried out.
 */
export async function handleTaskExit(dataRoot: string, namespace: string, id: string, watchedPid?: number, killAt?: number): Promise<void> {
  const paths = containerPaths(dataRoot, namespace, id)
  const record = await readRecord(paths)
  if (!record?.Address) return
  const watched = await waitForExit(record.Address, namespace, id, watchedPid, killAt)
  if (!watched) return
  const {client} = watched
  try {
    // Before anything else (the mark, the exit's record): containerd's restart monitor would start an
    // `always` container it finds stopped at its next tick, with no back-off. What remains open is
    // the time from the exit to here: the logger's look for the exit (every 100 ms, or 250 ms once
    // the process has run 10 s: logs/logger.ts), this process's start and a connection to
    // containerd, a few hundred ms on a loaded host; a tick that falls in it still starts the
    // container (and the logger counts that restart).
    if (watched.exit && watched.pid !== undefined) {
      await holdOffRestartMonitor({client, dataRoot}, {record, paths, labels: {}}, watched.pid).catch((error: unknown) => {
        if (!isNotFound(error)) throw error
      })
    }
    // A task found gone by a handler that watched no process (one a look at the container started):
    // a handler the logger started, which hears containerd's report of the exit, goes first.
    if (watched.pid === undefined) await delay(GONE_TASK_EXIT_WAIT_MS + RECONNECT_INTERVAL_MS)
    try {
      await waitForMark(paths.exitHandler)
    } catch (error) {
      // Removed meanwhile.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return
      throw error
    }
    try {
      const exit = watched.exit ?? (await watched.reported)
      await seeOut({client, dataRoot}, record, paths, {...watched, ...(exit ? {exit} : {})})
    } finally {
      await releaseMark(paths.exitHandler)
    }
  } finally {
    client.close()
  }
}

async function seeOut(scope: ContainerScope, record: ContainerRecord, paths: ContainerPaths, watched: SeenExit): Promise<void> {
  const id = record.Id
  // A task of another process than the one that ended (a restart by another handler while this one
  // waited for the mark, or a user's start): that exit is seen out already.
  const task = await getTask(scope, id)
  if (task && task.pid !== watched.pid) return
  let state = await readState(paths)
  const restartDueAt = state.ExplicitlyStopped ? undefined : state.RestartDueAt
  // A task seen made and never started: the restart left half done is carried out below while it
  // stays so; started since (the pid stays the same) or gone, it is another's to see out.
  if (watched.unstarted && (task?.status !== 'CREATED' || restartDueAt === undefined)) return
  if (!state.ExitUnrecorded || watched.unstarted) {
    // A restart by policy whose handler died during its back-off or before its start, or an exit seen out already.
    if (restartDueAt === undefined) {
      if (!task) return
    } else {
      if (!(await backOff(paths, restartDueAt))) return
      await restartByPolicy(scope, await loadContainer(scope, id), {dueAt: restartDueAt, ...(task ? {endedPid: task.pid} : {})})
      return
    }
  }
  const exit = watched.exit ?? task ?? {exitStatus: watched.pid === undefined ? UNSEEN_EXIT_STATUS : DEAD_SHIM_EXIT_STATUS, exitedAt: null}
  if (!task) {
    // The task is gone (its shim died, the host rebooted): its exit is recorded and what it held released here.
    if (!(await recordGoneTask(scope, await loadContainer(scope, id), exit))) return
    state = await readState(paths)
  }
  if (policyRestarts(record, state, exit.exitStatus)) {
    const ranMs = (toDate(exit.exitedAt) ?? new Date()).getTime() - Date.parse(state.StartedAt)
    const backOffMs = restartDelayMs(state.RestartDelay, ranMs)
    const dueAt = Date.now() + backOffMs
    const killed = await oomKilled(scope, id)
    // As docker's handleContainerExit (RestartCount++, SetRestarting): restarting, it shows the
    // count it runs again with and how it ended (inspect's OOMKilled), all in one write. The count
    // stays when the restart is called off (a stop; a user's start sets it back). The first restart
    // after a reboot (of a run that began before it) is docker's daemon start: the count starts over.
    // A start since (containerd's restart monitor, whose logger counted it) leaves nothing to do.
    let counted = false
    await updateState(paths, (current) => {
      if (current.StartedAt !== state.StartedAt) return {}
      counted = true
      return {...exitedState(current, exit, killed), RestartDueAt: dueAt, RestartDelay: backOffMs, RestartCount: startedBeforeBoot(current.StartedAt) ? 0 : current.RestartCount + 1}
    })
    if (!counted) return
    // containerd's restart monitor, which starts a task it finds stopped within its 10 s period,
    // would cut the back-off short: it leaves the container alone until the restart labels it again.
    if (monitorRestarts(record)) await removeRestartStatusLabel(scope.client, id)
    if (!(await backOff(paths, dueAt))) return
    await restartByPolicy(scope, await loadContainer(scope, id), {dueAt, ...(task ? {endedPid: task.pid} : {})})
  } else if (record.HostConfig.AutoRemove) {
    await removeAutoRemoved(scope, await loadContainer(scope, id))
  } else if (task) {
    // As docker's daemon, nothing of an exited container runs on: deleting its task ends its shim
    // and logger (which then logs what is left of an unfinished line), and runs the poststop hook
    // that frees its network addresses and ports.
    await deleteTask(scope, await loadContainer(scope, id), exit, task.pid)
  }
}

/** How often a back-off looks at the container when its directory cannot be watched (inotify's limit reached). */
const UNWATCHED_LOOK_MS = 1000

/**
 * Waits until the restart due at `dueAt`; false as soon as the user calls it off: a stop, kill or
 * `rm -f` (which mark the container stopped, or remove its directory) or a start or restart by hand
 * (which clear or replace the due time: docker's ResetRestartManager cancels the restart manager's
 * wait). The handler holds the container's exit-handler mark until then, so it must not sleep out
 * a back-off of up to a minute the user has ended: a Node process lingering per removed container,
 * and the handlers of a restarted container's new processes queued behind it. Every change in the
 * container's directory (state.json is replaced at each write) is a cue to look again.
 */
async function backOff(paths: ContainerPaths, dueAt: number): Promise<boolean> {
  const stillDue = async (): Promise<boolean> => {
    const state = await readState(paths).catch(() => undefined)
    return state !== undefined && !state.ExplicitlyStopped && state.RestartDueAt === dueAt && existsSync(paths.record)
  }
  let changed = false
  let wake = (): void => undefined
  const cue = (): void => {
    changed = true
    wake()
  }
  let watcher: FSWatcher | undefined
  try {
    watcher = watch(paths.dir, {persistent: false}, cue)
    // The directory removed: the watch ends with an error.
    watcher.on('error', cue)
  } catch {
    watcher = undefined
  }
  try {
    for (;;) {
      changed = false
      if (!(await stillDue())) return false
      const left = dueAt - Date.now()
      if (left <= 0) return true
      if (changed) continue
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, watcher ? left : Math.min(left, UNWATCHED_LOOK_MS))
        wake = () => {
          clearTimeout(timer)
          resolve()
        }
      })
      wake = () => undefined
    }
  } finally {
    watcher?.close()
  }
}
