import * as Flags from '@oclif/core/flags'
import {NerdCommand} from '../command.ts'

export default class Info extends NerdCommand {
  static summary = 'Display system-wide information'
  static aliases = ['system:info']
  static flags = {
    format: Flags.string({char: 'f', description: "Format the output using a Go template, or 'json'"}),
  }

  async run(): Promise<void> {
    const {clientInfo, renderClientInfo, renderServerInfo, renderWarnings, SERVER_HEADER, systemInfo} = await import('../system/info.ts')
    const {flags} = await this.parse(Info)
    const config = await this.nerdConfig()
    const nerdPlugins = this.config.getPluginsList().filter((plugin) => !plugin.isRoot).map((plugin) => plugin.name)
    const info = this.containerd().then((client) => systemInfo(client, config, nerdPlugins))
    info.catch(() => undefined)
    if (flags.format !== undefined) {
      const {infoTemplateData} = await import('../system/info.ts')
      const print = await this.oneItemPrinter(flags.format)
      const failure = print(infoTemplateData(await info))
      if (failure) throw failure
      return
    }
    // Like docker: the client's section is printed even when the server cannot be reached, then the error.
    this.print(renderClientInfo(clientInfo(config, nerdPlugins)))
    try {
      const server = await info
      this.print(renderServerInfo(server))
      process.stderr.write(renderWarnings(server))
    } catch (error) {
      this.print(SERVER_HEADER)
      throw error
    }
  }
}
