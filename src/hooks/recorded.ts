/**
 * Plugins' hooks for processes that run without oclif: containerd's runtime starts nerd's OCI hook
 * for every task, where loading oclif's configuration would cost more than the hook's whole work.
 * The command that creates a container records the plugins subscribed to the events the OCI hook
 * fires; the hook rebuilds just enough of a configuration from the record for runNerdHook, with
 * those of the recorded plugins that are still installed, as they are installed now.
 */
import type {Interfaces} from '@oclif/core'
import {join} from 'node:path'
import {pluginDataDir} from '../paths.ts'
import {declaredHooks, installedPlugins} from './installed.ts'

/** What the OCI hook needs of one plugin: where its modules are, which hooks, and its `nerd` settings. */
export interface RecordedPlugin {
  name: string
  version: string
  root: string
  /** oclif's plugin type; a `core` plugin (nerd's own) goes with nerd and is used as recorded. */
  type?: string
  hooks: Record<string, Interfaces.Plugin['hooks'][string]>
  nerd?: unknown
}

export interface RecordedHooks {
  nerdVersion: string
  namespace: string
  address: string
  /** oclif's data directory when the container was created, where its user's plugins are installed. */
  dataDir?: string
  plugins: RecordedPlugin[]
}

/** The plugins with hooks for any of `events`, each with only those hooks. */
export function recordHookPlugins(config: Interfaces.Config, events: readonly string[]): RecordedPlugin[] {
  return config.getPluginsList().flatMap((plugin) => {
    const hooks = pickHooks(plugin.hooks, events)
    if (Object.keys(hooks).length === 0) return []
    return [{name: plugin.name, version: plugin.version, root: plugin.root, type: plugin.type, hooks, ...(plugin.pjson.nerd === undefined ? {} : {nerd: plugin.pjson.nerd})}]
  })
}

/** Plugins already warned about in this process: a start of many containers says it once. */
const warnedMissing = new Set<string>()

/**
 * The recorded plugins as they are installed now: a user plugin (installed, linked, or brought by a
 * bundle) is matched by name and taken from where it is now, with the hooks for `events` it now
 * declares; one that is no longer installed is skipped with a warning, once per process, which calls
 * the hooks skipped `skipped`.
 */
export function currentRecordedPlugins(recorded: RecordedHooks, events: readonly string[], skipped = 'network hooks', warn: (message: string) => void = stderrWarning): RecordedPlugin[] {
  // A record from before nerd kept the data directory: oclif's default for nerd, as the CLI has it.
  const installed = installedPlugins(recorded.dataDir ?? pluginDataDir())
  return recorded.plugins.flatMap((plugin) => {
    if (plugin.type === 'core') return [plugin]
    const current = installed.get(plugin.name)
    if (!current) {
      if (!warnedMissing.has(plugin.name)) {
        warnedMissing.add(plugin.name)
        warn(`plugin "${plugin.name}" is no longer installed; skipping its ${skipped}`)
      }
      return []
    }
    const hooks = pickHooks(declaredHooks(current.pjson), events)
    if (Object.keys(hooks).length === 0) return []
    const nerd = current.pjson.nerd
    return [{name: plugin.name, version: current.pjson.version ?? plugin.version, root: current.root, type: plugin.type, hooks, ...(nerd === undefined ? {} : {nerd})}]
  })
}

/**
 * A configuration for runNerdHook from a record's plugins (currentRecordedPlugins) and nerd's
 * version, which is all the runner reads. Hooks get it as `context.config`; outside the CLI it has
 * nothing else.
 */
export function recordedConfig(nerdVersion: string, recordedPlugins: readonly RecordedPlugin[]): Interfaces.Config {
  const plugins = recordedPlugins.map((plugin) => ({
    name: plugin.name,
    version: plugin.version,
    root: plugin.root,
    hooks: plugin.hooks,
    pjson: {name: plugin.name, version: plugin.version, ...(plugin.nerd === undefined ? {} : {nerd: plugin.nerd})},
  }))
  return {version: nerdVersion, getPluginsList: () => plugins} as unknown as Interfaces.Config
}

function pickHooks(hooks: Record<string, Interfaces.Plugin['hooks'][string]> | undefined, events: readonly string[]): Record<string, Interfaces.Plugin['hooks'][string]> {
  return Object.fromEntries(events.filter((event) => (hooks?.[event]?.length ?? 0) > 0).map((event) => [event, hooks![event]!]))
}

function stderrWarning(message: string): void {
  process.stderr.write(`WARNING: ${message}\n`)
}

/**
 * How many containers under `dataRoot` (any namespace) recorded plugin `name` for their network
 * hooks: what `plugins uninstall` warns about. Each container's network plan is read; one that
 * cannot be is not counted.
 */
export async function containersRecordingPlugin(dataRoot: string, name: string): Promise<number> {
  const {readdir, readFile} = await import('node:fs/promises')
  const root = join(dataRoot, 'containers')
  const namespaces = await readdir(root).catch(() => [] as string[])
  let count = 0
  for (const namespace of namespaces) {
    for (const id of await readdir(join(root, namespace)).catch(() => [] as string[])) {
      const plan = await readFile(join(root, namespace, id, 'network-plan.json'), 'utf8').then((text) => JSON.parse(text) as {hooks?: {recorded?: RecordedHooks}}, () => undefined).catch(() => undefined)
      if (plan?.hooks?.recorded?.plugins?.some((plugin) => plugin.name === name)) count++
    }
  }
  return count
}
