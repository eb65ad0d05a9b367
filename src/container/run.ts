/**
 * Starting a created container, detached (output to the shim-run logger) or attached (FIFOs to
 * nerd's stdio, copied into the same json-file log), as `run`, `start` and `restart` do.
 */
import {existsSync, rmSync, writeFileSync} from 'node:fs'
import {rm, writeFile} from 'node:fs/promises'
import {constants} from 'node:os'
import {join} from 'node:path'
import {EXIT_NERD_FAILED, NerdError} from '../errors.ts'
import {codeDir, executableOnPath, SYSTEM_PATH} from '../paths.ts'
import {attachStdio, startFailureExitCode, startFailureMessage} from './attach.ts'
import type {AttachTerminal} from './attach.ts'
import {serveAttachSocket} from './attach-socket.ts'
import type {AttachServer} from './attach-socket.ts'
import {handOverOutput, handOverSession} from './detached-output.ts'
import {startExitHandler} from './exit-handler.ts'
import {makeFifos, mkfifo, openFifos, removeFifos, type FifoSet} from './io.ts'
import {AlreadyRunningError, deleteTask, foundContainerFailure, publishContainerEvent, refuseDeadStart, removeAutoRemoved, resetRestartPolicy, resizeContainerTerminal, startTask, stopContainer} from './lifecycle.ts'
import type {ContainerScope, LoadedContainer} from './lifecycle.ts'
import {loggerUri, openContainerLog, type JsonFileLog} from './logs/index.ts'
import {markThisProcess} from './process-mark.ts'
import {NoSuchContainerError} from './store.ts'

export interface StartContext {
  /** The node binary and dist/logger.js the shim runs as the logging driver. */
  nodePath: string
  loggerScript: string
  /** `rm`, for the logger's shell prelude (loggerUri); without it node is run directly. */
  rmPath: string | undefined
}

/**
 * This nerd's node and logger: the shim starts them with no PATH, so all are absolute. The system's
 * rm, not the user's PATH's: the logger of a container must not depend on a login's wrappers.
 */
export function defaultStartContext(): StartContext {
  return {nodePath: process.execPath, loggerScript: join(codeDir, 'logger.js'), rmPath: executableOnPath('rm', SYSTEM_PATH)}
}

/** The OCI hook entry point (src/oci-hook.ts, bundled beside the CLI). */
export function ociHookScript(): string {
  return join(codeDir, 'oci-hook.js')
}

/** The `binary://` URI of the container's logger, which also sees its exit (with `--log-driver none` too). */
export function containerLogUri(scope: ContainerScope, context: StartContext): string {
  return loggerUri(context.nodePath, context.loggerScript, scope.dataRoot, context.rmPath)
}

/** A start failure as docker reports it: the runtime's reason, exit 126/127 for a command that cannot run, else 125. */
function startError(error: unknown): NerdError {
  const message = (error as Error).message
  return new NerdError(startFailureMessage(message), {exitCode: startFailureExitCode(message), cause: error})
}

/** How `start` (attached or not) and `restart` fail to start a container: with 1, as docker's; only `run` exits 125/126/127. */
export function startCommandFailure(error: unknown): unknown {
  return error instanceof NerdError ? new NerdError(error.message, {cause: error}) : error
}

/** The stdin FIFO of a detached `-i` container, made once and kept for its later starts. */
async function stdinFifo(path: string): Promise<string> {
  if (!existsSync(path)) await mkfifo([path])
  return path
}

/** Starts the container in the background; returns its pid. */
export async function startDetached(scope: ContainerScope, container: LoadedContainer, context: StartContext): Promise<number> {
  const uri = containerLogUri(scope, context)
  const {OpenStdin, Tty} = container.record.Config
  if (OpenStdin && !Tty) return startWithOpenStdin(scope, container, uri)
  try {
    // containerd's shim feeds a logged task's stdin only through its terminal: `-it` in the background.
    const stdin = OpenStdin ? await stdinFifo(container.paths.stdin) : undefined
    return (await startTask(scope, container, {kind: 'log', uri, ...(stdin ? {stdin} : {})}, uri)).pid
  } catch (error) {
    throw startError(error)
  }
}

/**
 * docker's restart: a stop, then a start of the container's process, detached. Marked while under
 * way: the session or exit handler that sees the stopped process out does not remove a `--rm`
 * container meanwhile. Returns the pid of the process it started; undefined when another start
 * came first.
 */
export async function restartContainer(scope: ContainerScope, container: LoadedContainer, options: {timeoutSeconds?: number; signal?: string}): Promise<number | undefined> {
  // docker's restart of a dead container: its start's refusal.
  refuseDeadStart(container)
  await markThisProcess(container.paths.restarting).catch((error: unknown) => {
    // Its state directory went with a racing removal (rm -f).
    throw (error as NodeJS.ErrnoException).code === 'ENOENT' && !existsSync(container.paths.dir) ? new NoSuchContainerError(container.record.Id) : error
  })
  let pid: number | undefined
  try {
    await stopContainer(scope, container, options)
    await resetRestartPolicy(scope, container)
    pid = await startDetached(scope, container, defaultStartContext()).catch((error: unknown) => {
      // A start meanwhile (another restart, start) has it running again: what this restart was for.
      if (error instanceof Error && error.cause instanceof AlreadyRunningError) return undefined
      throw startCommandFailure(error)
    })
  } finally {
    await rm(container.paths.restarting, {force: true})
  }
  await publishContainerEvent(scope, container, 'restart')
  return pid
}

/** A failed restart in docker's daemon's words: the container as the user named it, then why. */
export function restartFailure(reference: string, error: unknown): unknown {
  return foundContainerFailure(`Cannot restart container ${reference}`, error)
}

/**
 * `-di`: the process gets FIFOs whose output a drain of nerd's (detached-output.ts) carries into the
 * log and whose stdin it holds open, so the process waits for input that `attach` may bring, as with docker.
 */
async function startWithOpenStdin(scope: ContainerScope, container: LoadedContainer, logUri: string): Promise<number> {
  let fifos: FifoSet | undefined
  let drain: {stop(): void} | undefined
  try {
    const stdin = await stdinFifo(container.paths.stdin)
    fifos = await makeFifos(scope.dataRoot, {stdin: false, terminal: false})
    await writeFile(container.paths.drainMark, '')
    drain = await handOverOutput({stdout: fifos.stdout, stderr: fifos.stderr, stdin, recordFile: container.paths.record})
    const io = {kind: 'fifo', stdin, stdout: fifos.stdout, stderr: fifos.stderr, terminal: false} as const
    // Nothing here waits for the exit: the drain sees it.
    return (await startTask(scope, container, io, logUri)).pid
  } catch (error) {
    drain?.stop()
    await rm(container.paths.drainMark, {force: true})
    throw startError(error)
  } finally {
    // The shim and the drain have them open by now (or never will): the names can go.
    if (fifos) await removeFifos(fifos)
  }
}

export interface AttachedStartOptions {
  terminal: AttachTerminal
  stdin: boolean
  tty: boolean
  sigProxy: boolean
  detachKeys: number[]
  /** The output streams to show (`run -a`); both unless given. */
  shown?: ReadonlySet<'stdout' | 'stderr'>
  /** Called once the process runs, before its output is awaited. */
  onStarted?: (pid: number) => Promise<void>
  /** FIFOs made ahead (makeFifos, with the same stdin and tty), now the start's to open and remove. */
  fifos?: Promise<FifoSet>
}

/**
 * Starts the container attached: its output on nerd's stdout/stderr (and in its log), nerd's stdin
 * forwarded with `-i`. Resolves with the exit code once the process has ended and its task is
 * deleted, or 'detached' when the session let go of the process (the detach keys, or see attachStdio).
 */
export async function startAttached(
  scope: ContainerScope,
  container: LoadedContainer,
  context: StartContext,
  options: AttachedStartOptions,
): Promise<number | 'detached'> {
  const id = container.record.Id
  // A container made with -i has a stdin that stays open whether or not this session forwards nerd's
  // (`start -a` without -i), as docker's daemon keeps it: `attach` can feed it.
  const fifos = openFifos(await (options.fifos ?? makeFifos(scope.dataRoot, {stdin: container.record.Config.OpenStdin, terminal: options.tty})))
  let log: JsonFileLog | undefined
  let attach: AttachServer | undefined
  let session
  /** Whether a drain (or the exit handler) sees the container out instead of this session. */
  let handedOver = false
  const detaching = new AbortController()
  await markThisProcess(container.paths.attachedSession)
  try {
    const started = await startTask(
      scope,
      container,
      {kind: 'fifo', stdin: fifos.paths.stdin, stdout: fifos.paths.stdout, stderr: fifos.paths.stderr, terminal: options.tty},
      containerLogUri(scope, context),
      detaching.signal,
    ).catch((error: unknown) => Promise.reject(startError(error)))
    // Opened once the start has checked the log options, which a failed start reports in docker's
    // words; the output waits in the FIFOs until the session below reads it. A --rm container's too,
    // which takes it along at its exit: `logs` of one that runs shows its output, as docker's.
    if (container.record.LogPath) {
      // As docker's logger, a write that fails (a full disk) drops what it had: the output still
      // reaches the terminal, and the container never waits on a log it cannot write.
      log = await openContainerLog(container.record, (error) => process.stderr.write(`WARNING: output left out of the container's log: ${error.message}\n`))
    }
    // Only now, the task being this session's: `attach` gets the output from here, and its input
    // goes in with nerd's.
    attach = serveAttachSocket(container.paths.dir, () => fifos.stdin)
    session = attachStdio({
      fifos,
      terminal: options.terminal,
      stdin: options.stdin,
      tty: options.tty,
      ...(options.sigProxy ? {forwardSignal: (signal: NodeJS.Signals) => scope.client.tasks.kill(id, constants.signals[signal])} : {}),
      detachKeys: options.detachKeys,
      ...(options.shown ? {shown: options.shown} : {}),
      tee: (stream, chunk) => {
        attach?.broadcast(stream, chunk)
        log?.write(stream, chunk)
      },
      resize: (width, height) => resizeContainerTerminal(scope, container, width, height),
      closeStdin: () => scope.client.tasks.closeIO({containerId: id, stdin: true}),
    })
    await options.onStarted?.(started.pid)
    const exit = started.exit!
    // containerd's connection may drop while the process runs: its exit cannot be seen then.
    const waitFailure = exit.then(() => new Promise<never>(() => undefined), (error: unknown) => ({failure: error}))
    const outcome = await Promise.race([session.done(exit.catch(() => new Promise<never>(() => undefined))), waitFailure])
    // The detach keys end the attach as docker's daemon tells it.
    if (outcome === 'detached') await publishContainerEvent(scope, container, 'detach')
    if (outcome !== 'exited') {
      // Detached, let go, or blind to the exit: the process goes on writing, and something must keep
      // reading its output into the log. The drain writes it from here on, so nerd's log ends first
      // (with what it has of an unfinished line) and nothing reaches nerd between then and the
      // drain's start (no I/O callback runs until the spawn, after which nerd stops reading). The
      // mark tells `logs` that output may still be on its way to the log after the exit. Clients of
      // the attach socket go on with the drain's.
      await log?.close()
      log = undefined
      writeFileSync(container.paths.drainMark, '')
      handedOver = await handOverSession(fifos, container.paths.record)
      await attach?.close()
      // Else the process ended meanwhile: there is nothing to take over.
      if (!handedOver) rmSync(container.paths.drainMark, {force: true})
      if (typeof outcome === 'object') {
        // As docker's CLI: 125. The exit handler sees the container out once containerd is back.
        if (!handedOver) startExitHandler(scope.dataRoot, container.record.Namespace, id, started.pid)
        handedOver = true
        throw new NerdError(`error waiting for container: ${(outcome.failure as Error).message}`, {exitCode: EXIT_NERD_FAILED, cause: outcome.failure})
      }
      if (handedOver) return 'detached'
      // It is seen out as attached.
    }
    const ended = await exit
    if (container.record.HostConfig.AutoRemove) {
      // `--rm`: the container goes now, its task with it, in one hold of its lock (a deletion of
      // the task, then a removal, took two, and a second look at the task). Its log is closed
      // first: the removal takes the container's files.
      await log?.close()
      log = undefined
      if (await removeAutoRemoved(scope, container)) return ended.exitStatus
    }
    return (await deleteTask(scope, container, ended, started.pid))?.exitStatus ?? ended.exitStatus
  } finally {
    detaching.abort()
    session?.close()
    await attach?.close()
    await log?.close()
    await fifos.dispose()
    // An `--rm` container's removal takes the mark along, so that a nerd killed before it leaves it to the next command.
    if (!container.record.HostConfig.AutoRemove || handedOver) await rm(container.paths.attachedSession, {force: true})
  }
}
