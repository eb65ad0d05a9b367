import * as Flags from '@oclif/core/flags'
import {NerdCommand} from '../command.ts'
import {filterFlag} from '../filter-flag.ts'
import type {FilterContext} from '../container/filters.ts'
import {integerFlag} from '../integer-flag.ts'

export default class Ps extends NerdCommand {
  static summary = 'List containers'
  static aliases = ['container:ls', 'container:list', 'container:ps']
  static examples = ['<%= config.bin %> ps -a', "<%= config.bin %> ps --filter status=exited --format '{{.Names}}'"]
  static flags = {
    all: Flags.boolean({char: 'a', description: 'Show all containers (default shows just running)'}),
    quiet: Flags.boolean({char: 'q', description: 'Only display container IDs'}),
    last: integerFlag({char: 'n', default: -1, description: 'Show n last created containers (includes all states)'}),
    latest: Flags.boolean({char: 'l', description: 'Show the latest created container (includes all states)'}),
    // allowNo: `--size=false` is told apart from no --size (it keeps a template's .Size from computing sizes).
    size: Flags.boolean({char: 's', allowNo: true, description: 'Display total file sizes'}),
    'no-trunc': Flags.boolean({description: "Don't truncate output"}),
    format: Flags.string({description: "Format output using a custom template: 'table', 'table TEMPLATE', 'json', or a Go template"}),
    filter: filterFlag({char: 'f', description: 'Filter output based on conditions provided'}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(Ps)
    const {listContainerViews} = await import('../container/lifecycle.ts')
    const {filterContainers, parsePsFilters, selectContainers} = await import('../container/filters.ts')
    const {CONTAINER_CONTEXT, psFormat, psRow, PS_HEADERS, psTemplateReadsSize} = await import('../container/view.ts')
    // As docker's: config.json's psFormat when no --format is given; a --format with -q is ignored, with a warning.
    const userFormat = flags.format || (await this.configuredFormat('psFormat'))
    if (flags.format && flags.quiet) process.stderr.write('WARNING: Ignoring custom format, because both --format and --quiet are set.\n')
    const readsSize = userFormat ? psTemplateReadsSize(userFormat) : false
    // As docker's ps, a template that shows .Size has the sizes computed, unless -q or --size=false.
    const size = flags.size ?? (!flags.quiet && readsSize)
    const filters = parsePsFilters(flags.filter ?? [])
    const scope = await this.containerScope()
    const context = {...(await this.ancestorLookup(filters)), networkName: await this.networkNamer(filters)}
    const views = selectContainers(filterContainers(await listContainerViews(scope), filters, context), {
      all: flags.all,
      // As docker's: -l is -n 1 unless -n is given.
      last: flags.latest && flags.last === -1 ? 1 : flags.last,
      filters,
    })
    const now = new Date()
    const {imageIdsNamed} = await import('../container/current-image.ts')
    // -q shows no image: not looked up.
    const imageIds = flags.quiet ? new Map<string, string | undefined>() : await imageIdsNamed(scope, views.map((view) => view.record))
    const sizes = size && !flags.quiet ? await (await import('../container/inspect.ts')).containerSizes(scope, views.map((view) => view.record)) : new Map<string, {rw: number; rootFs: number}>()
    this.print(
      await this.renderList(views, {
        format: psFormat(userFormat, {quiet: flags.quiet, size}),
        defaultTable: psFormat(undefined, {size}),
        headers: PS_HEADERS,
        itemType: CONTAINER_CONTEXT,
        fields: (view) => psRow(view, {noTrunc: flags['no-trunc'], now, size: sizes.get(view.record.Id), imageIdOf: (reference) => imageIds.get(reference)}),
      }),
    )
  }

  /** Image IDs an `ancestor=` value names, and the images committed from each; the image list is read only when such a filter is given. */
  private async ancestorLookup(filters: {key: string}[]): Promise<Pick<FilterContext, 'resolve' | 'children'>> {
    if (!filters.some((filter) => filter.key === 'ancestor')) return {resolve: () => []}
    const {findImages, imageChildren, summarizeImages} = await import('../image/list.ts')
    const summaries = await summarizeImages(await this.containerd())
    return {resolve: (image) => findImages(summaries, image).map((summary) => summary.id), children: imageChildren(summaries)}
  }

  /** docker's `network=` takes a network's name or ID; the networks are read only when such a filter is given. */
  private async networkNamer(filters: {key: string}[]): Promise<((network: string) => string) | undefined> {
    if (!filters.some((filter) => filter.key === 'network')) return undefined
    const [{findEntry, networkEntries}, {listNetworks}, config] = await Promise.all([import('../network/list.ts'), import('../network/store.ts'), this.nerdConfig()])
    const entries = networkEntries(await listNetworks(config.cniNetconfPath))
    return (network) => {
      try {
        return findEntry(entries, network)?.name ?? network
      } catch {
        return network // an ambiguous ID prefix names no one network
      }
    }
  }
}
