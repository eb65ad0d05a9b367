import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import type {Interfaces} from '@oclif/core'
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
    const {withPluginsLock} = await import('../../plugins/changes-lock.ts')
    await withPluginsLock(this.config, (config) => this.uninstall(config, argv as string[]))
  }

  private async uninstall(config: Interfaces.Config, argv: string[]): Promise<void> {
    const [{runOclifPluginsCommand}, {bundledPluginNames}, {removeCommandCaches, unusedCacheNames}, {removeStrandedCopies, removeUnusedPacks}, {warnAboutRecordingContainers}] = await Promise.all([
      import('../../plugins/oclif-plugins.ts'),
      import('../../plugins/install-check.ts'),
      import('../../plugins/code-cache.ts'),
      import('../../plugins/local-install.ts'),
      import('../../plugins/removal.ts'),
    ])
    const plugins = [...config.getPluginsList()]
    // As docker's `plugin rm`: each name is removed or its error reported, and the command fails at the end.
    const removed: string[] = []
    const options = this.argv.filter((word) => word.startsWith('-'))
    try {
      await this.forEachName(
        argv.filter((word) => !word.startsWith('-')),
        async (name) => {
          await runOclifPluginsCommand(config, 'plugins:uninstall', [...options, name])
          // A bundle's plugins go with it.
          const plugin = plugins.find((each) => each.name === name)
          removed.push(name, ...(plugin ? bundledPluginNames(plugin) : []))
        },
        {failuresLast: true},
      )
    } finally {
      if (removed.length > 0) {
        // A copy installed before the plugin was linked, which oclif uninstalls only for a plugin installed.
        await removeStrandedCopies(removed)
        await removeUnusedPacks()
        await removeCommandCaches(unusedCacheNames(plugins, (plugin) => removed.includes(plugin.name)))
        await warnAboutRecordingContainers(config.dataDir, (await this.nerdConfig()).dataRoot, removed)
      }
    }
  }
}
