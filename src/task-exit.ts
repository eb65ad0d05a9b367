/**
 * `node dist/task-exit.js <data root> <namespace> <id> [<pid>]`: started (detached) by a container's
 * logger when the container's process `pid` ends, to apply its restart policy or `--rm`. No CLI is
 * loaded. (Loggers of an older nerd name no pid: the handler takes the task's current process.)
 */
import {handleTaskExit} from './container/task-exit.ts'

const [dataRoot, namespace, id, pid] = process.argv.slice(2)
if (!dataRoot || !namespace || !id) {
  process.stderr.write('usage: task-exit.js <data root> <namespace> <container id> [<pid>]\n')
  process.exitCode = 2
} else {
  handleTaskExit(dataRoot, namespace, id, pid ? Number(pid) : undefined).catch((error: unknown) => {
    process.stderr.write(`nerd task-exit ${id}: ${(error as Error).message}\n`)
    process.exitCode = 1
  })
}
