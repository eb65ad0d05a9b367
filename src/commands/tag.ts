import * as Args from '@oclif/core/args'
import {NerdCommand} from '../command.ts'

export default class Tag extends NerdCommand {
  static summary = 'Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE'
  static aliases = ['image:tag']
  static args = {
    source: Args.string({required: true, description: 'SOURCE_IMAGE[:TAG] or image ID'}),
    target: Args.string({required: true, description: 'TARGET_IMAGE[:TAG]'}),
  }

  /** docker's tag reads flags only before the source: `tag a b --x` is three arguments. */
  static flagsEndAtFirstPositional = true

  async run(): Promise<void> {
    const {tagImage} = await import('../image/tag.ts')
    const {args} = await this.parse(Tag)
    await tagImage(await this.containerd(), args.source, args.target)
  }
}
