import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import {NerdCommand} from '../../command.ts'
import {trimmedId} from '../../errors.ts'

export default class NetworkRm extends NerdCommand {
  static summary = 'Remove one or more networks'
  static aliases = ['network:remove']
  static strict = false
  static args = {network: Args.string({required: true, description: 'NETWORK'})}
  static flags = {
    force: Flags.boolean({char: 'f', description: 'Do not error if the network does not exist'}),
  }

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(NetworkRm)
    const {NoSuchNetworkError, removeNetwork} = await import('../../network/store.ts')
    const {networkEvent} = await import('../../network/model.ts')
    const config = await this.nerdConfig()
    await this.forEachName(argv as string[], async (name) => {
      if (name === 'host' || name === 'none') throw new Error(`${name} is a pre-defined network and cannot be removed`)
      const network = await removeNetwork({netconfPath: config.cniNetconfPath, dataRoot: config.dataRoot}, trimmedId('network', name)).catch((error: unknown) => {
        // As docker's (v24+): with -f a network that is not there is no error, and nothing is printed.
        if (flags.force && error instanceof NoSuchNetworkError) return undefined
        throw error
      })
      if (!network) return
      await this.publishEvents([networkEvent('destroy', network)])
      this.print(name)
    })
  }
}
