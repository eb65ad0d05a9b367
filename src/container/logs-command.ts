/** `nerd logs`: a container's json-file log, and following it for as long as the container may write. */
import {existsSync, statSync} from 'node:fs'
import {setTimeout as delay} from 'node:timers/promises'
import {NerdError} from '../errors.ts'
import {isLocked} from '../files.ts'
import {outputDrained} from './detached-output.ts'
import {startedBeforeBoot} from './host-process.ts'
import {markHeld, markState} from './process-mark.ts'
import {containerView, getTask, policyRestarts} from './lifecycle.ts'
import type {ContainerScope, LoadedContainer} from './lifecycle.ts'
import type {Process} from '../containerd/index.ts'
import {parseLogOptions, parseLogTimeNanoseconds, readLogs} from './logs/index.ts'
import {readRecord, readState} from './store.ts'

export interface LogsOptions {
  follow: boolean
  tail?: number
  since?: string
  until?: string
  timestamps: boolean
  details: boolean
}

/** docker names the flag whose value it could not read. */
function timeFlag(flag: string, value: string, now: Date): bigint {
  try {
    return parseLogTimeNanoseconds(value, now)
  } catch (error) {
    throw new NerdError(`invalid value for "${flag}": ${(error as Error).message}`)
  }
}

const DRAIN_POLL_MS = 20

/**
 * How often `logs -f` of a container that has ended for good looks for the end of its log (logEnd)
 * meanwhile: every 25 ms for the first seconds, as the task's deletion mostly comes a few hundred
 * milliseconds after the exit; then every 250 ms, as it comes only once a logger held up (a loaded
 * machine) goes on.
 */
const DELETION_POLL_MS = 25
const QUICK_LOOKS_MS = 5000
const HELD_POLL_MS = 250

export async function followLogs(scope: ContainerScope, container: LoadedContainer, options: LogsOptions, output: {stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream}): Promise<void> {
  const {record} = container
  if (record.HostConfig.LogConfig.Type === 'none' || !record.LogPath) {
    throw new NerdError(`configured logging driver does not support reading`)
  }
  const now = new Date()
  // As docker's daemon, an until of "0" is none.
  const until = options.until && options.until !== '0' ? timeFlag('until', options.until, now) : undefined
  const controller = new AbortController()
  // Once the container is found down for good: the task of the process that ended (it may already be gone).
  let ended: EndedTask | undefined
  const endedForGood = async (): Promise<EndedTask | undefined> => (ended ??= await endedTask(scope, container))
  /** Why the log may lack the end of the output, when the follow ended without it whole. */
  let cutShort: string | undefined
  const followedWriterGone = async (): Promise<boolean> => {
    const task = await endedForGood()
    const end = task && (await logEnd(scope, container, task))
    return end === 'whole' || end === 'cut-short'
  }
  // Asked while the log has nothing new. A container its policy restarts is followed through the
  // restart; one nothing restarts (policy no, on-failure after a success or its last retry, a stop)
  // ends the follow once its log is whole, as docker's ends once its copier has drained the
  // container's output: however long a logger held up (a loaded machine) takes to write it.
  const shouldStop = async (): Promise<boolean> => {
    if (!(await readRecord(container.paths))) return true
    const task = await endedForGood()
    if (!task) return false
    const end = await awaitLogEnd(scope, container, task, {signal: controller.signal, untilMs: until === undefined ? undefined : Number(until / 1_000_000n)})
    if (end === undefined) return false
    if (end !== 'whole') cutShort = LOG_CUT_SHORT[end]
    return true
  }
  if (!options.follow && existsSync(container.paths.drainMark)) await untilOutputDrained(scope, container)
  if (!options.follow) await untilEndedLogWhole(scope, container)
  // As docker's, a container never started has no logger to follow: -f shows what there is and
  // returns; so does it for a dead one, which nothing starts again.
  const follow = options.follow && !container.dead && !(await neverStarted(scope, container))
  // As the logger's (src/logger.ts): a follow's allocations are short-lived, and a young generation
  // V8 doubles under a chatty container's output stays dirty for good.
  if (follow) (await import('node:v8')).setFlagsFromString('--semi-space-growth-factor=1')
  const stop = (): void => controller.abort()
  process.once('SIGINT', stop)
  try {
    await readLogs(
      record.LogPath,
      {
        follow,
        tail: options.tail,
        since: options.since ? timeFlag('since', options.since, now) : undefined,
        until,
        timestamps: options.timestamps,
        details: options.details,
        maxFile: parseLogOptions(record.HostConfig.LogConfig.Config).maxFile,
        shouldStop,
        // Once the task is gone no logger writes the log: a name found empty (a file removed by
        // hand) stays so, and is not waited for. Asked only then: most reads find none. A follow
        // takes it so only of a container down for good: a restart by its policy brings a logger back.
        writerGone: follow ? followedWriterGone : () => logComplete(scope, container),
        signal: controller.signal,
      },
      {
        stdout: (chunk) => output.stdout.write(chunk),
        stderr: (chunk) => output.stderr.write(chunk),
        drained: () => Promise.all([drainOf(output.stdout), drainOf(output.stderr)]).then(() => undefined),
        warning: (message) => void output.stderr.write(`WARNING: ${message}\n`),
      },
    )
  } finally {
    process.off('SIGINT', stop)
  }
  if (cutShort) output.stderr.write(`WARNING: ${cutShort}\n`)
}

/** Resolves once the stream's buffer is below its mark again (at once if it is): a reader behind a pipe holds the follow, not memory. */
function drainOf(stream: NodeJS.WritableStream): Promise<void> {
  const writable = stream as NodeJS.WritableStream & {writableNeedDrain?: boolean}
  if (!writable.writableNeedDrain) return Promise.resolve()
  return new Promise((resolve) => {
    const done = (): void => {
      writable.off('drain', done)
      writable.off('close', done)
      writable.off('error', done)
      resolve()
    }
    writable.on('drain', done)
    writable.on('close', done)
    writable.on('error', done)
  })
}

/**
 * Whether all the output of a container that has ended is in its log: its task is deleted (the
 * deletion waits for the logger, which writes what is left in the pipes) and a drain that carried
 * its output (detached-output.ts) is done.
 */
async function logComplete(scope: ContainerScope, container: LoadedContainer): Promise<boolean> {
  return outputDrained(container.paths) && (await getTask(scope, container.record.Id)) === undefined
}

/** The task of a container's process that has ended for good, or none when it is gone already. */
interface EndedTask {
  pid?: number
  /** When the follow found it ended (ms since the epoch). */
  foundAt: number
}

/**
 * The task of the container's process when the container is down and nothing will start it again
 * (policy no, on-failure after a success or its last retry, a stop); undefined while it runs, or
 * its policy will restart it.
 */
async function endedTask(scope: ContainerScope, container: LoadedContainer): Promise<EndedTask | undefined> {
  const view = await containerView(scope, container)
  const up = view.status === 'running' || view.status === 'paused' || view.status === 'restarting' || view.status === 'created'
  if (up || policyRestarts(container.record, view.state, view.exitCode)) return undefined
  const task = await getTask(scope, container.record.Id)
  // Started again since the look (by hand): asked again at the next.
  if (task && task.status !== 'STOPPED') return undefined
  // A restart by hand is under way: it marks the container before its stop and clears the mark once
  // its start is done, and the follow goes on into the new run, as through a policy's restart. Looked
  // at last: a restart that the look found stopped holds it still, or has started the task found.
  if (markHeld(container.paths.restarting)) return undefined
  return {...(task ? {pid: task.pid} : {}), foundAt: Date.now()}
}

/** How the log of a container ended for good came to its end: whole, or without what nothing will write. */
type LogEnd = 'whole' | 'cut-short' | 'undeleted'

const LOG_CUT_SHORT: Record<Exclude<LogEnd, 'whole'>, string> = {
  'cut-short': "the container's logger ended before it had written all of the container's output: the log may miss its end",
  undeleted: "the container's task was left undeleted after its exit: its log may miss the end of its output",
}

/**
 * Whether the log of a container ended for good is done with, and how; undefined while it may still
 * grow. It is whole once the task of the process that ended is deleted (the deletion waits for the
 * logger, which writes what is left in the pipes), its logger has removed its mark (it wrote all
 * of the output, see ContainerPaths.logWriter) and a drain that carried the output is done.
 * Nothing writes the rest when the logger ended first (its mark names a process gone), or when the
 * task stays: its exit recorded, nobody holds the container to delete it (an exit handler killed
 * on the way).
 */
async function logEnd(scope: ContainerScope, container: LoadedContainer, ended: EndedTask): Promise<LogEnd | undefined> {
  const {paths} = container
  const undeleted = (task: Process | undefined): boolean => task !== undefined && task.pid === ended.pid
  const task = await getTask(scope, container.record.Id)
  if (undeleted(task)) {
    // The mark of a logger gone (process-mark.ts): it ended before it had written all of the output.
    if (markState(paths.logWriter) === 'orphaned') return 'cut-short'
    // Each deletion records the exit first, under the lifecycle lock, which it holds until the task
    // is gone: the task is looked at again after the lock.
    if (!(await readState(paths)).ExitUnrecorded && !(await isLocked(paths.lifecycle)) && undeleted(await getTask(scope, container.record.Id))) return 'undeleted'
    return undefined
  }
  if (!outputDrained(paths)) return undefined
  // Another task (a start by hand since): the mark is its logger's; this one's ended with its deletion.
  if (task) return 'whole'
  // A logger may outlive its task: its shim died, containerd deleted the task, and it reads what is left.
  // No mark: it wrote it all (or named itself nowhere: a foreground run's output, a container an
  // earlier nerd started).
  const writer = markState(paths.logWriter)
  if (writer === 'held') return undefined
  // A logger gone with its process in one event, the host's reboot (the run began before the boot):
  // the log ends where the machine stopped, as docker's does, which says nothing of it.
  return writer === 'orphaned' && !startedBeforeBoot((await readState(paths)).StartedAt) ? 'cut-short' : 'whole'
}

/**
 * Waits for the end of the log of a container ended for good (logEnd) while nothing is added to
 * it; undefined once something is (to be read first), the follow is called off, or `--until` is past.
 */
async function awaitLogEnd(scope: ContainerScope, container: LoadedContainer, ended: EndedTask, options: {signal: AbortSignal; untilMs: number | undefined}): Promise<LogEnd | undefined> {
  const path = container.record.LogPath
  const looked = liveFileState(path)
  for (;;) {
    const end = await logEnd(scope, container, ended)
    if (end !== undefined) return end
    if (options.signal.aborted || (options.untilMs !== undefined && Date.now() > options.untilMs) || liveFileState(path) !== looked) return undefined
    await delay(Date.now() - ended.foundAt < QUICK_LOOKS_MS ? DELETION_POLL_MS : HELD_POLL_MS)
  }
}

/** The live file's inode and size: another once the logger has written to it or rotated it. */
function liveFileState(path: string): string {
  const stats = statSync(path, {throwIfNoEntry: false})
  return stats ? `${stats.ino}:${stats.size}` : ''
}

async function neverStarted(scope: ContainerScope, container: LoadedContainer): Promise<boolean> {
  const view = await containerView(scope, container)
  return view.status === 'created' && view.state.StartedAt === ''
}

/**
 * How long `logs` waits for the log of a container that has just ended for good to be whole
 * (logEnd): docker's daemon waits as long for its copier (loggerCloseTimeout) before it closes the
 * logger, which writes an unfinished last line.
 */
const LOGGER_CLOSE_TIMEOUT_MS = 10_000

/**
 * For `logs` of a container that has ended for good, its task maybe not deleted yet (its exit
 * handler at work): the logger writes an unfinished last line only as it ends, with the task's
 * deletion. docker's daemon shows a container stopped only once its logger is closed, so its
 * `logs` then has that line; nerd's shows it exited from the exit on, and `logs` waits here instead.
 */
async function untilEndedLogWhole(scope: ContainerScope, container: LoadedContainer): Promise<void> {
  const ended = await endedTask(scope, container)
  if (!ended) return
  while ((await logEnd(scope, container, ended)) === undefined && Date.now() - ended.foundAt < LOGGER_CLOSE_TIMEOUT_MS) await delay(DELETION_POLL_MS)
}

/** A process whose output nerd's drain carries may have ended with its last output still on the way to the log. */
async function untilOutputDrained(scope: ContainerScope, container: LoadedContainer): Promise<void> {
  const view = await containerView(scope, container)
  if (view.status === 'running' || view.status === 'paused') return
  while (!outputDrained(container.paths)) await new Promise((resolve) => setTimeout(resolve, DRAIN_POLL_MS))
}
