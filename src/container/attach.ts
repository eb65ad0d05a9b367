/**
 * Running a container's process attached to nerd's terminal or pipes (foreground `run`, `start -a`,
 * `exec`): stdio through FIFOs, docker's detach keys, raw mode and window size for a TTY, signals
 * forwarded, and docker's exit codes when the process cannot start.
 */
import {spawnSync} from 'node:child_process'
import type {Socket} from 'node:net'
import {constants} from 'node:os'
import {isatty} from 'node:tty'
import {dieOfBrokenPipeAtExit} from '../broken-pipe.ts'
import {STOP_SIGNALS} from '../early-exit.ts'
import {EXIT_NOT_EXECUTABLE, EXIT_NOT_FOUND, NerdError} from '../errors.ts'
import {ended} from './io.ts'
import type {OpenedFifos} from './io.ts'

export const DEFAULT_DETACH_KEYS = 'ctrl-p,ctrl-q'

/**
 * docker's refusal, before anything is made: a container's terminal fed from nerd's standard input
 * needs a terminal there (keys, raw mode, window size), not a pipe or a file.
 */
export function requireInputTerminal(input: {isTTY?: boolean}, attach: {stdin: boolean; tty: boolean}): void {
  if (attach.stdin && attach.tty && !input.isTTY) throw new NerdError('the input device is not a TTY')
}

/**
 * The signals an attached nerd forwards to the container (docker's sig-proxy, ForwardAllSignals):
 * every one it can catch but SIGCHLD, SIGPIPE and SIGURG. SIGKILL and SIGSTOP cannot be caught, and
 * Node leaves the faults (SIGBUS, SIGFPE, SIGILL, SIGSEGV) to the process; aliases go once.
 */
export const FORWARDED_SIGNALS = (Object.keys(constants.signals) as NodeJS.Signals[]).filter(
  (name, index, names) =>
    !['SIGKILL', 'SIGSTOP', 'SIGCHLD', 'SIGPIPE', 'SIGURG', 'SIGBUS', 'SIGFPE', 'SIGILL', 'SIGSEGV'].includes(name) &&
    names.findIndex((other) => constants.signals[other] === constants.signals[name]) === index,
)

/**
 * Forwards FORWARDED_SIGNALS through `forward` until the returned function is called. A process may
 * ignore SIGINT and SIGTERM, so, as docker's CLI (forceExitAfter3TerminationSignals), the third of
 * them is forwarded and also ends the session: docker's words on stderr, then `forceExit`.
 */
export function forwardSignals(forward: (signal: NodeJS.Signals) => void, forceExit: () => void): () => void {
  let terminations = 0
  const listeners = FORWARDED_SIGNALS.map(
    (name) =>
      [
        name,
        () => {
          forward(name)
          if ((name === 'SIGINT' || name === 'SIGTERM') && ++terminations === 3) {
            process.stderr.write('\ngot 3 SIGTERM/SIGINTs, forcefully exiting\n')
            forceExit()
          }
        },
      ] as const,
  )
  for (const [name, listener] of listeners) process.on(name, listener)
  return () => {
    for (const [name, listener] of listeners) process.off(name, listener)
  }
}

/**
 * Whether a terminal nerd's stdio had has hung up (closed): the kernel turns its files into ones
 * that are no terminal any more before it sends the hang-up, where a SIGHUP from `kill` leaves them.
 */
function terminalHungUp(terminal: AttachTerminal): boolean {
  return [terminal.stdin, terminal.stdout, terminal.stderr].some((stream) => stream.isTTY && !isatty(stream.fd))
}

/**
 * Puts nerd's terminal in raw mode, as docker's MakeRaw: libuv's raw mode leaves output processing
 * (OPOST) on, so the container's terminal's \r\n reached the screen as \r\r\n; Node has no call for
 * it, and stty (some milliseconds, once a session) clears it. Returns the restore: libuv sets back
 * the whole terminal as it found it, OPOST with it.
 */
export function makeRaw(terminal: NodeJS.ReadStream): () => void {
  terminal.setRawMode(true)
  spawnSync('stty', ['-opost'], {stdio: [terminal, 'ignore', 'ignore']})
  return () => terminal.setRawMode(false)
}

/** moby/term's ASCII table: `ctrl-@` is 0, `ctrl-a` 1, …, `ctrl-_` 31; lower case only. */
const CTRL_KEYS = ['@', ...'abcdefghijklmnopqrstuvwxyz', '[', '\\', ']', '^', '_'].map((char) => `ctrl-${char}`)

/**
 * docker's `--detach-keys` syntax, as moby/term's ToBytes reads it: comma-separated keys, each one
 * byte as typed (a character of several bytes is refused), a `ctrl-<x>` of its table, or `DEL`
 * (127). docker's daemon calls them escape keys in its refusal of an exec's.
 */
export function parseDetachKeys(text: string, kind: 'detach' | 'escape' = 'detach'): number[] {
  return text.split(',').map((key) => {
    const bytes = Buffer.from(key)
    if (bytes.length === 1) return bytes[0]!
    const ctrl = CTRL_KEYS.indexOf(key)
    if (ctrl >= 0) return ctrl
    if (key === 'DEL') return 127
    throw new NerdError(`Invalid ${kind} keys (${text}) provided`)
  })
}

/**
 * Passes input through until the whole detach sequence is typed. Bytes of a partial sequence are
 * held back and released if the sequence breaks, the breaking byte with them: as docker's, matching
 * starts again after it, so ctrl-p ctrl-p ctrl-q is all input.
 */
export class DetachKeyScanner {
  readonly #keys: number[]
  #matched = 0

  constructor(keys: number[]) {
    this.#keys = keys
  }

  /** The bytes to forward, and whether the sequence completed (then the rest of the chunk is dropped). */
  scan(chunk: Uint8Array): {forward: Uint8Array; detach: boolean} {
    if (this.#keys.length === 0) return {forward: chunk, detach: false}
    const out: number[] = []
    for (const byte of chunk) {
      if (byte === this.#keys[this.#matched]) {
        this.#matched++
        if (this.#matched === this.#keys.length) return {forward: Uint8Array.from(out), detach: true}
        continue
      }
      out.push(...this.#keys.slice(0, this.#matched), byte)
      this.#matched = 0
    }
    return {forward: Uint8Array.from(out), detach: false}
  }
}

/** How a session reads nerd's standard input: the scanner its bytes go through, and the terminal's restore. */
export interface TerminalInput {
  scanner: DetachKeyScanner
  restore: () => void
}

/**
 * As docker's CLI: only input sent to the container's terminal puts nerd's terminal in raw mode and
 * is scanned for the detach keys. Otherwise a terminal stays as it was (it echoes what is typed and
 * ends lines with \n, and ctrl-c is nerd's SIGINT), and the input sent goes as it comes.
 */
export function terminalInput(terminal: NodeJS.ReadStream, session: {stdin: boolean; tty: boolean; detachKeys: number[]}): TerminalInput {
  if (!session.stdin || !session.tty) return {scanner: new DetachKeyScanner([]), restore: () => undefined}
  return {scanner: new DetachKeyScanner(session.detachKeys), restore: terminal.isTTY ? makeRaw(terminal) : () => undefined}
}

/** How runc reports a failure of nerd's own OCI hook; the hook's reason is the group. */
const NERD_HOOK_FAILURE = /stderr: nerd oci-hook: (.*?)(?:: unknown)?$/

/** docker's exit codes for a process that could not be started. */
export function startFailureExitCode(message: string): number {
  // nerd's own hook failed: the command was never tried.
  if (NERD_HOOK_FAILURE.test(message)) return 125
  if (/executable file not found|no such file or directory/i.test(message)) return 127
  if (/permission denied|is a directory/i.test(message)) return 126
  return 125
}

/** What docker's daemon adds to a runtime's ENOTDIR: a bind of a file onto a directory, or the reverse. */
const NOT_A_DIRECTORY_HINT = ': Are you trying to mount a directory onto a file (or vice-versa)? Check if the specified host path exists and is the expected type'

/** docker's exitUnknown: the State.ExitCode of a start the runtime failed for no reason it tells apart. */
export const START_FAILED_EXIT_CODE = 128

/**
 * How docker's daemon records a start the runtime refused (daemon/errors.go setExitCodeFromError),
 * whatever code the container had: State.ExitCode 126 for a command that cannot be run (a directory
 * too, whose EISDIR it words as EACCES, which docker's CLI looks for), 127 for a bind of a file onto
 * a directory or the reverse (with a hint) and for a command not found, else 128; and the text,
 * State.Error and what the user sees.
 */
export function runtimeStartFailure(message: string): {message: string; exitCode: number} {
  const lower = message.toLowerCase()
  if (lower.includes('permission denied')) return {message, exitCode: EXIT_NOT_EXECUTABLE}
  if (lower.includes('is a directory')) return {message: `${message}: permission denied`, exitCode: EXIT_NOT_EXECUTABLE}
  if (lower.includes('not a directory')) return {message: `${message}${NOT_A_DIRECTORY_HINT}`, exitCode: EXIT_NOT_FOUND}
  if (/executable file not found|no such file or directory|failed to run runc create\/exec call/.test(lower)) return {message, exitCode: EXIT_NOT_FOUND}
  return {message, exitCode: START_FAILED_EXIT_CODE}
}

/** The runtime's message as docker prints it, without gRPC's status prefix. */
export function startFailureMessage(message: string): string {
  // A failure of nerd's own OCI hook (network setup) says what went wrong; runc's wrapping does not.
  const hook = NERD_HOOK_FAILURE.exec(message)
  if (hook) return hook[1]!
  return message.replace(/^\d+ [A-Z_]+: /, '')
}

/** nerd's stdio; the descriptors tell a terminal that hung up (terminalHungUp). */
export interface AttachTerminal {
  stdin: NodeJS.ReadStream & {fd: number}
  stdout: NodeJS.WriteStream & {fd: number}
  stderr: NodeJS.WriteStream & {fd: number}
}

export interface AttachSession {
  fifos: OpenedFifos
  terminal: AttachTerminal
  /** Forward nerd's stdin (`-i`). */
  stdin: boolean
  tty: boolean
  /** Where the signals nerd gets go, for a session that passes them on (`--sig-proxy`); none: nerd lets go at them. */
  forwardSignal?: (signal: NodeJS.Signals) => Promise<void>
  /**
   * The status nerd ends with when SIGINT or SIGTERM lets go of the process, else as killed by the
   * signal (exec's: docker's CLI ends an exec's wait at them as a canceled context, quietly, 0).
   */
  stopStatus?: number
  detachKeys: number[]
  /** The output streams shown on nerd's (`run -a`); both unless given. The others still reach `tee`. */
  shown?: ReadonlySet<'stdout' | 'stderr'>
  /** Also gets the output, e.g. the json-file log. */
  tee?: (stream: 'stdout' | 'stderr', chunk: Uint8Array) => void
  resize: (width: number, height: number) => Promise<void>
  closeStdin: () => Promise<void>
}

/**
 * How an attached session ends: its process exited; the user typed the detach keys; or nerd let go
 * of a process that goes on (its reader went away, a signal nerd does not pass on, a hang-up).
 */
export type SessionEnd = 'exited' | 'detached' | 'let-go'

export interface AttachedRun {
  /** Resolves once the session ends; 'exited' once output has drained after the exit. */
  done(exit: Promise<unknown>): Promise<SessionEnd>
  /** Restores the terminal and stops forwarding. */
  close(): void
}

/** How long after the exit an attached session waits for output that does not end, while its reader keeps up. */
const OUTPUT_GRACE_MS = 2000

/** Wires the FIFOs to nerd's stdio; call once the task exists (output flows from Tasks.Start on). */
export function attachStdio(session: AttachSession): AttachedRun {
  const {fifos, terminal} = session
  let end: (how: 'detached' | 'let-go') => void = () => undefined
  const ending = new Promise<'detached' | 'let-go'>((resolve) => (end = resolve))
  const cleanups: (() => void)[] = []
  /** nerd exits as killed by the signal, or with the session's stopStatus. */
  const letGoAt = (signal: NodeJS.Signals): void => {
    const stopping = signal === 'SIGINT' || signal === 'SIGTERM'
    process.exitCode = stopping && session.stopStatus !== undefined ? session.stopStatus : 128 + constants.signals[signal]
    end('let-go')
  }
  /** The output sources paused until nerd's own stdout or stderr drains; see `done` for why it matters. */
  const heldBack = new Set<Socket>()
  let heldBackChanged = (): void => undefined
  const pipeOut = (source: Socket | undefined, target: NodeJS.WriteStream, stream: 'stdout' | 'stderr'): void => {
    if (!source) return
    let shown = session.shown?.has(stream) ?? true
    // docker's attach holds the container up while its client does not read: the FIFO is read no
    // faster than nerd's stdout or stderr takes it, so a stalled reader fills the pipes and the
    // process blocks on its writes, where nerd would otherwise queue all its output in memory. The
    // log (written as read) keeps pace with the reader, as docker's does with its attach.
    const release = (): void => {
      if (!heldBack.delete(source)) return
      target.off('drain', release)
      source.resume()
      heldBackChanged()
    }
    source.on('data', (chunk: Buffer) => {
      const full = shown && !target.write(chunk)
      session.tee?.(stream, chunk)
      if (full && !heldBack.has(source)) {
        heldBack.add(source)
        source.pause()
        target.once('drain', release)
        heldBackChanged()
      }
    })
    // A reader that goes away (`nerd run IMG seq 1 1000000 | head -1`) detaches the session instead
    // of ending nerd there and then: the process goes on, its output read into the log and its
    // --rm applied at its exit (an exec's dropped), as docker's daemon goes on when its CLI ends.
    // A session that passes signals on fails with the broken pipe, as docker's CLI then does (its
    // error, and status 1: moby#38769); any other (an exec, --sig-proxy=false) dies of SIGPIPE, as
    // docker's CLI does (broken-pipe.ts). The other handlers (bin/run.js's) get the errors this does
    // not take.
    const others = target.rawListeners('error') as ((error: Error) => void)[]
    const onError = (error: NodeJS.ErrnoException): void => {
      if (error.code !== 'EPIPE') return others.forEach((listener) => listener.call(target, error))
      if (session.forwardSignal) {
        // A broken stderr takes no message.
        if (shown && stream === 'stdout') process.stderr.write('Error: write /dev/stdout: broken pipe\n')
        process.exitCode = 1
      } else {
        dieOfBrokenPipeAtExit()
      }
      shown = false
      // No drain comes after a broken pipe: the output goes on to the log alone.
      release()
      end('let-go')
    }
    target.removeAllListeners('error')
    target.on('error', onError)
    cleanups.push(() => {
      target.off('error', onError)
      target.off('drain', release)
      for (const listener of others) target.on('error', listener)
    })
  }
  pipeOut(fifos.stdout, terminal.stdout, 'stdout')
  pipeOut(fifos.stderr, terminal.stderr, 'stderr')

  const input = terminalInput(terminal.stdin, session)
  cleanups.push(input.restore)
  if (session.tty && terminal.stdout.isTTY) {
    const resize = (): void => {
      session.resize(terminal.stdout.columns, terminal.stdout.rows).catch(() => undefined)
    }
    resize()
    terminal.stdout.on('resize', resize)
    cleanups.push(() => terminal.stdout.off('resize', resize))
  }
  if (session.stdin && fifos.stdin) {
    const toProcess = fifos.stdin
    // Input is read no faster than the process takes it: while the FIFO is full nerd's stdin waits,
    // as docker's CLI's copy does, instead of queueing all of it in memory.
    let inputHeld = false
    const releaseInput = (): void => {
      if (!inputHeld) return
      inputHeld = false
      terminal.stdin.resume()
    }
    const onData = (chunk: Buffer): void => {
      const {forward, detach: typed} = input.scanner.scan(chunk)
      if (forward.length > 0 && !toProcess.write(forward) && !inputHeld) {
        inputHeld = true
        terminal.stdin.pause()
        toProcess.once('drain', releaseInput)
      }
      if (typed) end('detached')
    }
    // The end of a terminal's input is a hang-up (raw mode reads ctrl-d as a key): docker never
    // closes a terminal's stdin, and the shell goes on, so nerd lets go as at SIGHUP. Piped input's
    // end is the container's.
    const onEnd = session.tty
      ? (): void => letGoAt('SIGHUP')
      : (): void => {
          toProcess.end(() => {
            session.closeStdin().catch(() => undefined)
          })
        }
    terminal.stdin.on('data', onData)
    terminal.stdin.once('end', onEnd)
    if (session.tty) terminal.stdin.once('error', onEnd)
    terminal.stdin.resume()
    cleanups.push(() => {
      toProcess.off('drain', releaseInput)
      terminal.stdin.off('data', onData)
      terminal.stdin.off('end', onEnd)
      terminal.stdin.off('error', onEnd)
      terminal.stdin.pause()
    })
  }
  const {forwardSignal} = session
  if (forwardSignal) {
    // Forced out, nerd lets go of the process as at any other signal it does not pass on, status 1.
    const forceExit = (): void => {
      process.exitCode = 1
      end('let-go')
    }
    const forward = (name: NodeJS.Signals): void => {
      const sent = forwardSignal(name).catch(() => undefined)
      // A closed terminal's hang-up goes on to the process too, as docker's (a shell as the first
      // process ignores it); then nerd lets go as at the end of that terminal's input, where docker's
      // CLI would linger on a terminal no one sees: the shell stays for a later attach.
      if (name === 'SIGHUP' && terminalHungUp(terminal)) void sent.then(() => letGoAt('SIGHUP'))
    }
    cleanups.push(forwardSignals(forward, forceExit))
  } else {
    // Not passed on (--sig-proxy=false, start -a of a terminal's container, an exec): nerd lets go at
    // the first, as a detach does, so the process goes on with its output read and its --rm applied at its exit. docker's exec
    // ends at the first too; its run and start -a outlast two and end at the third (status 1).
    for (const name of STOP_SIGNALS) {
      const onSignal = (): void => letGoAt(name)
      process.on(name, onSignal)
      cleanups.push(() => process.off(name, onSignal))
    }
  }
  const outputGrace = (): Promise<void> =>
    new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined
      heldBackChanged = () => {
        clearTimeout(timer)
        if (heldBack.size === 0) timer = setTimeout(resolve, OUTPUT_GRACE_MS).unref()
      }
      heldBackChanged()
    })
  return {
    async done(exit) {
      const exited = exit.then(async () => {
        // Output still in the FIFOs arrives after the exit; the shim closes them when it is drained.
        // Something else may hold them open (a background child of an exec): the wait ends once the
        // output has not been held back for nerd's own reader for OUTPUT_GRACE_MS.
        await Promise.race([Promise.all([ended(fifos.stdout), ended(fifos.stderr)]), outputGrace()])
        return 'exited' as const
      })
      return Promise.race([exited, ending])
    },
    close() {
      for (const cleanup of cleanups.splice(0)) cleanup()
    },
  }
}
