import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import {NerdCommand} from '../command.ts'

export default class History extends NerdCommand {
  static summary = 'Show the history of an image'
  static aliases = ['image:history']
  static args = {
    image: Args.string({required: true, description: 'Image name or ID'}),
  }
  static flags = {
    human: Flags.boolean({char: 'H', default: true, allowNo: true, description: 'Print sizes and dates in human readable format'}),
    'no-trunc': Flags.boolean({description: "Don't truncate output"}),
    quiet: Flags.boolean({char: 'q', description: 'Only show image IDs'}),
    format: Flags.string({description: "Format the output using a Go template, 'table', or 'json'"}),
  }

  async run(): Promise<void> {
    const {historyRows} = await import('../image/inspect.ts')
    const {findImages, noSuchImage, summarizeImages} = await import('../image/list.ts')
    const {resolveImageConfig} = await import('../image/store.ts')
    const {args, flags} = await this.parse(History)
    const client = await this.containerd()
    const [image] = findImages(await summarizeImages(client), args.image)
    if (!image) throw noSuchImage(args.image)
    const {config, manifest} = await resolveImageConfig(client, image.record)
    const rows = historyRows(image.id, config, manifest.layers.map((layer) => layer.size), {human: flags.human, noTrunc: flags['no-trunc']})
    this.print(
      await this.renderList(rows, {
        format: flags.quiet ? '{{.ID}}' : flags.format,
        defaultTable: 'table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}',
        headers: {ID: 'IMAGE', CreatedSince: 'CREATED', CreatedAt: 'CREATED AT', CreatedBy: 'CREATED BY', Size: 'SIZE', Comment: 'COMMENT'},
        itemType: '*image.historyContext',
      }),
    )
  }
}
