import * as Flags from '@oclif/core/flags'
import {NerdCommand} from '../command.ts'

export default class Info extends NerdCommand {
  static summary = 'Display system-wide information'
  static aliases = ['system:info']
  static flags = {
    format: Flags.string({char: 'f', description: "Format the output using a Go template, or 'json'"}),
  }

  async run(): Promise<void> {
    const {renderSystemInfo, systemInfo} = await import('../system/info.ts')
    const {flags} = await this.parse(Info)
    const [client, config] = await Promise.all([this.containerd(), this.nerdConfig()])
    const nerdPlugins = this.config.getPluginsList().filter((plugin) => !plugin.isRoot).map((plugin) => plugin.name)
    const info = await systemInfo(client, config, nerdPlugins)
    this.print(flags.format === undefined ? renderSystemInfo(info) : await this.renderOne(info, flags.format))
  }
}
