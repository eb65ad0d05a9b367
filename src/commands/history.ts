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
    platform: Flags.string({description: 'Show history for the given platform of a multi-platform image (os[/arch[/variant]])'}),
  }

  async run(): Promise<void> {
    const {historyRows, imageConfigForPlatform} = await import('../image/inspect.ts')
    const {findImages, imageAncestors, noSuchImage, summarizeImages, unpackedLayerSize} = await import('../image/list.ts')
    const {chainIds, resolveImageConfig} = await import('../image/store.ts')
    const {listingFormat} = await import('../format/index.ts')
    const {parsePlatformFlag} = await import('../image/platform.ts')
    const {args, flags} = await this.parse(History)
    // As docker's CLI, before it asks for the image; an empty one is none.
    if (flags.platform) parsePlatformFlag(flags.platform)
    const [client, {snapshotter}] = await Promise.all([this.containerd(), this.nerdConfig()])
    const summaries = await summarizeImages(client)
    const [image] = findImages(summaries, args.image)
    if (!image) throw noSuchImage(args.image)
    const {config, configDescriptor, manifest} = flags.platform ? await imageConfigForPlatform(client, image, args.image, flags.platform) : await resolveImageConfig(client, image.record)
    // docker's sizes are the unpacked layers' (their snapshots' usage); a layer not unpacked has its blob's.
    const unpacked = await Promise.all(chainIds(config.rootfs.diff_ids).map((chainId) => unpackedLayerSize(client, snapshotter, chainId)))
    const sizes = manifest.layers.map((layer, index) => unpacked[index] ?? layer.size)
    const rows = historyRows([configDescriptor.digest, ...imageAncestors(summaries, image)], config, sizes, {human: flags.human, noTrunc: flags['no-trunc']})
    // As docker's: -q changes only the table format; without -H the table shows CreatedAt.
    const table = `table {{.ID}}\t${flags.human ? '{{.CreatedSince}}' : '{{.CreatedAt}}'}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}`
    const format = listingFormat(flags.format, {table, quiet: {table: '{{.ID}}'}}, flags.quiet)
    this.print(
      await this.renderList(rows, {
        format,
        defaultTable: format,
        headers: {ID: 'IMAGE', CreatedSince: 'CREATED', CreatedAt: 'CREATED AT', CreatedBy: 'CREATED BY', Size: 'SIZE', Comment: 'COMMENT'},
        itemType: '*image.historyContext',
      }),
    )
  }
}
