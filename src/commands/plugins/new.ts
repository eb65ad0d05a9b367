import * as Args from '@oclif/core/args'
import {NerdCommand} from '../../command.ts'

export default class PluginsNew extends NerdCommand {
  static summary = 'Create a new plugin to start from: a command and a hook, ready to link or install'
  static args = {directory: Args.string({required: true, description: 'DIRECTORY (its name is the package name, e.g. nerd-plugin-hello)'})}

  async run(): Promise<void> {
    const {args} = await this.parse(PluginsNew)
    const {writePluginTemplate} = await import('../../plugins/template.ts')
    const root = await writePluginTemplate(args.directory)
    this.print(`Created ${root}\nTry it: nerd plugins install ${root}`)
  }
}
