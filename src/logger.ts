/**
 * `node dist/logger.js <data root>`: a container's logging driver, run by containerd's shim with
 * CONTAINER_ID and CONTAINER_NAMESPACE in its environment and the container's output on fds 3 and 4
 * (see src/container/logs/logger.ts). Bundled on its own: it must not load the CLI.
 */
import {fileURLToPath} from 'node:url'
import {setFlagsFromString} from 'node:v8'
import {runLogger} from './container/logs/logger.ts'

// One logger lives beside every running container, and V8's optimizing compilers (code, compile
// zones, their threads' heaps) cost it about a fifth of its memory; without them it still logs
// well over 30 MB/s. Safe to turn off now: nothing has been optimized yet.
setFlagsFromString('--no-turbofan')
setFlagsFromString('--no-maglev')

const dataRoot = process.argv[2]
const id = process.env.CONTAINER_ID
const namespace = process.env.CONTAINER_NAMESPACE
if (!dataRoot || !id || !namespace) {
  process.stderr.write('nerd logger: run by containerd as binary://<node>?<logger.js>=<data root>\n')
  process.exitCode = 2
} else {
  runLogger({dataRoot, namespace, id, loggerScript: fileURLToPath(import.meta.url)}).catch((error: unknown) => {
    process.stderr.write(`nerd logger ${id}: ${(error as Error).message}\n`)
    process.exitCode = 1
  })
}
