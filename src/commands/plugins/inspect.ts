import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import {NerdCommand} from '../../command.ts'
import {NerdError} from '../../errors.ts'

// In place of @oclif/plugin-plugins' inspect (nerd's command wins the id), which printed a stray
// "failed" on stdout before its error for a plugin that is not installed.
export default class PluginsInspect extends NerdCommand {
  static summary = 'Display installation properties of a plugin'
  static args = {plugin: Args.string({default: '.', description: 'PLUGIN to inspect (. for the package in the current directory)'})}
  static flags = {
    verbose: Flags.boolean({char: 'v', description: 'Show the plugin\'s dependencies\' versions too'}),
    json: Flags.boolean({description: 'Format output as json'}),
  }
  static strict = false
  static examples = ['<%= config.bin %> plugins inspect nerd-plugin-example']

  async run(): Promise<void> {
    const {argv} = await this.parse(PluginsInspect)
    const installed = this.config.getPluginsList().filter((plugin) => plugin.type === 'user' || plugin.type === 'link')
    const missing = (argv as string[]).find((name) => name !== '.' && !installed.some((plugin) => plugin.name === name || plugin.alias === name))
    const [{runOclifPluginsCommand}, {pluginDirectoryProblem}, {unloadedPlugins}] = await Promise.all([import('../../plugins/oclif-plugins.ts'), import('../../plugins/local-install.ts'), import('../../plugins/listed-plugins.ts')])
    if (missing !== undefined) {
      const unloaded = unloadedPlugins(new Set(installed.map((plugin) => plugin.name))).find((plugin) => plugin.name === missing)
      throw new NerdError(unloaded ? `plugin "${missing}" is installed and cannot be loaded: ${unloaded.reason}` : `${missing} is not installed`)
    }
    // oclif reads the current directory's package.json for `.`, the plugin named when none is.
    const problem = (argv as string[]).includes('.') ? pluginDirectoryProblem('.', '. (the current directory)') : undefined
    if (problem) throw new NerdError(`${problem}; name an installed plugin`)
    await runOclifPluginsCommand(this.config, 'plugins:inspect', this.argv)
  }
}
