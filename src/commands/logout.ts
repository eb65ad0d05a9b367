import * as Args from '@oclif/core/args'
import {NerdCommand} from '../command.ts'

export default class Logout extends NerdCommand {
  static summary = 'Log out from a registry'
  static args = {
    server: Args.string({description: 'Registry (default Docker Hub)'}),
  }

  async run(): Promise<void> {
    const {logout} = await import('../image/auth/index.ts')
    const {args} = await this.parse(Logout)
    const {serverKey, removed} = await logout(args.server)
    this.print(removed ? `Removing login credentials for ${serverKey}` : `Not logged in to ${serverKey}`)
  }
}
