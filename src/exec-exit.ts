/**
 * `node dist/exec-exit.js <data root> <address> <namespace> <id> <exec id>`: started (detached) by
 * `exec -d`, and by an `exec -it` that detaches, to delete the exec's process from containerd's shim
 * when it ends (src/container/exec-reaper.ts). No CLI is loaded.
 */
import {reapExec} from './container/exec-reaper.ts'

const [dataRoot, address, namespace, id, execId] = process.argv.slice(2)
if (!dataRoot || !address || !namespace || !id || !execId) {
  process.stderr.write('usage: exec-exit.js <data root> <address> <namespace> <container id> <exec id>\n')
  process.exitCode = 2
} else {
  reapExec(dataRoot, address, namespace, id, execId).catch((error: unknown) => {
    process.stderr.write(`nerd exec-exit ${id} ${execId}: ${(error as Error).message}\n`)
    process.exitCode = 1
  })
}
