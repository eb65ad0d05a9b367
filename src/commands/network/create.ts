import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import {NerdCommand} from '../../command.ts'
import {commaSeparated} from '../../string-slice.ts'

export default class NetworkCreate extends NerdCommand {
  static summary = 'Create a network'
  static args = {network: Args.string({required: true, description: 'NETWORK'})}
  static flags = {
    driver: Flags.string({char: 'd', description: 'Driver to manage the Network (bridge, macvlan, ipvlan)', default: 'bridge'}),
    subnet: Flags.string({multiple: true, description: 'Subnet in CIDR format that represents a network segment'}),
    gateway: Flags.string({multiple: true, description: 'IPv4 or IPv6 Gateway for the master subnet'}),
    'ip-range': Flags.string({multiple: true, description: 'Allocate container ip from a sub-range'}),
    ipv6: Flags.boolean({description: 'Enable IPv6 networking'}),
    internal: Flags.boolean({description: 'Restrict external access to the network'}),
    label: Flags.string({multiple: true, description: 'Set metadata on a network'}),
    opt: Flags.string({char: 'o', multiple: true, description: 'Set driver specific options (docker\'s com.docker.network.bridge.name, .host_binding_ipv4, .enable_icc, .enable_ip_masquerade and com.docker.network.driver.mtu; parent, mode)'}),
    'ipam-driver': Flags.string({description: 'IP Address Management Driver (default only)', default: 'default'}),
    'aux-address': Flags.string({multiple: true, description: 'Auxiliary IPv4 or IPv6 addresses used by Network driver (name=IP: never given to a container)'}),
    'ipam-opt': Flags.string({multiple: true, description: 'Set IPAM driver specific options (recorded; host-local takes none)'}),
    attachable: Flags.boolean({description: 'Enable manual container attachment (every network is, without swarm)'}),
    ipv4: Flags.boolean({description: 'Enable IPv4 networking (nerd has no IPv6-only networks)', default: true, allowNo: true}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(NetworkCreate)
    const {parseLabelFlag, parseMapOption} = await import('../../labels.ts')
    // A flag's value docker's CLI refuses before anything else.
    const labels = parseLabelFlag(flags.label)
    const {NerdError} = await import('../../errors.ts')
    if (flags['ipam-driver'] !== 'default' && flags['ipam-driver'] !== 'host-local') throw new NerdError(`IPAM driver ${flags['ipam-driver']} is not supported: nerd uses host-local`)
    if (!flags.ipv4) throw new NerdError('IPv6-only networks are not supported: --ipv4=false')
    const {createNetwork} = await import('../../network/store.ts')
    const {networkEvent} = await import('../../network/model.ts')
    const config = await this.nerdConfig()
    const network = await createNetwork(
      {netconfPath: config.cniNetconfPath, dataRoot: config.dataRoot},
      {
        name: args.network,
        driver: flags.driver,
        subnets: commaSeparated(flags.subnet),
        gateways: commaSeparated(flags.gateway),
        ipRanges: commaSeparated(flags['ip-range']),
        ipv6: flags.ipv6 ?? false,
        internal: flags.internal ?? false,
        labels,
        options: parseMapOption(flags.opt),
        auxAddresses: parseMapOption(flags['aux-address']),
        ipamOptions: parseMapOption(flags['ipam-opt']),
        attachable: flags.attachable ?? false,
        namespace: config.namespace,
      },
    )
    await this.publishEvents([networkEvent('create', network)])
    this.print(network.nerd.id)
  }
}
