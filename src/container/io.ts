/**
 * A process's stdio as FIFOs between nerd and containerd's shim, for attached runs, `start -a` and
 * exec. The client makes the FIFOs and opens its ends before Tasks.Create/Exec (which blocks until
 * the shim has opened the other ends); the directory is removed once the process is deleted.
 */
import {execFile} from 'node:child_process'
import {closeSync, constants, openSync, readdirSync, readFileSync, readlinkSync} from 'node:fs'
import {mkdir, rm} from 'node:fs/promises'
import {Socket} from 'node:net'
import {EXIT_NERD_FAILED, NerdError} from '../errors.ts'
import {makeOwnedDir, removeOrphanedDirs} from '../owner.ts'
import {basename, dirname, join} from 'node:path'
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
  return makeOwnedDir(base, FIFO_DIR_PREFIX)
}

/**
 * Removes the FIFO directories whose nerd is gone (killed before it removed them; a process that
 * has its FIFOs open, the shim or a drain, no longer needs their names).
 */
export function removeOrphanedFifos(dataRoot: string): Promise<void> {
  return removeOrphanedDirs(fifosDir(dataRoot), FIFO_DIR_PREFIX)
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

/** Ends of a process's FIFOs opened for a drain to inherit (detached-output.ts). */
export interface FifoEnds {
  stdout: number
  /** Absent with a terminal. */
  stderr?: number
  /** Absent for a process without `-i`. */
  stdin?: number
}

/** The access mode bits of open(2)'s flags, and the write-only mode (node's constants have neither name on every platform). */
const ACCESS_MODE = 0o3
const WRITE_ONLY = 0o1

/**
 * Opens again the FIFOs of a process whose nerd (`owner`, owner.ts) was killed with them open
 * (SIGKILL), through the descriptors its shim (`shimPid`) holds them by, `/proc/<shim>/fd/<n>`:
 * their names may be gone, swept with the dead nerd's directory. The output ends read-only and
 * non-blocking, as nerd's own; stdin read-write, as a drain holds it. Undefined when the shim no
 * longer writes the output (the process has ended) or cannot be read: a FIFO opened once its last
 * writer has closed never reports its end, so the shim's writing ends are looked for before and
 * after the open.
 */
export function reopenOrphanedFifos(owner: string, shimPid: number): FifoEnds | undefined {
  const before = shimWritingEnds(`${FIFO_DIR_PREFIX}${owner}-`, shimPid)
  const stdout = before.get('stdout')
  if (stdout === undefined) return undefined
  const ends: Partial<FifoEnds> = {}
  const closeEnds = (): undefined => {
    for (const fd of Object.values(ends)) closeSync(fd)
    return undefined
  }
  try {
    const modes = {stdout: constants.O_RDONLY, stderr: constants.O_RDONLY, stdin: constants.O_RDWR} as const
    for (const [name, mode] of Object.entries(modes) as [keyof FifoEnds, number][]) {
      const fd = before.get(name)
      if (fd !== undefined) ends[name] = openSync(`/proc/${shimPid}/fd/${fd}`, mode | constants.O_NONBLOCK)
    }
  } catch {
    return closeEnds()
  }
  const after = shimWritingEnds(`${FIFO_DIR_PREFIX}${owner}-`, shimPid)
  if (before.get('stdout') !== after.get('stdout') || before.get('stderr') !== after.get('stderr')) return closeEnds()
  return ends as FifoEnds
}

/** The descriptors by which the shim writes to FIFOs of a directory named `dirPrefix`…, by FIFO name (stdout, stderr, stdin). */
function shimWritingEnds(dirPrefix: string, shimPid: number): Map<string, number> {
  const ends = new Map<string, number>()
  let fds: string[]
  try {
    fds = readdirSync(`/proc/${shimPid}/fd`)
  } catch {
    return ends
  }
  for (const fd of fds) {
    try {
      // A FIFO whose name was removed reads `<path> (deleted)`.
      const target = readlinkSync(`/proc/${shimPid}/fd/${fd}`).replace(/ \(deleted\)$/, '')
      if (!basename(dirname(target)).startsWith(dirPrefix)) continue
      const flags = /^flags:\s*([0-7]+)$/m.exec(readFileSync(`/proc/${shimPid}/fdinfo/${fd}`, 'utf8'))?.[1]
      if (flags !== undefined && (parseInt(flags, 8) & ACCESS_MODE) === WRITE_ONLY) ends.set(basename(target), Number(fd))
    } catch {
      // Closed meanwhile.
    }
  }
  return ends
}

/** Whether the stream has ended or closed (the shim closed its end); one not opened has. */
export function hasEnded(stream: Socket | undefined): boolean {
  return !stream || stream.destroyed || stream.readableEnded
}

/** Resolves once the stream has ended or closed (see hasEnded). */
export function ended(stream: Socket | undefined): Promise<void> {
  if (!stream || hasEnded(stream)) return Promise.resolve()
  return new Promise((resolve) => {
    stream.once('end', resolve)
    stream.once('close', resolve)
  })
}
