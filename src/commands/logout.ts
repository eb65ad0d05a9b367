import * as Args from '@oclif/core/args'
import {NerdCommand} from '../command.ts'

export default class Logout extends NerdCommand {
  static summary = 'Log out from a registry'
  static args = {
    server: Args.string({description: 'Registry (default Docker Hub)'}),
  }

  async run(): Promise<void> {
    const {logout, serverKey} = await import('../image/auth/index.ts')
    const {args} = await this.parse(Logout)
    // Said before the credentials go, whether there were any, as docker's current CLI does.
    this.print(`Removing login credentials for ${serverKey(args.server)}`)
    const {failures, allFailed} = await logout(args.server)
    // A credential helper that fails is reported, not fatal, as docker's logout: the user is logged
    // out of whatever could be erased.
    if (allFailed) {
      process.stderr.write(`WARNING: could not erase credentials:\n${Object.entries(failures).map(([key, message]) => `${key}: ${message}\n`).join('')}`)
    }
  }
}
