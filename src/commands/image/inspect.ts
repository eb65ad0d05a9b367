import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import {NerdCommand} from '../../command.ts'

export default class ImageInspect extends NerdCommand {
  static summary = 'Display detailed information on one or more images'
  static strict = false
  static args = {
    image: Args.string({required: true, description: 'Image name or ID'}),
  }
  static flags = {
    format: Flags.string({char: 'f', description: 'Format the output using the given Go template'}),
  }

  async run(): Promise<void> {
    const {inspectDocument} = await import('../../image/inspect.ts')
    const {findImages, summarizeImages} = await import('../../image/list.ts')
    const {argv, flags} = await this.parse(ImageInspect)
    const summaries = await summarizeImages(await this.containerd(), {unpackedIn: (await this.nerdConfig()).snapshotter})
    await this.printInspect(
      argv as string[],
      async (name) => {
        const [image] = findImages(summaries, name)
        if (!image) return undefined
        return inspectDocument(image, summaries.filter((summary) => summary.id === image.id))
      },
      flags.format,
      'image',
    )
  }
}
