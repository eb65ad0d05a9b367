import * as Flags from '@oclif/core/flags'
import {createReadStream} from 'node:fs'
import {NerdCommand} from '../command.ts'
import {NerdError} from '../errors.ts'

export default class Load extends NerdCommand {
  static summary = 'Load images from a tar archive or STDIN'
  static aliases = ['image:load']
  static flags = {
    input: Flags.string({char: 'i', description: 'Read from a tar archive file, instead of STDIN'}),
    quiet: Flags.boolean({char: 'q', description: 'Suppress the load output'}),
    platform: Flags.string({description: 'Load this platform of multi-platform images'}),
    'all-platforms': Flags.boolean({description: 'Load every platform of multi-platform images'}),
  }

  async run(): Promise<void> {
    const {loadImages} = await import('../image/archive/index.ts')
    const {flags} = await this.parse(Load)
    if (flags.input === undefined && process.stdin.isTTY) {
      throw new NerdError('requested load from stdin, but stdin is a terminal; use -i or redirect')
    }
    const [client, config] = await Promise.all([this.containerd(), this.nerdConfig()])
    const input = flags.input === undefined ? process.stdin : createReadStream(flags.input)
    await this.stoppableBySignals((signal) =>
      loadImages(client, input, {
        ...(flags.platform ? {platform: flags.platform} : {}),
        allPlatforms: flags['all-platforms'],
        snapshotter: config.snapshotter,
        signal,
        onImage: (image) => {
          if (flags.quiet) return
          this.print(image.familiarName === undefined ? `Loaded image ID: ${image.configDigest ?? image.target.digest}` : `Loaded image: ${image.familiarName}`)
        },
      }),
    )
  }
}
