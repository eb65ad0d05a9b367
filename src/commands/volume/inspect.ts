import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import {NerdCommand} from '../../command.ts'

export default class VolumeInspect extends NerdCommand {
  static summary = 'Display detailed information on one or more volumes'
  static strict = false
  static args = {volume: Args.string({required: true, description: 'VOLUME'})}
  static flags = {
    format: Flags.string({char: 'f', description: 'Format the output using the given Go template'}),
    size: Flags.boolean({char: 's', description: 'Display the disk usage of the volume (UsageData)'}),
  }

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(VolumeInspect)
    const {containersUsingVolume, requireVolume, volumeSize} = await import('../../volume/index.ts')
    const config = await this.nerdConfig()
    const scope = {dataRoot: config.dataRoot, namespace: config.namespace}
    await this.printInspect(
      argv as string[],
      async (name) => {
        const volume = await requireVolume(scope, name)
        if (!flags.size) return volume
        return {...volume, UsageData: {RefCount: (await containersUsingVolume(scope, volume.Name)).length, Size: await volumeSize(volume)}}
      },
      flags.format,
      'volume',
      // docker 28's volume inspect runs the template on the Go value only.
      {rawFallback: false, trimmed: true},
    )
  }
}
