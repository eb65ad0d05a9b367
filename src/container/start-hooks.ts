/**
 * `nerd:container:start` for the starts nerd's exit handler makes (restarts by policy), which run
 * without oclif: fired for the plugins recorded at create (hooks/recorded.ts) that are still
 * installed, as they are installed now, as the OCI hook fires the network hooks. A container created
 * with no plugin subscribed has no record, and its restarts cost one look for the file.
 */
import {existsSync} from 'node:fs'
import {readFile} from 'node:fs/promises'
import {HOOK_CONTAINER_START} from '../hooks/events.ts'
import {currentRecordedPlugins, recordedConfig} from '../hooks/recorded.ts'
import type {RecordedHooks} from '../hooks/recorded.ts'
import {runNerdHook} from '../hooks/runner.ts'
import type {LoadedContainer} from './lifecycle.ts'

export async function announceRecordedStart(container: LoadedContainer, pid: number): Promise<void> {
  if (!existsSync(container.paths.startHooks)) return
  let recorded: RecordedHooks
  try {
    recorded = JSON.parse(await readFile(container.paths.startHooks, 'utf8')) as RecordedHooks
  } catch (error) {
    // The restart has happened: a record that cannot be read costs only the notification.
    process.stderr.write(`WARNING: cannot read the plugins recorded for ${HOOK_CONTAINER_START}: ${(error as Error).message}\n`)
    return
  }
  const plugins = currentRecordedPlugins(recorded, [HOOK_CONTAINER_START], `${HOOK_CONTAINER_START} hooks`)
  if (plugins.length === 0) return
  await runNerdHook(recordedConfig(recorded.nerdVersion, plugins), HOOK_CONTAINER_START, {id: container.record.Id, name: container.record.Name, pid, labels: container.labels}, {
    namespace: recorded.namespace,
    address: recorded.address,
  })
}
