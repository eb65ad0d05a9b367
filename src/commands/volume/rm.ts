import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import {NerdCommand} from '../../command.ts'
import {trimmedId} from '../../errors.ts'

export default class VolumeRm extends NerdCommand {
  static summary = 'Remove one or more volumes'
  static description = 'You cannot remove a volume that is in use by a container.'
  static aliases = ['volume:remove']
  static strict = false
  static args = {volume: Args.string({required: true, description: 'VOLUME'})}
  static flags = {
    force: Flags.boolean({char: 'f', description: 'Force the removal of one or more volumes (a missing volume is no error)'}),
  }

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(VolumeRm)
    const {containersUsingVolume, removeVolume, volumeEvent} = await import('../../volume/index.ts')
    const config = await this.nerdConfig()
    const scope = {dataRoot: config.dataRoot, namespace: config.namespace}
    await this.forEachName(argv as string[], async (name) => {
      const volume = trimmedId('volume', name)
      if (await removeVolume(scope, volume, {force: flags.force, inUseBy: (used) => containersUsingVolume(scope, used)})) await this.publishEvents([volumeEvent('destroy', volume)])
      this.print(name)
    })
  }
}
