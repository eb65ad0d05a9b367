import {NerdCommand} from '../command.ts'

// In place of @oclif/plugin-plugins' index command (nerd's command wins the id), which listed the
// plugins in a form of its own beside `plugins ls` and printed oclif's whole configuration with
// --json: bare `nerd plugins` is the topic's usage, as bare `nerd network` and docker's `docker plugin`.
// Hidden, as the root help lists the topic already; its help is the topic's (help.ts).
export default class Plugins extends NerdCommand {
  static summary = 'Manage plugins'
  static hidden = true
  // Words after it name a subcommand no plugin provides: refused as under any other topic (run).
  static strict = false

  async run(): Promise<void> {
    const {argv} = await this.parse(Plugins)
    if (argv.length > 0) {
      // oclif's own refusal of a command id it does not know, which nerd reports as docker does (cli.ts).
      await this.config.runCommand(['plugins', ...(argv as string[])].join(':'))
      return
    }
    const {loadHelpClass} = await import('@oclif/core/help')
    await new (await loadHelpClass(this.config))(this.config).showHelp(['plugins'])
  }
}
