import * as Flags from '@oclif/core/flags'
import {NerdCommand} from '../command.ts'
import type {VersionInfo} from '../system/version.ts'

export default class Version extends NerdCommand {
  static summary = 'Show the nerd and containerd version information'
  static examples = ['<%= config.bin %> version', "<%= config.bin %> version --format '{{.Server.Version}}'"]
  static flags = {
    format: Flags.string({char: 'f', description: "Format the output using a Go template, or 'json'"}),
  }

  async run(): Promise<void> {
    const {clientVersion, renderClientVersion, renderServerVersion, serverVersion, VERSION_TEMPLATE_FUNCTIONS, versionTemplateData} = await import('../system/version.ts')
    const {flags} = await this.parse(Version)
    const server = Promise.all([this.containerd(), this.nerdConfig()]).then(([client, config]) => serverVersion(client, config.experimental))
    server.catch(() => undefined)
    const info: VersionInfo = {Client: clientVersion()}
    // Like docker: the client's part is printed even when the server cannot be reached, then the error.
    if (flags.format === undefined) {
      this.print(renderClientVersion(info.Client))
      this.print(renderServerVersion(await server))
      return
    }
    const print = await this.oneItemPrinter(flags.format, {name: 'version', functions: VERSION_TEMPLATE_FUNCTIONS})
    try {
      info.Server = await server
    } catch (error) {
      // docker runs the template with a nil Server (scripts ask for the client's version so), and
      // reports the server's error rather than the template's.
      print(versionTemplateData(info))
      throw error
    }
    const failure = print(versionTemplateData(info))
    if (failure) throw failure
  }
}
