import * as Flags from '@oclif/core/flags'
import {NerdCommand} from '../../command.ts'
import {filterFlag} from '../../filter-flag.ts'

export default class VolumeLs extends NerdCommand {
  static summary = 'List volumes'
  static aliases = ['volume:list']
  static flags = {
    quiet: Flags.boolean({char: 'q', description: 'Only display volume names'}),
    format: Flags.string({description: "Format the output using a Go template, 'table', or 'json'"}),
    filter: filterFlag({char: 'f', description: "Provide filter values (e.g. 'dangling=true', 'label=<key>=<value>', 'name=<name>', 'driver=local')"}),
    size: Flags.boolean({char: 's', description: 'Display the disk usage of volumes'}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(VolumeLs)
    const {listVolumes, matchesListFilters, parseListFilters, VOLUME_CONTEXT, VOLUME_HEADERS, VOLUME_RAW_FORMAT, volumeRow, volumeSize, volumeUsers} = await import('../../volume/index.ts')
    const {listingFormat} = await import('../../format/index.ts')
    const config = await this.nerdConfig()
    const scope = {dataRoot: config.dataRoot, namespace: config.namespace}
    const filters = parseListFilters(flags.filter ?? [])
    const users = await volumeUsers(scope)
    const refCount = (name: string) => users.get(name)?.length ?? 0
    const volumes = (await listVolumes(scope)).filter((volume) => matchesListFilters(volume, refCount(volume.Name), filters))
    const sizes = new Map<string, number>()
    if (flags.size) for (const volume of volumes) sizes.set(volume.Name, await volumeSize(volume))
    // As docker's: config.json's volumesFormat unless -q; -q changes only the table and raw formats.
    const format = listingFormat(
      flags.format || (flags.quiet ? undefined : await this.configuredFormat('volumesFormat')),
      {
        table: flags.size ? 'table {{.Driver}}\t{{.Name}}\t{{.Size}}' : 'table {{.Driver}}\t{{.Name}}',
        raw: VOLUME_RAW_FORMAT,
        quiet: {table: '{{.Name}}', raw: 'name: {{.Name}}'},
      },
      flags.quiet,
    )
    this.print(
      await this.renderList(volumes, {
        format,
        defaultTable: format,
        headers: VOLUME_HEADERS,
        itemType: VOLUME_CONTEXT,
        // Usage (Links, Size) is known only with --size, N/A otherwise.
        fields: (volume) => volumeRow(volume, flags.size ? {refCount: refCount(volume.Name), size: sizes.get(volume.Name)!} : undefined),
      }),
    )
  }
}
