/** docker's top: the host's `ps` output, limited to the container's processes. */
import {execFile} from 'node:child_process'
import {promisify} from 'node:util'
import {NerdError} from '../errors.ts'
import type {TabWriterOptions} from '../format/index.ts'
import {goAtoi} from '../format/go-values.ts'
import {getTask, noProcessError, publishContainerEvent} from './lifecycle.ts'
import type {ContainerScope, LoadedContainer} from './lifecycle.ts'

/** docker's top table: `tabwriter.NewWriter(out, 20, 1, 3, ' ', 0)`, wider than its other tables. */
export const TOP_TABLE: TabWriterOptions = {minWidth: 20, padding: 3}

export interface TopResult {
  titles: string[]
  processes: string[][]
}

/**
 * Parses `ps` output into docker's Titles/Processes, keeping the rows whose PID is one of `pids` and
 * the thread rows (PID `-`, as `ps -m` prints them) that follow one of those, as docker's daemon
 * (parsePSOutput); any other PID is refused in its words.
 */
export function parsePsOutput(output: string, pids: ReadonlySet<number>): TopResult {
  const lines = output.split('\n').filter((line) => line.trim() !== '')
  const header = lines.shift()
  if (!header) throw new NerdError('ps printed nothing')
  const titles = header.trim().split(/\s+/)
  const pidColumn = titles.indexOf('PID')
  if (pidColumn < 0) throw new NerdError(`Couldn't find PID field in ps output`)
  const processes: string[][] = []
  // Whether the last process row was the container's: the thread rows after it are its own.
  let containersProcess = false
  for (const line of lines) {
    const fields = line.trim().split(/\s+/)
    // The last column (the command) may contain spaces: everything after the other columns.
    const row = [...fields.slice(0, titles.length - 1), fields.slice(titles.length - 1).join(' ')]
    const pid = fields[pidColumn] ?? ''
    if (pid !== '-') {
      try {
        containersProcess = pids.has(goAtoi(pid, `strconv.Atoi: parsing ${JSON.stringify(pid)}`))
      } catch (error) {
        throw new NerdError(`Unexpected pid '${pid}': ${(error as Error).message}`)
      }
    }
    if (containersProcess) processes.push(row)
  }
  return {titles, processes}
}

/** A `key=PID…` in ps's arguments, after an ASCII space as Go's `\s` (daemon/top_unix.go, psArgsRegexp). */
const PID_HEADER_PATTERN = /[\t\n\f\r ]+([^\t\n\f\r ]*)=[\t\n\f\r ]*(PID[^\t\n\f\r ]*)/g

/**
 * ps's arguments as docker has them: what follows the container joined with spaces (its client),
 * `-ef` when that is empty, split at each space (its daemon). A column headed PID but for `pid`'s
 * is refused (validatePSArgs): top finds the container's rows by that column.
 */
export function psArguments(args: string[]): string[] {
  const joined = args.join(' ') || '-ef'
  for (const [, key, header] of joined.matchAll(PID_HEADER_PATTERN)) {
    if (key !== 'pid') throw new NerdError(`specifying "${key}=${header}" is not allowed`)
  }
  return joined.split(' ')
}

export async function containerTop(scope: ContainerScope, container: LoadedContainer, psArgs: string[]): Promise<TopResult> {
  const task = await getTask(scope, container.record.Id)
  // A paused container's processes are still there to list, as docker's top lists them.
  if (!task || (task.status !== 'RUNNING' && task.status !== 'PAUSED')) throw await noProcessError(container, task, `container ${container.record.Id} is not running`)
  const pids = new Set((await scope.client.tasks.listPids(container.record.Id)).map((process) => process.pid))
  let stdout: string
  try {
    stdout = (await promisify(execFile)('ps', psArguments(psArgs), {maxBuffer: 64 * 1024 * 1024})).stdout
  } catch (error) {
    // docker's words: the first line of what ps said, else its exit status, or why it did not run.
    const failure = error as Error & {stderr?: string; code?: number | string}
    const reason = failure.stderr?.split('\n')[0] || (typeof failure.code === 'number' ? `exit status ${failure.code}` : failure.message)
    throw new NerdError(`ps: ${reason}`)
  }
  const top = parsePsOutput(stdout, pids)
  await publishContainerEvent(scope, container, 'top')
  return top
}
