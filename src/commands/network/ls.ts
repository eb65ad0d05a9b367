import * as Flags from '@oclif/core/flags'
import {NerdCommand} from '../../command.ts'
import {filterFlag} from '../../filter-flag.ts'

export default class NetworkLs extends NerdCommand {
  static summary = 'List networks'
  static aliases = ['network:list']
  static flags = {
    quiet: Flags.boolean({char: 'q', description: 'Only display network IDs'}),
    format: Flags.string({description: "Format the output using a Go template, 'table', or 'json'"}),
    filter: filterFlag({char: 'f', description: 'Provide filter values (e.g. "driver=bridge")'}),
    'no-trunc': Flags.boolean({description: "Don't truncate the output"}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(NetworkLs)
    const {allNetworkEntries, filterNetworks, NETWORK_HEADERS, networkRow, parseNetworkFilters} = await import('../../network/list.ts')
    const {listingFormat} = await import('../../format/index.ts')
    const config = await this.nerdConfig()
    const filters = parseNetworkFilters(flags.filter ?? [])
    const entries = await filterNetworks(await allNetworkEntries({netconfPath: config.cniNetconfPath, dataRoot: config.dataRoot}, {warn: true}), filters)
    // As docker's: config.json's networksFormat unless -q; -q changes only the table and raw formats.
    const format = listingFormat(
      flags.format || (flags.quiet ? undefined : await this.configuredFormat('networksFormat')),
      {
        table: 'table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}',
        raw: 'network_id: {{.ID}}\nname: {{.Name}}\ndriver: {{.Driver}}\nscope: {{.Scope}}\n',
        quiet: {table: '{{.ID}}', raw: 'network_id: {{.ID}}'},
      },
      flags.quiet,
    )
    this.print(
      await this.renderList(entries, {
        format,
        defaultTable: format,
        itemType: '*network.networkContext',
        headers: NETWORK_HEADERS,
        fields: (entry) => networkRow(entry, {noTrunc: flags['no-trunc']}),
      }),
    )
  }
}
