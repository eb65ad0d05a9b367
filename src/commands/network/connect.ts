import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import {NerdCommand} from '../../command.ts'

/** docker's StringSliceVar: each value is a comma-separated list (run's --network-alias is not). */
function commaSeparated(values: string[] | undefined): string[] {
  return (values ?? []).flatMap((value) => (value === '' ? [] : value.split(',')))
}

export default class NetworkConnect extends NerdCommand {
  static summary = 'Connect a container to a network'
  static args = {
    network: Args.string({required: true, description: 'NETWORK'}),
    container: Args.string({required: true, description: 'CONTAINER'}),
  }
  static flags = {
    ip: Flags.string({description: 'IPv4 address (e.g., "172.30.100.104")'}),
    ip6: Flags.string({description: 'IPv6 address (e.g., "2001:db8::33")'}),
    alias: Flags.string({multiple: true, description: 'Add network-scoped alias for the container'}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(NetworkConnect)
    const {connectNetwork} = await import('../../network/connect.ts')
    await this.forEachContainer([args.container], (scope, container) =>
      connectNetwork(scope, container, args.network, {aliases: commaSeparated(flags.alias), ...(flags.ip ? {ip: flags.ip} : {}), ...(flags.ip6 ? {ip6: flags.ip6} : {})}),
    )
  }
}
