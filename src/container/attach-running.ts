/**
 * docker's attach to a running container: its live output from now on, byte for byte, from the
 * attach socket of whoever reads it (its logger, nerd's drain, a foreground `run`; see
 * attach-socket.ts), whatever its logging driver; nerd's stdin into the container's for a
 * container run with `-i` (held open by that reader, so input goes on across attaches); the
 * terminal's size, signals forwarded, detach keys when that input goes to the container's terminal,
 * and the container's exit code when it ends.
 */
import type {Socket} from 'node:net'
import {constants} from 'node:os'
import {setTimeout as sleep} from 'node:timers/promises'
import {dieOfBrokenPipeAtExit} from '../broken-pipe.ts'
import {NerdError} from '../errors.ts'
import {forwardSignals, terminalInput} from './attach.ts'
import type {AttachTerminal} from './attach.ts'
import {AttachFrameReader, connectAttachSocket} from './attach-socket.ts'
import {getTask, publishContainerEvent, resizeContainerTerminal, seeOutOrphan, viewOf} from './lifecycle.ts'
import type {ContainerScope, LoadedContainer} from './lifecycle.ts'
import {readState} from './store.ts'

export interface AttachRunningOptions {
  sigProxy: boolean
  detachKeys: number[]
  /** Forward nerd's stdin (unless `--no-stdin`); only a container run with `-i` takes it. */
  stdin: boolean
  /**
   * Size the container's terminal one row and column larger before nerd's size, as docker's attach
   * (resizeTTY; not its start -a): the size changes even when it is the one of the last attach, so
   * the shell gets its SIGWINCH and redraws its prompt, where the screen stayed blank until a key.
   */
  redraw: boolean
}

/**
 * How long attach tries to reach the attach socket while the process runs: a logger starts while
 * `run -d` returns, and a session that lets go hands the socket to its drain.
 */
const CONNECT_WITHIN_MS = 5000
const CONNECT_RETRY_MS = 50

/** After the exit, the output still on its way: attach stops once none has come for this long (or the socket ends). */
const OUTPUT_SETTLE_MS = 1000

export async function attachRunning(scope: ContainerScope, container: LoadedContainer, options: AttachRunningOptions, terminal: AttachTerminal): Promise<number | 'detached'> {
  const id = container.record.Id
  const [state, task] = await Promise.all([readState(container.paths), getTask(scope, id)])
  const status = container.dead ? 'dead' : viewOf(container.record, state, container.labels, task).status
  if (status === 'paused') throw new NerdError('You cannot attach to a paused container, unpause it first')
  if (status === 'restarting') throw new NerdError('You cannot attach to a restarting container, wait until it is running')
  if (status !== 'running') throw new NerdError('You cannot attach to a stopped container, start it first')
  // A foreground session whose nerd was killed serves nothing: its output goes to a drain, which does.
  await seeOutOrphan(scope, container, task)
  await publishContainerEvent(scope, container, 'attach')
  const controller = new AbortController()
  const exit = scope.client.tasks.wait(id, {signal: controller.signal}).then((ended) => ended.exitStatus)
  let exited = false
  const exitSeen = exit.then(() => (exited = true))
  // A wait that fails (containerd gone) fails the attach, below.
  exitSeen.catch(() => undefined)
  let detach: () => void = () => undefined
  const detached = new Promise<'detached'>((resolve) => (detach = () => resolve('detached')))
  const cleanups: (() => void)[] = []
  const {OpenStdin, Tty} = container.record.Config
  // Forced out (a third SIGINT or SIGTERM the process ignores), the attach ends with status 1, the container running on.
  let forceExit: () => void = () => undefined
  const forced = new Promise<number>((resolve) => (forceExit = () => resolve(1)))
  const passesSignals = options.sigProxy && !Tty
  if (passesSignals) cleanups.push(forwardSignals((name) => scope.client.tasks.kill(id, constants.signals[name]).catch(() => undefined), forceExit))
  // The container's terminal takes nerd's size once attached to its output (the redraw it prompts
  // is shown), then each change of it; one resize at a time, in order.
  let sizeTerminal = (): void => undefined
  if (Tty && terminal.stdout.isTTY) {
    let resizing = Promise.resolve()
    const resizeTo = (width: number, height: number): void => {
      resizing = resizing.then(() => resizeContainerTerminal(scope, container, width, height)).catch(() => undefined)
    }
    const resize = (): void => resizeTo(terminal.stdout.columns, terminal.stdout.rows)
    sizeTerminal = () => {
      sizeTerminal = () => undefined
      if (options.redraw) resizeTo(terminal.stdout.columns + 1, terminal.stdout.rows + 1)
      resize()
      terminal.stdout.on('resize', resize)
      cleanups.push(() => terminal.stdout.off('resize', resize))
    }
  }
  // Input goes to the socket connected, and waits while there is none. Without input to send,
  // nerd's stdin is not read at all.
  let connection: Socket | undefined
  const sendsInput = options.stdin && OpenStdin
  const connected = (socket: Socket | undefined): void => {
    connection = socket
    if (socket) sizeTerminal()
    if (!sendsInput) return
    if (socket) terminal.stdin.resume()
    else terminal.stdin.pause()
  }
  if (sendsInput) {
    const input = terminalInput(terminal.stdin, {stdin: true, tty: Tty, detachKeys: options.detachKeys})
    cleanups.push(input.restore)
    // The end of the input is not the container's (docker keeps its stdin open).
    const onData = (chunk: Buffer): void => {
      const scanned = input.scanner.scan(chunk)
      const sending = connection
      // Read no faster than the container takes it (the server stops reading while its stdin is
      // full): the input waits, and resumes with the socket's drain or with the next socket.
      if (scanned.forward.length > 0 && sending && !sending.write(scanned.forward)) {
        terminal.stdin.pause()
        sending.once('drain', () => {
          if (connection === sending) terminal.stdin.resume()
        })
      }
      if (scanned.detach) detach()
    }
    // A terminal that hangs up fails the read: input ends there, output goes on.
    const onError = (): void => undefined
    terminal.stdin.on('data', onData)
    terminal.stdin.on('error', onError)
    cleanups.push(() => {
      terminal.stdin.off('data', onData)
      terminal.stdin.off('error', onError)
      terminal.stdin.pause()
    })
  }
  connected(undefined)
  // As docker's CLI, a reader that goes away (`attach c | head -1`) fails an attach that passes
  // signals on with the write's error; any other ends quietly, and nerd dies of SIGPIPE once the
  // terminal is restored (broken-pipe.ts).
  let brokenPipe: (name: string) => void = () => undefined
  const pipeBroken = new Promise<number>((resolve, reject) => {
    brokenPipe = (name) => {
      if (passesSignals) return reject(new NerdError(`write /dev/${name}: broken pipe`))
      dieOfBrokenPipeAtExit()
      resolve(0)
    }
  })
  pipeBroken.catch(() => undefined)
  for (const [target, name] of [[terminal.stdout, 'stdout'], [terminal.stderr, 'stderr']] as const) {
    const others = target.rawListeners('error') as ((error: Error) => void)[]
    const onError = (error: NodeJS.ErrnoException): void => {
      if (error.code !== 'EPIPE') return others.forEach((listener) => listener.call(target, error))
      brokenPipe(name)
    }
    target.removeAllListeners('error')
    target.on('error', onError)
    cleanups.push(() => {
      target.off('error', onError)
      for (const listener of others) target.on('error', listener)
    })
  }
  const output = async (): Promise<number> => {
    let connectBy = Date.now() + CONNECT_WITHIN_MS
    for (;;) {
      const socket = await connectWithin(container.paths.dir, connectBy, () => exited || controller.signal.aborted)
      if (!socket) {
        if (exited || controller.signal.aborted) return exit
        throw new NerdError(`cannot attach to ${container.record.Name}: nothing reads its output (its reader was killed, or an older nerd started it): restart it`)
      }
      // One chunk from the socket may hold many frames: one wait for a full target's drain at a time.
      const draining = new Set<NodeJS.WriteStream>()
      const write = (target: NodeJS.WriteStream, chunk: Buffer): void => {
        if (target.write(chunk) || draining.has(target)) return
        draining.add(target)
        socket.pause()
        target.once('drain', () => {
          draining.delete(target)
          if (draining.size === 0) socket.resume()
        })
      }
      let ended = false
      const frames = new AttachFrameReader({
        stdout: (chunk) => write(terminal.stdout, chunk),
        stderr: (chunk) => write(terminal.stderr, chunk),
        systemError: (message) => {
          throw new NerdError(message)
        },
        end: () => (ended = true),
      })
      connected(socket)
      const {settled, served} = await relay(socket, frames, exitSeen)
      connected(undefined)
      if (!ended && !settled) {
        // A server closed before it took this connection up (one handing over to its successor
        // closes on connections still waiting to be accepted, or it was killed): it sent nothing, so
        // nothing was lost; its successor, if any, serves the socket next.
        if (!served && !exited && !controller.signal.aborted) continue
        // A server ends its clients with an end frame once they have all it had; a connection closed
        // without one (a client that would not read in time, a server killed) lost output.
        throw new NerdError(`the attach to ${container.record.Name} was cut off: some of its output did not reach it`)
      }
      if (exited || controller.signal.aborted) return exit
      connectBy = Date.now() + CONNECT_WITHIN_MS
      // The server let go of its clients while the process runs on (a session handing over to its
      // drain): its successor serves the socket next.
    }
  }
  try {
    const outcome = await Promise.race([output(), detached, pipeBroken, forced, exit.then(() => new Promise<never>(() => undefined))])
    // The detach keys end the attach as docker's daemon tells it.
    if (outcome === 'detached') await publishContainerEvent(scope, container, 'detach')
    return outcome
  } finally {
    controller.abort()
    connection?.destroy()
    for (const cleanup of cleanups) cleanup()
  }
}

/** Connects to the attach socket, trying again while nothing serves it, until `deadline` or `stop()`; undefined then. */
async function connectWithin(dir: string, deadline: number, stop: () => boolean): Promise<Socket | undefined> {
  for (;;) {
    try {
      return await connectAttachSocket(dir)
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code !== 'ENOENT' && code !== 'ECONNREFUSED') throw error
    }
    if (stop() || Date.now() >= deadline) return undefined
    await sleep(CONNECT_RETRY_MS)
  }
}

/**
 * Passes the socket's frames on until the server ends it, or, once the process has exited, until no
 * output has come for OUTPUT_SETTLE_MS while the socket was read (a logger's socket ends only when
 * the task is deleted): `settled` then; `served` once anything came. Rejects with the server's
 * reason when it let this client go.
 */
function relay(socket: Socket, frames: AttachFrameReader, exitSeen: Promise<unknown>): Promise<{settled: boolean; served: boolean}> {
  return new Promise((resolve, reject) => {
    let settle: NodeJS.Timeout | undefined
    let settled = false
    let served = false
    let exited = false
    const settleLater = (): void => {
      clearTimeout(settle)
      const armed = Date.now()
      settle = setTimeout(() => {
        // Paused, the socket waits for nerd's own output to drain; late, nerd was blocked writing it
        // (stdout is synchronous) and has not read since: that is no silence of the server's.
        if (socket.isPaused() || Date.now() - armed > 2 * OUTPUT_SETTLE_MS) return settleLater()
        settled = true
        socket.destroy()
      }, OUTPUT_SETTLE_MS)
    }
    exitSeen.then(
      () => {
        exited = true
        settleLater()
      },
      () => undefined,
    )
    socket.on('data', (chunk: Buffer) => {
      served = true
      try {
        frames.push(chunk)
      } catch (error) {
        socket.destroy()
        reject(error as Error)
      }
      if (exited) settleLater()
    })
    socket.on('end', () => socket.destroy())
    socket.on('error', () => socket.destroy())
    socket.on('close', () => {
      clearTimeout(settle)
      resolve({settled, served})
    })
  })
}
