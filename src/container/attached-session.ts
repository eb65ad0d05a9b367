/**
 * A foreground `run` or `start -a` sees its container out itself (the task's deletion, `--rm`), where
 * docker's daemon would. The signals nerd can catch hand the session over to a drain, but a nerd
 * killed (SIGKILL: the OOM killer, a CI job's time limit) leaves nobody to do it: the container
 * stayed, exited, with its task and shim, and kept its name. So the session leaves a mark naming its
 * process, and the next command that lists containers (or wants the name) finds the mark's process
 * gone and does what the session did not (lifecycle.ts, seeOutOrphan).
 */
import {readFile, rm, unlink, writeFile} from 'node:fs/promises'
import {processStartTime} from './host-process.ts'
import type {ContainerPaths} from './store.ts'

export async function markAttachedSession(paths: Pick<ContainerPaths, 'attachedSession'>): Promise<void> {
  await writeFile(paths.attachedSession, `${process.pid} ${processStartTime('self')}`)
}

export async function unmarkAttachedSession(paths: Pick<ContainerPaths, 'attachedSession'>): Promise<void> {
  await rm(paths.attachedSession, {force: true})
}

/**
 * Whether the container's session mark names a process that is gone; then the mark is removed, and
 * true is returned to exactly one caller, who is to see the container out.
 */
export async function claimOrphanedSession(paths: Pick<ContainerPaths, 'attachedSession'>): Promise<boolean> {
  let mark: string
  try {
    mark = await readFile(paths.attachedSession, 'utf8')
  } catch {
    return false
  }
  const [pid, startTime] = mark.split(' ')
  // An empty mark is one being written.
  if (!pid || !startTime || processStartTime(Number(pid)) === startTime) return false
  return unlink(paths.attachedSession).then(
    () => true,
    () => false,
  )
}
