/** `nerd logs`: a container's json-file log, and following it for as long as the container may write. */
import {existsSync} from 'node:fs'
import {NerdError} from '../errors.ts'
import {outputDrained} from './detached-output.ts'
import {containerView, getTask, policyRestarts} from './lifecycle.ts'
import type {ContainerScope, LoadedContainer} from './lifecycle.ts'
import {parseLogOptions, parseLogTimeNanoseconds, readLogs} from './logs/index.ts'
import {readRecord} from './store.ts'

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
 * How long `logs -f` of a container that nothing will restart waits for its log to be whole (its
 * task deleted, see logComplete) before it ends anyway: a task left undeleted (its exit handler
 * killed) gets no more output. The deletion comes well before, even on a loaded machine.
 */
const COMPLETE_WAIT_MS = 5000

/** How often the follow looks for that deletion meanwhile: it comes a few hundred milliseconds after the exit. */
const DELETION_POLL_MS = 25

export async function followLogs(scope: ContainerScope, container: LoadedContainer, options: LogsOptions, output: {stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream}): Promise<void> {
  const {record} = container
  if (record.HostConfig.LogConfig.Type === 'none' || !record.LogPath) {
    throw new NerdError(`configured logging driver does not support reading`)
  }
  const now = new Date()
  const controller = new AbortController()
  // Asked while the log has nothing new. A container its policy restarts is followed through the
  // restart; one nothing restarts (policy no, on-failure after a success or its last retry, a stop)
  // ends the follow as soon as its log is whole, as docker's ends at the container's end.
  const shouldStop = async (): Promise<boolean> => {
    if (!(await readRecord(container.paths))) return true
    const view = await containerView(scope, container)
    const up = view.status === 'running' || view.status === 'paused' || view.status === 'restarting' || view.status === 'created'
    if (up || policyRestarts(record, view.state, view.exitCode)) return false
    const deadline = Date.now() + COMPLETE_WAIT_MS
    while (!controller.signal.aborted && Date.now() < deadline && !(await logComplete(scope, container))) {
      await new Promise((resolve) => setTimeout(resolve, DELETION_POLL_MS))
    }
    return true
  }
  if (!options.follow && existsSync(container.paths.drainMark)) await untilOutputDrained(scope, container)
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
        until: options.until ? timeFlag('until', options.until, now) : undefined,
        timestamps: options.timestamps,
        details: options.details,
        maxFile: parseLogOptions(record.HostConfig.LogConfig.Config).maxFile,
        shouldStop,
        // Once the task is gone no logger writes the log: a name found empty (a file removed by
        // hand) stays so, and `logs` does not wait for it. Asked only then: most reads find none.
        writerGone: follow ? undefined : () => logComplete(scope, container),
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

async function neverStarted(scope: ContainerScope, container: LoadedContainer): Promise<boolean> {
  const view = await containerView(scope, container)
  return view.status === 'created' && view.state.StartedAt === ''
}

/** A process whose output nerd's drain carries may have ended with its last output still on the way to the log. */
async function untilOutputDrained(scope: ContainerScope, container: LoadedContainer): Promise<void> {
  const view = await containerView(scope, container)
  if (view.status === 'running' || view.status === 'paused') return
  while (!outputDrained(container.paths)) await new Promise((resolve) => setTimeout(resolve, DRAIN_POLL_MS))
}
