import * as Flags from '@oclif/core/flags'
import {NerdCommand} from '../../command.ts'
import {filterFlag} from '../../filter-flag.ts'

export default class ContainerPrune extends NerdCommand {
  static summary = 'Remove all stopped containers'
  static flags = {
    force: Flags.boolean({char: 'f', description: 'Do not prompt for confirmation'}),
    filter: filterFlag({description: "Provide filter values (e.g. 'until=<timestamp>', 'label=<key>=<value>')"}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(ContainerPrune)
    if (!flags.force && !(await this.confirm('WARNING! This will remove all stopped containers.'))) return
    const {pruneContainers} = await import('../../container/prune.ts')
    const {parsePruneFilters} = await import('../../prune-filter.ts')
    const {removeOrphans} = await import('../../system/orphans.ts')
    const {pruneEvent} = await import('../../system/nerd-events.ts')
    const {reclaimedSpaceLine} = await import('../../system/prune.ts')
    const scope = await this.containerScope()
    await removeOrphans(scope)
    const {removed, reclaimed} = await pruneContainers(scope, parsePruneFilters(flags.filter ?? []))
    await this.publishEvents([pruneEvent('container', reclaimed)])
    // docker ends the list with a blank line
    if (removed.length > 0) this.print(`Deleted Containers:\n${removed.join('\n')}\n\n`)
    this.print(reclaimedSpaceLine(reclaimed))
  }
}
