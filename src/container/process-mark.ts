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
 *   logger leaves that exit to it while its nerd lives (logs/logger.ts).
 */
import {readFileSync} from 'node:fs'
import {readFile, unlink, writeFile} from 'node:fs/promises'
import {ownerGone, ownerTag} from '../owner.ts'

export async function markThisProcess(file: string): Promise<void> {
  await writeFile(file, ownerTag())
}

/** Whether the mark is there and names a live process (an empty one is being written). */
export function markHeld(file: string): boolean {
  let mark: string
  try {
    mark = readFileSync(file, 'utf8')
  } catch {
    return false
  }
  return mark === '' || !ownerGone(mark)
}

/**
 * Whether the mark names a process that is gone; then the mark is removed, and true is returned to
 * exactly one caller, who is to finish what that process did not.
 */
export async function claimOrphanedMark(file: string): Promise<boolean> {
  let mark: string
  try {
    mark = await readFile(file, 'utf8')
  } catch {
    return false
  }
  // An empty mark is one being written.
  if (!ownerGone(mark)) return false
  return unlink(file).then(
    () => true,
    () => false,
  )
}
