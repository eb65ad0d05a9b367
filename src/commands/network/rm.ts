import * as Args from '@oclif/core/args'
import {NerdCommand} from '../../command.ts'

export default class NetworkRm extends NerdCommand {
  static summary = 'Remove one or more networks'
  static aliases = ['network:remove']
  static strict = false
  static args = {network: Args.string({required: true, description: 'NETWORK'})}

  async run(): Promise<void> {
    const {argv} = await this.parse(NetworkRm)
    const {removeNetwork} = await import('../../network/store.ts')
    const {networkEvent} = await import('../../network/model.ts')
    const config = await this.nerdConfig()
    await this.forEachName(argv as string[], async (name) => {
      if (name === 'host' || name === 'none') throw new Error(`${name} is a pre-defined network and cannot be removed`)
      const network = await removeNetwork({netconfPath: config.cniNetconfPath, dataRoot: config.dataRoot}, name)
      await this.publishEvents([networkEvent('destroy', network)])
      this.print(name)
    })
  }
}
