/**
 * Plugins' hooks for processes that run without oclif: containerd's runtime starts nerd's OCI hook
 * for every task, where loading oclif's configuration would cost more than the hook's whole work.
 * The command that creates a container records the plugins subscribed to the events the OCI hook
 * fires; the hook rebuilds just enough of a configuration from the record for runNerdHook.
 */
import type {Interfaces} from '@oclif/core'

/** What the OCI hook needs of one plugin: where its modules are, which hooks, and its `nerd` settings. */
export interface RecordedPlugin {
  name: string
  version: string
  root: string
  hooks: Record<string, Interfaces.Plugin['hooks'][string]>
  nerd?: unknown
}

export interface RecordedHooks {
  nerdVersion: string
  namespace: string
  address: string
  plugins: RecordedPlugin[]
}

/** The plugins with hooks for any of `events`, each with only those hooks. */
export function recordHookPlugins(config: Interfaces.Config, events: readonly string[]): RecordedPlugin[] {
  return config.getPluginsList().flatMap((plugin) => {
    const hooks = Object.fromEntries(events.filter((event) => (plugin.hooks?.[event]?.length ?? 0) > 0).map((event) => [event, plugin.hooks[event]]))
    if (Object.keys(hooks).length === 0) return []
    return [{name: plugin.name, version: plugin.version, root: plugin.root, hooks, ...(plugin.pjson.nerd === undefined ? {} : {nerd: plugin.pjson.nerd})}]
  })
}

/**
 * A configuration for runNerdHook from a record: the plugins and nerd's version, which is all the
 * runner reads. Hooks get it as `context.config`; outside the CLI it has nothing else.
 */
export function recordedConfig(recorded: RecordedHooks): Interfaces.Config {
  const plugins = recorded.plugins.map((plugin) => ({
    name: plugin.name,
    version: plugin.version,
    root: plugin.root,
    hooks: plugin.hooks,
    pjson: {name: plugin.name, version: plugin.version, ...(plugin.nerd === undefined ? {} : {nerd: plugin.nerd})},
  }))
  return {version: recorded.nerdVersion, getPluginsList: () => plugins} as unknown as Interfaces.Config
}
