/**
 * `node dist/logger.js <data root> [requested|unrequested [6]]`: a container's logging driver, run
 * by containerd's shim (through a shell prelude, see loggerUri) with CONTAINER_ID and
 * CONTAINER_NAMESPACE in its environment and the container's output on fds 3 and 4 (see
 * src/container/logs/logger.ts). Bundled on its own: it must not load the CLI.
 */
import {fileURLToPath} from 'node:url'
import {setFlagsFromString} from 'node:v8'
import {runLogger} from './container/logs/logger.ts'

// One logger lives beside every running container, and V8's optimizing compilers (code, compile
// zones, their threads' heaps) cost it memory. TurboFan is off: safe to turn off now, nothing has
// been optimized yet. Maglev stays: without it a container printing short lines fast was held up
// by its logger (2M lines: 2.4 s of logger CPU against 0.75 s), for ~0.4 MiB more per logger.
setFlagsFromString('--no-turbofan')
// V8 doubles the young generation while much of what is allocated survives a scavenge, up to 16
// MiB that stay dirty for good; a logger's allocations are short-lived, and its young generation
// stays at its first size.
setFlagsFromString('--semi-space-growth-factor=1')

const [dataRoot, started, stdinFd] = process.argv.slice(2)
const id = process.env.CONTAINER_ID
const namespace = process.env.CONTAINER_NAMESPACE
if (!dataRoot || !id || !namespace) {
  process.stderr.write('nerd logger: run by containerd\'s shim through the binary:// URI of loggerUri (src/container/logs/logger.ts)\n')
  process.exitCode = 2
} else {
  // Run by the URI's shell prelude: it says whether nerd's start mark was there, and passes the stdin FIFO's fd.
  const prelude = started === undefined ? undefined : {requested: started === 'requested', ...(stdinFd === undefined ? {} : {stdinFd: Number(stdinFd)})}
  runLogger({dataRoot, namespace, id, loggerScript: fileURLToPath(import.meta.url), ...(prelude ? {prelude} : {})}).catch((error: unknown) => {
    process.stderr.write(`nerd logger ${id}: ${(error as Error).message}\n`)
    process.exitCode = 1
  })
}
