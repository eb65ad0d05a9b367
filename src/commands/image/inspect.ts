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
    platform: Flags.string({description: "Inspect a specific platform of a multi-platform image (os[/arch[/variant]]); an error when the image has none for it"}),
  }

  async run(): Promise<void> {
    const {imageInspector} = await import('../../image/inspect.ts')
    const {argv, flags} = await this.parse(ImageInspect)
    const inspectImage = imageInspector(await this.containerd(), (await this.nerdConfig()).snapshotter, flags.platform)
    await this.printInspect(argv as string[], inspectImage, flags.format, 'image')
  }
}
