/**
 * containerd's runc shims that serve nothing: a nerd killed outright (SIGKILL) while containerd
 * created or deleted its task cancels containerd's call, and containerd then leaves the shim it
 * started running, with no container and no task of its to reach it (containerd#6860, #11392). Only
 * the process is left to end: a shim of this containerd and namespace (its command line names them)
 * whose id containerd has neither a container nor a task for, and its children (the container's
 * logger). A shim younger than SHIM_GRACE_SECONDS is left alone: one whose task was just deleted is
 * on its way out by itself.
 */
import {readdirSync, readFileSync} from 'node:fs'
import {basename} from 'node:path'
import type {ContainerdClient} from '../containerd/index.ts'
import {parseAddress} from '../containerd/index.ts'
import {parentPid, processStartTime, TICKS_PER_SECOND} from '../container/host-process.ts'

/** What a shim's command line says it serves. */
export interface ShimCommand {
  namespace: string
  id: string
  /** containerd's socket path, as containerd passed it. */
  address: string
}

const SHIM_GRACE_SECONDS = 5

/** The options of containerd's shim command line that take a value (Go's flag package: `-name value` or `-name=value`, one or two dashes). */
const VALUE_OPTIONS = new Set(['namespace', 'id', 'address', 'publish-binary', 'bundle', 'socket'])

/**
 * The shim daemon a command line is (`containerd-shim-runc-v2 -namespace NS -id ID -address SOCKET`),
 * or undefined: another program, or the shim binary run for an action (`start`, `delete`), which
 * containerd runs and waits for itself.
 */
export function shimCommand(args: readonly string[]): ShimCommand | undefined {
  if (!basename(args[0] ?? '').startsWith('containerd-shim-runc-')) return undefined
  const values = new Map<string, string>()
  for (let index = 1; index < args.length; index++) {
    const arg = args[index]!
    if (!arg.startsWith('-')) return undefined
    const option = arg.replace(/^--?/, '')
    const equals = option.indexOf('=')
    if (equals >= 0) values.set(option.slice(0, equals), option.slice(equals + 1))
    else if (VALUE_OPTIONS.has(option)) values.set(option, args[++index] ?? '')
  }
  const namespace = values.get('namespace')
  const id = values.get('id')
  const address = values.get('address')
  if (!namespace || !id || !address) return undefined
  return {namespace, id, address}
}

/** Whether the shim serves the containerd at `addressPath`, in `namespace`, and none of the ids containerd `known`s there. */
export function isOrphanedShim(shim: ShimCommand, namespace: string, addressPath: string, known: ReadonlySet<string>): boolean {
  return shim.namespace === namespace && parseAddress(shim.address).path === addressPath && !known.has(shim.id)
}

interface HostProcess {
  pid: number
  parent: number
  args: string[]
}

function hostProcesses(): HostProcess[] {
  const processes: HostProcess[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').slice(0, -1)
      const parent = parentPid(Number(entry))
      if (parent !== undefined) processes.push({pid: Number(entry), parent, args})
    } catch {
      // Gone meanwhile.
    }
  }
  return processes
}

/** How long ago the process started, in seconds; undefined when it is gone. */
function ageSeconds(pid: number): number | undefined {
  const ticks = processStartTime(pid)
  if (ticks === undefined) return undefined
  const uptime = Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0])
  return uptime - Number(ticks) / TICKS_PER_SECOND
}

function kill(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL')
  } catch {
    // Gone meanwhile.
  }
}

/** Ends the shims of `client`'s containerd and namespace that serve no container or task of its, with their children. */
export async function removeOrphanedShims(client: ContainerdClient): Promise<void> {
  // The processes first: a shim started after containerd's lists is one whose container the lists already have.
  const processes = hostProcesses()
  const shims = processes.flatMap((candidate) => {
    const shim = shimCommand(candidate.args)
    return shim ? [{pid: candidate.pid, shim}] : []
  })
  if (shims.length === 0) return
  const [containers, tasks] = await Promise.all([client.containers.list(), client.tasks.list()])
  const known = new Set([...containers.map((container) => container.id), ...tasks.map((task) => task.containerId || task.id)])
  const addressPath = parseAddress(client.address).path
  for (const {pid, shim} of shims) {
    if (!isOrphanedShim(shim, client.namespace, addressPath, known) || (ageSeconds(pid) ?? 0) < SHIM_GRACE_SECONDS) continue
    for (const child of processes) if (child.parent === pid) kill(child.pid)
    kill(pid)
  }
}
