/**
 * The data root's file primitives: atomic writes and locks. nerd's state (names, containers, volumes,
 * networks) is shared by concurrent nerd processes and by the processes containerd starts for nerd,
 * so a file is either the old or the new version, and a read-modify-write holds a lock.
 */
import fs, {createWriteStream, existsSync, lstatSync, readFileSync, statSync} from 'node:fs'
import type {Stats} from 'node:fs'
import {chmod, chown, link, mkdir, rename, rm, writeFile} from 'node:fs/promises'
import {basename, dirname, join, normalize} from 'node:path'
import type {Writable} from 'node:stream'
import {finished} from 'node:stream/promises'
import {setTimeout as delay} from 'node:timers/promises'
import {InvalidFileError, NerdError} from './errors.ts'
import {shapeMismatch} from './json-shape.ts'
import {ownerGone, ownerTag} from './owner.ts'
import type {Shape} from './json-shape.ts'

let temporaries = 0

/**
 * A file beside `path` to write before renaming it over `path`: unique per process and call (and
 * created exclusively); not from node:crypto, whose start-up would cost the long-lived logger megabytes.
 * Only the start of the file's name is kept in it: a name as long as a file name can be still has one.
 */
function temporaryPath(path: string): string {
  return join(dirname(path), `.${basename(path).slice(0, 64)}.${process.pid}-${++temporaries}.tmp`)
}

/** The words Go's os package uses for a file it cannot open or read, which docker's users see. */
export function openFailure(path: string, error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code
  if (code === 'ENOENT') return `open ${path}: no such file or directory`
  if (code === 'EACCES') return `open ${path}: permission denied`
  if (code === 'EISDIR') return `read ${path}: is a directory`
  return `open ${path}: ${errnoDescription(error)}`
}

/** Node's `ENOSPC: no space left on device, write` (or `…, open '/path'`) holds Go's words between the code and the call. */
const NODE_ERRNO_MESSAGE = /^E[A-Z0-9]+: (.*?), \w+(?: '.*)?$/s

function errnoDescription(error: unknown): string {
  const message = (error as Error).message
  return NODE_ERRNO_MESSAGE.exec(message)?.[1] ?? message
}

/**
 * A failed `operation` (the error's own system call unless given) on the file at `path` in Go's
 * words (os.PathError), which docker's users see: `write /var/lib/nerd/…: no space left on device`,
 * where Node's message names no file. The code (ENOSPC, EROFS…) is kept for callers that tell
 * failures apart.
 */
export function fileFailure(operation: string | undefined, path: string, error: unknown): Error {
  // Anything else (already in Go's words, or no system call's) is as good as it gets.
  if (!(error instanceof Error) || !NODE_ERRNO_MESSAGE.test(error.message)) return error as Error
  const failure: NodeJS.ErrnoException = new Error(`${operation ?? (error as NodeJS.ErrnoException).syscall ?? 'write'} ${path}: ${errnoDescription(error)}`, {cause: error})
  failure.code = (error as NodeJS.ErrnoException).code!
  failure.path = path
  return failure
}

/** A write the file system refuses: it is full, over quota, or read-only. */
const REFUSED_WRITES = new Set(['ENOSPC', 'EDQUOT', 'EROFS'])

/**
 * Whether `error` is a write the file system refuses, which a write of what is about to be removed
 * may ignore: removing a container must work on a full disk, where it is how space is won back.
 */
export function isWriteRefused(error: unknown): boolean {
  return REFUSED_WRITES.has((error as NodeJS.ErrnoException | undefined)?.code ?? '')
}

/** How docker's CLI refuses to write an archive over what is neither a regular file nor missing. */
function unwritableKind(info: Stats): string | undefined {
  if (info.isDirectory()) return 'a directory'
  // Not followed, as docker's CLI: a link is refused whatever it points to.
  if (info.isSymbolicLink()) return 'a symbolic link directly'
  if (info.isCharacterDevice()) return 'a character device file'
  if (info.isBlockDevice()) return 'a block device file'
  if (info.isFIFO()) return 'a named pipe (FIFO)'
  if (info.isSocket()) return 'a socket'
  return undefined
}

/**
 * docker's ValidateOutputPath (`export -o`, `save -o`), checked before anything is done: why an
 * archive cannot be written at `path` (its directory is missing, or it is a directory, a link, a
 * device…), if so, in docker 28's words.
 */
export function invalidOutputPath(path: string): string | undefined {
  const directory = dirname(normalize(path))
  if (directory !== '.') {
    try {
      if (!statSync(directory).isDirectory()) return `invalid output path: stat ${directory}: not a directory`
    } catch (error) {
      return `invalid output path: stat ${directory}: ${errnoDescription(error)}`
    }
  }
  let info: Stats | undefined
  try {
    info = lstatSync(path, {throwIfNoEntry: false})
  } catch {
    // Left to the write, which names what is wrong.
    return undefined
  }
  const kind = info === undefined ? undefined : unwritableKind(info)
  return kind === undefined ? undefined : `cannot write to ${kind}`
}

/**
 * Writes `data` to `path` through a temporary file renamed over it: readers never see half a file.
 * An `owner` is given to the file if this process may (a failure to is no failure of the write).
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o644, owner?: {uid: number; gid: number}): Promise<void> {
  const temporary = temporaryPath(path)
  try {
    await writeFile(temporary, data, {mode, flag: 'wx'})
    // The umask may have narrowed the mode but never widens it; make it exact.
    await chmod(temporary, mode)
    if (owner) await chown(temporary, owner.uid, owner.gid).catch(() => undefined)
    await rename(temporary, path)
  } catch (error) {
    await rm(temporary, {force: true})
    // The file meant, not the temporary one (nor none, as Node names none for a failed write).
    throw fileFailure(undefined, path, error)
  }
}

/**
 * Creates `file` with `content` unless it exists, whole or not at all; whether it did. The content is
 * written to a file of this process's first and then linked, so that of two writers at once one wins
 * and the other sees it (EEXIST), and one killed half-way leaves no empty file. Failures are thrown
 * as they come.
 */
export async function createExclusive(file: string, content: string): Promise<boolean> {
  // Hidden, named by its owner so that one a killed nerd left can be told apart and swept (the names'
  // removeOrphanedContainerFiles), and by the content (an ID), not by the file's name, which may be as
  // long as a file name can be.
  const written = join(dirname(file), `.${ownerTag()}-${content}.tmp`)
  try {
    // A write that fails (a full disk) may have made the file: it goes too.
    await writeFile(written, content, {mode: 0o600})
    await link(written, file)
    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw error
  } finally {
    await rm(written, {force: true})
  }
}

/**
 * Writes `path` with `write`, which ends the stream it is given, into a temporary file renamed over
 * `path` only when all of it was written: a failure or an interruption leaves what was there. The
 * file is its owner's only (0600, whatever the umask), as docker's save -o and export -o write
 * theirs (cli/command/image/save.go, container/export.go: atomicwriter.New(output, 0o600)): an
 * image's layers or a container's files may hold secrets.
 */
export async function writeStreamAtomic(path: string, write: (output: Writable) => Promise<void>): Promise<void> {
  const temporary = temporaryPath(path)
  const output = createWriteStream(temporary, {flags: 'wx', mode: 0o600})
  const done = finished(output)
  done.catch(() => undefined)
  try {
    await write(output)
    await done
    await chmod(temporary, 0o600)
    await rename(temporary, path)
  } catch (error) {
    // Closed first: a file still being opened would otherwise appear after its removal.
    output.destroy()
    await done.catch(() => undefined)
    await rm(temporary, {force: true})
    throw fileFailure(undefined, path, error)
  }
}

/**
 * writeFileAtomic of `value` as JSON, by default readable by its owner only: nerd's state (a
 * container's config.json holds its environment, passwords and all) is nobody else's to read.
 */
export async function writeJsonAtomic(path: string, value: unknown, mode = 0o600): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`, mode)
}

/**
 * The parsed file, or undefined when it does not exist. Read synchronously: these files are a few
 * hundred bytes, and an asynchronous read (open, stat, read, close, each through the thread pool)
 * made `ps` of 50 containers spend 14 ms on 200 of them. A missing file is asked about first: the
 * error of a failed read costs eight times the question, and ps asks for network files most
 * containers lack.
 */
export async function readJsonIfExists<T>(path: string): Promise<T | undefined> {
  const text = readTextIfExists(path)
  return text === undefined ? undefined : (JSON.parse(text) as T)
}

/** The file's text, or undefined when it does not exist (asked first: see readJsonIfExists). */
function readTextIfExists(path: string): string | undefined {
  if (!existsSync(path)) return undefined
  try {
    return readFileSync(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
}

/**
 * readJsonIfExists for a file of nerd's state, checked against the `shape` the code reads: an empty
 * file, one that is not JSON or not of that shape throws InvalidFileError naming it and `what` it is.
 */
export async function readCheckedJson<T>(path: string, what: string, shape: Shape): Promise<T | undefined> {
  const text = readTextIfExists(path)
  if (text === undefined) return undefined
  if (text.trim() === '') throw new InvalidFileError(what, path, 'the file is empty')
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    // JSON.parse quotes the text it stopped at, line breaks and all: kept on one line.
    throw new InvalidFileError(what, path, (error as Error).message.replaceAll('\n', '\\n'))
  }
  const mismatch = shapeMismatch(value, shape)
  if (mismatch) throw new InvalidFileError(what, path, mismatch)
  return value as T
}

const warned = new Set<string>()

/**
 * Says on stderr, once per command (system prune lists containers twice), that a listing left out
 * `what` (`volume x`), whose file `error` names cannot be used.
 */
export function warnLeftOut(what: string, error: InvalidFileError): void {
  const message = `WARNING: left out ${what}: ${error.message}\n`
  if (warned.has(message)) return
  warned.add(message)
  process.stderr.write(message)
}

/** A lock without an owner file that is this old is a crashed holder's, and taken over. */
const LOCK_STALE_MS = 10_000

/**
 * The staleness proper-lockfile is given for withFileLock's locks: never reached, so that it neither
 * takes a lock over by its age nor refreshes the locks it holds. Whether a holder lives is its owner
 * file's to say: proper-lockfile took over the lock of a holder whose refresh came late (an rm of
 * big files holding up the file system), and the holder, finding its lock taken, threw
 * ECOMPROMISED from a timer and died in the middle of its work.
 */
const NEVER_STALE_MS = 2 ** 31

/**
 * How long a lock is waited for: far past LOCK_STALE_MS, so that a lock whose holder died unnamed
 * (before it wrote its owner file) is taken over rather than failed.
 */
const LOCK_WAIT_MS = 20_000
const LOCK_RETRY_MIN_MS = 5
const LOCK_RETRY_MAX_MS = 50

/**
 * The holder of a lock, as an owner (owner.ts), in a file inside the lock's directory: a holder
 * killed outright (SIGKILL) leaves its lock, and the next one that wants it takes it over at once
 * rather than after LOCK_STALE_MS (an `--rm` container's exit handler waits for the lock of the
 * `run` that started it). Being inside, it goes with the directory.
 */
const LOCK_OWNER_FILE = 'owner'

export interface FileLockOptions {
  /**
   * Whether a missing directory of `path` is made (the default). Without, locking in a directory
   * that is gone fails with ENOENT: a container's lock must not bring back what `rm` removed.
   */
  createDirectory?: boolean
  /** What the lock guards, for the error of a wait that timed out (`network n1`); the lock's path without. */
  guards?: string
  /**
   * How long another holder is waited for, LOCK_WAIT_MS unless given: Infinity for work that may
   * rightly take minutes (an npm install), where failing would only make the user try again.
   */
  waitMs?: number
  /** Called once when the lock is found held by another, before the wait. */
  onWait?: () => void
}

/** A wait for a lock that timed out: another nerd held it all along. */
export class LockTimeoutError extends NerdError {
  constructor(path: string, guards: string | undefined, waitMs: number) {
    super(`timed out after ${waitMs / 1000} s waiting for the lock of ${guards ?? path}: another nerd command holds it`)
  }
}

/** proper-lockfile's lock directory for `path`. */
function lockDirectory(path: string): string {
  return `${path}.lock`
}

/**
 * The file system proper-lockfile uses, but for removing a lock's directory, which takes its owner
 * file along (a release, or the takeover of a stale lock).
 */
const lockFs = {...fs, rmdir: (path: string, callback: (error: NodeJS.ErrnoException | null) => void) => fs.rm(path, {recursive: true}, callback)}

/**
 * Whether a live holder (not a crashed one's lock) holds withFileLock's lock on `path`. A lock whose
 * holder still runs counts however long it has not been refreshed: a holder stopped or held up for
 * LOCK_STALE_MS (SIGSTOP, a blocked event loop) is not a crashed one, and a sweep that took its
 * lock as stale destroyed a create still under way.
 */
export async function isLocked(path: string): Promise<boolean> {
  const owner = lockOwner(path)
  if (owner !== undefined && !ownerGone(owner)) return true
  const {check} = await import('proper-lockfile')
  return (await check(path, {realpath: false, stale: LOCK_STALE_MS, fs: lockFs})) && owner === undefined
}

/**
 * What the lock's owner file says (owner.ts), or undefined when it has none (no lock, or one just
 * made) or an empty one: its holder was killed as it wrote it (a SIGKILLed rm -f left a network's
 * lock so, which no one took over).
 */
function lockOwner(path: string): string | undefined {
  try {
    return readFileSync(join(lockDirectory(path), LOCK_OWNER_FILE), 'utf8') || undefined
  } catch {
    return undefined
  }
}

/**
 * Whether the lock's holder is gone: its owner file names a process that has ended, or it has none
 * and is stale (its holder died before writing it, or could not write it: a full disk).
 */
function holderGone(path: string): boolean {
  const owner = lockOwner(path)
  if (owner !== undefined) return ownerGone(owner)
  try {
    return statSync(lockDirectory(path)).mtimeMs < Date.now() - LOCK_STALE_MS
  } catch {
    return false
  }
}

/**
 * Removes the lock on `path` if the process its owner file names has ended; whether it did. Under a
 * lock of its own, so that of waiters who find the same dead holder one removes its lock, and the
 * others then find the lock of the one that took it next.
 */
async function takeOverDeadHolder(lock: typeof import('proper-lockfile').lock, path: string): Promise<boolean> {
  if (!holderGone(path)) return false
  const release = await lock(`${path}.takeover`, {realpath: false, stale: LOCK_STALE_MS, fs: lockFs, retries: {retries: 100, minTimeout: LOCK_RETRY_MIN_MS, maxTimeout: LOCK_RETRY_MAX_MS}})
  try {
    if (!holderGone(path)) return false
    await rm(lockDirectory(path), {recursive: true, force: true})
    return true
  } finally {
    await release().catch(() => undefined)
  }
}

/**
 * Writes the owner file into the lock's directory. Without it (a full disk), the lock is taken for a
 * dead holder's once it is LOCK_STALE_MS old.
 */
async function recordLockOwner(path: string): Promise<void> {
  try {
    await writeFile(join(lockDirectory(path), LOCK_OWNER_FILE), ownerTag())
  } catch {
    // As without the file.
  }
}

/**
 * Runs `fn` holding an exclusive lock on `path` (which need not exist; the lock is `<path>.lock`).
 * Waits for other holders; a lock whose holder died is taken over at once when its owner file names
 * it, else after it goes stale.
 */
export async function withFileLock<T>(path: string, fn: () => Promise<T>, options: FileLockOptions = {}): Promise<T> {
  const release = (await acquireFileLock(path, options))!
  try {
    return await fn()
  } finally {
    await release().catch(() => undefined)
  }
}

/**
 * Lets go of the lock on `path` that this process holds (withFileLock) at once, for a holder about to
 * die (of a signal) that cannot wait for its release.
 */
export function dropFileLock(path: string): void {
  fs.rmSync(lockDirectory(path), {recursive: true, force: true})
}

/**
 * As withFileLock, but the wait ends without running `fn` (undefined) once `satisfied` says what
 * `fn` would do has been done meanwhile, by the holder it waited for.
 */
export async function withFileLockUnless<T>(path: string, satisfied: () => Promise<boolean>, fn: () => Promise<T>, options: FileLockOptions = {}): Promise<T | undefined> {
  const release = await acquireFileLock(path, options, satisfied)
  if (!release) return undefined
  try {
    return await fn()
  } finally {
    await release().catch(() => undefined)
  }
}

/** Takes the lock on `path` (see withFileLock): its release, or undefined when `satisfied` ended the wait. */
async function acquireFileLock(path: string, options: FileLockOptions, satisfied?: () => Promise<boolean>): Promise<(() => Promise<void>) | undefined> {
  const {lock} = await import('proper-lockfile')
  if (options.createDirectory ?? true) await mkdir(dirname(path), {recursive: true})
  const waitMs = options.waitMs ?? LOCK_WAIT_MS
  const deadline = Date.now() + waitMs
  let retryMs = LOCK_RETRY_MIN_MS
  let waiting = false
  for (;;) {
    try {
      const release = await lock(path, {realpath: false, stale: NEVER_STALE_MS, fs: lockFs})
      await recordLockOwner(path)
      return release
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') throw error
      if (Date.now() > deadline) throw new LockTimeoutError(path, options.guards, waitMs)
    }
    if (await takeOverDeadHolder(lock, path)) continue
    if (satisfied && (await satisfied())) return undefined
    if (!waiting) {
      waiting = true
      options.onWait?.()
    }
    await delay(retryMs * (1 + Math.random()))
    retryMs = Math.min(retryMs * 1.2, LOCK_RETRY_MAX_MS)
  }
}

/** What readSmallFile reads at most: far more than any --env-file, --label-file or seccomp profile. */
const SMALL_FILE_MAX_BYTES = 64 * 1024 * 1024

/**
 * A file a flag names, read whole, but never more than SMALL_FILE_MAX_BYTES: `--env-file /dev/zero`
 * (or a FIFO fed forever) grew nerd by gigabytes where docker's line reader fails at once.
 */
export function readSmallFile(path: string): Buffer {
  const fd = fs.openSync(path, 'r')
  try {
    const chunks: Buffer[] = []
    let total = 0
    for (;;) {
      const chunk = Buffer.allocUnsafe(64 * 1024)
      const read = fs.readSync(fd, chunk, 0, chunk.length, null)
      if (read === 0) return Buffer.concat(chunks, total)
      total += read
      if (total > SMALL_FILE_MAX_BYTES) throw new Error(`file too large (over ${SMALL_FILE_MAX_BYTES / 1024 / 1024} MiB)`)
      chunks.push(chunk.subarray(0, read))
    }
  } finally {
    fs.closeSync(fd)
  }
}
