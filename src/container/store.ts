/**
 * nerd's container store under the data root (layout in model.ts): state directories, the name
 * registry and the lookup of a user's `NAME|ID` argument.
 *
 * A name is owned by the file `names/<namespace>/<name>`, linked into place whole (the id in it) and
 * only if absent, so of many concurrent creates exactly one wins without a lock. A name whose owner's state directory is gone (a create
 * that crashed half-way, a state directory removed by hand) is stale: it is taken over under the
 * namespace's lock, and the new owner again has to win the exclusive link.
 */
import {mkdir, readdir, readFile, rm, stat, unlink} from 'node:fs/promises'
import {existsSync} from 'node:fs'
import {basename, join} from 'node:path'
import {NerdError} from '../errors.ts'
import {createExclusive, fileFailure, isLocked, readCheckedJson, withFileLock, withFileLockUnless, writeJsonAtomic} from '../files.ts'
import {ownerGone} from '../owner.ts'
import {arrayOf, nullable, objectOf, optional, recordOf} from '../json-shape.ts'
import {isContainerName} from './names.ts'
import type {ContainerRecord, ContainerState} from './model.ts'
import type {AttachTarget} from '../network/attach.ts'

export interface ContainerPaths {
  dir: string
  record: string
  state: string
  log: string
  hosts: string
  resolvConf: string
  hostname: string
  /** The host pid of the current task's init process, written by the createRuntime hook. */
  initPid: string
  /**
   * Made by nerd just before it creates a task with a logger, removed by that logger: a logger that
   * finds none was started by containerd's restart monitor, which counts as a restart.
   */
  startMark: string
  /** Which networks the container joins (network/attach.ts), and what is attached now. */
  networkPlan: string
  /**
   * The names of the volumes a create is resolving, written before it looks any up: until its record
   * lists them, they count as used by it while it holds the lifecycle lock (volume/in-use.ts).
   */
  volumeClaims: string
  /** The plugins subscribed to nerd:container:start at create, for the starts the exit handler makes (start-hooks.ts). */
  startHooks: string
  networkState: string
  /** The stdin FIFO of a detached `-i` container, which `attach` writes to and its logger (with `-t`) or nerd's drain keeps open. */
  stdin: string
  /** There while nerd's drain (detached-output.ts) has output to write into the log, with its pid: attach and logs wait for it. */
  drainMark: string
  /**
   * Names the container's logger (logs/logger.ts) from its start until it has written all of the
   * container's output into the log, when it removes it (process-mark.ts): one that names a
   * process gone (markState) is a logger that ended first (killed, cut short after the shim's
   * SIGTERM, or it could not write: a full disk), and `logs -f` then knows that nothing writes the
   * rest. nerd removes it before each start it makes.
   */
  logWriter: string
  /** There while a foreground session sees the container out, naming its process (process-mark.ts). */
  attachedSession: string
  /**
   * There while a commit keeps the container paused, naming its process (process-mark.ts): the
   * resume a killed commit owes is the next look's at the container (lifecycle.ts, seeOutDeadCommit).
   */
  commitPause: string
  /**
   * There while a stop or forced removal, which sees the process it ends out itself, is under way,
   * naming its process (process-mark.ts): the logger then starts no exit handler.
   */
  stopping: string
  /** There while a user's restart (stop, then start) is under way, naming its process: `--rm` does not remove the container. */
  restarting: string
  /** Locked while a restart policy restarts the container (task-exit.ts), which a stop waits out. */
  policyRestart: string
  /**
   * There while an exit handler (task-exit.ts) sees the container's process out, naming its process
   * (process-mark.ts): one handler at a time, and none started for a container one owns.
   */
  exitHandler: string
  /** The state of its health check (HealthState), written by its health monitor. */
  health: string
  /**
   * There while a health monitor probes the container, naming its process (process-mark.ts): one
   * that names a process gone is a monitor killed, which the next look at the container restarts.
   */
  healthMonitor: string
  /** One file per exec whose process is not deleted yet, naming the process that will delete it (exec-reaper.ts). */
  execs: string
  /** With `--ipc shareable`: where its /dev/shm tmpfs is mounted while it runs (shm.ts). */
  shm: string
  /** Where its `volume-subpath` mounts are bound while it runs, each from what nerd opened (volume-subpaths.ts). */
  volumeSubpaths: string
  /**
   * Locked while a command changes the container's task or removes it (lifecycle.ts). Beside the
   * state directory, not in it: `rm` removes that directory while it holds the lock.
   */
  lifecycle: string
  /** What the last resolution of the container's user read of its /etc/passwd and /etc/group (start-user.ts). */
  userFiles: string
}

function containersRoot(dataRoot: string): string {
  return join(dataRoot, 'containers')
}

export function containersDir(dataRoot: string, namespace: string): string {
  return join(containersRoot(dataRoot), namespace)
}

export function namesDir(dataRoot: string, namespace: string): string {
  return join(dataRoot, 'names', namespace)
}

export function containerPaths(dataRoot: string, namespace: string, id: string): ContainerPaths {
  const dir = join(containersDir(dataRoot, namespace), id)
  return {
    dir,
    record: join(dir, 'config.json'),
    state: join(dir, 'state.json'),
    log: join(dir, `${id}-json.log`),
    hosts: join(dir, 'hosts'),
    resolvConf: join(dir, 'resolv.conf'),
    hostname: join(dir, 'hostname'),
    initPid: join(dir, 'init.pid'),
    startMark: join(dir, 'start-requested'),
    networkPlan: join(dir, 'network-plan.json'),
    volumeClaims: join(dir, 'volume-claims.json'),
    startHooks: join(dir, 'start-hooks.json'),
    networkState: join(dir, 'network.json'),
    stdin: join(dir, 'stdin.fifo'),
    drainMark: join(dir, 'output-draining'),
    logWriter: join(dir, 'log-writer'),
    attachedSession: join(dir, 'attached-session'),
    commitPause: join(dir, 'commit-pause'),
    stopping: join(dir, 'stopping'),
    restarting: join(dir, 'restarting'),
    policyRestart: join(dir, 'policy-restart'),
    exitHandler: join(dir, 'exit-handler'),
    health: join(dir, 'health.json'),
    healthMonitor: join(dir, 'health-monitor'),
    execs: join(dir, 'execs'),
    shm: join(dir, 'shm'),
    volumeSubpaths: join(dir, 'volume-subpaths'),
    userFiles: join(dir, 'user-files.json'),
    lifecycle: join(containersDir(dataRoot, namespace), `.${id}`),
  }
}

/** The container as network/attach.ts sees it. */
export function attachTarget(namespace: string, id: string, paths: ContainerPaths): AttachTarget {
  return {namespace, id, files: {plan: paths.networkPlan, state: paths.networkState, hosts: paths.hosts}}
}

export const INITIAL_STATE: ContainerState = {
  StartedAt: '',
  FinishedAt: '',
  ExitCode: 0,
  Error: '',
  OOMKilled: false,
  RestartCount: 0,
  ExplicitlyStopped: false,
}

/**
 * What a start changes in the state of a container whose process now runs, as docker's SetRunning:
 * the last run's exit code, OOM kill and error go, its FinishedAt stays. `startedAt` is taken before
 * the task is made, as docker's startupTime: a process that ends at once must not end before it started.
 */
export function startedState(startedAt: string): Partial<ContainerState> {
  return {StartedAt: startedAt, ExitCode: 0, OOMKilled: false, Error: '', ExitUnrecorded: true}
}

export class NameConflictError extends NerdError {
  /** The ID of the container holding the name. */
  readonly owner: string

  constructor(name: string, owner: string) {
    super(
      `Conflict. The container name "/${name}" is already in use by container "${owner}". You have to remove (or rename) that container to be able to reuse that name.`,
    )
    this.owner = owner
  }
}

export class NoSuchContainerError extends NerdError {
  /** What was looked for, as the user typed it or the id the removed container had. */
  readonly reference: string

  constructor(reference: string) {
    super(`No such container: ${reference}`)
    this.reference = reference
  }
}

/** Creates the state directory of a new container; its existence marks the id as taken. */
export async function createContainerDir(paths: ContainerPaths): Promise<void> {
  await mkdir(paths.dir, {recursive: true, mode: 0o711})
}

/** Makes `id` the owner of `name`, or throws NameConflictError naming the current owner. */
export async function reserveName(dataRoot: string, namespace: string, name: string, id: string): Promise<void> {
  const dir = namesDir(dataRoot, namespace)
  const file = join(dir, name)
  await mkdir(dir, {recursive: true})
  const created = () => createExclusive(file, id).catch((error: unknown) => Promise.reject(fileFailure(undefined, file, error)))
  if (await created()) return
  await withFileLock(dir, async () => {
    const owner = await liveOwnerElseUnlink(dataRoot, namespace, file)
    if (owner !== undefined) throw new NameConflictError(name, owner)
    if (!(await created())) throw new NameConflictError(name, (await readOwner(file)) ?? 'unknown')
  })
}

/**
 * Removes `name` when its file names no container nerd has a state directory for (a create killed
 * half-way, an rm of one by an older nerd); whether it did.
 */
export async function releaseStaleName(dataRoot: string, namespace: string, name: string): Promise<boolean> {
  const dir = namesDir(dataRoot, namespace)
  const file = join(dir, name)
  if (!existsSync(file)) return false
  return withFileLock(dir, async () => existsSync(file) && (await liveOwnerElseUnlink(dataRoot, namespace, file)) === undefined)
}

/**
 * The container a name file names if it exists; else the file is removed as stale. Under the names'
 * lock: only lock holders remove a name, so the file still names the stale owner (or none: an empty
 * one, which a create killed between its creation and its write left before names were linked).
 */
async function liveOwnerElseUnlink(dataRoot: string, namespace: string, file: string): Promise<string | undefined> {
  const owner = await readOwner(file)
  if (owner !== undefined && (await ownerExists(dataRoot, namespace, owner))) return owner
  await unlink(file).catch(ignoreMissing)
  return undefined
}

/** Gives up `name` if `id` owns it. */
export async function releaseName(dataRoot: string, namespace: string, name: string, id: string): Promise<void> {
  const file = join(namesDir(dataRoot, namespace), name)
  if ((await readOwner(file)) === id) await unlink(file).catch(ignoreMissing)
}

/** The id owning `name`, if a live container does. */
export async function idOfName(dataRoot: string, namespace: string, name: string): Promise<string | undefined> {
  const owner = await readOwner(join(namesDir(dataRoot, namespace), name))
  return owner !== undefined && (await ownerExists(dataRoot, namespace, owner)) ? owner : undefined
}

async function readOwner(file: string): Promise<string | undefined> {
  try {
    return (await readFile(file, 'utf8')).trim() || undefined
  } catch (error) {
    ignoreMissing(error)
    return undefined
  }
}

/**
 * Whether the container `id` owns what names it: its state directory has its record, or a create (or
 * removal) under way holds its lifecycle lock. A directory without a record whose lock nobody holds
 * (gone stale) is what a create killed before it wrote the record left: no container `ps` or
 * `inspect` could show, and so no owner (the sweep removes it).
 */
async function ownerExists(dataRoot: string, namespace: string, id: string): Promise<boolean> {
  const paths = containerPaths(dataRoot, namespace, id)
  if (!existsSync(paths.dir)) return false
  return existsSync(paths.record) || (await isLocked(paths.lifecycle))
}

/** The id the file of `name` names, whether or not that container exists. */
export async function nameFileOwner(dataRoot: string, namespace: string, name: string): Promise<string | undefined> {
  return readOwner(join(namesDir(dataRoot, namespace), name))
}

function ignoreMissing(error: unknown): void {
  if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
}

/** The namespaces nerd has container state directories in under `dataRoot`. */
export async function containerNamespaces(dataRoot: string): Promise<string[]> {
  try {
    return (await readdir(containersRoot(dataRoot), {withFileTypes: true})).filter((entry) => entry.isDirectory()).map((entry) => entry.name)
  } catch (error) {
    ignoreMissing(error)
    return []
  }
}

/** The ids of every container nerd has a state directory for in `namespace`. */
export async function listContainerIds(dataRoot: string, namespace: string): Promise<string[]> {
  try {
    return (await readdir(containersDir(dataRoot, namespace))).filter((entry) => /^[0-9a-f]{64}$/.test(entry))
  } catch (error) {
    ignoreMissing(error)
    return []
  }
}

/** A name's temporary file (createExclusive): `.<owner>-<id>.tmp`, or an older nerd's `.<name>.<owner>-<id>.tmp`. */
const NAME_TEMPORARY = /^\.(?:.+\.)?(\d+-\d+-\d+)-[0-9a-f]{64}\.tmp$/

/** How long a lock has not been refreshed before the sweep removes it: far past its staleness, so never a fresh holder's. */
const ABANDONED_LOCK_MS = 60_000

/**
 * What a nerd killed outright (SIGKILL) while it created a container leaves in the namespace's
 * directories, which no command sees: a name's temporary file whose owner is gone, a state directory
 * without a record (whatever else the create wrote into it: its network plan, /etc files) that no
 * create holds (its lifecycle lock) and containerd has no container for (`containerdIds`), the
 * names of such containers, and locks long abandoned.
 */
export async function removeOrphanedContainerFiles(dataRoot: string, namespace: string, containerdIds: ReadonlySet<string>): Promise<void> {
  const names = namesDir(dataRoot, namespace)
  for (const entry of await readdir(names).catch(() => [])) {
    const owner = NAME_TEMPORARY.exec(entry)?.[1]
    if (owner !== undefined && ownerGone(owner)) await unlink(join(names, entry)).catch(ignoreMissing)
  }
  const containers = containersDir(dataRoot, namespace)
  const entries = await readdir(containers).catch(() => [])
  for (const id of entries.filter((entry) => /^[0-9a-f]{64}$/.test(entry) && !containerdIds.has(entry))) {
    await removeAbandonedCreate(dataRoot, namespace, id)
  }
  await releaseStaleNames(dataRoot, namespace)
  for (const lock of entries.filter((entry) => entry.endsWith('.lock'))) {
    const path = join(containers, lock)
    const refreshed = await stat(path).then((stats) => stats.mtimeMs, () => Date.now())
    if (Date.now() - refreshed > ABANDONED_LOCK_MS) await rm(path, {recursive: true, force: true}).catch(() => undefined)
  }
}

/**
 * Removes the state directory of a create killed before it wrote the record (whatever else it wrote
 * into it: its network plan, /etc files), and the lock the create held, when no live create or
 * removal holds that lock; containerd having no container `id` is the caller's to know. Without
 * `wait`, a lock that another holds is not waited for: nothing is removed then.
 */
export async function removeAbandonedCreate(dataRoot: string, namespace: string, id: string, {wait = true}: {wait?: boolean} = {}): Promise<void> {
  const paths = containerPaths(dataRoot, namespace, id)
  if (!existsSync(paths.dir) || existsSync(paths.record) || (await isLocked(paths.lifecycle))) return
  // Under its lock, taken over from the killed create: an `rm` of what it left may be at it too.
  const remove = async (): Promise<void> => {
    if (!existsSync(paths.record)) await removeContainerFiles(dataRoot, namespace, id, undefined)
  }
  await (wait ? withFileLock(paths.lifecycle, remove) : withFileLockUnless(paths.lifecycle, async () => true, remove)).catch(() => undefined)
}

/** Removes every name of the namespace whose container does not exist (see ownerExists). */
async function releaseStaleNames(dataRoot: string, namespace: string): Promise<void> {
  const dir = namesDir(dataRoot, namespace)
  const names = (await readdir(dir).catch(() => [])).filter((entry) => !entry.startsWith('.'))
  if (names.length === 0) return
  await withFileLock(dir, async () => {
    for (const name of names) await liveOwnerElseUnlink(dataRoot, namespace, join(dir, name))
  })
}

/**
 * docker's lookup of a `NAME|ID` argument: a full id, then a name, then a unique id prefix.
 * An ambiguous prefix is an error, as in docker.
 */
export async function resolveContainerId(dataRoot: string, namespace: string, reference: string): Promise<string> {
  return matchContainerReference(reference, await listContainerIds(dataRoot, namespace), (name) => idOfName(dataRoot, namespace, name))
}

/** resolveContainerId's lookup among `ids`, `ownerOf` telling which of them a name belongs to. */
export async function matchContainerReference(reference: string, ids: readonly string[], ownerOf: (name: string) => Promise<string | undefined>): Promise<string> {
  if (ids.includes(reference)) return reference
  // docker keeps names as `/NAME`, and takes either spelling.
  const name = reference.startsWith('/') ? reference.slice(1) : reference
  const named = isContainerName(name) ? await ownerOf(name) : undefined
  if (named) return named
  const matches = /^[0-9a-f]+$/.test(reference) ? ids.filter((id) => id.startsWith(reference)) : []
  if (matches.length === 1) return matches[0]!
  if (matches.length > 1) throw new NerdError(`multiple IDs found with provided prefix: ${reference}`)
  throw new NoSuchContainerError(reference)
}

const STRINGS = arrayOf('string')
const STRING_MAP = recordOf('string')

/**
 * What of config.json the code reads (json-shape.ts): what it reaches into or calls methods of
 * must be there; the rest, if there, of its type.
 */
const RECORD_SHAPE = objectOf({
  Id: 'string',
  Name: 'string',
  Namespace: 'string',
  Created: 'time',
  Path: 'string',
  Args: STRINGS,
  ImageRef: 'string',
  Image: 'string',
  Platform: 'string',
  Snapshotter: 'string',
  Config: objectOf({
    Hostname: optional('string'),
    Domainname: optional('string'),
    User: optional('string'),
    Tty: 'boolean',
    OpenStdin: 'boolean',
    Env: STRINGS,
    Cmd: optional(nullable(STRINGS)),
    Entrypoint: optional(nullable(STRINGS)),
    Image: 'string',
    WorkingDir: optional('string'),
    Labels: optional(nullable(STRING_MAP)),
    ExposedPorts: optional(recordOf('unknown')),
    Healthcheck: optional(objectOf({Test: optional(nullable(STRINGS))})),
    Shell: optional(STRINGS),
  }),
  HostConfig: objectOf({
    Binds: optional(nullable(STRINGS)),
    VolumesFrom: optional(nullable(STRINGS)),
    Mounts: optional(arrayOf(objectOf({Type: 'string', Target: 'string'}))),
    NetworkMode: 'string',
    PortBindings: recordOf(arrayOf(objectOf({HostIp: 'string', HostPort: 'string'}))),
    RestartPolicy: objectOf({Name: 'string', MaximumRetryCount: 'number'}),
    AutoRemove: 'boolean',
    LogConfig: objectOf({Type: 'string', Config: STRING_MAP}),
    Dns: optional(STRINGS),
    DnsOptions: optional(STRINGS),
    DnsSearch: optional(STRINGS),
    ExtraHosts: optional(nullable(STRINGS)),
    IpcMode: optional('string'),
    PidMode: optional('string'),
    PublishAllPorts: optional('boolean'),
    Memory: optional('number'),
    MemorySwap: optional('number'),
    MemoryReservation: optional('number'),
    NanoCpus: optional('number'),
    CpuShares: optional('number'),
    CpuPeriod: optional('number'),
    CpuQuota: optional('number'),
    CpusetCpus: optional('string'),
    CpusetMems: optional('string'),
    PidsLimit: optional(nullable('number')),
    BlkioWeight: optional('number'),
  }),
  Mounts: arrayOf(objectOf({Type: 'string', Source: 'string', Destination: 'string', RW: 'boolean', Name: optional('string')})),
  StopSignal: 'string',
  StopTimeout: 'number',
  LogPath: 'string',
  LogAttributes: optional(STRING_MAP),
  AnonymousVolumes: STRINGS,
  Address: optional('string'),
})

const STATE_SHAPE = objectOf({
  StartedAt: optional('time-or-empty'),
  FinishedAt: optional('time-or-empty'),
  ExitCode: optional('number'),
  Error: optional('string'),
  OOMKilled: optional('boolean'),
  RestartCount: optional('number'),
  ExplicitlyStopped: optional('boolean'),
  RestartDueAt: optional('number'),
  ExitUnrecorded: optional('boolean'),
})

/** The container's config.json; InvalidFileError naming it when it cannot be used. */
export async function readRecord(paths: ContainerPaths): Promise<ContainerRecord | undefined> {
  return readCheckedJson<ContainerRecord>(paths.record, 'container record', RECORD_SHAPE)
}

export async function writeRecord(paths: ContainerPaths, record: ContainerRecord): Promise<void> {
  await writeJsonAtomic(paths.record, record)
}

/**
 * The container's state.json, INITIAL_STATE's values for what it lacks, and for a file an older nerd
 * wrote, ExitUnrecorded as olderStateExitUnrecorded judges it; InvalidFileError naming it when it cannot be used.
 */
export async function readState(paths: ContainerPaths): Promise<ContainerState> {
  return judgedState(paths, await readStateFile(paths))
}

function readStateFile(paths: ContainerPaths): Promise<Partial<ContainerState> | undefined> {
  return readCheckedJson<Partial<ContainerState>>(paths.state, 'container state', STATE_SHAPE)
}

async function judgedState(paths: ContainerPaths, written: Partial<ContainerState> | undefined): Promise<ContainerState> {
  const state = {...INITIAL_STATE, ...written}
  if (written === undefined || 'ExitUnrecorded' in written || !(await olderStateExitUnrecorded(state, paths))) return state
  return {...state, ExitUnrecorded: true}
}

/**
 * Whether the last run of a container whose state an older nerd wrote, one from before
 * ExitUnrecorded, has no exit recorded: nerd then sees that exit out as any other nobody saw. Such a
 * nerd recorded an exit as FinishedAt, the exit's time; its start stamped StartedAt once
 * containerd's start had returned and, in the oldest, set FinishedAt to ''. So a run's exit is
 * unrecorded when it has no FinishedAt, or one from before the run's task was made (when the
 * task's init pid was recorded, at its creation) and from before its StartedAt. Neither alone tells
 * it: a process that ended at once had mostly ended before such a nerd stamped its start, and a
 * start that failed once its task was made left the last run's times as they were.
 */
async function olderStateExitUnrecorded(state: ContainerState, paths: ContainerPaths): Promise<boolean> {
  if (state.StartedAt === '') return false
  if (state.FinishedAt === '') return true
  const finished = Date.parse(state.FinishedAt)
  if (finished >= Date.parse(state.StartedAt)) return false
  const taskMadeAt = (await stat(paths.initPid).catch(() => undefined))?.mtimeMs
  return taskMadeAt !== undefined && finished < taskMadeAt
}

/**
 * Read-modify-write of state.json under the container's lock. A container removed meanwhile is no
 * such container: its state directory is not made again (it would stay behind, nobody's to remove).
 * The directory can go after the check too (a racing rm -f): the lock's or the write's ENOENT then
 * says so in docker's words.
 */
export async function updateState(paths: ContainerPaths, change: (state: ContainerState) => Partial<ContainerState>): Promise<ContainerState> {
  const removed = () => new NoSuchContainerError(basename(paths.dir))
  if (!existsSync(paths.dir)) throw removed()
  try {
    return await withFileLock(
      paths.state,
      async () => {
        const written = await readStateFile(paths)
        const current = await judgedState(paths, written)
        const changes = change(current)
        const next = {...current, ...changes}
        // What judgedState judged of an older nerd's state stays out of the file: that nerd's exit
        // handler, still at work for a container it started, would record the exit and leave it set.
        const judged = !(written && 'ExitUnrecorded' in written) && !('ExitUnrecorded' in changes)
        await writeJsonAtomic(paths.state, judged ? {...next, ExitUnrecorded: undefined} : next)
        return next
      },
      {createDirectory: false},
    )
  } catch (error) {
    throw (error as NodeJS.ErrnoException).code === 'ENOENT' && !existsSync(paths.dir) ? removed() : error
  }
}

/** Removes the state directory (logs included) and the name. */
export async function removeContainerFiles(dataRoot: string, namespace: string, id: string, name: string | undefined): Promise<void> {
  if (name) await releaseName(dataRoot, namespace, name, id)
  // The logger or exit handler of its last task may still be writing a file in it: a few retries.
  await rm(containerPaths(dataRoot, namespace, id).dir, {recursive: true, force: true, maxRetries: 5, retryDelay: 20})
}
