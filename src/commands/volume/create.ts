import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import {NerdCommand} from '../../command.ts'

export default class VolumeCreate extends NerdCommand {
  static summary = 'Create a volume'
  static args = {volume: Args.string({description: 'VOLUME (a 64-hex name is generated when omitted)'})}
  static flags = {
    driver: Flags.string({char: 'd', description: 'Specify volume driver name (local only)', default: 'local'}),
    label: Flags.string({multiple: true, description: 'Set metadata for a volume'}),
    opt: Flags.string({char: 'o', multiple: true, description: 'Set driver specific options (type, device, o)'}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(VolumeCreate)
    const {parseLabels} = await import('../../labels.ts')
    const {createVolumeIfMissing, parseVolumeOptions, volumeEvent} = await import('../../volume/index.ts')
    const config = await this.nerdConfig()
    const {volume, created} = await createVolumeIfMissing(
      {dataRoot: config.dataRoot, namespace: config.namespace},
      {name: args.volume, driver: flags.driver, labels: parseLabels(flags.label), options: parseVolumeOptions(flags.opt)},
    )
    if (created) await this.publishEvents([volumeEvent('create', volume.Name)])
    this.print(volume.Name)
  }
}
