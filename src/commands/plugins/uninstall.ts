import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import {NerdCommand} from '../../command.ts'

// In place of @oclif/plugin-plugins' uninstall (nerd's command wins the id), which took the package
// in the current directory when no plugin was named (`. is not installed`): as docker's `plugin rm`,
// it needs a name. `rm` is the name docker's users type.
export default class PluginsUninstall extends NerdCommand {
  static summary = 'Remove plugins'
  static aliases = ['plugins:rm', 'plugins:remove', 'plugins:unlink']
  static strict = false
  static args = {plugin: Args.string({required: true, description: 'PLUGIN to remove'})}
  static flags = {verbose: Flags.boolean({char: 'v', description: "Show npm's verbose output"})}
  static examples = ['<%= config.bin %> plugins rm nerd-plugin-hello']

  async run(): Promise<void> {
    const {argv} = await this.parse(PluginsUninstall)
    const [{runOclifPluginsCommand}, {bundledPluginNames, commandIds}, {cacheNameOf, removeCommandCaches}] = await Promise.all([
      import('../../plugins/oclif-plugins.ts'),
      import('../../plugins/install-check.ts'),
      import('../../plugins/code-cache.ts'),
    ])
    // A bundle's plugins go with it.
    const removed = (argv as string[]).filter((word) => !word.startsWith('-')).flatMap((name) => {
      const plugin = this.config.getPluginsList().find((each) => each.name === name)
      return [name, ...(plugin ? bundledPluginNames(plugin) : [])]
    })
    // The code caches of their commands, unless a command kept has the same cache name.
    const cacheNames = (removing: boolean) =>
      new Set(this.config.getPluginsList().filter((plugin) => removed.includes(plugin.name) === removing).flatMap((plugin) => commandIds(plugin).flatMap((id) => cacheNameOf(id) ?? [])))
    const kept = cacheNames(false)
    const unusedCaches = new Set([...cacheNames(true)].filter((name) => !kept.has(name)))
    await runOclifPluginsCommand(this.config, 'plugins:uninstall', this.argv)
    const {removeStrandedCopies, removeUnusedPacks} = await import('../../plugins/local-install.ts')
    // A copy installed before the plugin was linked, which oclif uninstalls only for a plugin installed.
    await removeStrandedCopies(removed)
    await removeUnusedPacks()
    await removeCommandCaches(unusedCaches)
    await this.warnAboutRecordingContainers(removed)
  }

  // As docker's `plugin rm` tells of a plugin in use, but without refusing: the containers that
  // recorded the plugin's network hooks start without them from now on (hooks/recorded.ts), unless
  // another copy of it is still installed.
  private async warnAboutRecordingContainers(names: string[]): Promise<void> {
    const [{containersRecordingPlugin}, {installedPlugins}, config] = await Promise.all([import('../../hooks/recorded.ts'), import('../../hooks/installed.ts'), this.nerdConfig()])
    const stillInstalled = installedPlugins(this.config.dataDir)
    for (const name of names.filter((each) => !stillInstalled.has(each))) {
      const count = await containersRecordingPlugin(config.dataRoot, name)
      if (count > 0) process.stderr.write(`WARNING: ${count} container${count === 1 ? ' was' : 's were'} created with the network hooks of plugin "${name}"; they start without them from now on\n`)
    }
  }
}
