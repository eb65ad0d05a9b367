/**
 * A file naming the nerd process that does something a later command must finish if that process
 * dies (SIGKILL: the OOM killer, a CI job's time limit) before it does. The process is named as the
 * owner of what it holds (owner.ts).
 * - A foreground `run` or `start -a` sees its container out itself (the task's deletion, `--rm`),
 *   where docker's daemon would; the signals nerd can catch hand the session over to a drain, but a
 *   nerd killed outright left the container exited, with its task and shim, and its name taken.
 *   The session's mark (attached-session) has the next command that lists containers, or wants
 *   the name, do what it did not (lifecycle.ts, seeOutOrphan).
 * - A commit's pause (commit-pause) is resumed by the next command that looks at the container
 *   (lifecycle.ts, seeOutDeadCommit).
 * - A stop or forced removal (stopping) deletes the task of the process it ends: the container's
 *   logger leaves that exit to it while its nerd lives (logs/logger.ts). A stop whose nerd died is
 *   finished by the next command that looks (lifecycle.ts, seeOutDeadStop), at the deadline the
 *   stop's mark notes (an rm -f's notes none: at once). The mark is that task's
 *   only: a start clears one an earlier task's stop left (startTask).
 * - An exit handler (exit-handler) holds its container while it sees an exit out (task-exit.ts): a
 *   second one waits for it, and the next command that looks at a container whose exit went
 *   unhandled starts one only when none holds it (lifecycle.ts, seeOutUnhandledExit).
 */
import {readFileSync, unlinkSync, writeFileSync} from 'node:fs'
import {readFile, unlink, writeFile} from 'node:fs/promises'
import {setTimeout as delay} from 'node:timers/promises'
import {ownerGone, ownerTag} from '../owner.ts'

/**
 * Marks `file` as this process's; `note` (one line) is what a later command needs to finish what
 * this process does (a stop's deadline), read back by whoever claims the mark once it is orphaned.
 */
export async function markThisProcess(file: string, note?: string): Promise<void> {
  await writeFile(file, note === undefined ? ownerTag() : `${ownerTag()}\n${note}`)
}

/** The owner a mark names (its first line). */
function markOwner(mark: string): string {
  return mark.split('\n', 1)[0]!
}

/** markThisProcess, synchronously: for the container's logger, which keeps off libuv's thread pool. */
export function markThisProcessSync(file: string): void {
  writeFileSync(file, ownerTag())
}

/** What the mark says: a live process holds it (an empty one is being written), the process it names is gone, or there is none. */
export function markState(file: string): 'held' | 'orphaned' | 'none' {
  let mark: string
  try {
    mark = readFileSync(file, 'utf8')
  } catch {
    return 'none'
  }
  return mark === '' || !ownerGone(markOwner(mark)) ? 'held' : 'orphaned'
}

/** Whether the mark is there and names a live process (an empty one is being written). */
export function markHeld(file: string): boolean {
  return markState(file) === 'held'
}

/**
 * Whether the mark names a process that is gone; then the mark is removed, and true is returned to
 * exactly one caller, who is to finish what that process did not.
 */
export async function claimOrphanedMark(file: string): Promise<boolean> {
  return (await claimOrphaned(file)) !== undefined
}

/** claimOrphanedMark, with the process the mark named (an owner, owner.ts) and the note it left (markThisProcess), for the caller who claimed it. */
export async function claimOrphaned(file: string): Promise<{owner: string; note: string | undefined} | undefined> {
  let mark: string
  try {
    mark = await readFile(file, 'utf8')
  } catch {
    return undefined
  }
  // An empty mark is one being written.
  const owner = markOwner(mark)
  if (!ownerGone(owner)) return undefined
  const note = mark.length > owner.length ? mark.slice(owner.length + 1) : undefined
  return unlink(file).then(
    () => ({owner, note}),
    () => undefined,
  )
}

const CLAIM_POLL_MS = 100

/**
 * Makes the mark this process's once no live process holds it (waiting meanwhile): of processes
 * that want it at once, one has it at a time. The caller removes it when done (releaseMark).
 */
export async function waitForMark(file: string): Promise<void> {
  for (;;) {
    try {
      await writeFile(file, ownerTag(), {flag: 'wx'})
      return
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    }
    if (!(await claimOrphanedMark(file))) await delay(CLAIM_POLL_MS)
  }
}

/** Removes the mark if this process holds it. */
export async function releaseMark(file: string): Promise<void> {
  const mark = await readFile(file, 'utf8').catch(() => undefined)
  if (mark !== undefined && markOwner(mark) === ownerTag()) await unlink(file).catch(() => undefined)
}

/** releaseMark, synchronously (the logger's). */
export function releaseMarkSync(file: string): void {
  try {
    if (markOwner(readFileSync(file, 'utf8')) === ownerTag()) unlinkSync(file)
  } catch {
    // Gone already (the container removed).
  }
}
