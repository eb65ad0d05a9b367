/**
 * `node dist/task-exit.js <data root> <namespace> <id>`: started (detached) by a container's logger
 * when the container's output ends, to apply its restart policy or `--rm`. No CLI is loaded.
 */
import {handleTaskExit} from './container/task-exit.ts'

const [dataRoot, namespace, id] = process.argv.slice(2)
if (!dataRoot || !namespace || !id) {
  process.stderr.write('usage: task-exit.js <data root> <namespace> <container id>\n')
  process.exitCode = 2
} else {
  handleTaskExit(dataRoot, namespace, id).catch((error: unknown) => {
    process.stderr.write(`nerd task-exit ${id}: ${(error as Error).message}\n`)
    process.exitCode = 1
  })
}
