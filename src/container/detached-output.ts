/**
 * After `run -it` (or `start -ai`, `exec -it`) detaches, the process keeps writing to its output
 * FIFO: with no reader the shim's copy fails and the process soon blocks on a full pipe. So before
 * nerd lets go, a small process of its own (dist/fifo-drain.js) opens the FIFOs and carries the
 * output on into the container's log until the process ends, as docker's daemon keeps reading.
 * A `run -di` container is started with one from the outset: it also holds the container's stdin
 * open, as docker's daemon does, since containerd's shim feeds a logged task no stdin without a terminal.
 */
import {spawn} from 'node:child_process'
import {closeSync, constants, openSync, rmSync} from 'node:fs'
import {Socket} from 'node:net'
import {join} from 'node:path'
import {codeDir} from '../paths.ts'
import {exitMatters} from './logs/logger.ts'
import {openJsonFileLog, parseLogOptions} from './logs/index.ts'
import type {LogStream} from './logs/index.ts'
import type {ContainerRecord} from './model.ts'
import {containerPaths} from './store.ts'

export interface DrainRequest {
  stdout: string
  stderr: string
  /** The container's record file, for the log path and options; empty to discard the output. */
  recordFile: string
  /** The container's stdin FIFO, held open (and never written) while the process runs. */
  stdin?: string
}

/**
 * Starts the drain and resolves once it holds the FIFOs open (the caller may then close its ends),
 * with a way to stop it: a drain started before its process must not outlive a start that failed.
 */
export function handOverOutput(request: DrainRequest): Promise<{stop(): void}> {
  const args = [request.recordFile, request.stdout, request.stderr, ...(request.stdin ? [request.stdin] : [])]
  const child = spawn(process.execPath, [join(codeDir, 'fifo-drain.js'), ...args], {
    detached: true,
    stdio: ['ignore', 'pipe', 'ignore'],
  })
  return new Promise((resolve) => {
    const done = (): void => {
      child.stdout.destroy()
      child.unref()
      resolve({stop: () => child.kill()})
    }
    child.stdout.once('data', done)
    child.once('exit', done)
    child.once('error', done)
  })
}

/** The drain process: reads the FIFOs into the log until the shim closes them, then exits. */
export async function drainOutput(request: DrainRequest): Promise<void> {
  const {readFileSync} = await import('node:fs')
  const record = request.recordFile ? (JSON.parse(readFileSync(request.recordFile, 'utf8')) as ContainerRecord) : undefined
  const log = record?.LogPath ? await openJsonFileLog(record.LogPath, parseLogOptions(record.HostConfig.LogConfig.Config)) : undefined
  const copy = (path: string, stream: LogStream): Promise<void> =>
    new Promise((resolve) => {
      if (!path) return resolve()
      // Read-only, so that the end comes when the shim closes its end (the process has exited).
      const input = new Socket({fd: openSync(path, constants.O_RDONLY | constants.O_NONBLOCK), readable: true, writable: false})
      input.on('data', (chunk: Buffer) => log?.write(stream, chunk))
      input.on('error', () => resolve())
      input.on('close', () => resolve())
    })
  const copied = Promise.all([copy(request.stdout, 'stdout'), copy(request.stderr, 'stderr')])
  // Read-write: the open neither waits for the shim nor makes a writer the process could see leave.
  const heldStdin = request.stdin ? openSync(request.stdin, constants.O_RDWR | constants.O_NONBLOCK) : undefined
  process.stdout.write('ready\n')
  await copied
  if (heldStdin !== undefined) closeSync(heldStdin)
  await log?.close()
  if (!record) return
  const dataRoot = join(request.recordFile, '..', '..', '..', '..')
  const paths = containerPaths(dataRoot, record.Namespace, record.Id)
  // All the output is in the log: an attach waiting for it may end (see run.ts's start of a `-di` container).
  rmSync(paths.drainMark, {force: true})
  // The process has exited: its restart policy, --rm and network detach are applied as for a detached container.
  if (exitMatters(record, paths)) {
    spawn(process.execPath, [join(codeDir, 'task-exit.js'), dataRoot, record.Namespace, record.Id], {detached: true, stdio: 'ignore'}).unref()
  }
}
