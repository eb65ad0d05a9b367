/**
 * A file naming the nerd process that does something a later command must finish if that process
 * dies (SIGKILL) before it does: a foreground session's see-out (attached-session.ts), the resume
 * after a commit's pause (commit.ts). The process is named as the owner of what it holds (owner.ts).
 */
import {readFile, unlink, writeFile} from 'node:fs/promises'
import {ownerGone, ownerTag} from '../owner.ts'

export async function markThisProcess(file: string): Promise<void> {
  await writeFile(file, ownerTag())
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
