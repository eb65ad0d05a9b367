/**
 * `node dist/fifo-drain.js <record file> <stdout fifo> <stderr fifo> [<stdin fifo>]`: takes over a detached
 * session's output (see src/container/detached-output.ts); a FIFO is a path or `fd:N`, a
 * descriptor inherited. No CLI is loaded.
 */
import {drainFifoArgument, drainOutput} from './container/detached-output.ts'

const [recordFile = '', stdout = '', stderr = '', stdin] = process.argv.slice(2)
drainOutput({recordFile, stdout: drainFifoArgument(stdout), stderr: drainFifoArgument(stderr), ...(stdin ? {stdin: drainFifoArgument(stdin)} : {})}).catch((error: unknown) => {
  process.stderr.write(`nerd fifo-drain: ${(error as Error).message}\n`)
  process.exitCode = 1
})
