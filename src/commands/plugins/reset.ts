import * as Flags from '@oclif/core/flags'
import type {Interfaces} from '@oclif/core'
import {NerdCommand} from '../../command.ts'

// In place of @oclif/plugin-plugins' reset (nerd's command wins the id), which it runs: what the
// plugins it removes leave outside npm's files (their tarballs in packs/, their commands' code
// caches) goes as uninstall takes it.
export default class PluginsReset extends NerdCommand {
  static summary = 'Remove every plugin, installed and linked'
  static flags = {
    hard: Flags.boolean({description: "Delete node_modules and npm's files of the plugin directory too"}),
    reinstall: Flags.boolean({description: 'Install and link the plugins again afterwards'}),
  }
  static examples = ['<%= config.bin %> plugins reset']

  async run(): Promise<void> {
    const {flags} = await this.parse(PluginsReset)
    const {withPluginsLock} = await import('../../plugins/changes-lock.ts')
    await withPluginsLock(this.config, (config) => this.reset(config, flags.reinstall))
  }

  private async reset(config: Interfaces.Config, reinstall: boolean): Promise<void> {
    const [{runOclifPluginsCommand}, {removeCommandCaches, unusedCacheNames}, {removeStrandedCopies, removeUnusedPacks}, {warnAboutRecordingContainers}, {redirectingInstallerOutput}, {installersOclif}] = await Promise.all([
      import('../../plugins/oclif-plugins.ts'),
      import('../../plugins/code-cache.ts'),
      import('../../plugins/local-install.ts'),
      import('../../plugins/removal.ts'),
      import('../../plugins/npm-output.ts'),
      import('../../plugins/install-check.ts'),
    ])
    // A bundle's plugins take its type.
    const removed = (plugin: {type: string}) => plugin.type === 'user' || plugin.type === 'link'
    const names = config.getPluginsList().filter(removed).map((plugin) => plugin.name)
    const unusedCaches = unusedCacheNames(config.getPluginsList(), removed)
    // One line on stderr, as install and uninstall print, for oclif's list of the plugins and npm's
    // output on stdout (oclif's warning of a plugin it failed to remove stays).
    const {action} = installersOclif(config).ux
    if (names.length > 0) action.start(`${config.name}: ${reinstall ? 'Reinstalling' : 'Uninstalling'} ${names.join(', ')}`)
    await redirectingInstallerOutput(config, () => {}, () => runOclifPluginsCommand(config, 'plugins:reset', this.argv))
    if (names.length > 0) action.stop()
    if (!reinstall) {
      await removeStrandedCopies(names)
      await removeCommandCaches(unusedCaches)
    }
    await removeUnusedPacks()
    await warnAboutRecordingContainers(config.dataDir, (await this.nerdConfig()).dataRoot, names)
  }
}
