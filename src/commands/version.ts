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
    const client = this.containerd()
    const info: VersionInfo = {Client: clientVersion()}
    if (flags.format === undefined) {
      // Like docker: the client section is printed even when the server cannot be reached.
      this.print(renderClientVersion(info.Client))
      this.print(renderServerVersion(await serverVersion(await client)))
      return
    }
    info.Server = await serverVersion(await client)
    this.print(await this.renderOne(info, flags.format))
  }
}
