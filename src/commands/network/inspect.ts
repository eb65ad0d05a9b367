import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import {NerdCommand} from '../../command.ts'

export default class NetworkInspect extends NerdCommand {
  static summary = 'Display detailed information on one or more networks'
  static strict = false
  static args = {network: Args.string({required: true, description: 'NETWORK'})}
  static flags = {
    format: Flags.string({char: 'f', description: 'Format the output using the given Go template'}),
    verbose: Flags.boolean({char: 'v', description: "Verbose output for diagnostics (docker's swarm details: a local network has none)"}),
  }

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(NetworkInspect)
    const {allNetworkEntries, inspectNetworkNamed} = await import('../../network/list.ts')
    const {NoSuchNetworkError} = await import('../../network/store.ts')
    const config = await this.nerdConfig()
    const location = {netconfPath: config.cniNetconfPath, dataRoot: config.dataRoot}
    const entries = await allNetworkEntries(location)
    await this.printInspect(
      argv as string[],
      // docker's daemon's words for a network, not the `No such …` of its other objects.
      async (name) => (await inspectNetworkNamed(location, entries, name, config.namespace)) ?? Promise.reject(new NoSuchNetworkError(name)),
      flags.format,
      'network',
      {trimmed: true},
    )
  }
}
