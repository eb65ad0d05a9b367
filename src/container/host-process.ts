/**
 * Facts about host processes from /proc, read synchronously and with nothing but node:fs: the
 * logger (which loads as little as it can) and the CLI share them.
 */
import {readdirSync, readFileSync} from 'node:fs'
import {writeFile} from 'node:fs/promises'

/** Linux's USER_HZ: /proc counts process start times in these steps. */
export const TICKS_PER_SECOND = 100

/** The fields of /proc/<pid>/stat after the command name (field 2, which may hold spaces and parentheses): field 3 is [0]. */
function statFields(pid: number | 'self'): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  } catch {
    return undefined
  }
}

/** A process's start time (clock ticks since boot): with the pid, it names the process, as a pid is soon reused. */
export function processStartTime(pid: number | 'self'): string | undefined {
  return statFields(pid)?.[19]
}

/** When the host process `pid` started (RFC 3339), from its start time and the host's boot time; undefined when it is gone. */
export function processStartedAt(pid: number): string | undefined {
  const ticks = processStartTime(pid)
  const boot = bootTime()
  if (ticks === undefined || boot === undefined) return undefined
  return new Date(boot + (Number(ticks) * 1000) / TICKS_PER_SECOND).toISOString()
}

/** When the host booted (ms since the epoch, to the second), from /proc/stat; undefined without it. */
export function bootTime(): number | undefined {
  let stat: string
  try {
    stat = readFileSync('/proc/stat', 'utf8')
  } catch {
    return undefined
  }
  const seconds = /^btime (\d+)$/m.exec(stat)?.[1]
  return seconds === undefined ? undefined : Number(seconds) * 1000
}

/**
 * Whether the run `startedAt` (RFC 3339) began before the host's last boot: its process went with a
 * reboot. A start after one is docker's daemon start of the container, which sets RestartCount back
 * to 0 (ResetRestartManager).
 */
export function startedBeforeBoot(startedAt: string): boolean {
  const boot = bootTime()
  const started = Date.parse(startedAt)
  return boot !== undefined && !Number.isNaN(started) && started < boot
}

/** The parent of a host process; undefined when it is gone. */
export function parentPid(pid: number): number | undefined {
  const parent = statFields(pid)?.[1]
  return parent === undefined ? undefined : Number(parent)
}

/** The live processes descended from `pid`: its children, theirs, and so on. */
export function descendantPids(pid: number): number[] {
  const children = new Map<number, number[]>()
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || processEnded(Number(entry))) continue
    const parent = parentPid(Number(entry))
    if (parent !== undefined) children.set(parent, [...(children.get(parent) ?? []), Number(entry)])
  }
  const found: number[] = []
  for (let queue = [pid]; queue.length > 0; ) {
    const next = children.get(queue.shift()!) ?? []
    found.push(...next)
    queue.push(...next)
  }
  return found
}

/** True when the process is gone or a zombie (exited, not yet reaped by its parent). */
export function processEnded(pid: number): boolean {
  const state = statFields(pid)?.[0]
  return state === undefined || state === 'Z'
}

/** A task's init process as its hook records it: the pid, and the start time that tells this process from a later one given the same pid. */
export interface InitProcess {
  pid: number
  startTime: number
}

/** Whether the init process still runs: not gone, nor a zombie, nor its pid given to a later process. */
export function initProcessRuns(init: InitProcess): boolean {
  const fields = statFields(init.pid)
  return fields !== undefined && fields[0] !== 'Z' && Number(fields[19]) === init.startTime
}

/** Records a task's init process (`<pid> <start time>`), while it exists: its hook runs before it starts. */
export async function recordInitProcess(file: string, pid: number): Promise<void> {
  await writeFile(file, `${pid} ${processStartTime(pid) ?? ''}`)
}

/** The init process a task's hook recorded; undefined when there is no record (or one being written). */
export function recordedInitProcess(file: string): InitProcess | undefined {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch {
    return undefined
  }
  const [pid, startTime] = text.split(' ').map(Number)
  return pid && startTime ? {pid, startTime} : undefined
}
