import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import {NerdCommand} from '../command.ts'
import {NerdError} from '../errors.ts'
import {invalidOutputPath, writeStreamAtomic} from '../files.ts'

export default class Save extends NerdCommand {
  static summary = 'Save one or more images to a tar archive (streamed to STDOUT by default)'
  static aliases = ['image:save']
  static strict = false
  static args = {
    image: Args.string({required: true, description: 'Image name or ID'}),
  }
  static flags = {
    output: Flags.string({char: 'o', description: 'Write to a file, instead of STDOUT'}),
    platform: Flags.string({description: 'Save only the given platform variant'}),
    'all-platforms': Flags.boolean({description: 'Save every platform of multi-platform images, refusing one not here in full (by default those not here are left out)'}),
  }

  async run(): Promise<void> {
    const {saveImages} = await import('../image/archive/index.ts')
    const {parsePlatformFlag} = await import('../image/platform.ts')
    const {argv, flags} = await this.parse(Save)
    // docker's order: the platform, then the output.
    if (flags.platform) parsePlatformFlag(flags.platform)
    if (flags.output === undefined && process.stdout.isTTY) {
      throw new NerdError('cowardly refusing to save to a terminal. Use the -o flag or redirect')
    }
    const invalid = flags.output === undefined ? undefined : invalidOutputPath(flags.output)
    if (invalid) throw new NerdError(`failed to save image: ${invalid}`)
    const client = await this.containerd()
    const options = {...(flags.platform ? {platform: flags.platform} : {}), allPlatforms: flags['all-platforms']}
    const output = flags.output
    if (output === undefined) {
      await this.writingArchiveToStdout(() => saveImages(client, argv as string[], process.stdout, options))
      return
    }
    // As docker's: the file appears whole or not at all, and a failed save leaves an older one be.
    await this.stoppableBySignals((signal) => writeStreamAtomic(output, (stream) => saveImages(client, argv as string[], stream, {...options, signal})))
  }
}
