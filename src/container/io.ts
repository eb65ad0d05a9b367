/**
 * A process's stdio as FIFOs between nerd and containerd's shim, for attached runs, `start -a` and
 * exec. The client makes the FIFOs and opens its ends before Tasks.Create/Exec (which blocks until
 * the shim has opened the other ends); the directory is removed once the process is deleted.
 */
import {execFile} from 'node:child_process'
import {constants, openSync} from 'node:fs'
import {mkdir, mkdtemp, readdir, rm} from 'node:fs/promises'
import {Socket} from 'node:net'
import {EXIT_NERD_FAILED, NerdError} from '../errors.ts'
import {ownedNameOrphaned, ownedNamePrefix} from '../owner.ts'
import {join} from 'node:path'
import {promisify} from 'node:util'

export interface FifoSet {
  dir: string
  stdin: string
  stdout: string
  stderr: string
}

export interface OpenedFifos {
  paths: FifoSet
  /** Writable end of stdin, when the process has one. */
  stdin?: Socket
  stdout: Socket
  /** Absent with a terminal: the pty merges both streams into stdout. */
  stderr?: Socket
  /**
   * The descriptors of the output ends, for a drain taking over to inherit (detached-output.ts);
   * undefined once an end has closed, which means the process has ended. To be handed over in the
   * same tick (handOverSession): the number of an end that closes is soon another descriptor's.
   */
  openOutputFds(): {stdout: number; stderr?: number} | undefined
  /** The descriptor of the stdin end, for a drain taking over; undefined without one, or once it is closed. */
  openStdinFd(): number | undefined
  /** Stops reading the output ends and closes them, once a drain has taken them over. */
  closeOutputs(): void
  /** Closes every end still open and removes the FIFOs. */
  dispose(): Promise<void>
}

/** A FIFO directory's name: this prefix, its nerd (owner.ts), a random part. */
const FIFO_DIR_PREFIX = 'io-'

/** Where the FIFO directories live, those of every namespace. */
function fifosDir(dataRoot: string): string {
  return join(dataRoot, 'fifo')
}

/**
 * Creates the FIFOs under `<data root>/fifo/io-<owner>-<random>`. Apart from opening them, as it
 * spawns mkfifo (Node has no call for it) and `run` does that while the container is being created.
 * Meanwhile the directories of nerds killed before they removed theirs go.
 */
export async function makeFifos(dataRoot: string, options: {stdin: boolean; terminal: boolean}): Promise<FifoSet> {
  const dir = await makeIoDir(dataRoot)
  const orphans = removeOrphanedFifos(dataRoot)
  const paths: FifoSet = {
    dir,
    stdin: options.stdin ? join(dir, 'stdin') : '',
    stdout: join(dir, 'stdout'),
    stderr: options.terminal ? '' : join(dir, 'stderr'),
  }
  try {
    await mkfifo([paths.stdin, paths.stdout, paths.stderr].filter((path) => path !== ''))
  } catch (error) {
    await rm(dir, {recursive: true, force: true})
    throw error
  } finally {
    await orphans
  }
  return paths
}

/**
 * A directory of this process's for a process's stdio (`<data root>/fifo/io-<owner>-<random>`),
 * removed as the FIFOs' are once this process is gone without removing it.
 */
export async function makeIoDir(dataRoot: string): Promise<string> {
  const base = fifosDir(dataRoot)
  await mkdir(base, {recursive: true, mode: 0o700})
  return mkdtemp(join(base, ownedNamePrefix(FIFO_DIR_PREFIX)))
}

/**
 * Removes the FIFO directories whose nerd is gone (killed before it removed them; a process that
 * has its FIFOs open, the shim or a drain, no longer needs their names).
 */
export async function removeOrphanedFifos(dataRoot: string): Promise<void> {
  const base = fifosDir(dataRoot)
  try {
    for (const entry of await readdir(base)) if (ownedNameOrphaned(entry, FIFO_DIR_PREFIX)) await rm(join(base, entry), {recursive: true, force: true})
  } catch {
    // Left for the next sweep.
  }
}

/** Makes FIFOs (mode 0600) with the mkfifo program: Node has no call for it. */
export async function mkfifo(paths: string[]): Promise<void> {
  try {
    await promisify(execFile)('mkfifo', ['-m', '0600', ...paths])
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'the mkfifo program (coreutils) is not on PATH' : (error as Error).message.trim()
    throw new NerdError(`cannot make the FIFOs for a process's stdio: ${reason}`, {exitCode: EXIT_NERD_FAILED, cause: error})
  }
}

/** Removes FIFOs makeFifos made (directory and all). */
export async function removeFifos(paths: FifoSet): Promise<void> {
  await rm(paths.dir, {recursive: true, force: true})
}

/** FIFOs made ahead for a process that will not start: removed once made (failing to make them is then no one's concern). */
export async function discardFifos(made: Promise<FifoSet> | undefined): Promise<void> {
  await made?.then(removeFifos, () => undefined)
}

/** Opens nerd's ends of FIFOs makeFifos made; disposing closes them and removes the FIFOs. */
export function openFifos(paths: FifoSet): OpenedFifos {
  const sockets: Socket[] = []
  const dispose = async (): Promise<void> => {
    for (const socket of sockets) socket.destroy()
    await removeFifos(paths)
  }
  const reader = (path: string): {socket: Socket; fd: number} => {
    // libuv treats a FIFO as a pipe: data events, then a clean end when the shim closes its end.
    const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK)
    const socket = new Socket({fd, readable: true, writable: false})
    sockets.push(socket)
    return {socket, fd}
  }
  try {
    const stdout = reader(paths.stdout)
    const stderr = paths.stderr ? reader(paths.stderr) : undefined
    const outputs = stderr ? [stdout, stderr] : [stdout]
    const openOutputFds = (): {stdout: number; stderr?: number} | undefined =>
      outputs.some(({socket}) => socket.destroyed || socket.readableEnded) ? undefined : {stdout: stdout.fd, ...(stderr ? {stderr: stderr.fd} : {})}
    const closeOutputs = (): void => {
      for (const {socket} of outputs) socket.destroy()
    }
    let stdin: {socket: Socket; fd: number} | undefined
    if (paths.stdin) {
      // Opened read-write: a write-only non-blocking open fails while the shim has not opened it yet.
      const fd = openSync(paths.stdin, constants.O_RDWR | constants.O_NONBLOCK)
      stdin = {socket: new Socket({fd, readable: false, writable: true}), fd}
      sockets.push(stdin.socket)
    }
    const openStdinFd = (): number | undefined => (stdin && !stdin.socket.destroyed && !stdin.socket.writableEnded ? stdin.fd : undefined)
    const opened: OpenedFifos = {paths, stdout: stdout.socket, openOutputFds, openStdinFd, closeOutputs, dispose}
    if (stderr) opened.stderr = stderr.socket
    if (stdin) opened.stdin = stdin.socket
    return opened
  } catch (error) {
    void dispose()
    throw error
  }
}

/** Resolves once the stream has ended or closed (the shim closed its end). */
export function ended(stream: Socket | undefined): Promise<void> {
  if (!stream || stream.destroyed || stream.readableEnded) return Promise.resolve()
  return new Promise((resolve) => {
    stream.once('end', resolve)
    stream.once('close', resolve)
  })
}
