import {NerdCommand} from '../../command.ts'

// docker-style `ls` for oclif's `nerd plugins` list, which has no such alias of its own.
export default class PluginsLs extends NerdCommand {
  static summary = 'List installed plugins (--core adds the core and first-party ones)'
  static aliases = ['plugins:list']
  static strict = false
  static examples = ['<%= config.bin %> plugins ls', '<%= config.bin %> plugins ls --core']

  async run(): Promise<void> {
    await this.config.runCommand('plugins', this.argv)
  }
}
