import * as Flags from '@oclif/core/flags'
import {NerdCommand} from '../../command.ts'
import {filterFlag} from '../../filter-flag.ts'

export default class NetworkPrune extends NerdCommand {
  static summary = 'Remove all unused networks'
  static flags = {
    force: Flags.boolean({char: 'f', description: 'Do not prompt for confirmation'}),
    filter: filterFlag({description: "Provide filter values (e.g. 'label=<key>=<value>')"}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(NetworkPrune)
    const {pruneNetworks} = await import('../../network/list.ts')
    const {networkEvent} = await import('../../network/model.ts')
    const {parsePruneFilters} = await import('../../prune-filter.ts')
    const {pruneEvent} = await import('../../system/nerd-events.ts')
    const config = await this.nerdConfig()
    const location = {netconfPath: config.cniNetconfPath, dataRoot: config.dataRoot}
    if (!flags.force && !(await this.confirm('WARNING! This will remove all custom networks not used by at least one container.'))) return
    const removed = await pruneNetworks(location, parsePruneFilters(flags.filter ?? []), config.namespace)
    await this.publishEvents([...removed.map((network) => networkEvent('destroy', network)), pruneEvent('network', 0)])
    // docker ends the list with a blank line
    if (removed.length > 0) this.print(`Deleted Networks:\n${removed.map((network) => network.name).join('\n')}\n\n`)
  }
}
