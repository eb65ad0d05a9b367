/**
 * `node dist/task-exit.js <data root> <namespace> <id> [<pid> [<kill at>]]`: started (detached) by a
 * container's logger when the container's process `pid` ends, to apply its restart policy or `--rm`,
 * or by a stop cut short, which leaves it the kill due at `kill at` (ms since the epoch). No CLI is
 * loaded. (Loggers of an older nerd name no pid: the handler takes the task's current process.)
 */
import {handleTaskExit} from './container/task-exit.ts'
import {exitIfWorkWasAbandoned} from './hooks/abandoned-work.ts'

const [dataRoot, namespace, id, pid, killAt] = process.argv.slice(2)
if (!dataRoot || !namespace || !id) {
  process.stderr.write('usage: task-exit.js <data root> <namespace> <container id> [<pid> [<kill at>]]\n')
  process.exitCode = 2
} else {
  handleTaskExit(dataRoot, namespace, id, pid ? Number(pid) : undefined, killAt ? Number(killAt) : undefined)
    .catch((error: unknown) => {
      process.stderr.write(`nerd task-exit ${id}: ${(error as Error).message}\n`)
      process.exitCode = 1
    })
    // What a plugin's nerd:container:start hook (start-hooks.ts) left running does not keep the handler.
    .finally(exitIfWorkWasAbandoned)
}
