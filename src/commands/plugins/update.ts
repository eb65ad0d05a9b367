import * as Flags from '@oclif/core/flags'
import {NerdCommand} from '../../command.ts'

// In place of @oclif/plugin-plugins' update (nerd's command wins the id), which it runs holding the
// plugins' lock, as every command that changes them.
export default class PluginsUpdate extends NerdCommand {
  static summary = 'Update installed plugins'
  static flags = {verbose: Flags.boolean({char: 'v', description: "Show npm's verbose output"})}
  static examples = ['<%= config.bin %> plugins update']

  async run(): Promise<void> {
    await this.parse(PluginsUpdate)
    const [{runOclifPluginsCommand}, {withPluginsLock}] = await Promise.all([import('../../plugins/oclif-plugins.ts'), import('../../plugins/changes-lock.ts')])
    await withPluginsLock(this.config, (config) => runOclifPluginsCommand(config, 'plugins:update', this.argv))
  }
}
