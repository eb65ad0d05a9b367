/**
 * `node dist/health.js <data root> <namespace> <id>`: a container's health monitor
 * (src/container/health-monitor.ts), started in the background by each start of a container with a
 * health check. No CLI is loaded.
 */
import {monitorHealth} from './container/health-monitor.ts'

const [dataRoot, namespace, id] = process.argv.slice(2)
if (!dataRoot || !namespace || !id) {
  process.stderr.write('usage: health.js <data root> <namespace> <container id>\n')
  process.exitCode = 2
} else {
  monitorHealth(dataRoot, namespace, id).catch((error: unknown) => {
    process.stderr.write(`nerd health ${id}: ${(error as Error).message}\n`)
    process.exitCode = 1
  })
}
