/**
 * A foreground `run` or `start -a` sees its container out itself (the task's deletion, `--rm`), where
 * docker's daemon would. The signals nerd can catch hand the session over to a drain, but a nerd
 * killed (SIGKILL: the OOM killer, a CI job's time limit) leaves nobody to do it: the container
 * stayed, exited, with its task and shim, and kept its name. So the session leaves a mark naming its
 * process, and the next command that lists containers (or wants the name) finds the mark's process
 * gone and does what the session did not (lifecycle.ts, seeOutOrphan).
 */
import {readFileSync} from 'node:fs'
import {readFile, rm, unlink, writeFile} from 'node:fs/promises'
import type {ContainerPaths} from './store.ts'

/** A process's start time (clock ticks since boot): with the pid, it names the process, as a pid is soon reused. */
function processStartTime(pid: number | 'self'): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // The command name (field 2) may hold spaces and parentheses; the start time is field 22.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]
  } catch {
    return undefined
  }
}

/** When the host process `pid` started (RFC 3339), from its start time and the host's boot time; undefined when it is gone. */
export function processStartedAt(pid: number): string | undefined {
  const ticks = processStartTime(pid)
  const bootSeconds = /^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1]
  if (ticks === undefined || bootSeconds === undefined) return undefined
  // Clock ticks are USER_HZ, 100 on Linux.
  return new Date(Number(bootSeconds) * 1000 + Number(ticks) * 10).toISOString()
}

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
