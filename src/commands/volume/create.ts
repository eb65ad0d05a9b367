import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import {NerdCommand} from '../../command.ts'
import {NerdError} from '../../errors.ts'

export default class VolumeCreate extends NerdCommand {
  static summary = 'Create a volume'
  static args = {volume: Args.string({description: 'VOLUME (a 64-hex name is generated when omitted)'})}
  static flags = {
    driver: Flags.string({char: 'd', description: 'Specify volume driver name (local only)', default: 'local'}),
    label: Flags.string({multiple: true, description: 'Set metadata for a volume'}),
    opt: Flags.string({char: 'o', multiple: true, description: 'Set driver specific options (type, device, o)'}),
    // docker's older spelling, hidden as in docker's CLI.
    name: Flags.string({description: 'Specify volume name', hidden: true}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(VolumeCreate)
    const {parseLabelFlag, parseMapOption} = await import('../../labels.ts')
    // A flag's value docker's CLI refuses before anything else.
    const labels = parseLabelFlag(flags.label)
    if (args.volume !== undefined && flags.name !== undefined) {
      throw new NerdError('conflicting options: cannot specify a volume-name through both --name and as a positional arg')
    }
    const {createVolumeIfMissing, volumeEvent} = await import('../../volume/index.ts')
    const config = await this.nerdConfig()
    const {volume, created} = await createVolumeIfMissing(
      {dataRoot: config.dataRoot, namespace: config.namespace},
      {name: args.volume ?? flags.name, driver: flags.driver, labels, options: parseMapOption(flags.opt)},
    )
    if (created) await this.publishEvents([volumeEvent('create', volume.Name)])
    this.print(volume.Name)
  }
}
