/**
 * A foreground `run` or `start -a` sees its container out itself (the task's deletion, `--rm`), where
 * docker's daemon would. The signals nerd can catch hand the session over to a drain, but a nerd
 * killed (SIGKILL: the OOM killer, a CI job's time limit) leaves nobody to do it: the container
 * stayed, exited, with its task and shim, and kept its name. So the session leaves a mark naming its
 * process (process-mark.ts), and the next command that lists containers (or wants the name) finds
 * the mark's process gone and does what the session did not (lifecycle.ts, seeOutOrphan).
 */
import {rm} from 'node:fs/promises'
import {claimOrphanedMark, markThisProcess} from './process-mark.ts'
import type {ContainerPaths} from './store.ts'

export async function markAttachedSession(paths: Pick<ContainerPaths, 'attachedSession'>): Promise<void> {
  await markThisProcess(paths.attachedSession)
}

export async function unmarkAttachedSession(paths: Pick<ContainerPaths, 'attachedSession'>): Promise<void> {
  await rm(paths.attachedSession, {force: true})
}

/** Whether the container's session mark names a process that is gone (claimOrphanedMark). */
export async function claimOrphanedSession(paths: Pick<ContainerPaths, 'attachedSession'>): Promise<boolean> {
  return claimOrphanedMark(paths.attachedSession)
}
