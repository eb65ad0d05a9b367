import * as Args from '@oclif/core/args'
import {NerdCommand} from '../command.ts'
import {NerdError} from '../errors.ts'

export default class Tag extends NerdCommand {
  static summary = 'Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE'
  static aliases = ['image:tag']
  static args = {
    source: Args.string({required: true, description: 'SOURCE_IMAGE[:TAG] or image ID'}),
    target: Args.string({required: true, description: 'TARGET_IMAGE[:TAG]'}),
  }

  async run(): Promise<void> {
    const {findImages, summarizeImages} = await import('../image/list.ts')
    const {normalizedName, parseReference} = await import('../image/reference.ts')
    const {putImage} = await import('../image/store.ts')
    const {args} = await this.parse(Tag)
    const target = normalizedName(parseReference(args.target))
    const [source] = findImages(await summarizeImages(await this.containerd()), args.source)
    if (!source) throw new NerdError(`No such image: ${args.source}`)
    await putImage(await this.containerd(), {name: target, target: source.record.target, labels: source.record.labels})
  }
}
