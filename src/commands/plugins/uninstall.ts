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
    await this.parse(PluginsUninstall)
    const {runOclifPluginsCommand} = await import('../../plugins/oclif-plugins.ts')
    await runOclifPluginsCommand(this.config, 'plugins:uninstall', this.argv)
  }
}
