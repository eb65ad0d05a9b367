import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import {createWriteStream} from 'node:fs'
import {finished} from 'node:stream/promises'
import {NerdCommand} from '../command.ts'
import {NerdError} from '../errors.ts'

export default class Save extends NerdCommand {
  static summary = 'Save one or more images to a tar archive (streamed to STDOUT by default)'
  static aliases = ['image:save']
  static strict = false
  static args = {
    image: Args.string({required: true, description: 'Image name or ID'}),
  }
  static flags = {
    output: Flags.string({char: 'o', description: 'Write to a file, instead of STDOUT'}),
    platform: Flags.string({description: 'Save this platform of multi-platform images'}),
    'all-platforms': Flags.boolean({description: 'Save every platform of multi-platform images'}),
  }

  async run(): Promise<void> {
    const {saveImages} = await import('../image/archive/index.ts')
    const {argv, flags} = await this.parse(Save)
    if (flags.output === undefined && process.stdout.isTTY) {
      throw new NerdError('cowardly refusing to save to a terminal. Use the -o flag or redirect')
    }
    const client = await this.containerd()
    const output = flags.output === undefined ? process.stdout : createWriteStream(flags.output)
    const options = {...(flags.platform ? {platform: flags.platform} : {}), allPlatforms: flags['all-platforms']}
    if (output === process.stdout) {
      await saveImages(client, argv as string[], output, options)
      return
    }
    const done = finished(output)
    await saveImages(client, argv as string[], output, options)
    await done
  }
}
