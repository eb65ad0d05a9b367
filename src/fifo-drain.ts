/**
 * `node dist/fifo-drain.js <record file> <stdout fifo> <stderr fifo> [<stdin fifo> [<done mark>]]`: takes over a detached
 * session's output (see src/container/detached-output.ts). No CLI is loaded.
 */
import {drainOutput} from './container/detached-output.ts'

const [recordFile = '', stdout = '', stderr = '', stdin, doneMark] = process.argv.slice(2)
drainOutput({recordFile, stdout, stderr, ...(stdin ? {stdin} : {}), ...(doneMark ? {doneMark} : {})}).catch((error: unknown) => {
  process.stderr.write(`nerd fifo-drain: ${(error as Error).message}\n`)
  process.exitCode = 1
})
