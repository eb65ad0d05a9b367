/**
 * After `run -it` (or `start -ai`, `exec -it`) detaches, the process keeps writing to its output
 * FIFO: with no reader the shim's copy fails and the process soon blocks on a full pipe. So before
 * nerd lets go, a small process of its own (dist/fifo-drain.js) opens the FIFOs and carries the
 * output on into the container's log until the process ends, as docker's daemon keeps reading.
 * It takes the session's stdin too and serves the container's attach socket, so that `attach` can
 * take up the session again. A `run -di` container is started with one from the outset: it holds
 * the container's stdin open, as docker's daemon does, since containerd's shim feeds a logged task
 * no stdin without a terminal.
 */
import {spawn} from 'node:child_process'
import {closeSync, constants, openSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {Socket} from 'node:net'
import {join} from 'node:path'
import {codeDir, HELPER_NODE_FLAGS} from '../paths.ts'
import {fifoInput, serveAttachSocket} from './attach-socket.ts'
import {startExitHandler} from './exit-handler.ts'
import {parentPid, processStartTime, recordedInitProcess} from './host-process.ts'
import {reopenOrphanedFifos} from './io.ts'
import type {OpenedFifos} from './io.ts'
import {openContainerLog} from './logs/index.ts'
import {initProcessExit} from './logs/logger.ts'
import type {LogStream} from './logs/index.ts'
import type {ContainerRecord} from './model.ts'
import {containerPaths} from './store.ts'
import type {ContainerPaths} from './store.ts'

export interface DrainRequest {
  /**
   * The output FIFOs: paths the drain opens, for a process not started yet; for a session that lets
   * go, the descriptors nerd has open, which the drain inherits. It may not open those again: a
   * FIFO opened after its writer closed (a process that ended while nerd let go) never reports the end.
   */
  stdout: string | number
  /** Absent (or '') with a terminal. */
  stderr?: string | number
  /** The container's record file, for the log path and options; empty to discard the output. */
  recordFile: string
  /**
   * The container's stdin FIFO, held open while the process runs and written with what `attach`
   * sends: a path (a `-di` container's), or the descriptor of a session that lets go.
   */
  stdin?: string | number
}

/** How long a drain mark may stay empty (the drain starting) before its drain is taken for dead. */
const DRAIN_START_MS = 2000

/**
 * Whether all the output of a process that has ended is in its log. Whoever starts a drain leaves
 * the container's drain mark first; the drain writes its pid there and removes the mark once it has
 * written everything. A drain that died (its pid gone, or never written) leaves nothing to wait for.
 */
export function outputDrained(paths: Pick<ContainerPaths, 'drainMark'>): boolean {
  let mark: {pid: string; mtimeMs: number}
  try {
    mark = {pid: readFileSync(paths.drainMark, 'utf8'), mtimeMs: statSync(paths.drainMark).mtimeMs}
  } catch {
    return true
  }
  if (mark.pid === '') return Date.now() - mark.mtimeMs >= DRAIN_START_MS
  try {
    process.kill(Number(mark.pid), 0)
    return false
  } catch {
    return true
  }
}

/** How the drain's command line names a FIFO it inherited (`fd:3`) rather than one to open. */
const INHERITED_FD_PREFIX = 'fd:'

/**
 * Starts the drain and resolves once it holds the FIFOs open (the caller may then close its ends),
 * with a way to stop it: a drain started before its process must not outlive a start that failed.
 */
export function handOverOutput(request: DrainRequest): Promise<{stop(): void}> {
  const stdio: (number | 'ignore' | 'pipe')[] = ['ignore', 'pipe', 'ignore']
  const argument = (fifo: string | number | undefined): string => {
    if (typeof fifo !== 'number') return fifo ?? ''
    stdio.push(fifo)
    return `${INHERITED_FD_PREFIX}${stdio.length - 1}`
  }
  const args = [request.recordFile, argument(request.stdout), argument(request.stderr), ...(request.stdin === undefined ? [] : [argument(request.stdin)])]
  const child = spawn(process.execPath, [...HELPER_NODE_FLAGS, join(codeDir, 'fifo-drain.js'), ...args], {detached: true, stdio})
  // Its stdio[1] is a pipe.
  const ready = child.stdout!
  return new Promise((resolve) => {
    const done = (): void => {
      ready.destroy()
      child.unref()
      resolve({stop: () => child.kill()})
    }
    ready.once('data', done)
    child.once('exit', done)
    child.once('error', done)
  })
}

/**
 * Hands an attached session's output ends to a drain (`recordFile`: the container whose log takes
 * the output, '' to drop it, as for an exec); false when an end has closed already, the process
 * having ended, and there is nothing to hand over. A container's session hands over its stdin too,
 * for a later `attach` (an exec's cannot be attached to again). The ends are taken, the drain
 * spawned and nerd's reading stopped in one tick: the number of an end that closes is soon another
 * descriptor's.
 */
export async function handOverSession(fifos: OpenedFifos, recordFile: string): Promise<boolean> {
  const output = fifos.openOutputFds()
  if (!output) return false
  const stdin = recordFile ? fifos.openStdinFd() : undefined
  const drain = handOverOutput({...output, ...(stdin === undefined ? {} : {stdin}), recordFile})
  fifos.closeOutputs()
  await drain
  return true
}

/**
 * Takes over the output of a foreground session whose nerd was killed outright (SIGKILL; its
 * `owner`, owner.ts) while its process (`initPid`) runs on: nobody reads the FIFOs then, and the
 * process blocks once their pipes are full. Their ends, opened again through the shim, the init
 * process's parent (io.ts, reopenOrphanedFifos), go to a drain as a session that lets go hands its
 * own over: the output goes on into the log, `attach` reaches the drain, and the drain sees the exit
 * out. False when there is nothing to take over: the process has ended, or its shim cannot be read
 * (a nerd in another pid namespace).
 */
export async function takeOverOrphanedSession(paths: Pick<ContainerPaths, 'drainMark' | 'record'>, owner: string, initPid: number): Promise<boolean> {
  const shim = parentPid(initPid)
  const ends = shim === undefined ? undefined : reopenOrphanedFifos(owner, shim)
  if (!ends) return false
  writeFileSync(paths.drainMark, '')
  try {
    await handOverOutput({...ends, recordFile: paths.record})
  } finally {
    for (const fd of Object.values(ends)) closeSync(fd)
  }
  return true
}

/** A FIFO of the drain's command line: a path, or the number of a descriptor it inherited. */
export function drainFifoArgument(text: string): string | number {
  return text.startsWith(INHERITED_FD_PREFIX) ? Number(text.slice(INHERITED_FD_PREFIX.length)) : text
}

/** The drain process: reads the FIFOs into the log until the shim closes them, then exits. */
export async function drainOutput(request: DrainRequest): Promise<void> {
  const record = request.recordFile ? (JSON.parse(readFileSync(request.recordFile, 'utf8')) as ContainerRecord) : undefined
  const dataRoot = join(request.recordFile, '..', '..', '..', '..')
  const paths = record ? containerPaths(dataRoot, record.Namespace, record.Id) : undefined
  if (paths) writeFileSync(paths.drainMark, String(process.pid))
  const log = record?.LogPath ? await openContainerLog(record) : undefined
  // Read-write: the open neither waits for the shim nor makes a writer the process could see leave.
  const stdin =
    request.stdin === undefined || request.stdin === '' ? undefined : fifoInput(typeof request.stdin === 'number' ? request.stdin : openSync(request.stdin, constants.O_RDWR | constants.O_NONBLOCK))
  // Served before the output is read: an `attach` that lost a session letting go comes back here.
  const attach = paths ? serveAttachSocket(paths.dir, stdin?.input) : undefined
  // As the logger's (see runLogger): the output waits for an attacher that is behind while the
  // process runs; after its exit the rest goes into the log at once.
  let holding = paths !== undefined
  const inputs: Socket[] = []
  const release = (): void => {
    holding = false
    for (const input of inputs) input.resume()
  }
  const watching = new AbortController()
  if (paths) {
    // A process started before the drain (a session letting go) is the one recorded; else the
    // record to wait for is the one made after the drain's start.
    const since = typeof request.stdout === 'number' ? 0 : Number(processStartTime('self'))
    void initProcessExit(paths.initPid, since, watching.signal).then(release)
  }
  const copy = (fifo: string | number | undefined, stream: LogStream): Promise<void> =>
    new Promise((resolve) => {
      if (fifo === undefined || fifo === '') return resolve()
      // Read-only, so that the end comes when the shim closes its end (the process has exited).
      const fd = typeof fifo === 'number' ? fifo : openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK)
      const input = new Socket({fd, readable: true, writable: false})
      inputs.push(input)
      const resume = (): void => void input.resume()
      input.on('data', (chunk: Buffer) => {
        log?.write(stream, chunk)
        if (!attach || attach.broadcast(stream, chunk) || !holding) return
        input.pause()
        attach.caughtUp(resume)
      })
      input.on('error', () => resolve())
      input.on('close', () => resolve())
    })
  const copied = Promise.all([copy(request.stdout, 'stdout'), copy(request.stderr, 'stderr')])
  process.stdout.write('ready\n')
  await copied
  watching.abort()
  await attach?.close()
  stdin?.close()
  await log?.close()
  if (!record || !paths) return
  // All the output is in the log: `attach` and `logs` waiting for it may go on.
  rmSync(paths.drainMark, {force: true})
  // The process has exited: it is seen out as a detached container is. Its pid, which its task's
  // hook recorded, is read at once: a start (a user's restart) that replaces it waits for its exit
  // and the task's deletion first. (The process itself may not be a zombie yet: the init of a PID
  // namespace closes its files before it waits for the namespace's other processes to end.)
  startExitHandler(dataRoot, record.Namespace, record.Id, recordedInitProcess(paths.initPid)?.pid)
}

