import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import {NerdCommand} from '../../command.ts'

export default class NetworkInspect extends NerdCommand {
  static summary = 'Display detailed information on one or more networks'
  static strict = false
  static args = {network: Args.string({required: true, description: 'NETWORK'})}
  static flags = {
    format: Flags.string({char: 'f', description: 'Format the output using the given Go template'}),
  }

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(NetworkInspect)
    const {allNetworkEntries, findEntry, inspectNetwork} = await import('../../network/list.ts')
    const config = await this.nerdConfig()
    const entries = await allNetworkEntries({netconfPath: config.cniNetconfPath, dataRoot: config.dataRoot})
    await this.printInspect(
      argv as string[],
      async (name) => {
        const entry = findEntry(entries, name)
        return entry && inspectNetwork(entry, config.namespace)
      },
      flags.format,
      'network',
    )
  }
}
