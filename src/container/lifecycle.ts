/**
 * The container lifecycle on containerd: start (a new task each time), stop, kill, pause, remove,
 * and the views `ps`/`inspect` are made of. nerd's state.json records what containerd forgets once a
 * task is deleted (exit code, times, restarts); containerd's task is the truth while it exists.
 */
import {existsSync} from 'node:fs'
import {rm, writeFile} from 'node:fs/promises'
import {setTimeout as delay} from 'node:timers/promises'
import type {Container, ContainerdClient, ExitStatus, Mount, Process, Timestamp} from '../containerd/index.ts'
import {isAlreadyExists, isConnectionError, isNotFound, isShimClosed, toDate, unlessNotFound, unpackJson} from '../containerd/index.ts'
import {delayFor, preciseNow} from '../clock.ts'
import {withStopSignalsHeld} from '../early-exit.ts'
import {InvalidFileError, NerdError} from '../errors.ts'
import {isLocked, isWriteRefused, readCheckedJson, warnLeftOut, withFileLock, writeJsonAtomic} from '../files.ts'
import {arrayOf, objectOf, oneOf, optional, recordOf} from '../json-shape.ts'
import {endpointPorts} from '../network/ports.ts'
import type {PortMap} from '../network/ports.ts'
import type {ImageUser} from '../image/remove.ts'
import {publishEvent, publishEvents, removingEvent} from '../system/nerd-events.ts'
import type {NerdEvent} from '../system/nerd-events.ts'
import {volumeEvent} from '../volume/model.ts'
import {runtimeStartFailure, START_FAILED_EXIT_CODE} from './attach.ts'
import {claimOrphaned, claimOrphanedMark, markHeld, markThisProcess, releaseMark} from './process-mark.ts'
import {initProcessRuns, processStartedAt, recordedInitProcess} from './host-process.ts'
import {startExitHandler} from './exit-handler.ts'
import {takeOverOrphanedSession} from './detached-output.ts'
import {seeOutOrphanedExecs} from './exec-orphans.ts'
import {refreshJoinedNamespaces} from './joined-namespaces.ts'
import {mountShm, unmountShm} from './shm.ts'
import {unstageVolumeSubpaths} from './volume-subpaths.ts'
import {makeBindSources} from './bind-sources.ts'
import {removeImageMounts} from './image-mounts.ts'
import {refreshUser} from './start-user.ts'
import {spawnHealthMonitor, startHealthMonitor, unmonitoredHealth} from './health.ts'
import {oomKilled} from './stats.ts'
import type {ContainerRecord, ContainerState, ContainerStatus, ContainerView, DockerHostConfig, HealthState} from './model.ts'
import {CREATE_LABELS, hasShareableShm, monitorRestarts, NAME_LABEL, ownedElsewhere, STOP_SIGNAL_LABEL} from './model.ts'
import {parseLogOptions} from './logs/index.ts'
import {taskCreated, taskDeleted, withHookStoodDown} from './oci-hook.ts'
import {prepareLinks} from './linked-containers.ts'
import {commandSignal, INIT_PATH, isPlatformSignal, signalNumber} from './spec/index.ts'
import type {Spec} from './spec/index.ts'
import {taskEndEvents, taskStartEvents} from './task-events.ts'
import {
  attachTarget,
  containerPaths,
  INITIAL_STATE,
  listContainerIds,
  matchContainerReference,
  nameFileOwner,
  NoSuchContainerError,
  readRecord,
  readState,
  removeAbandonedCreate,
  releaseName,
  releaseStaleName,
  removeContainerFiles,
  reserveName,
  resolveContainerId,
  startedState,
  updateState,
  writeRecord,
} from './store.ts'
import type {ContainerPaths} from './store.ts'

/** containerd 1.6's restart monitor labels (containerd-client.md §10). */
export const RESTART_STATUS_LABEL = 'containerd.io/restart.status'
export const RESTART_LOGURI_LABEL = 'containerd.io/restart.loguri'

export interface ContainerScope {
  client: ContainerdClient
  dataRoot: string
}

export interface LoadedContainer {
  record: ContainerRecord
  paths: ContainerPaths
  labels: Record<string, string>
  /** Set for a container this process has just created: it has no task yet, and its rootfs mounts are known. */
  justCreated?: {rootfs: Mount[]}
  /** Set for a dead container (DeadContainerError): containerd has none, and `labels` is empty. */
  dead?: true
  /** Set for a start of the restart policy's: one that fails keeps the last run's exit code (recordStartFailure). */
  restartedByPolicy?: true
}

/** The task's stdio: FIFO paths (attached), or a log URI for both output streams (detached). */
export type TaskIo =
  | {kind: 'fifo'; stdin: string; stdout: string; stderr: string; terminal: boolean}
  /** Output to the logger; `stdin`, for a `-i` container, a FIFO `attach` writes to. */
  | {kind: 'log'; uri: string; stdin?: string}

export interface StartedTask {
  pid: number
  /** Resolves when the process exits; only when the start was given a waitSignal (attached starts). */
  exit?: Promise<ExitStatus>
}

function namespaceOf(scope: ContainerScope): string {
  return scope.client.namespace
}

/** Finds a container by `NAME|ID|ID-prefix`; No such container when nerd or containerd lacks it. */
export async function loadContainer(scope: ContainerScope, reference: string): Promise<LoadedContainer> {
  const id = await resolveContainerId(scope.dataRoot, namespaceOf(scope), reference)
  const paths = containerPaths(scope.dataRoot, namespaceOf(scope), id)
  const record = await readRecord(paths)
  if (!record) throw new NoSuchContainerError(reference)
  let labels: Record<string, string>
  try {
    labels = (await scope.client.containers.get(id)).labels
  } catch (error) {
    if (!isNotFound(error)) throw error
    // Coming (a create) or going (a removal) while its lock is held, as ps leaves it out then.
    if ((await isLocked(paths.lifecycle)) || !(await readRecord(paths).catch(() => undefined))) throw new NoSuchContainerError(reference)
    throw new DeadContainerError(reference, {record, paths, labels: {}, dead: true})
  }
  return {record, paths, labels}
}

/** loadContainer, but a dead container (DeadContainerError) is loaded too: for the commands that show it or refuse it in docker's words. */
export async function loadContainerOrDead(scope: ContainerScope, reference: string): Promise<LoadedContainer> {
  return loadContainer(scope, reference).catch((error: unknown) => (error instanceof DeadContainerError ? error.container : Promise.reject(error)))
}

/**
 * A container nerd has a record of and containerd has not: what a removal (or a create) cut short
 * left, docker's `Dead`. No such container to whatever needs containerd's container; the commands
 * that show it (ps, inspect, logs) or refuse it as docker refuses a dead one take `container`, and
 * rm and prune remove it (removeContainerRemains).
 */
export class DeadContainerError extends NoSuchContainerError {
  readonly container: LoadedContainer

  constructor(reference: string, container: LoadedContainer) {
    super(reference)
    this.container = container
  }
}

/** docker's refusal to start (or restart) a dead container (DeadContainerError), which only rm takes further. */
export const DEAD_START_REFUSAL = 'container is marked for removal and cannot be started'

export function refuseDeadStart(container: LoadedContainer): void {
  if (container.dead) throw new NerdError(DEAD_START_REFUSAL)
}

/** docker's refusal of what needs a dead container's file system: `You cannot <what> container <id> which is Dead`. */
export function refuseDead(container: LoadedContainer, what: string): void {
  if (container.dead) throw new NerdError(`You cannot ${what} container ${container.record.Id} which is Dead`)
}

/**
 * Runs `change` holding the container's lifecycle lock, with its record as it is then. Commands
 * that create, start, delete or remove its task take turns, as under docker's per-container lock: of
 * two starts one finds the other's task running, and one that waited for a removal finds no such
 * container rather than half of one. Waits (a stop's timeout, an exit) happen outside it. Taken
 * after the policy-restart lock (markStopped), never before: a restart by policy holds that one
 * while it starts.
 */
export async function withContainerLock<T>(container: LoadedContainer, change: (current: LoadedContainer) => Promise<T>): Promise<T> {
  return withFileLock(container.paths.lifecycle, async () => {
    const record = await readRecord(container.paths)
    if (!record) throw new NoSuchContainerError(container.record.Name)
    return change({...container, record})
  })
}

/** A start asked of a container whose task runs already. */
export class AlreadyRunningError extends NerdError {
  constructor(name: string) {
    super(`container ${name} is already running`)
  }
}

export async function getTask(scope: ContainerScope, id: string): Promise<Process | undefined> {
  try {
    return knownTask(await scope.client.tasks.get(id), containerPaths(scope.dataRoot, namespaceOf(scope), id).initPid)
  } catch (error) {
    if (isNotFound(error)) return undefined
    throw error
  }
}

/**
 * containerd's task, UNKNOWN taken for what the container's process says: containerd gives that
 * status when the shim does not answer in time (one blocked on a process's I/O), while the process
 * may well run. As docker shows a container running while its process lives, it is RUNNING, with
 * that pid, while the init process its hook recorded (`initPidFile`) lives: neither shown as exited
 * nor stopped, killed or exec'd into as one.
 */
export function knownTask(task: Process, initPidFile: string): Process {
  if (task.status !== 'UNKNOWN') return task
  const init = recordedInitProcess(initPidFile)
  if (!init || !initProcessRuns(init)) return task
  return {...task, status: 'RUNNING', pid: init.pid}
}

function timestampToIso(timestamp: Timestamp | null | undefined): string {
  if (!timestamp) return ''
  const millis = Number(timestamp.seconds) * 1000
  const iso = new Date(millis).toISOString()
  return `${iso.slice(0, 19)}.${String(timestamp.nanos).padStart(9, '0')}Z`
}

/**
 * How long after its due time a pending restart still counts: the exit handler clears the mark once
 * it has restarted the container, so only a handler that died leaves one behind.
 */
const RESTART_PENDING_GRACE_MS = 30_000

function restartPending(state: ContainerState): boolean {
  return state.RestartDueAt !== undefined && !state.ExplicitlyStopped && Date.now() < state.RestartDueAt + RESTART_PENDING_GRACE_MS
}

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

/** Whether the container has a policy that may restart it (`always`, `unless-stopped`, `on-failure`). */
function hasRestartPolicy(record: ContainerRecord): boolean {
  return !['', 'no'].includes(record.HostConfig.RestartPolicy.Name)
}

/**
 * The exit status recorded for a process whose end nobody saw (its task gone with the host, or
 * anything else nerd cannot tell): docker's daemon records 255 for a container it finds without its
 * process.
 */
export const UNSEEN_EXIT_STATUS = 255

/** Combines nerd's record and state with containerd's task (if any) into what users see. */
export function viewOf(record: ContainerRecord, state: ContainerState, labels: Record<string, string>, task: Process | undefined): ContainerView {
  let status: ContainerStatus
  let pid = 0
  let exitCode = state.ExitCode
  const viewState = {...state}
  switch (task?.status) {
    case 'RUNNING':
    case 'PAUSED':
    case 'PAUSING':
      status = task.status === 'RUNNING' ? 'running' : 'paused'
      pid = task.pid
      // A running process has no exit code yet, as docker's SetRunning says, also before the start
      // that a policy made has written its state (which still holds the last exit's code).
      exitCode = 0
      viewState.ExitCode = 0
      break
    case 'STOPPED':
      exitCode = task.exitStatus
      viewState.ExitCode = task.exitStatus
      viewState.FinishedAt = timestampToIso(task.exitedAt) || state.FinishedAt
      // A process its policy restarts is `restarting` from its exit on, as docker's (whose daemon decides
      // at once): nerd's exit handler may not have marked the restart due yet.
      status = policyRestarts(record, state, task.exitStatus) || (!state.ExplicitlyStopped && restartPending(state)) ? 'restarting' : 'exited'
      // With the count it is to run again with, which the handler adds as it records the exit (docker's RestartCount++ with SetRestarting).
      if (status === 'restarting' && state.ExitUnrecorded) viewState.RestartCount = state.RestartCount + 1
      break
    default: {
      // Its last run ended unseen: its task went (a reboot, a dead shim), or containerd's restart
      // monitor made a new one in its place (after a containerd restart) before the exit was
      // recorded. Shown at once as its exit handler is to record it (UNSEEN_EXIT_STATUS, task-exit.ts),
      // as docker's daemon records a container it finds without its process before anything lists
      // it; not as the exit before, nor the 0 of the start, which the state still holds.
      const unseen = state.StartedAt !== '' && state.ExitUnrecorded === true
      if (unseen) {
        exitCode = UNSEEN_EXIT_STATUS
        viewState.ExitCode = exitCode
        viewState.FinishedAt = preciseNow()
      }
      if (!task && unseen) {
        status = policyRestarts(record, state, exitCode) ? 'restarting' : 'exited'
        break
      }
      // No task, or one made but not started yet: `created` only before the first start, as docker's.
      // A task made for a later start, with a policy, is taken for its restart: read before the state
      // of a start that has just cleared the restart's mark, it would show `exited` in between.
      status = state.StartedAt === '' ? 'created' : restartPending(state) || (task?.status === 'CREATED' && !state.ExplicitlyStopped && hasRestartPolicy(record)) ? 'restarting' : 'exited'
    }
  }
  return {record, state: viewState, labels, status, pid, exitCode}
}

export async function containerView(scope: ContainerScope, container: LoadedContainer): Promise<ContainerView> {
  if (container.dead) return deadView(container)
  const [state, found, files] = await Promise.all([readState(container.paths), getTask(scope, container.record.Id), viewFilesOf(container.paths, container.record)])
  const task = await seeOutDeadCommit(scope, container, found)
  await seeOutLeftContainer(scope, container, state, task)
  const view = withViewFiles(viewOf(container.record, withProcessStart(state, task), container.labels, task), files)
  await resumeKilledHealthMonitor(scope, container.paths, view)
  return view
}

/**
 * Restarts the health monitor of a running (or paused) container when its mark names a process
 * gone: a monitor killed (SIGKILL, a session's end) would have left its health as it was for good.
 * One file read per container with a check; the mark goes to one caller only.
 */
async function resumeKilledHealthMonitor(scope: ContainerScope, paths: ContainerPaths, view: ContainerView): Promise<void> {
  if (!view.health || (view.status !== 'running' && view.status !== 'paused')) return
  if (await claimOrphanedMark(paths.healthMonitor)) spawnHealthMonitor(scope.dataRoot, namespaceOf(scope), view.record.Id, 'resume')
}

/**
 * The state, with the start time of the task's process when it runs and the state has none of this
 * run: state.json lost, or the start's record not written yet (the last run's exit is recorded, and
 * its StartedAt would show a process just started as up for long; docker's SetRunning writes the
 * running state and StartedAt at once). /proc tells it to the second (the boot time's): never before the last run ended.
 */
export function withProcessStart(state: ContainerState, task: Process | undefined): ContainerState {
  if ((state.StartedAt !== '' && state.ExitUnrecorded) || !task?.pid || task.status === 'STOPPED' || task.status === 'CREATED') return state
  const started = processStartedAt(task.pid)
  if (started === undefined) return state
  return {...state, StartedAt: Date.parse(started) < Date.parse(state.FinishedAt) ? state.FinishedAt : started}
}

/** What the container's other files say, beside its record and state. */
interface ViewFiles {
  /** docker's NetworkSettings.Ports, from the network state. */
  ports?: PortMap
  /** The networks the container joins, `network connect`s included, from its plan. */
  networks?: string[]
  /** Its health check's state, for a container that has one. */
  health?: HealthState
}

const NETWORK_STATE_SHAPE = objectOf({ports: optional(recordOf(arrayOf(objectOf({HostIp: 'string', HostPort: 'string'})))), portsNetwork: optional('string')})
const NETWORK_PLAN_SHAPE = objectOf({networks: arrayOf(objectOf({network: 'string'}))})
const HEALTH_SHAPE = objectOf({Status: oneOf('starting', 'healthy', 'unhealthy'), FailingStreak: 'number', Log: arrayOf(objectOf({ExitCode: 'number', Output: 'string'}))})

/** What the container's network plan and state and its health say; nothing of what it does not have. */
async function viewFilesOf(paths: ContainerPaths, record: ContainerRecord): Promise<ViewFiles> {
  const [state, plan, health] = await Promise.all([
    readCheckedJson<{ports?: PortMap; portsNetwork?: string}>(paths.networkState, 'container network state', NETWORK_STATE_SHAPE),
    readCheckedJson<{networks: {network: string}[]}>(paths.networkPlan, 'container network plan', NETWORK_PLAN_SHAPE),
    record.Config.Healthcheck ? readCheckedJson<HealthState>(paths.health, 'container health state', HEALTH_SHAPE) : undefined,
  ])
  return {
    ...(state ? {ports: endpointPorts(state, Object.keys(record.Config.ExposedPorts ?? {}))} : {}),
    ...(plan ? {networks: plan.networks.map((planned) => planned.network)} : {}),
    ...(health ? {health} : {}),
  }
}

function withViewFiles(view: ContainerView, files: ViewFiles): ContainerView {
  if (files.ports && Object.keys(files.ports).length > 0) view.ports = files.ports
  if (files.networks) view.networks = files.networks
  // As docker's, a container not running (paused, too) has no monitor, and is unhealthy for that.
  if (files.health) view.health = view.status === 'running' ? files.health : unmonitoredHealth(files.health)
  return view
}

/**
 * Every nerd container of the namespace: one List of containers, one of tasks, and the state files.
 * One whose files nerd cannot use is left out with a warning naming the file, as docker's daemon
 * leaves out a container whose config it cannot load: the others are still listed (and pruned).
 */
export async function listContainerViews(scope: ContainerScope): Promise<ContainerView[]> {
  const [containers, tasks, stored] = await Promise.all([
    scope.client.containers.list([`labels."${NAME_LABEL}"`]),
    scope.client.tasks.list(),
    listContainerIds(scope.dataRoot, namespaceOf(scope)),
  ])
  const taskById = new Map(tasks.map((task) => [task.containerId || task.id, knownTask(task, containerPaths(scope.dataRoot, namespaceOf(scope), task.containerId || task.id).initPid)]))
  const known = new Set(containers.map((container) => container.id))
  const [views, unregistered] = await Promise.all([
    Promise.all(containers.map((container) => registeredView(scope, container, taskById.get(container.id)))),
    Promise.all(stored.filter((id) => !known.has(id)).map((id) => unregisteredView(scope, id))),
  ])
  return [...views, ...unregistered].filter((view) => view !== undefined)
}

/** A container of containerd's list, from nerd's files; undefined when it is left out or gone. */
async function registeredView(scope: ContainerScope, container: Container, task: Process | undefined): Promise<ContainerView | undefined> {
  const paths = containerPaths(scope.dataRoot, namespaceOf(scope), container.id)
  try {
    const [record, state] = await Promise.all([readRecord(paths), readState(paths)])
    if (!record) return ownedElsewhere(container.labels, scope.dataRoot) ? undefined : await remainsView(scope, container.id, task)
    const loaded = {record, paths, labels: container.labels}
    if (await seeOutOrphan(scope, loaded, task)) return undefined
    const current = await seeOutDeadCommit(scope, loaded, task)
    await seeOutLeftContainer(scope, loaded, state, current)
    const view = withViewFiles(viewOf(record, withProcessStart(state, current), container.labels, current), await viewFilesOf(paths, record))
    await resumeKilledHealthMonitor(scope, paths, view)
    return view
  } catch (error) {
    if (!(error instanceof InvalidFileError)) throw error
    warnLeftOut(`container ${container.id.slice(0, 12)} (nerd rm -f removes it)`, error)
    return undefined
  }
}

/**
 * A container nerd has a record of but containerd has not: a create, rm or prune killed between
 * nerd's files and containerd's container (or after its deletion). Listed dead from the record, as
 * inspect shows it (DeadContainerError), as remains that `rm` and prune remove: it holds its name,
 * and `ps -a` must show what a name conflict names. Undefined while a create or removal holds its
 * lock, for an unreadable record or state (nothing to list it by), and once containerd has it after all.
 */
async function unregisteredView(scope: ContainerScope, id: string): Promise<ContainerView | undefined> {
  const paths = containerPaths(scope.dataRoot, namespaceOf(scope), id)
  if (await isLocked(paths.lifecycle)) return undefined
  const record = await readRecord(paths).catch(() => undefined)
  if (await scope.client.containers.get(id).catch(unlessNotFound)) return undefined
  if (!record) {
    // A create killed before its record: what it left is swept now, not at the next prune, unless someone holds it.
    await removeAbandonedCreate(scope.dataRoot, namespaceOf(scope), id, {wait: false})
    return undefined
  }
  const view = await deadView({record, paths, labels: {}, dead: true}).catch(() => undefined)
  return view && {...view, remains: true}
}

/**
 * A dead container's view (DeadContainerError): `dead`, with its record and state as recorded (the
 * exit of its last run), and nothing asked of containerd, which has none of it.
 */
async function deadView(container: LoadedContainer): Promise<ContainerView> {
  const {record, paths} = container
  const [state, files] = await Promise.all([readState(paths), viewFilesOf(paths, record)])
  return withViewFiles({record, state, labels: container.labels, status: 'dead', pid: 0, exitCode: state.ExitCode}, files)
}

/**
 * A container containerd has (with nerd's name label) but nerd has no record of: its state directory
 * or config.json went (a crash, a hand), or a create was killed half-way; not one another data root
 * labelled as its own (ownedElsewhere), which its registeredView leaves out. Listed with what
 * containerd's record and task tell, as nerdctl lists every container of its namespace: `ps -a`
 * then shows what `info` and `namespace ls` count, and its ID for `rm -f`, which removes it.
 * Undefined while a create or removal holds its lock, or once it is gone.
 */
async function remainsView(scope: ContainerScope, id: string, task: Process | undefined): Promise<ContainerView | undefined> {
  if (await isLocked(containerPaths(scope.dataRoot, namespaceOf(scope), id).lifecycle)) return undefined
  // Listed before an rm that has since finished (it deletes containerd's container before nerd's files)?
  const container = await scope.client.containers.get(id).catch(unlessNotFound)
  if (!container) return undefined
  const record = remainsRecord(namespaceOf(scope), container)
  // A task that has run started after the container's creation: no earlier time is known.
  const state = task && task.status !== 'CREATED' ? {...INITIAL_STATE, StartedAt: record.Created} : INITIAL_STATE
  return {...viewOf(record, withProcessStart(state, task), container.labels, task), networks: [], remains: true}
}

/** The record `ps` shows of a container nerd has none of (remainsView), from containerd's; never written. */
function remainsRecord(namespace: string, container: Container): ContainerRecord {
  const args = unpackJson<Spec>(container.spec)?.process?.args ?? []
  const command = args[0] === INIT_PATH && args[1] === '--' ? args.slice(2) : args
  const own = new Set([...CREATE_LABELS, RESTART_STATUS_LABEL, RESTART_LOGURI_LABEL])
  const stopSignal = container.labels[STOP_SIGNAL_LABEL] ?? 'SIGTERM'
  return {
    Id: container.id,
    Name: container.labels[NAME_LABEL] ?? '',
    Namespace: namespace,
    Created: timestampToIso(container.createdAt) || new Date(0).toISOString(),
    Path: command[0] ?? '',
    Args: command.slice(1),
    ImageRef: container.image,
    // The image ID is not in containerd's record.
    Image: '',
    Platform: '',
    Snapshotter: container.snapshotter,
    Config: {
      Hostname: '',
      Domainname: '',
      User: '',
      AttachStdin: false,
      AttachStdout: false,
      AttachStderr: false,
      Tty: false,
      OpenStdin: false,
      StdinOnce: false,
      Env: [],
      Cmd: null,
      Image: container.image,
      Volumes: null,
      WorkingDir: '',
      Entrypoint: null,
      Labels: Object.fromEntries(Object.entries(container.labels).filter(([key]) => !own.has(key))),
    },
    // Only what listings read: such a container is never loaded (only rm and prune act on it, as remains).
    HostConfig: {NetworkMode: 'none', PortBindings: {}, RestartPolicy: {Name: 'no', MaximumRetryCount: 0}, AutoRemove: false, LogConfig: {Type: 'none', Config: {}}} as Partial<DockerHostConfig> as DockerHostConfig,
    Mounts: [],
    StopSignal: stopSignal,
    StopTimeout: 10,
    LogPath: '',
    AnonymousVolumes: [],
  }
}

/**
 * Sees out a container whose foreground session's nerd died (process-mark.ts) as the session
 * would have: one that runs on goes to a drain that takes its output over, as a session letting go
 * hands it, and sees its exit out; one whose output cannot be taken over (or that exited without
 * `--rm`) goes to the exit handler, which waits for its exit; an exited `--rm` one is removed here,
 * then true. False for every other container. The session's mark goes to one caller only.
 */
export async function seeOutOrphan(scope: ContainerScope, container: LoadedContainer, task: Process | undefined): Promise<boolean> {
  const autoRemove = container.record.HostConfig.AutoRemove
  // Only these can have a session to see out: the others' tasks were deleted, by a session or the exit handler.
  if (!task && !autoRemove) return false
  const owner = (await claimOrphaned(container.paths.attachedSession))?.owner
  if (owner === undefined) return false
  const live = task?.status === 'RUNNING' || task?.status === 'PAUSED' || task?.status === 'PAUSING'
  if (task && (live || (task.status === 'STOPPED' && !autoRemove))) {
    if (live && (await takeOverOrphanedSession(container.paths, owner, task.pid))) return false
    startExitHandler(scope.dataRoot, namespaceOf(scope), container.record.Id, task.pid)
    return false
  }
  if (!autoRemove) return false
  await removeAutoRemoved(scope, container)
  return true
}

/** How long after a task's exit its logger has to start the exit handler, before a look at the container takes it for one nobody handles. */
const EXIT_HANDOVER_MS = 1000

/**
 * What a look at a container (ps, inspect, the commands' checks) finishes of what a process that
 * died left undone, docker's daemon being the one process that never leaves it:
 * - a stop whose nerd died (its mark left, the process running): finished as docker's daemon
 *   finishes one, SIGKILL when its time is up, none for one that waits forever; an rm -f's at once
 *   (seeOutDeadStop);
 * - an exec whose nerd died while the container runs: deleted if it ended, else its output taken
 *   over so that it does not block (exec-orphans.ts); containerd is asked only about such execs;
 * - an exit nobody sees out: a start's run that ended or whose task went (its shim, logger or exit
 *   handler died, the host rebooted) with no exit recorded (ContainerState.ExitUnrecorded), or a
 *   restart by policy whose handler died during the back-off, or during the restart itself
 *   (its task made, not started). It goes to an exit handler, which records it (255 for a task
 *   gone unseen, as docker's daemon records for a container it finds without its process),
 *   releases the networks, and applies the restart policy or `--rm`.
 * Not while a live handler, stop or foreground session sees the container out (their marks), nor
 * in the moment after an exit when the logger starts the handler. Only files are read, and only of
 * a container whose task is stopped, made and not started, or gone: ps makes no call per container.
 * The view shows the exit once the handler has recorded it (a handler the logger started may know it better).
 */
async function seeOutLeftContainer(scope: ContainerScope, container: LoadedContainer, state: ContainerState, task: Process | undefined): Promise<void> {
  const {paths} = container
  if (processLives(task)) {
    await seeOutOrphanedExecs(scope, container.record.Id, paths)
    return seeOutDeadStop(scope, container, task!)
  }
  const restartLeft = state.RestartDueAt !== undefined && !state.ExplicitlyStopped
  if (task?.status === 'CREATED') {
    // A start under way (every start makes and starts its task under the lifecycle lock), or one
    // whose nerd died between the two: a user's is left to the next start (deleteUnstartedTask);
    // a restart by policy is finished, as docker's daemon never leaves one half done.
    if (!restartLeft || (await isLocked(paths.lifecycle))) return
  } else if (!state.ExitUnrecorded && !restartLeft) return
  const exitedAt = toDate(task?.exitedAt)?.getTime()
  if (exitedAt !== undefined && Date.now() - exitedAt < EXIT_HANDOVER_MS) return
  if (markHeld(paths.exitHandler) || markHeld(paths.stopping) || markHeld(paths.attachedSession)) return
  // A stop's mark left by a nerd that died after the exit: the handler sees the exit out.
  await claimOrphanedMark(paths.stopping)
  startExitHandler(scope.dataRoot, namespaceOf(scope), container.record.Id, undefined)
}

/**
 * Finishes a stop whose nerd died before the process ended (its mark names a process gone): the
 * user asked for the stop, and docker's daemon, whose stop no client's end cuts short, kills the
 * process when its time is up. Handed over as a stop cut short hands itself over, with the
 * deadline its mark notes; an rm -f's mark notes none: that removal kills at once.
 */
async function seeOutDeadStop(scope: ContainerScope, container: LoadedContainer, task: Process): Promise<void> {
  const mark = await claimOrphaned(container.paths.stopping)
  if (!mark) return
  handStopOver(scope, container.record.Id, task.pid, mark.note === undefined ? Date.now() : noteDeadline(mark.note))
}

/** What a stop's mark notes of its deadline (ms since the epoch): when the process is to be killed, if ever (-t -1). */
const NO_DEADLINE = 'never'

function deadlineNote(killAt: number | undefined): string {
  return killAt === undefined ? NO_DEADLINE : String(killAt)
}

function noteDeadline(note: string): number | undefined {
  return note === NO_DEADLINE ? undefined : Number(note)
}

/** A stop's deadline, `seconds` from now; none when negative (waits forever). */
function stopDeadline(seconds: number): number | undefined {
  return seconds >= 0 ? Date.now() + seconds * 1000 : undefined
}

/**
 * Hands a stop whose nerd cannot see it out to the exit handler, which kills the process at
 * `killAt` and sees it out; a stop that waits forever is left to the process's exit, which its
 * logger hands to the exit handler.
 */
function handStopOver(scope: ContainerScope, id: string, pid: number, killAt: number | undefined): void {
  if (killAt !== undefined) startExitHandler(scope.dataRoot, namespaceOf(scope), id, pid, killAt)
}

/**
 * Resumes a container a commit paused (commit.ts) whose nerd died before it resumed it (SIGKILL):
 * docker's daemon unpauses when its commit ends, however its client does. The task as it is then.
 */
async function seeOutDeadCommit(scope: ContainerScope, container: LoadedContainer, task: Process | undefined): Promise<Process | undefined> {
  if (task?.status !== 'PAUSED' || !(await claimOrphanedMark(container.paths.commitPause))) return task
  const resumed = await resumeTask(scope, container).then(() => true, () => false)
  return resumed ? {...task, status: 'RUNNING'} : task
}

/**
 * `--rm`'s removal, once the process has ended, of a container that has it, with its task if that
 * is still there; nothing when a removal meanwhile (rm -f) did it already, or when a user's restart
 * is under way or has started it again (docker never removes a container on a restart asked for by
 * hand). True when the container is gone.
 */
export async function removeAutoRemoved(scope: ContainerScope, container: LoadedContainer): Promise<boolean> {
  if (!container.record.HostConfig.AutoRemove || markHeld(container.paths.restarting)) return false
  // The record as it is now: a rename meanwhile changed the name to release.
  const record = await readRecord(container.paths)
  if (!record) return true
  return removeContainer(scope, {...container, record}, {force: true, volumes: true, unlessRunning: true}).catch((error: unknown) =>
    error instanceof NoSuchContainerError ? true : Promise.reject(error),
  )
}

/** seeOutOrphan for the container `id` (the owner of a name wanted), if it exists; true when removed. */
export async function seeOutOrphanedContainer(scope: ContainerScope, id: string): Promise<boolean> {
  let container: LoadedContainer
  try {
    container = await loadContainer(scope, id)
  } catch (error) {
    if (error instanceof NoSuchContainerError) return false
    throw error
  }
  return seeOutOrphan(scope, container, await getTask(scope, id))
}

/**
 * Every container of the namespace as image removal sees it, those other clients made (ctr) too:
 * the image ID and reference nerd recorded at create, the image record containerd's container
 * names, and whether it runs (a paused one does, as docker counts it).
 */
export async function imageUsers(scope: ContainerScope): Promise<ImageUser[]> {
  const [containers, tasks] = await Promise.all([scope.client.containers.list(), scope.client.tasks.list()])
  const statusById = new Map(tasks.map((task) => [task.containerId || task.id, task.status]))
  return Promise.all(
    containers.map(async (container) => {
      // Without a record it can read, nerd knows the container's image by containerd's name for it only.
      const record = await readRecord(containerPaths(scope.dataRoot, namespaceOf(scope), container.id)).catch(unlessUnreadable)
      const status = statusById.get(container.id)
      const running = status === 'RUNNING' || status === 'PAUSED' || status === 'PAUSING'
      const mounted = record?.Mounts.flatMap((point) => (point.ImageId ? [point.ImageId] : [])) ?? []
      return {
        id: container.id,
        imageName: container.image,
        running,
        ...(record ? {imageId: record.Image, reference: record.Config.Image} : {}),
        ...(mounted.length > 0 ? {mountedImageIds: mounted} : {}),
      }
    }),
  )
}

/** Whether the container mounts volumes or images: only then need its start and end look at them. */
function hasVolumes(record: ContainerRecord): boolean {
  return record.Mounts.some((point) => point.Type === 'volume' || point.Type === 'image')
}

/** Runs `create` (the task's creation) with the filesystems of the container's volumes mounted, and its images. */
async function withVolumesMounted<T>(scope: ContainerScope, container: LoadedContainer, create: () => Promise<T>): Promise<T> {
  if (!hasVolumes(container.record)) return create()
  const {releaseContainerVolumes, withContainerVolumesMounted} = await import('./volumes.ts')
  const volumeScope = {dataRoot: scope.dataRoot, namespace: namespaceOf(scope)}
  try {
    return await withContainerVolumesMounted(volumeScope, scope.client, container, create)
  } catch (error) {
    await releaseContainerVolumes(volumeScope, scope.client, container.record).catch(() => undefined)
    throw error
  }
}

/**
 * The container a task belongs to, as the task's deletion needs it: with its record, unless nerd
 * has none it can read (a removal of what is left of a container).
 */
interface TaskOwner {
  id: string
  paths: ContainerPaths
  record?: ContainerRecord
}

function taskOwner(container: LoadedContainer): TaskOwner {
  return {id: container.record.Id, paths: container.paths, record: container.record}
}

/** What follows the end of the container's task: its networks detached, its /dev/shm tmpfs, staged volume subpaths and its volumes' filesystems released. */
async function taskGone(scope: ContainerScope, owner: TaskOwner): Promise<void> {
  await taskDeleted(namespaceOf(scope), owner.id, owner.paths)
  await unmountShm(owner.paths)
  // Image mounts too: what start staged of them is unstaged here; only volumes have filesystems to release.
  await unstageVolumeSubpaths(owner.paths)
  if (!owner.record?.Mounts.some((point) => point.Type === 'volume')) return
  const {releaseContainerVolumes} = await import('./volumes.ts')
  await releaseContainerVolumes({dataRoot: scope.dataRoot, namespace: namespaceOf(scope)}, scope.client, owner.record)
}

/**
 * Deletes the container's task, doing its poststop work (detaching its networks) and releasing its
 * volumes in this process rather than in a hook process. docker's events of the task's end go out
 * meanwhile: once the task is deleted, containerd has sent its die.
 */
async function deleteTaskHere(scope: ContainerScope, owner: TaskOwner): Promise<ExitStatus> {
  const deleted = await withHookStoodDown(owner.paths, 'postStop', () => scope.client.tasks.delete(owner.id))
  const {record} = owner
  await Promise.all([taskGone(scope, owner), record ? publishTaskEvents(scope, taskEndEvents({record, paths: owner.paths})) : undefined])
  return deleted
}

/** Publishes docker's events of a task's start or end (task-events.ts); as publishEvent, it never fails the action. */
async function publishTaskEvents(scope: ContainerScope, events: Promise<NerdEvent[]>): Promise<void> {
  await publishEvents(scope.client, await events.catch(() => []))
}

/**
 * Records in the container's state how its task ended (`ended`), as docker's SetStopped and
 * SetRestarting do: exit code, time, and whether the OOM killer struck, which only the task's
 * cgroup still tells (until the task is deleted). Recorded once already (by the exit handler,
 * before a back-off), an OOM kill stays recorded. `oom` is that look, when the caller started it already.
 */
async function recordExit(scope: ContainerScope, paths: ContainerPaths, id: string, ended: ExitStatus, oom: Promise<boolean> = oomKilled(scope, id)): Promise<void> {
  const killed = await oom
  await updateState(paths, (state) => exitedState(state, ended, killed))
}

/** What recordExit changes in `state` for a task that ended so (`ended`), the OOM killer having struck (`killed`) or not. */
export function exitedState(state: ContainerState, ended: ExitStatus, killed: boolean): Partial<ContainerState> {
  return {
    ExitCode: ended.exitStatus,
    FinishedAt: timestampToIso(ended.exitedAt) || preciseNow(),
    OOMKilled: state.OOMKilled || killed,
    ExitUnrecorded: undefined,
  }
}

/**
 * For the exit handler of a container whose task went before anyone saw its exit (a dead shim,
 * which containerd cleans up; a reboot): records `ended` and does what follows the task's end
 * (networks detached, volumes released, docker's die), as the task's deletion would have. Under the
 * lifecycle lock; false when a start made a task meanwhile or the exit is recorded already.
 */
export async function recordGoneTask(scope: ContainerScope, container: LoadedContainer, ended: ExitStatus): Promise<boolean> {
  return withContainerLock(container, async (current) => {
    if ((await getTask(scope, current.record.Id)) || !(await readState(current.paths)).ExitUnrecorded) return false
    await recordExit(scope, current.paths, current.record.Id, ended)
    const owner = taskOwner(current)
    await Promise.all([taskGone(scope, owner), publishTaskEvents(scope, taskEndEvents({record: current.record, paths: current.paths}))])
    return true
  })
}

/**
 * Deletes a task that has ended, recording how (`ended`) first: whoever then finds no task (wait,
 * inspect) finds its exit. The task's poststop work happens here. The caller holds the lifecycle lock.
 */
async function recordExitAndDeleteTask(scope: ContainerScope, container: LoadedContainer, ended: ExitStatus, oom?: Promise<boolean>): Promise<ExitStatus | undefined> {
  // On a full disk the exit goes unrecorded, but the task still goes: kept, it would hold its shim
  // and its addresses, and the container could neither start again nor be removed without -f.
  await recordExit(scope, container.paths, container.record.Id, ended, oom).catch(unlessWriteRefused)
  try {
    return await deleteTaskHere(scope, taskOwner(container))
  } catch (error) {
    if (isNotFound(error)) return undefined
    throw error
  }
}

/**
 * deleteTask for stop, the end of an attached run and the exit handler: under the lifecycle lock,
 * and only while the container's task is still the one whose process `pid` ended (a start meanwhile
 * made a new one, a removal took it). The pid matters: a process a start made meanwhile may have
 * ended too, and its task, deleted here with the older exit recorded, left its own handler nothing
 * to see out (no restart by policy). Undefined when there was nothing left to delete.
 */
export async function deleteTask(scope: ContainerScope, container: LoadedContainer, ended: ExitStatus, pid: number): Promise<ExitStatus | undefined> {
  try {
    return await withContainerLock(container, async (current) => {
      // The OOM look beside the task's (it never fails): unused when the task is another by now.
      const oom = oomKilled(scope, current.record.Id)
      oom.catch(() => undefined)
      const task = await getTask(scope, current.record.Id)
      if (task?.status !== 'STOPPED' || task.pid !== pid) return undefined
      return recordExitAndDeleteTask(scope, current, ended, oom)
    })
  } catch (error) {
    if (error instanceof NoSuchContainerError) return undefined
    throw error
  }
}

/**
 * Starts a new task for the container (after deleting the last one) with the given stdio, and hands
 * a restarting policy to containerd's monitor once the process runs.
 */
export async function startTask(
  scope: ContainerScope,
  container: LoadedContainer,
  io: TaskIo,
  logUri: string,
  /**
   * Given, the start waits for the process's exit (`exit`), from before Start so that even a process
   * that exits at once is caught; the signal ends that wait (detaching): a pending call keeps nerd
   * from exiting. Without it nothing here waits. Given for attached starts only: the start is also
   * reported as docker's attach.
   */
  waitSignal?: AbortSignal,
): Promise<StartedTask> {
  // ctrl-c meanwhile is held back until the start is done, or nerd would die with a task made and
  // not started (docker's daemon finishes a start its client asked for).
  return withContainerLock(container, (current) =>
    withStopSignalsHeld(async () => {
      try {
        return await startTaskLocked(scope, current, io, logUri, waitSignal)
      } catch (error) {
        // A pending restart's mark stays until the process runs: the container is `restarting` all
        // the while, as docker's. A start that failed ends it, the container is `exited`.
        await updateState(current.paths, () => ({RestartDueAt: undefined})).catch(() => undefined)
        throw error
      }
    }),
  )
}

async function startTaskLocked(scope: ContainerScope, current: LoadedContainer, io: TaskIo, logUri: string, waitSignal: AbortSignal | undefined): Promise<StartedTask> {
  const {client} = scope
  const id = current.record.Id
  const existing = current.justCreated ? undefined : await getTask(scope, id)
  if (existing?.status === 'CREATED') await deleteUnstartedTask(scope, taskOwner(current))
  else if (existing && existing.status !== 'STOPPED') {
    if (existing.status === 'PAUSED') throw new NerdError(PAUSED_START_REFUSAL)
    throw new AlreadyRunningError(current.record.Name)
  } else if (existing) await recordExitAndDeleteTask(scope, current, existing)
  const rootfs = current.justCreated?.rootfs ?? (await client.snapshots.mounts(current.record.Snapshotter, id))
  const failed = async (error: unknown): Promise<never> => {
    await recordStartFailure(current, error)
    throw error
  }
  // As docker's daemon sets the mounts up before it looks at links and joined containers.
  await makeBindSources(current.record).catch(failed)
  // docker looks the linked containers up at every start, the first one too.
  const linksChange = await prepareLinks(scope, current).catch(failed)
  // A container just created has its spec and state as this start needs them, but for its links and
  // the processes of the containers it joins, which may not have run at its create or stopped since.
  if (!current.justCreated) {
    const user = await refreshUser(current, rootfs).catch(failed)
    const userChange = user?.change
    const change = userChange && linksChange ? (spec: Spec) => [userChange(spec), linksChange(spec)].some(Boolean) : (userChange ?? linksChange)
    await refreshJoinedNamespaces(scope, current, change).catch(failed)
    await user?.recorded()
    await updateState(current.paths, () => ({Error: ''}))
  } else await refreshJoinedNamespaces(scope, current, linksChange).catch(failed)
  // docker's logger reads its options as the runtime makes the task: one that fails, fails the task's creation.
  await checkLogger(current.record).catch((error: unknown) => failed(new RuntimeStartError(error, 'create')))
  // The marks of an earlier task's logger and stop (ones cut short leave them) say nothing of this
  // task's: a stop's, read as one whose nerd died, would have the next look kill the process started here.
  await Promise.all([rm(current.paths.logWriter, {force: true}), rm(current.paths.stopping, {force: true})])
  if (io.kind === 'log') await writeFile(current.paths.startMark, '')
  const stdio =
    io.kind === 'fifo'
      ? {stdin: io.stdin, stdout: io.stdout, stderr: io.stderr, terminal: io.terminal}
      : {
          ...(io.stdin ? {stdin: io.stdin} : {}),
          stdout: io.uri,
          // A terminal has one output stream: the shim copies the console to stdout.
          stderr: current.record.Config.Tty ? '' : io.uri,
          terminal: current.record.Config.Tty,
        }
  // docker's events of the start (attach, networks, volumes) go out while the task is made, before containerd's start.
  const announced = publishTaskEvents(scope, taskStartEvents(current, {attach: waitSignal !== undefined}))
  let created
  const startedAt = preciseNow()
  const createTask = async () => {
    try {
      if (hasShareableShm(current.record)) await mountShm(current.paths, current.record.HostConfig.ShmSize)
      const create = () => client.tasks.create({containerId: id, rootfs, ...stdio}).catch((error: unknown) => Promise.reject(new RuntimeStartError(error, 'create')))
      return await withVolumesMounted(scope, current, () => withHookStoodDown(current.paths, 'createRuntime', create))
    } catch (error) {
      await unmountShm(current.paths).catch(() => undefined)
      throw error
    }
  }
  try {
    created = await createTask().catch(async (error: unknown) => {
      // No task was found, yet containerd has one: the last one's deletion, cut short, left it
      // (finishLeftTaskDeletion), and what follows its end (networks detached) undone.
      if (!(error instanceof RuntimeStartError) || !isAlreadyExists(error.cause) || existing) throw error
      await finishLeftTaskDeletion(scope, id)
      await taskGone(scope, taskOwner(current))
      return createTask()
    })
  } catch (error) {
    // As docker's failed start does, what was reported joined is reported left.
    await announced
    await publishTaskEvents(scope, taskEndEvents(current))
    await recordStartFailure(current, error)
    throw error
  }
  await announced
  try {
    // The createRuntime work (init pid for the logger, /etc files, networks) in this process.
    await taskCreated(namespaceOf(scope), id, current.paths, created.pid)
  } catch (error) {
    await deleteTaskHere(scope, taskOwner(current)).catch(() => undefined)
    await recordStartFailure(current, error)
    throw error
  }
  const exit = waitSignal ? client.tasks.wait(id, {signal: waitSignal}) : undefined
  exit?.catch(() => undefined)
  try {
    await client.tasks.start(id).catch((error: unknown) => Promise.reject(new RuntimeStartError(error, 'start')))
  } catch (error) {
    await deleteTaskHere(scope, taskOwner(current)).catch(() => undefined)
    await recordStartFailure(current, error)
    throw error
  }
  await updateState(current.paths, () => ({...startedState(startedAt), RestartDueAt: undefined}))
  await startHealthMonitor(scope.dataRoot, namespaceOf(scope), current)
  if (monitorRestarts(current.record)) {
    await client.containers.update({id, labels: {[RESTART_STATUS_LABEL]: 'running', [RESTART_LOGURI_LABEL]: logUri}}, [
      `labels.${RESTART_STATUS_LABEL}`,
      `labels.${RESTART_LOGURI_LABEL}`,
    ])
  }
  return {pid: created.pid, exit}
}

/**
 * Deletes a task made and never started, which only a nerd that died between the two leaves behind
 * (SIGKILL, a second ctrl-c): nerd makes and starts a task under the lifecycle lock, which the caller
 * holds. Its process waits in the runtime for a start; containerd deletes only a stopped task.
 */
async function deleteUnstartedTask(scope: ContainerScope, owner: TaskOwner): Promise<void> {
  const exit = scope.client.tasks.wait(owner.id)
  exit.catch(() => undefined)
  await killTask(scope, owner.id, signalNumber('SIGKILL'), false)
  await exit.catch(unlessNotFound)
  await deleteTaskHere(scope, owner).catch(unlessNotFound)
}

/**
 * Finishes what containerd 1.6 leaves of a task whose deletion its client cut short (nerd killed
 * mid-way): the Delete is cancelled with the client's connection once the shim has deleted the
 * process, before containerd shuts the shim down, removes its bundle and drops the task from its
 * list. Such a task is listed as none (its shim knows no process), a new one for the container is
 * refused (`task <id>: already exists`), and its shim lives on. A second Delete, which answers not
 * found, finishes the job; for a container with no task at all it only answers not found.
 */
async function finishLeftTaskDeletion(scope: ContainerScope, id: string): Promise<void> {
  await scope.client.tasks.delete(id).catch(unlessNotFound)
}

/** What docker's json-file driver refuses as it starts (jsonfilelog.New): max-size, max-file, compress, then the attributes. */
async function checkLogger(record: ContainerRecord): Promise<void> {
  const config = record.HostConfig.LogConfig
  if (config.Type !== 'json-file') return
  try {
    parseLogOptions(config.Config)
    // The template and regexp engines are loaded only for the options that can fail with them.
    if (config.Config.tag || config.Config['labels-regex'] || config.Config['env-regex']) await import('./logs/attributes.ts').then(({checkLogAttributes}) => checkLogAttributes(record))
  } catch (error) {
    throw new NerdError(`failed to initialize logging driver: ${(error as Error).message}`, {cause: error})
  }
}

/**
 * containerd's runtime failed to make or start the task: docker's daemon's text for it (with
 * libcontainerd's prefix for the task's creation) and the State.ExitCode it records (runtimeStartFailure).
 */
class RuntimeStartError extends NerdError {
  readonly stateExitCode: number

  constructor(error: unknown, step: 'create' | 'start') {
    const reason = (error as Error).message
    const {message, exitCode} = runtimeStartFailure(step === 'create' ? `failed to create task for container: ${reason}` : reason)
    super(message, {cause: error})
    this.stateExitCode = exitCode
  }
}

/**
 * A failed start in the container's state, as docker's daemon records it: the reason, and the code
 * the runtime's failure gets (RuntimeStartError); a start refused before the runtime (a joined or
 * linked container that does not run, a volume that cannot be mounted) keeps the last run's code,
 * never 0: 128, not success. A restart of the policy's keeps the last run's code whatever the
 * reason, as docker's monitor (SetStopped with the run's status), in the same write: a reader never
 * sees another code between.
 */
async function recordStartFailure(container: LoadedContainer, error: unknown): Promise<void> {
  await updateState(container.paths, (state) => ({
    Error: (error as Error).message,
    ExitCode: container.restartedByPolicy ? state.ExitCode : error instanceof RuntimeStartError ? error.stateExitCode : state.ExitCode || START_FAILED_EXIT_CODE,
  }))
}

/** One of docker's container events that containerd never sees, for `nerd events` (system/nerd-events.ts). */
export function publishContainerEvent(scope: ContainerScope, container: {record: Pick<ContainerRecord, 'Id'>}, action: string, attributes: Record<string, string> = {}): Promise<void> {
  return publishEvent(scope.client, {type: 'container', action, id: container.record.Id, attributes})
}

/** Sizes the terminal of the container's process, which docker's daemon tells as a resize event (an exec's it does not). */
export async function resizeContainerTerminal(scope: ContainerScope, container: {record: Pick<ContainerRecord, 'Id'>}, width: number, height: number): Promise<void> {
  await scope.client.tasks.resizePty({containerId: container.record.Id, width, height})
  await publishContainerEvent(scope, container, 'resize', {height: String(height), width: String(width)})
}

/**
 * Sends a signal to the process of the container `id`, reported as docker's kill event first:
 * published after, it could reach subscribers behind the die the signal causes.
 */
async function signalContainer(scope: ContainerScope, id: string, signal: number, all: boolean): Promise<void> {
  await publishContainerEvent(scope, {record: {Id: id}}, 'kill', {signal: String(signal)})
  await killTask(scope, id, signal, all)
}

/**
 * Records the user's intent to end the restart policy (docker's ExitOnNext: the process's next
 * exit is not restarted), and takes containerd's restart-monitor label off, so that the monitor
 * leaves the container to nerd. Not `stopped`: the monitor kills a task so labelled at its next
 * 10 s tick, which cut a stop's grace period short and a process that handled a kill's signal (the
 * HUP of a reload) dead. A restart the policy has under way (task-exit.ts) is waited for, so that
 * what it started is stopped too: it saw no stop when it began, and the one it will see is this.
 */
async function markStopped(scope: ContainerScope, container: LoadedContainer, removing = false): Promise<void> {
  // A state about to be removed need not say so (a full disk must not stop rm -f).
  await updateState(container.paths, () => ({ExplicitlyStopped: true})).catch((error: unknown) => (removing ? unlessWriteRefused(error) : Promise.reject(error)))
  if (hasRestartPolicy(container.record)) await withFileLock(container.paths.policyRestart, async () => undefined)
  // A restart by policy since the container was loaded may have labelled it again: the label is
  // taken off whenever the policy is one the monitor carries out, not only when it was loaded with it.
  if (monitorRestarts(container.record)) await removeRestartStatusLabel(scope.client, container.record.Id)
  else await dropRestartMonitorLabel(scope, container)
}

/**
 * A start the user asked for (start, restart), as docker's ResetRestartManager: the restart policy
 * applies again, until the next stop, with its count (RestartCount, which on-failure:N limits) and
 * back-off started over, and a restart still due called off (an exit handler waiting out its
 * back-off ends, task-exit.ts). A running container is left alone: docker's start of one changes nothing.
 */
export async function resetRestartPolicy(scope: ContainerScope, container: LoadedContainer): Promise<void> {
  const task = await getTask(scope, container.record.Id)
  if (task && task.status !== 'STOPPED') return
  const state = await readState(container.paths)
  if (state.ExplicitlyStopped || state.RestartDelay !== undefined || state.RestartCount !== 0 || state.RestartDueAt !== undefined) {
    await updateState(container.paths, () => ({ExplicitlyStopped: false, RestartCount: 0, RestartDelay: undefined, RestartDueAt: undefined}))
  }
}

/**
 * docker's stop: the stop signal, then SIGKILL after `timeoutSeconds` (negative waits forever);
 * the task is deleted and its exit recorded, then docker's stop event published, and a `--rm`
 * container removed, as docker's daemon removes one however it ends (but a restart's stop: see
 * removeAutoRemoved). A container that is not running is left as it is. False when `interrupt`
 * cut the stop short, handing it over (seeOutStop): docker's CLI names only the containers stopped.
 */
export async function stopContainer(scope: ContainerScope, container: LoadedContainer, options: {timeoutSeconds?: number; signal?: string; interrupt?: AbortSignal} = {}): Promise<boolean> {
  // Nothing runs: docker's stop of a dead container, as of any not running, changes nothing.
  if (container.dead) return true
  let stopSignal: number
  try {
    stopSignal = commandSignal(options.signal || container.record.StopSignal)
  } catch (error) {
    // docker's daemon reads the signal only to stop a container that runs (or waits to be restarted).
    const task = await getTask(scope, container.record.Id)
    if (processLives(task) || (await isRestarting(container, task))) throw error
    return true
  }
  await markStopped(scope, container)
  const id = container.record.Id
  const timeout = options.timeoutSeconds ?? container.record.StopTimeout
  // Signalled under the lifecycle lock, waited for outside it: a kill or rm -f meanwhile must not wait out the timeout.
  const signalled = await withContainerLock(container, async () => {
    const task = await getTask(scope, id)
    if (!task) return undefined
    const running = task.status === 'RUNNING' || task.status === 'PAUSED' || task.status === 'PAUSING' || task.status === 'CREATED'
    if (!running) return {task}
    const exit = scope.client.tasks.wait(id)
    exit.catch(() => undefined)
    if (task.status !== 'RUNNING' && task.status !== 'CREATED') await scope.client.tasks.resume(id).catch(() => undefined)
    // The deadline in the mark: a stop whose nerd dies keeps it (seeOutDeadStop).
    let killAt = stopDeadline(timeout)
    await markThisProcess(container.paths.stopping, deadlineNote(killAt))
    // As docker's daemon: a stop signal the kernel refuses (`--stop-signal 99`) leaves 2 s before the SIGKILL.
    const refused = await signalContainer(scope, id, stopSignal, false).then(() => false, (error: unknown) => {
      if (isPlatformSignal(stopSignal)) throw error
      return true
    })
    if (refused && killAt !== undefined) {
      killAt = stopDeadline(2)
      await markThisProcess(container.paths.stopping, deadlineNote(killAt))
    }
    return {task, exit, killAt}
  })
  if (!signalled) return true
  let seenOut: boolean
  try {
    seenOut = await seeOutStop(scope, container, signalled, options.interrupt)
  } finally {
    // Its own mark only: a stop or rm -f begun meanwhile holds the mark now.
    await releaseMark(container.paths.stopping)
  }
  if (seenOut) await removeAutoRemoved(scope, container)
  return seenOut
}

/** A failed stop (daemon/stop.go). */
export function stopFailure(reference: string, error: unknown): unknown {
  return foundContainerFailure(`cannot stop container: ${reference}`, error)
}

/**
 * The rest of stopContainer, once the stop signal is sent (`exit`: the process's end, when it ran;
 * `killAt`: when it is to be killed, if ever).
 * Cut short (`interrupt`: ctrl-C; or containerd gone while the stop waits or kills), the stop is
 * finished as docker's daemon finishes one: the exit handler kills the process when the time is up
 * (once containerd answers again: task-exit.ts rides out an outage), and sees it out; then false,
 * or containerd's failure. Without it the policy, switched off by the stop, would stay off for a
 * process that runs on past its deadline.
 */
async function seeOutStop(scope: ContainerScope, container: LoadedContainer, signalled: {task: Process; exit?: Promise<ExitStatus>; killAt?: number}, interrupt: AbortSignal | undefined): Promise<boolean> {
  const id = container.record.Id
  let ended: ExitStatus = signalled.task
  if (signalled.exit) {
    const {killAt} = signalled
    const handOver = (): void => handStopOver(scope, id, signalled.task.pid, killAt)
    try {
      if (killAt !== undefined) {
        const settled = new AbortController()
        let interrupted = (): void => undefined
        const outcome = await Promise.race([
          signalled.exit.then(() => 'exited' as const, () => 'exited' as const),
          delayFor(killAt - Date.now(), settled.signal).then(() => 'due' as const),
          new Promise<'interrupted'>((resolve) => {
            interrupted = () => resolve('interrupted')
            if (interrupt?.aborted) interrupted()
            interrupt?.addEventListener('abort', interrupted, {once: true})
          }),
        ])
        settled.abort()
        interrupt?.removeEventListener('abort', interrupted)
        if (outcome === 'interrupted') {
          handOver()
          return false
        }
        if (outcome === 'due') await signalContainer(scope, id, signalNumber('SIGKILL'), true)
      }
      ended = await signalled.exit
    } catch (error) {
      // Deleted meanwhile (rm -f): stopped all the same.
      if (isNotFound(error)) return true
      if (isConnectionError(error)) handOver()
      throw error
    }
  }
  await deleteTask(scope, container, ended, signalled.task.pid)
  if (signalled.exit) await publishContainerEvent(scope, container, 'stop')
  return true
}

async function killTask(scope: ContainerScope, id: string, signal: number, all: boolean): Promise<void> {
  try {
    await scope.client.tasks.kill(id, signal, {all})
  } catch (error) {
    // The process exited meanwhile; or its shim, exiting after a concurrent deletion of the task, closed the connection.
    if (isNotFound(error)) return
    if (isShimClosed(error) && !processLives(await getTask(scope, id).catch(() => undefined))) return
    throw error
  }
}

/** docker's refusal of what needs the process of a container waiting to be restarted by its policy. */
export function restartingMessage(id: string): string {
  return `Container ${id} is restarting, wait until the container is running`
}

/** Whether the container waits out the back-off before a restart by policy; `task` is its task, if any. */
async function isRestarting(container: LoadedContainer, task: Process | undefined): Promise<boolean> {
  if (container.dead) return false
  return viewOf(container.record, await readState(container.paths), container.labels, task).status === 'restarting'
}

/** docker's daemon's refusal of the start of a paused container. */
const PAUSED_START_REFUSAL = 'cannot start a paused container, try unpause instead'

/**
 * Whether a start would change nothing, as docker's daemon answers "not modified": the container
 * runs, or waits to be restarted by its policy (which docker counts as running). Not a task made
 * and never started that no start holds and no restart by policy is due for: a start whose nerd
 * died between the two (SIGKILL) left it, which shows as restarting with a policy, and is the
 * user's to make again (the start deletes the unstarted task). A paused container is no "not
 * modified" but a conflict, refused with `pausedRefusal` (docker's daemon checks it first).
 */
export async function startNotNeeded(scope: ContainerScope, container: LoadedContainer, pausedRefusal = PAUSED_START_REFUSAL): Promise<boolean> {
  const task = await getTask(scope, container.record.Id)
  if (task?.status === 'PAUSED' || task?.status === 'PAUSING') throw new NerdError(pausedRefusal)
  if (processLives(task)) return true
  const state = await readState(container.paths)
  await seeOutLeftContainer(scope, container, state, task)
  if (viewOf(container.record, state, container.labels, task).status !== 'restarting') return false
  return task?.status !== 'CREATED' || restartPending(state) || (await isLocked(container.paths.lifecycle))
}

/** Whether the task's process was started and has not ended (it may be paused). */
function processLives(task: Process | undefined): boolean {
  return task !== undefined && task.status !== 'STOPPED' && task.status !== 'CREATED'
}

/**
 * The refusal of a command that needs the container's process when it has none (`task`, if any,
 * not running): docker's "is restarting" while it waits to be restarted, else `notRunning`.
 */
export async function noProcessError(container: LoadedContainer, task: Process | undefined, notRunning: string): Promise<NerdError> {
  if (await isRestarting(container, task)) return new NerdError(restartingMessage(container.record.Id))
  return new NerdError(notRunning)
}

/**
 * The signal of docker's kill (SIGKILL when it is empty, `kill -s ''`). Its daemon reads it before it
 * looks the container up, and takes any number that Go's Atoi reads, then refuses one Linux has no
 * signal for (daemon/kill.go, ValidSignalForPlatform).
 */
export function killSignal(signal: string): number {
  const number = commandSignal(signal || 'KILL')
  if (!isPlatformSignal(number)) throw new NerdError(`the linux daemon does not support signal ${number}`)
  return number
}

/**
 * A command's failure in docker's daemon's words: `prefix`, which names the container as the user
 * did, then why. Not containerd out of reach, which no daemon said: as docker's CLI reports its
 * daemon gone, the same words for every command.
 */
function prefixedFailure(prefix: string, error: unknown): unknown {
  return error instanceof Error && !isConnectionError(error) ? new NerdError(`${prefix}: ${error.message}`, {cause: error}) : error
}

/**
 * The failure of a command on a container it found (stop, restart), prefixed as prefixedFailure; one
 * removed meanwhile is no such container, as one never there, unprefixed as docker's lookup says it.
 */
export function foundContainerFailure(prefix: string, error: unknown): unknown {
  return error instanceof NoSuchContainerError ? error : prefixedFailure(prefix, error)
}

/** A failed kill (container_routes.go): its lookup's failure too. */
export function killFailure(reference: string, error: unknown): unknown {
  return prefixedFailure(`cannot kill container: ${reference}`, error)
}

/**
 * docker's kill: the signal (killSignal) to a running container, which then stays down whatever
 * its policy. One waiting to be restarted has no process to signal: the kill cancels the restart (a
 * signal that stops it), and the container stays as its last run ended, as docker's does.
 */
export async function killContainer(scope: ContainerScope, container: LoadedContainer, number: number): Promise<void> {
  const {record} = container
  const id = record.Id
  const task = await getTask(scope, id)
  if (!processLives(task) && !(await isRestarting(container, task))) throw new NerdError(`container ${id} is not running`)
  // As docker's: SIGKILL, any signal when no stop signal was configured (image or --stop-signal), or
  // the configured one ends the restart policy, until the next start.
  const configured = record.Config.StopSignal
  const stops = number === 9 || !configured || commandSignal(configured) === number
  // Any other signal to a process still counts as docker's manual stop (HasBeenManuallyStopped),
  // which only `unless-stopped` heeds, and alike until the next start: its process's next exit is
  // not restarted. (A restarting container has no process: docker's restart goes ahead.)
  const manual = record.HostConfig.RestartPolicy.Name === 'unless-stopped' && processLives(task)
  if (stops || manual) await markStopped(scope, container)
  // After the mark, which waited for a restart under way: what it started is signalled too.
  const current = processLives(task) ? task : await getTask(scope, id)
  if (processLives(current)) {
    await signalContainer(scope, id, number, false)
    // As docker's: a paused container that the signal is to end is resumed, so that it can.
    if (stops && (current?.status === 'PAUSED' || current?.status === 'PAUSING')) await scope.client.tasks.resume(id).catch(() => undefined)
  }
  // The last run's task, left for the restart: deleted as a stop deletes it (its networks freed).
  else if (stops && current?.status === 'STOPPED') await deleteTask(scope, container, current, current.pid)
}

export async function pauseContainer(scope: ContainerScope, container: LoadedContainer): Promise<void> {
  await withContainerLock(container, async () => {
    const task = await getTask(scope, container.record.Id)
    if (task?.status === 'PAUSED') throw new NerdError(`Container ${container.record.Id} is already paused`)
    const notRunning = `container ${container.record.Id} is not running`
    if (task?.status !== 'RUNNING') throw await noProcessError(container, task, notRunning)
    // Paused by the user from now on, whatever a commit's mark says (seeOutDeadCommit).
    await rm(container.paths.commitPause, {force: true})
    await pauseTask(scope, container).catch(unlessStill(scope, container, 'RUNNING', notRunning))
    // As docker's pause stops the monitor: unhealthy until a probe after the unpause passes.
    if (container.record.Config.Healthcheck) await markUnhealthy(container.paths)
  })
}

/** Writes the container's health state unhealthy, if it has one. */
async function markUnhealthy(paths: ContainerPaths): Promise<void> {
  const health = await readCheckedJson<HealthState>(paths.health, 'container health state', HEALTH_SHAPE)
  if (health && health.Status !== 'unhealthy') await writeJsonAtomic(paths.health, unmonitoredHealth(health))
}

export async function unpauseContainer(scope: ContainerScope, container: LoadedContainer): Promise<void> {
  await withContainerLock(container, async () => {
    const notPaused = `Container ${container.record.Id} is not paused`
    const task = await getTask(scope, container.record.Id)
    if (!task || task.status !== 'PAUSED') throw new NerdError(notPaused)
    await resumeTask(scope, container).catch(unlessStill(scope, container, 'PAUSED', notPaused))
  })
}

/**
 * The failure of a pause or unpause: containerd's own while the task is still `status`, else
 * `refusal`, docker's daemon's (which checks under its lock): a stop or kill, which take no
 * lifecycle lock, ended the process meanwhile (containerd: "cannot resume a stopped container").
 */
function unlessStill(scope: ContainerScope, container: LoadedContainer, status: 'RUNNING' | 'PAUSED', refusal: string): (error: unknown) => Promise<never> {
  return async (error) => {
    const now = await getTask(scope, container.record.Id).catch(() => undefined)
    throw now?.status === status ? error : new NerdError(refusal)
  }
}

/**
 * Pauses the task with containerd's restart-monitor label off: containerd 1.6's monitor restarts a
 * labelled container whose task is not running, a paused one too (it killed a paused `always`
 * container within 10 s and started a new one), while docker's pause holds until the unpause.
 */
export async function pauseTask(scope: ContainerScope, container: LoadedContainer): Promise<void> {
  await dropRestartMonitorLabel(scope, container)
  try {
    await scope.client.tasks.pause(container.record.Id)
  } catch (error) {
    await restoreRestartMonitorLabel(scope, container).catch(() => undefined)
    throw error
  }
}

/** Resumes a paused task (pauseTask), handing an `always`/`unless-stopped` policy back to containerd's monitor. */
export async function resumeTask(scope: ContainerScope, container: LoadedContainer): Promise<void> {
  await scope.client.tasks.resume(container.record.Id)
  await restoreRestartMonitorLabel(scope, container)
}

/**
 * For the exit handler, first thing once the process `endedPid` has exited: takes containerd's
 * restart-monitor label off an `always`/`unless-stopped` container, so that the monitor's 10 s tick
 * does not start it again between the exit and the handler's back-off (a start with no back-off,
 * counted as a restart). A start meanwhile (the monitor's, a user's) of another process gets the label
 * back: it runs, and the monitor is to bring it back after a reboot.
 */
export async function holdOffRestartMonitor(scope: ContainerScope, container: LoadedContainer, endedPid: number): Promise<void> {
  if (!monitorRestarts(container.record)) return
  await removeRestartStatusLabel(scope.client, container.record.Id)
  const task = await getTask(scope, container.record.Id)
  if (task && task.pid !== endedPid && processLives(task)) await restoreRestartMonitorLabel(scope, container)
}

/** Takes containerd's restart-monitor label off a container that has it (as loaded). */
async function dropRestartMonitorLabel(scope: ContainerScope, container: LoadedContainer): Promise<void> {
  if (container.labels[RESTART_STATUS_LABEL] !== undefined) await removeRestartStatusLabel(scope.client, container.record.Id)
}

/** Takes containerd's restart-monitor label off the container `id`: the monitor leaves it alone then. */
export async function removeRestartStatusLabel(client: ContainerdClient, id: string): Promise<void> {
  await client.containers.update({id, labels: {}}, [`labels.${RESTART_STATUS_LABEL}`])
}

/** The monitor's label back, unless a stop meanwhile ended the policy or the monitor has no log URI to restart with (update.ts gives one). */
async function restoreRestartMonitorLabel(scope: ContainerScope, container: LoadedContainer): Promise<void> {
  if (!monitorRestarts(container.record) || (await readState(container.paths)).ExplicitlyStopped) return
  const current = await scope.client.containers.get(container.record.Id)
  if (current.labels[RESTART_LOGURI_LABEL] === undefined) return
  await scope.client.containers.update({id: container.record.Id, labels: {[RESTART_STATUS_LABEL]: 'running'}}, [`labels.${RESTART_STATUS_LABEL}`])
}

/**
 * docker's rm: refuses a running container unless forced (then kills it), deletes the task, the
 * rootfs snapshot, containerd's record and nerd's files (logs included).
 */
export interface RemoveOptions {
  force?: boolean
  volumes?: boolean
  /** Not a container that runs (again: `--rm`'s removal after a restart started it anew). */
  unlessRunning?: boolean
  /** The container as the user named it, for the refusal of one that runs (its name otherwise). */
  reference?: string
}

/** docker's daemon's refusal to remove, unforced, a container that runs, restarts or is paused (`state`), named as given. */
function removalRefusal(reference: string, state: 'running' | 'restarting' | 'paused'): NerdError {
  const reason = state === 'paused' ? 'container is paused and must be unpaused first' : `container is ${state}: stop the container before removing or force remove`
  return new NerdError(`cannot remove container "${reference}": ${reason}`)
}

/** Removes the container; false when `unlessRunning` found its process running, and left it. */
export async function removeContainer(scope: ContainerScope, loaded: LoadedContainer, options: RemoveOptions = {}): Promise<boolean> {
  // Before the lifecycle lock (see there); a policy restart meanwhile would undo the kill. A
  // removal meanwhile took the state directory: the container is gone, as docker's rm -f says.
  if (options.force && !options.unlessRunning) {
    await markStopped(scope, loaded, true).catch((error: unknown) => {
      throw (error as NodeJS.ErrnoException).code === 'ENOENT' ? new NoSuchContainerError(loaded.record.Name) : error
    })
  }
  return withContainerLock(loaded, async (container) => {
    // As docker's: one waiting to be restarted by its policy is removed only by force.
    if (!options.force) {
      const task = await getTask(scope, container.record.Id)
      const state = await readState(container.paths)
      await seeOutLeftContainer(scope, container, state, task)
      if (viewOf(container.record, state, container.labels, task).status === 'restarting') {
        throw removalRefusal(options.reference ?? container.record.Name, 'restarting')
      }
    }
    return removeLocked(scope, {...taskOwner(container), name: container.record.Name, snapshotter: container.record.Snapshotter}, options)
  })
}

/** What a removal takes away: a whole container, or what is left of one (no record nerd can read). */
interface Removal extends TaskOwner {
  name: string | undefined
  snapshotter: string
}

/**
 * The removal under the lifecycle lock; false when `unlessRunning` found the process running.
 * ctrl-c, SIGTERM and SIGHUP are held back until it is done, as docker's daemon finishes a removal
 * whatever becomes of its client: cut short, containerd's delete of the task stops half-way
 * (finishLeftTaskDeletion) and the task's networks stay attached.
 */
function removeLocked(scope: ContainerScope, removal: Removal, options: RemoveOptions): Promise<boolean> {
  return withStopSignalsHeld(() => removeHeld(scope, removal, options))
}

async function removeHeld(scope: ContainerScope, removal: Removal, options: RemoveOptions): Promise<boolean> {
  const {id} = removal
  let task = await getTask(scope, id)
  if (options.unlessRunning && processLives(task)) return false
  if (!task) await finishLeftTaskDeletion(scope, id)
  // Never started, its container is Created: no -f needed, and no exit to record.
  if (task?.status === 'CREATED') {
    await deleteUnstartedTask(scope, removal)
    task = undefined
  }
  let ended: ExitStatus | undefined = task
  if (task && task.status !== 'STOPPED') {
    if (!options.force) {
      const state = task.status === 'PAUSED' || task.status === 'PAUSING' ? 'paused' : 'running'
      throw removalRefusal(options.reference ?? removal.name ?? id, state)
    }
    // Without a state directory (removed by hand) there is no mark to leave, nor a reader of one.
    await markThisProcess(removal.paths.stopping).catch((error: unknown) => ((error as NodeJS.ErrnoException).code === 'ENOENT' ? undefined : unlessWriteRefused(error)))
    ended = await killForRemoval(scope, id, task.status === 'PAUSED' || task.status === 'PAUSING')
  }
  if (task) {
    try {
      // Its exit recorded first: an rm cut short after the deletion leaves an exited container with its exit code and time.
      if (ended && removal.record) await recordExit(scope, removal.paths, id, ended).catch(unlessUnreadable).catch(unlessWriteRefused)
      await deleteTaskForRemoval(scope, removal, options.force === true)
    } finally {
      await releaseMark(removal.paths.stopping)
    }
  }
  // Also what a poststop that never ran (containerd down, a hook killed) left attached, and mounted.
  await taskGone(scope, removal)
  const {record} = removal
  // Before the record goes: a removal that finds none (an --rm's other remover) is done, its volumes
  // with it. Before the container's destroy (containerd's delete), as docker's daemon removes them
  // (removeMountPoints) and tells their destroy.
  if (options.volumes && record && record.AnonymousVolumes.length > 0) {
    const {removeUnsharedVolumes} = await import('./volumes.ts')
    const removed = await removeUnsharedVolumes({dataRoot: scope.dataRoot, namespace: namespaceOf(scope)}, record.AnonymousVolumes, id)
    await publishEvents(scope.client, removed.map((name) => volumeEvent('destroy', name)))
  }
  await Promise.all([
    scope.client.snapshots.remove(removal.snapshotter, id).catch(unlessNotFound),
    // Not asked of containerd for a container whose record says it has none (every run --rm's).
    record && !record.Mounts.some((point) => point.Type === 'image') ? undefined : removeImageMounts(scope.client, removal.snapshotter, id),
    // Before containerd's delete, what its destroy tells of the container, which a `nerd events` could
    // no longer read from its record. The snapshot's removal need not wait: no `nerd events` reads it.
    (record ? publishEvent(scope.client, removingEvent(record)) : Promise.resolve()).then(() => scope.client.containers.delete(id).catch(unlessNotFound)),
  ])
  await removeContainerFiles(scope.dataRoot, namespaceOf(scope), id, removal.name)
  return true
}

/** SIGKILL to the task's process (resumed if `paused`, so it can die); its exit, or undefined when the task went meanwhile (its exit handler deleted it, and recorded the exit). */
async function killForRemoval(scope: ContainerScope, id: string, paused: boolean): Promise<ExitStatus | undefined> {
  const exit = scope.client.tasks.wait(id)
  exit.catch(() => undefined)
  await signalContainer(scope, id, signalNumber('SIGKILL'), true)
  if (paused) await scope.client.tasks.resume(id).catch(() => undefined)
  return exit.catch(unlessNotFound)
}

/** How many times a forced removal kills a task that containerd's restart monitor starts again. */
const REMOVAL_KILLS = 3

/**
 * Deletes the task of a container being removed. containerd's restart monitor can start it again
 * between the kill and the delete (a tick that read the container's label before markStopped took
 * it away; seen under load): with `force`, the new process is killed too and the delete tried again.
 */
async function deleteTaskForRemoval(scope: ContainerScope, removal: Removal, force: boolean): Promise<void> {
  for (let kills = 1; ; kills++) {
    try {
      await deleteTaskHere(scope, removal).catch(unlessNotFound)
      return
    } catch (error) {
      const task = await getTask(scope, removal.id)
      if (!force || kills > REMOVAL_KILLS || !processLives(task)) throw error
      await killForRemoval(scope, removal.id, task?.status === 'PAUSED')
    }
  }
}

/** For a catch: a write the file system refuses (full, read-only) is left undone, as for a file about to go. */
function unlessWriteRefused(error: unknown): Promise<undefined> {
  return isWriteRefused(error) ? Promise.resolve(undefined) : Promise.reject(error)
}

/** For a catch: a state file nerd cannot read, or gone with its directory, reads as none (what a removal takes away anyway). */
function unlessUnreadable(error: unknown): Promise<undefined> {
  return error instanceof InvalidFileError || error instanceof NoSuchContainerError ? Promise.resolve(undefined) : Promise.reject(error)
}

/**
 * What is left of a container that `loadContainer` cannot load, which `rm` removes as nothing else
 * would: a state directory without a record, or with one nerd cannot read (a create or rm killed
 * half-way, a file cut short by a full disk), or containerd's container without nerd's state
 * directory (gone with a crash or by hand; not another data root's, ownedElsewhere), found by its
 * full ID, name label or unique ID prefix.
 * False when `reference` names nothing of the sort. Under the lifecycle lock, which a create holds
 * throughout: one still under way is waited for.
 */
export async function removeContainerRemains(scope: ContainerScope, reference: string, snapshotter: string, options: RemoveOptions = {}): Promise<boolean> {
  const namespace = namespaceOf(scope)
  const stored = (await scope.client.containers.list([`labels."${NAME_LABEL}"`])).filter((container) => !ownedElsewhere(container.labels, scope.dataRoot))
  const ids = [...new Set([...(await listContainerIds(scope.dataRoot, namespace)), ...stored.map((container) => container.id)])]
  let id: string
  /** `reference` as a name, if it can be one: a create killed before it wrote its record leaves the name only in its file. */
  let named: string | undefined
  try {
    id = await matchContainerReference(reference, ids, async (name) => {
      named = name
      // The owner's state directory counts, with or without a record: what a killed create left is removed with its name.
      const owner = await nameFileOwner(scope.dataRoot, namespace, name)
      return (owner !== undefined && ids.includes(owner) ? owner : undefined) ?? stored.find((container) => container.labels[NAME_LABEL] === name)?.id
    })
  } catch (error) {
    // A name whose file names no container at all goes all the same.
    if (error instanceof NoSuchContainerError) return named !== undefined && releaseStaleName(scope.dataRoot, namespace, named)
    throw error
  }
  const paths = containerPaths(scope.dataRoot, namespace, id)
  return withFileLock(paths.lifecycle, async () => {
    const container = await scope.client.containers.get(id).catch(unlessNotFound)
    if (!container && !existsSync(paths.dir)) return false
    const record = await readRecord(paths).catch(unlessUnreadable)
    await removeLocked(
      scope,
      {id, paths, record, name: record?.Name ?? container?.labels[NAME_LABEL] ?? named, snapshotter: record?.Snapshotter ?? container?.snapshotter ?? snapshotter},
      options,
    )
    return true
  })
}

const RESTART_POLL_MS = 100

/**
 * Waits for the container's current task to exit; returns its code (at once for a stopped
 * container). One waiting to be restarted is not stopped, as in docker: the wait lasts until the
 * process the restart starts exits, or a stop cancels the restart.
 */
export async function waitContainer(scope: ContainerScope, container: LoadedContainer): Promise<number> {
  const id = container.record.Id
  // A container waiting to be restarted is waited for until the process its restart starts ends, as
  // docker's: until a task of another process than the one that ended is there (it may have ended
  // too, as a crash loop's does at once), or the restart is called off. With its labels as they are
  // now: the restart monitor's, which tell of a restart to come, change meanwhile.
  const ended = (await getTask(scope, id))?.pid
  const restartPending = async () => {
    const [task, labels] = await Promise.all([getTask(scope, id), scope.client.containers.get(id).then((found) => found.labels, unlessNotFound)])
    const restarted = task !== undefined && task.status !== 'CREATED' && task.pid !== ended
    return !restarted && labels !== undefined && (await isRestarting({...container, labels}, task))
  }
  while (await restartPending()) await delay(RESTART_POLL_MS)
  let exit: ExitStatus
  try {
    exit = await scope.client.tasks.wait(id)
  } catch (error) {
    if (!isNotFound(error)) throw error
    return (await readState(container.paths)).ExitCode
  }
  await exitSeenOut(scope, container)
  return exit.exitStatus
}

/** How long `wait` gives whoever sees an exit out to finish before it returns anyway. */
const SEE_OUT_WAIT_MS = 5000

/**
 * Waits for the process that just ended to be seen out: its task deleted (the exit recorded, and the
 * logger, which the deletion ends, has logged the rest: an unfinished last line goes into the log
 * only then) or a restart of the policy's under way. docker's wait returns once the daemon has done
 * as much, and `wait; logs` scripts count on it.
 */
async function exitSeenOut(scope: ContainerScope, container: LoadedContainer): Promise<void> {
  if (container.record.HostConfig.LogConfig.Type === 'none') return
  const id = container.record.Id
  const deadline = Date.now() + SEE_OUT_WAIT_MS
  let task = await getTask(scope, id)
  const ended = task?.pid
  while (task && task.pid === ended && task.status === 'STOPPED' && Date.now() < deadline) {
    if ((await readState(container.paths).catch(() => undefined))?.RestartDueAt !== undefined) return
    await delay(RESTART_POLL_MS)
    task = await getTask(scope, id)
  }
}

/** docker's rename: the new name is reserved first, so a conflict leaves the old one in place. */
export async function renameContainer(scope: ContainerScope, loaded: LoadedContainer, newName: string): Promise<void> {
  const {validateName} = await import('./names.ts')
  // `/name` is docker's spelling of `name`, and the one its daemon names an invalid new name by.
  let name: string
  try {
    name = validateName(newName.startsWith('/') ? newName : `/${newName}`)
  } catch (error) {
    throw newNameRefused(error)
  }
  // Under the lifecycle lock: of two renames, the second renames what the first made; none writes a removed container's record.
  await withContainerLock(loaded, (container) => renameLocked(scope, container, name))
}

/** docker's daemon's words for a new name it cannot have, invalid or taken (daemon/rename.go, ContainerRename: what its reserveName refuses). */
function newNameRefused(error: unknown): unknown {
  return error instanceof NerdError ? new NerdError(`Error when allocating new name: ${error.message}`, {cause: error}) : error
}

async function renameLocked(scope: ContainerScope, container: LoadedContainer, newName: string): Promise<void> {
  const old = container.record.Name
  if (newName === old) throw new NerdError(`Renaming a container with the same name as its current name`)
  const namespace = namespaceOf(scope)
  await reserveName(scope.dataRoot, namespace, newName, container.record.Id).catch((error: unknown) => Promise.reject(newNameRefused(error)))
  try {
    const renamed = {...container.record, Name: newName}
    // A log tag may name the container: the next start logs with the new one, as docker's.
    if (container.record.HostConfig.LogConfig.Config.tag) {
      const {logAttributes} = await import('./logs/attributes.ts')
      renamed.LogAttributes = logAttributes(renamed)
    }
    await writeRecord(container.paths, renamed)
    // A dead one (DeadContainerError) is renamed as docker's daemon renames it: containerd has no record of it to label.
    if (!container.dead) await scope.client.containers.update({id: container.record.Id, labels: {[NAME_LABEL]: newName}}, [`labels.${NAME_LABEL}`])
  } catch (error) {
    await writeRecord(container.paths, container.record).catch(() => undefined)
    await releaseName(scope.dataRoot, namespace, newName, container.record.Id)
    throw error
  }
  await releaseName(scope.dataRoot, namespace, old, container.record.Id)
  const {renameInNetworks} = await import('../network/attach.ts')
  await renameInNetworks(attachTarget(namespace, container.record.Id, container.paths), newName)
  await publishContainerEvent(scope, container, 'rename', {oldName: `/${old}`})
}
