/**
 * The logging driver containerd's shim runs for a detached container (`binary://` log URI, see
 * loggerUri): fd 3 and 4 carry the container's stdout and stderr, fd 5 tells the shim the logger is
 * ready (Tasks.Create waits for it to close). It writes the json-file log until both outputs end,
 * which is when the task is deleted, and starts the exit handler (dist/task-exit.js) once the
 * container's init process is gone: the shim keeps the pipes open until then. It names itself in the
 * container's log-writer mark until all of the output is in the log, which `logs -f` waits for.
 *
 * One runs per running container and its memory counts against it: it reads with non-blocking
 * pipes and writes synchronously (no libuv thread pool), and loads nothing but this directory, the
 * store, the attach socket (which costs nothing until `attach` connects) and node's fs and net
 * (node's zlib too once `compress=true` has it gzip a rotated file).
 */
import {closeSync, constants, existsSync, openSync, readFileSync, unlinkSync} from 'node:fs'
import {Socket} from 'node:net'
import {dirname, join} from 'node:path'
import {fifoInput, serveAttachSocket} from '../attach-socket.ts'
import {markHeld, markThisProcessSync, releaseMarkSync} from '../process-mark.ts'
import {initProcessRuns, processStartTime, recordedInitProcess, startedBeforeBoot} from '../host-process.ts'
import type {InitProcess} from '../host-process.ts'
import {monitorRestarts} from '../model.ts'
import type {ContainerRecord, ContainerState} from '../model.ts'
import {containerPaths, startedState, updateState} from '../store.ts'
import {preciseNow} from '../../clock.ts'
import type {ContainerPaths} from '../store.ts'
import {openContainerLog} from './json-file.ts'
import type {JsonFileLog, LogStream} from './json-file.ts'
import {HELPER_NODE_FLAGS} from '../../paths.ts'

/** Stand-ins for the namespace and ID in a container's paths, which the prelude takes from the shim's environment. */
const NAMESPACE_SLOT = '\u0001namespace'
const ID_SLOT = '\u0001id'


/**
 * The `binary://` URI of a container's logging driver. The shim creates the task only once the
 * driver has closed fd 5, and Node takes ~20 ms to start, so a /bin/sh prelude does what must come
 * before the task runs, closes fd 5 and execs node with the logger:
 * - it takes nerd's start mark (nerd leaves one before each start it makes): a task started without
 *   one is containerd's restart monitor at work, and counts as a restart;
 * - it holds a detached `-it` container's stdin FIFO open (fd 6), so that the shim's reader sees no
 *   end of input between one `attach` and the next.
 * Then `<node> <HELPER_NODE_FLAGS> <logger script> <data root> requested|unrequested [6]`. (A task
 * deleted within the ~20 ms before Node handles the shim's SIGTERM loses what its container wrote
 * meanwhile: a start that failed, or `rm -f` at once.) Without `rm` the shim runs
 * `<node> <logger script> <data root>`, and the logger does both itself before it closes fd 5.
 * The query's key and value become the arguments (`-c`, the script); containerd parses the URI as a
 * URL, so both are percent-encoded.
 */
export function loggerUri(nodePath: string, loggerScript: string, dataRoot: string, rmPath: string | undefined): string {
  if (rmPath === undefined) {
    const path = nodePath.split('/').map(encodeURIComponent).join('/')
    return `binary://${path}?${encodeURIComponent(loggerScript)}=${encodeURIComponent(dataRoot)}`
  }
  const paths = containerPaths(dataRoot, NAMESPACE_SLOT, ID_SLOT)
  const stdin = shellPath(paths.stdin)
  const script = [
    `if ${shellQuote(rmPath)} ${shellPath(paths.startMark)} 2>/dev/null; then started=requested; else started=unrequested; fi`,
    'keeper=',
    `if [ -p ${stdin} ] && command exec 6<>${stdin}; then keeper=6; fi`,
    'exec 5>&-',
    `exec ${[nodePath, ...HELPER_NODE_FLAGS, loggerScript, dataRoot].map(shellQuote).join(' ')} "$started" $keeper`,
  ].join('\n')
  return `binary:///bin/sh?-c=${encodeURIComponent(script)}`
}

function shellPath(template: string): string {
  return template
    .split(/(\u0001namespace|\u0001id)/)
    .filter((part) => part !== '')
    .map((part) => (part === NAMESPACE_SLOT ? '"$CONTAINER_NAMESPACE"' : part === ID_SLOT ? '"$CONTAINER_ID"' : shellQuote(part)))
    .join('')
}

function shellQuote(text: string): string {
  return `'${text.replaceAll("'", "'\\''")}'`
}

/** What the prelude did: whether nerd's start mark was there, and the fd holding the stdin FIFO. */
export interface LoggerPrelude {
  requested: boolean
  stdinFd?: number
}

export interface LoggerEnvironment {
  dataRoot: string
  /** CONTAINER_NAMESPACE and CONTAINER_ID, which the shim puts in the logger's environment. */
  namespace: string
  id: string
  /** The running logger script; the exit handler (task-exit.js) is beside it. */
  loggerScript: string
  /** Set when a prelude ran the logger (loggerUri): the start mark and fd 5 are dealt with. */
  prelude?: LoggerPrelude
}

/** What the shim passes: the read ends of the container's stdout and stderr pipes, and the write end of the ready pipe. */
const STDOUT_FD = 3
const STDERR_FD = 4
const READY_FD = 5

const READ_SIZE = 64 * 1024

/** How long the logger keeps draining after the shim's SIGTERM, which follows its closing the pipes. */
const DRAIN_AFTER_TERM_MS = 5000

export async function runLogger(environment: LoggerEnvironment): Promise<void> {
  const started = Number(processStartTime('self'))
  const terminated = new Promise<void>((resolve) => process.once('SIGTERM', () => resolve()))
  const paths = containerPaths(environment.dataRoot, environment.namespace, environment.id)
  try {
    markThisProcessSync(paths.logWriter)
  } catch {
    // No state directory: the logger still drains the output.
  }
  let record: ContainerRecord | undefined
  let log: JsonFileLog | undefined
  let failure: unknown
  /** Whether all that was read went into the log (or nowhere, with --log-driver none). */
  let logged = true
  const logFailed = (error: unknown): void => {
    logged = false
    failure ??= error
  }
  // Whatever fails, the output is still drained: a container whose output pipe has no reader
  // blocks or dies of SIGPIPE.
  try {
    record = JSON.parse(readFileSync(paths.record, 'utf8')) as ContainerRecord
    // What cannot be written (a full disk) is dropped, and the first failure told when the logger ends.
    if (record.HostConfig.LogConfig.Type !== 'none' && record.LogPath) log = await openContainerLog(record, logFailed)
  } catch (error) {
    logFailed(error)
  }
  const {prelude} = environment
  if (record) {
    const unrequested = await countUnrequestedStart(paths, prelude).catch((error: unknown) => {
      failure ??= error
      return false
    })
    // nerd starts a health monitor with each start it makes; containerd's restart monitor does not.
    if (unrequested && record.Config?.Healthcheck) await startBeside(environment, 'health.js')
  }
  // An `-it` container's stdin FIFO stays open while the logger lives (it never reads it, and writes
  // what `attach` sends): the shim's reader sees no end of input between one `attach` and the next,
  // as in docker. (A record without Config is read as no stdin: the logger must not lose output
  // over a record's shape.)
  // Opened here, it is closed on exec: the exit handler must not hold it after the logger.
  const stdinKeeper = record?.Config?.OpenStdin && existsSync(paths.stdin) ? openSync(paths.stdin, constants.O_RDWR | constants.O_NONBLOCK) : undefined
  if (prelude === undefined) closeSync(READY_FD)
  else if (prelude.stdinFd !== undefined) closeSync(prelude.stdinFd)
  // `attach` gets the output from here, and its input goes into the stdin FIFO held.
  const stdin = stdinKeeper === undefined ? undefined : fifoInput(stdinKeeper)
  const attach = serveAttachSocket(paths.dir, stdin?.input)

  const inputs: Socket[] = []
  // As docker's unbuffered attach: while an attacher is behind (its socket is full), the output is
  // not read, and the container waits on its full pipe instead of the attacher losing output. The
  // log misses nothing either way: it is written as the output is read. Once the process has
  // exited, what is left in the pipes is read whatever the attachers' pace: it goes into the log
  // before the task's deletion ends the logger, and a stalled attacher is let go (CLIENT_BACKLOG_LIMIT).
  let holding = true
  const release = (): void => {
    holding = false
    for (const input of inputs) input.resume()
  }
  /** Resolves once the output on `fd` has ended: true at its end, false when it could not be read to its end. */
  const copy = (fd: number, stream: LogStream): Promise<boolean> =>
    new Promise((resolve) => {
      let input: Socket
      try {
        // One buffer reused for every read: a fresh one per read is memory that only a GC returns,
        // and the logger allocates so little that GCs are rare.
        const buffer = Buffer.allocUnsafe(READ_SIZE)
        const resume = (): void => void input.resume()
        const callback = (length: number): boolean => {
          const chunk = buffer.subarray(0, length)
          log?.write(stream, chunk)
          if (!attach || attach.broadcast(stream, chunk) || !holding) return true
          // False pauses the socket.
          attach.caughtUp(resume)
          return false
        }
        input = new Socket({fd, readable: true, writable: false, onread: {buffer, callback}})
      } catch {
        // No such output to read.
        return resolve(true)
      }
      inputs.push(input)
      input.on('error', () => resolve(false))
      input.on('close', () => resolve(true))
    })
  const copied = Promise.all([copy(STDOUT_FD, 'stdout'), copy(STDERR_FD, 'stderr')]).then((ends) => ends.every(Boolean))
  void terminated.then(release)
  /** True when both outputs were read to their end; false when cut short after the shim's SIGTERM. */
  const outputRead = Promise.race([copied, terminated.then(() => new Promise<boolean>((resolve) => setTimeout(() => resolve(false), DRAIN_AFTER_TERM_MS).unref()))])
  const ended = outputRead.then(() => undefined)

  if (record) {
    const watching = new AbortController()
    const exitedPid = await Promise.race([initProcessExit(paths.initPid, started, watching.signal, {slowWhenIdle: !monitorRestarts(record)}), ended.then(() => undefined)])
    watching.abort()
    release()
    if (exitedPid !== undefined) {
      if (!(await seenOutByStopper(paths.stopping, ended))) await startBeside(environment, 'task-exit.js', String(exitedPid))
    } else if (exitUnrecorded(paths)) {
      // The output ended before the process was seen to (the shim died: containerd ends the process
      // and deletes the task), and nobody recorded the exit: the handler gets it from containerd.
      const init = recordedInitProcess(paths.initPid)
      await startBeside(environment, 'task-exit.js', ...(init && init.startTime >= started ? [String(init.pid)] : []))
    }
  }
  const wholeOutput = await outputRead
  await attach?.close()
  stdin?.close()
  for (const input of inputs) input.destroy()
  try {
    await log?.close()
  } catch (error) {
    logFailed(error)
  }
  // All of the output is in the log: the mark goes, unless it names another logger by now (a later task's).
  if (wholeOutput && logged) releaseMarkSync(paths.logWriter)
  if (failure) throw failure
}

/** Whether the state says the container's last start has no exit recorded (ContainerState.ExitUnrecorded); read without the state's lock, whose module costs the logger memory. */
function exitUnrecorded(paths: ContainerPaths): boolean {
  try {
    return (JSON.parse(readFileSync(paths.state, 'utf8')) as Partial<ContainerState>).ExitUnrecorded === true
  } catch {
    return false
  }
}

/**
 * nerd marks the starts it makes; a task nobody marked is containerd's restart monitor at work (then
 * true). It counts as a restart when it follows an exit nobody recorded, but for the first start
 * after a reboot, which is docker's daemon start of the container: the count starts over. An exit
 * handler that recorded the exit counted the restart it made due then (task-exit.ts), which this
 * start carries out. Only then is the state locked: the lock's module costs the logger memory.
 */
async function countUnrequestedStart(paths: ContainerPaths, prelude: LoggerPrelude | undefined): Promise<boolean> {
  if (prelude?.requested ?? takeStartMark(paths)) return false
  await updateState(paths, (state) => ({
    // The monitor beat the last run's exit handler, which leaves an exit it finds replaced to the
    // start that replaced it: the run ended before now (at most the monitor's 10 s period before).
    ...(state.ExitUnrecorded ? {RestartCount: startedBeforeBoot(state.StartedAt) ? 0 : state.RestartCount + 1, FinishedAt: preciseNow()} : {}),
    // The shim runs the logger as it makes the task, before the process starts.
    ...startedState(preciseNow()),
  }))
  return true
}

function takeStartMark(paths: ContainerPaths): boolean {
  try {
    unlinkSync(paths.startMark)
    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
    return false
  }
}

/**
 * How often the logger looks for its process's exit: every 100 ms in the process's first 10 s (a
 * quick exit, and the restarts of a crash loop), then every 250 ms. Each look wakes a Node process,
 * which costs ~0.07 ms of CPU however little the look does, in every container's logger: at 100 ms,
 * 50 idle containers took 8% of a CPU. A container containerd's restart monitor also restarts
 * (always, unless-stopped) is looked at every 100 ms throughout: the exit handler takes it off the
 * monitor, and a monitor tick between the exit and that start skips the back-off and the exit's record.
 */
const EXIT_POLL_MS = 100
const IDLE_EXIT_POLL_MS = 250
const YOUNG_PROCESS_MS = 10_000
/**
 * How often a look reads /proc (a zombie, a pid given to a later process); the looks between only
 * ask whether the pid is taken (signal 0, no file opened), which tells the usual exit: the shim
 * reaps its process at once.
 */
const FULL_LOOK_MS = 1000

/** Whether a process has the pid: a zombie, or a later process given the pid, too. */
function pidTaken(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH'
  }
}

/**
 * Resolves with the pid of the init process this task's hook recorded once it is gone or a zombie:
 * the shim keeps the output pipes open until the task is deleted, so the end of the output does not
 * tell. Undefined when the watch is aborted.
 *
 * The record is this task's when its process started no earlier than this one: the shim starts the
 * logger (the prelude, whose pid exec keeps) before it creates the task, and an earlier task's
 * process started before that one was deleted. Both times are /proc's, in ticks of one clock: a
 * file's modification time, on a coarser clock than /proc's, could not tell them apart.
 */
export function initProcessExit(pidFile: string, since: number, signal: AbortSignal, options: {slowWhenIdle: boolean} = {slowWhenIdle: true}): Promise<number | undefined> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(undefined)
    let init: InitProcess | undefined
    // Since when the process was found, or the record waited for; and the last full look.
    let watchedSince = Date.now()
    let lookedInProc = 0
    let idle = false
    const finish = (pid: number | undefined): void => {
      clearInterval(timer)
      signal.removeEventListener('abort', aborted)
      resolve(pid)
    }
    const aborted = (): void => finish(undefined)
    const look = (): void => {
      const now = Date.now()
      if (init === undefined) {
        const recorded = recordedInitProcess(pidFile)
        if (!recorded || recorded.startTime < since) return slowDownWhenIdle(now)
        init = recorded
        watchedSince = now
        lookedInProc = 0
      }
      if (now - lookedInProc >= FULL_LOOK_MS) {
        lookedInProc = now
        if (!initProcessRuns(init)) return finish(init.pid)
      } else if (!pidTaken(init.pid)) {
        return finish(init.pid)
      }
      slowDownWhenIdle(now)
    }
    const slowDownWhenIdle = (now: number): void => {
      if (idle || !options.slowWhenIdle || now - watchedSince < YOUNG_PROCESS_MS) return
      idle = true
      clearInterval(timer)
      timer = setInterval(look, IDLE_EXIT_POLL_MS)
    }
    let timer = setInterval(look, EXIT_POLL_MS)
    signal.addEventListener('abort', aborted)
  })
}

/**
 * A stop or forced removal that ended the process deletes the task itself, which ends this logger
 * (`ended`): while its nerd lives, that is waited for rather than an exit handler started (a Node
 * process each: twenty of them made an `rm -f` of twenty containers three times slower). True when
 * the end came; false when there is no such nerd, or it died or finished first.
 */
export async function seenOutByStopper(mark: string, ended: Promise<void>): Promise<boolean> {
  let done = false
  void ended.then(() => (done = true))
  while (markHeld(mark)) {
    // Unreferenced: once ended, the logger's exit (which the task's deletion waits for) must not wait for the timer.
    await Promise.race([ended, new Promise<void>((resolve) => setTimeout(resolve, EXIT_POLL_MS).unref())])
    if (done) return true
  }
  return false
}

/**
 * Starts an entry point beside the logger (task-exit.js, health.js) for the container, in its own
 * session: the exit handler may delete the task, which makes the shim kill the logger. (Loaded
 * here, child_process costs only the loggers that start one.)
 */
async function startBeside(environment: LoggerEnvironment, entry: 'task-exit.js' | 'health.js', ...args: string[]): Promise<void> {
  const {spawn} = await import('node:child_process')
  // fds 3 and 4 (the pipes) are inherited by any child unless replaced: /dev/null takes their place.
  const devNull = openSync('/dev/null', 'r+')
  try {
    const script = join(dirname(environment.loggerScript), entry)
    spawn(process.execPath, [...HELPER_NODE_FLAGS, script, environment.dataRoot, environment.namespace, environment.id, ...args], {
      detached: true,
      stdio: ['ignore', 'ignore', 'ignore', devNull, devNull],
    }).unref()
  } finally {
    closeSync(devNull)
  }
}
