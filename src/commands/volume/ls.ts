import * as Flags from '@oclif/core/flags'
import {NerdCommand} from '../../command.ts'

export default class VolumeLs extends NerdCommand {
  static summary = 'List volumes'
  static aliases = ['volume:list']
  static flags = {
    quiet: Flags.boolean({char: 'q', description: 'Only display volume names'}),
    format: Flags.string({description: "Format the output using a Go template, 'table', or 'json'"}),
    filter: Flags.string({char: 'f', multiple: true, description: "Provide filter values (e.g. 'dangling=true', 'label=<key>=<value>', 'name=<name>', 'driver=local')"}),
    size: Flags.boolean({char: 's', description: 'Display the disk usage of volumes'}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(VolumeLs)
    const {listVolumes, matchesListFilters, parseListFilters, volumeSize, volumeUsers} = await import('../../volume/index.ts')
    const {humanSize} = await import('../../format/index.ts')
    const config = await this.nerdConfig()
    const scope = {dataRoot: config.dataRoot, namespace: config.namespace}
    const filters = parseListFilters(flags.filter ?? [])
    const users = await volumeUsers(scope)
    const refCount = (name: string) => users.get(name)?.length ?? 0
    const volumes = (await listVolumes(scope)).filter((volume) => matchesListFilters(volume, refCount(volume.Name), filters))
    const sizes = new Map<string, number>()
    if (flags.size) for (const volume of volumes) sizes.set(volume.Name, await volumeSize(volume))
    this.print(
      await this.renderList(volumes, {
        format: flags.quiet ? '{{.Name}}' : flags.format,
        defaultTable: flags.size ? 'table {{.Driver}}\t{{.Name}}\t{{.Size}}' : 'table {{.Driver}}\t{{.Name}}',
        headers: {
          Availability: 'AVAILABILITY',
          Driver: 'DRIVER',
          Group: 'GROUP',
          Labels: 'LABELS',
          Links: 'LINKS',
          Mountpoint: 'MOUNTPOINT',
          Name: 'VOLUME NAME',
          Scope: 'SCOPE',
          Size: 'SIZE',
          Status: 'STATUS',
        },
        // docker's volume columns; usage (Links, Size) is known only with --size, N/A otherwise.
        fields: (volume) => ({
          Availability: 'N/A',
          Driver: volume.Driver,
          Group: 'N/A',
          Labels: Object.entries(volume.Labels).map(([key, value]) => `${key}=${value}`).join(','),
          Links: flags.size ? String(refCount(volume.Name)) : 'N/A',
          Mountpoint: volume.Mountpoint,
          Name: volume.Name,
          Scope: volume.Scope,
          Size: flags.size ? humanSize(sizes.get(volume.Name)!) : 'N/A',
          Status: 'N/A',
          Label: (name: string) => volume.Labels[name] ?? '',
        }),
      }),
    )
  }
}
