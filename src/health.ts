/**
 * `node dist/health.js <data root> <namespace> <id> [start|resume]`: a container's health monitor
 * (src/container/health-monitor.ts), started in the background by each start of a container with a
 * health check (start, the default), or in place of one killed (resume). No CLI is loaded.
 */
import {monitorHealth} from './container/health-monitor.ts'

const [dataRoot, namespace, id, mode = 'start'] = process.argv.slice(2)
if (!dataRoot || !namespace || !id || (mode !== 'start' && mode !== 'resume')) {
  process.stderr.write('usage: health.js <data root> <namespace> <container id> [start|resume]\n')
  process.exitCode = 2
} else {
  // A session or service ending (its processes are sent these) stops the monitor cleanly: the probe
  // under way is killed and deleted, and the next look at the container starts a monitor again.
  const stopped = new AbortController()
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.once(signal, () => stopped.abort())
  monitorHealth(dataRoot, namespace, id, mode, stopped.signal).catch((error: unknown) => {
    process.stderr.write(`nerd health ${id}: ${(error as Error).message}\n`)
    process.exitCode = 1
  })
}
