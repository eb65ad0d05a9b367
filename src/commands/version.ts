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
    const {clientVersion, renderClientVersion, renderServerVersion, serverVersion} = await import('../system/version.ts')
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
    const {asGoStruct} = await import('../format/go-values.ts')
    // docker's template runs on its versionInfo struct: a field it lacks is an error.
    const context = (serverPart: VersionInfo['Server'] | null) =>
      asGoStruct(
        {
          Client: asGoStruct({...info.Client, Platform: asGoStruct({...info.Client.Platform}, '*system.platformInfo')}, 'system.clientVersion'),
          Server: serverPart && asGoStruct({...serverPart, Platform: asGoStruct({...serverPart.Platform}, 'struct { Name string }')}, '*types.Version'),
        },
        'system.versionInfo',
      )
    try {
      info.Server = await server
    } catch (error) {
      // docker runs the template with a nil Server (scripts ask for the client's version so), and
      // reports the server's error rather than the template's.
      this.print(await this.renderOne(context(null), flags.format).catch(() => ''))
      throw error
    }
    this.print(await this.renderOne(context(info.Server), flags.format))
  }
}
