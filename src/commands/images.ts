import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import {NerdCommand} from '../command.ts'
import {commandWords} from '../context.ts'
import {filterFlag} from '../filter-flag.ts'

export default class Images extends NerdCommand {
  static summary = 'List images'
  static aliases = ['image:ls', 'image:list']
  static examples = ['<%= config.bin %> images', "<%= config.bin %> images --format '{{.Repository}}:{{.Tag}}'", '<%= config.bin %> images -f dangling=true -q']
  static args = {
    repository: Args.string({description: 'Only images of this repository (and tag)'}),
  }
  static flags = {
    all: Flags.boolean({char: 'a', description: 'Show all images (default hides intermediate images)'}),
    quiet: Flags.boolean({char: 'q', description: 'Only show image IDs'}),
    digests: Flags.boolean({description: 'Show digests'}),
    'no-trunc': Flags.boolean({description: "Don't truncate output"}),
    format: Flags.string({description: "Format the output using a Go template, 'table', or 'json'"}),
    filter: filterFlag({char: 'f', description: 'Filter output based on conditions (reference=, dangling=, before=, since=, label=)'}),
    tree: Flags.boolean({description: 'List multi-platform images as a tree (EXPERIMENTAL)'}),
  }

  async run(): Promise<void> {
    const {filterImages, IMAGE_CONTEXT, imageRawFormat, imageRow, listedImages, listingDigest, parseImageFilters, subcommandTakenForRepositoryHint, summarizeImages, withoutIntermediates} = await import('../image/list.ts')
    const {args, flags} = await this.parse(Images)
    if (flags.tree) {
      const {treeFlagConflict} = await import('../image/tree.ts')
      const refused = treeFlagConflict(flags)
      if (refused) throw refused
    }
    const filters = parseImageFilters(flags.filter ?? [])
    if (args.repository !== undefined) filters.push({key: 'reference', value: args.repository})
    const config = await this.nerdConfig()
    const {ManifestCache} = await import('../image/manifest-cache.ts')
    if (flags.tree) {
      const scope = await this.containerScope()
      const [{imageTree}, {imageUsers}, {renderImageTree, terminalLayout}] = await Promise.all([import('../image/tree.ts'), import('../container/lifecycle.ts'), import('../format/image-tree.ts')])
      // The tree's sizes are its own: the summaries give the names, IDs and order only.
      const everyImage = await summarizeImages(scope.client, {manifestCache: new ManifestCache(config.dataRoot)})
      const tree = await imageTree(scope.client, filterImages(everyImage, filters), {all: flags.all, snapshotter: config.snapshotter, users: await imageUsers(scope), everyImage})
      process.stdout.write(renderImageTree(tree, terminalLayout(process.stdout, process.env)))
      return
    }
    const summaries = await summarizeImages(await this.containerd(), {unpackedIn: config.snapshotter, manifestCache: new ManifestCache(config.dataRoot)})
    const images = filterImages(listedImages(flags.all ? summaries : withoutIntermediates(summaries)), filters, {everyImage: summaries})
    const {listingFormat} = await import('../format/index.ts')
    const digest = flags.digests ? '\t{{.Digest}}' : ''
    // As docker's: config.json's imagesFormat unless -q; -q changes only the table and raw formats.
    let format = listingFormat(
      flags.format || (flags.quiet ? undefined : await this.configuredFormat('imagesFormat')),
      {
        table: `table {{.Repository}}\t{{.Tag}}${digest}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}`,
        raw: imageRawFormat(flags.digests),
        quiet: {table: '{{.ID}}', raw: 'image_id: {{.ID}}'},
      },
      flags.quiet,
    )
    // docker adds the DIGEST column --digests asks for to a table of the user's that lacks it.
    if (flags.digests && format.startsWith('table') && !format.includes('{{.Digest}}')) format += '\t{{.Digest}}'
    this.print(
      await this.renderList(images, {
        format,
        defaultTable: format,
        headers: {Repository: 'REPOSITORY', Tag: 'TAG', Digest: 'DIGEST', ID: 'IMAGE ID', CreatedSince: 'CREATED', CreatedAt: 'CREATED AT', Platform: 'PLATFORM', Size: 'SIZE', VirtualSize: 'SIZE', Containers: 'CONTAINERS', SharedSize: 'SHARED SIZE', UniqueSize: 'UNIQUE SIZE'},
        fields: (image) => imageRow(image, {noTrunc: flags['no-trunc'], digest: listingDigest(image, {digests: flags.digests, format})}),
        itemType: IMAGE_CONTEXT,
      }),
    )
    // Only as `images`, as docker's: `image ls ls` is no mistake for `image ls`.
    if (args.repository !== undefined && images.length === 0 && commandWords()[0] === 'images') {
      process.stderr.write(subcommandTakenForRepositoryHint(args.repository) ?? '')
    }
  }
}
