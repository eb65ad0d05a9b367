import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import {NerdCommand} from '../../command.ts'
import {trimmedId} from '../../errors.ts'

export default class NetworkDisconnect extends NerdCommand {
  static summary = 'Disconnect a container from a network'
  static args = {
    network: Args.string({required: true, description: 'NETWORK'}),
    container: Args.string({required: true, description: 'CONTAINER'}),
  }
  static flags = {
    force: Flags.boolean({char: 'f', description: 'Force the container to disconnect from a network'}),
  }

  async run(): Promise<void> {
    const {args} = await this.parse(NetworkDisconnect)
    const {disconnectNetwork} = await import('../../network/connect.ts')
    const config = await this.nerdConfig()
    // For a `none` container that leaves none, whose plan is made now.
    const networkHooks = await this.recordedNetworkHooks({namespace: config.namespace, address: config.address})
    const location = {netconfPath: config.cniNetconfPath, cniPath: config.cniPath, ...(networkHooks ? {networkHooks} : {})}
    // As docker's client sends it, before the container's name.
    const network = trimmedId('network', args.network)
    await this.forEachContainer([args.container], (scope, container) => disconnectNetwork(scope, container, network, location))
  }
}
