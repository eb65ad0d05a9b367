import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import {NerdCommand} from '../../command.ts'
import {RefusedFlagValue, trimmedId} from '../../errors.ts'
import {parseLink} from '../../container/links.ts'
import {integerFlag} from '../../integer-flag.ts'
import {commaSeparated} from '../../string-slice.ts'

export default class NetworkConnect extends NerdCommand {
  static summary = 'Connect a container to a network'
  static args = {
    network: Args.string({required: true, description: 'NETWORK'}),
    container: Args.string({required: true, description: 'CONTAINER'}),
  }
  static flags = {
    ip: Flags.string({description: 'IPv4 address (e.g., "172.30.100.104")'}),
    ip6: Flags.string({description: 'IPv6 address (e.g., "2001:db8::33")'}),
    link: Flags.custom({
      multiple: true,
      description: 'Add link to another container',
      // docker's ValidateLink, while flags are parsed: pflag's `invalid argument … for "--link" flag`.
      parse: async (text: string) => {
        try {
          return parseLink(text)
        } catch (error) {
          throw new RefusedFlagValue(text, (error as Error).message)
        }
      },
    })(),
    alias: Flags.string({multiple: true, description: 'Add network-scoped alias for the container'}),
    'link-local-ip': Flags.string({multiple: true, description: 'Add a link-local address for the container'}),
    'driver-opt': Flags.string({multiple: true, description: 'driver options for the network'}),
    'gw-priority': integerFlag({description: 'Highest gw-priority provides the default gateway. Accepts positive and negative values.'}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(NetworkConnect)
    const {connectNetwork} = await import('../../network/connect.ts')
    const {driverOption} = await import('../../network/plan.ts')
    const driverOpts = Object.assign({}, ...commaSeparated(flags['driver-opt']).map((text) => driverOption(text, 'invalid key/value pair format in driver options'))) as Record<string, string>
    // As docker's client sends it, before the container's name.
    const network = trimmedId('network', args.network)
    await this.forEachContainer([args.container], (scope, container) =>
      connectNetwork(scope, container, network, {
        aliases: commaSeparated(flags.alias),
        links: flags.link ?? [],
        linkLocalIps: commaSeparated(flags['link-local-ip']),
        driverOpts,
        gwPriority: flags['gw-priority'] ?? 0,
        ...(flags.ip ? {ip: flags.ip} : {}),
        ...(flags.ip6 ? {ip6: flags.ip6} : {}),
      }),
    )
  }
}
