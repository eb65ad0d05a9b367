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
import {connect} from '../containerd/index.ts'
import type {ContainerRecord, ContainerState} from './model.ts'
import {withFileLock} from '../files.ts'
import {unlink} from 'node:fs/promises'
import {AlreadyRunningError, deleteTask, getTask, loadContainer, removeAutoRemoved} from './lifecycle.ts'
import type {ContainerScope, LoadedContainer} from './lifecycle.ts'
import {defaultStartContext, startDetached} from './run.ts'
import {containerPaths, readRecord, readState, updateState} from './store.ts'

/** Whether the policy restarts a process that exited with `exitCode` (docker's rules). */
export function policyRestarts(record: ContainerRecord, state: ContainerState, exitCode: number): boolean {
  if (state.ExplicitlyStopped) return false
  const policy = record.HostConfig.RestartPolicy
  switch (policy.Name) {
    case 'always':
    case 'unless-stopped':
      return true
    case 'on-failure':
      return exitCode !== 0 && (policy.MaximumRetryCount <= 0 || state.RestartCount < policy.MaximumRetryCount)
    default:
      return false
  }
}

/** docker's back-off between restarts: 100 ms doubling per restart, at most a minute. */
export function restartDelayMs(restartCount: number): number {
  return Math.min(100 * 2 ** Math.min(restartCount, 10), 60_000)
}

/**
 * A restart the policy asked for: a new task in the background, counted in RestartCount before it
 * starts (inspect shows the count with the new process). containerd's restart monitor may start the
 * container meanwhile; its logger counts that start unless it takes the start mark this start left
 * (logs/logger.ts), so exactly one of the two counts it.
 */
export async function restartByPolicy(scope: ContainerScope, container: LoadedContainer): Promise<void> {
  const running = async () => ((await getTask(scope, container.record.Id))?.status ?? 'STOPPED') !== 'STOPPED'
  // A stop marks the container first, then waits for this lock: either this sees the mark, or the stop sees what this started.
  await withFileLock(container.paths.policyRestart, async () => {
    if (await running()) return
    const state = await updateState(container.paths, (current) => (current.ExplicitlyStopped ? {} : {RestartCount: current.RestartCount + 1}))
    if (state.ExplicitlyStopped) return
    try {
      await startDetached(scope, container, defaultStartContext())
    } catch (error) {
      if (!(await running())) throw error
      // Found running before any mark was left, or the mark is still here: the monitor's logger counted.
      const beforeMark = (error as Error).cause instanceof AlreadyRunningError
      const markLeft = await unlink(container.paths.startMark).then(() => true, () => false)
      if (beforeMark || markLeft) await updateState(container.paths, (current) => ({RestartCount: current.RestartCount - 1}))
    }
  })
}

export async function handleTaskExit(dataRoot: string, namespace: string, id: string): Promise<void> {
  const paths = containerPaths(dataRoot, namespace, id)
  const record = await readRecord(paths)
  if (!record?.Address) return
  const client = await connect({address: record.Address, namespace})
  try {
    const scope = {client, dataRoot}
    const exit = await client.tasks.wait(id)
    const state = await readState(paths)
    if (policyRestarts(record, state, exit.exitStatus)) {
      const delay = restartDelayMs(state.RestartCount)
      await updateState(paths, () => ({RestartDueAt: Date.now() + delay}))
      await new Promise((resolve) => setTimeout(resolve, delay))
      // The user may have stopped or removed it meanwhile.
      if ((await readState(paths)).ExplicitlyStopped || !(await readRecord(paths))) return
      await restartByPolicy(scope, await loadContainer(scope, id))
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
