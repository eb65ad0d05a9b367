import * as Flags from '@oclif/core/flags'
import {NerdCommand} from '../../command.ts'
import {filterFlag} from '../../filter-flag.ts'

export default class VolumePrune extends NerdCommand {
  static summary = 'Remove unused local volumes'
  static flags = {
    all: Flags.boolean({char: 'a', description: 'Remove all unused volumes, not just anonymous ones'}),
    force: Flags.boolean({char: 'f', description: 'Do not prompt for confirmation'}),
    filter: filterFlag({description: 'Provide filter values (e.g. "label=<label>")'}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(VolumePrune)
    const {containersUsingVolume, parsePruneFilters, pruneVolumes, volumeEvent} = await import('../../volume/index.ts')
    const {pruneEvent} = await import('../../system/nerd-events.ts')
    const {reclaimedSpaceLine} = await import('../../system/prune.ts')
    const filters = parsePruneFilters(flags.filter ?? [], flags.all ?? false)
    // docker's CLI names all volumes for -a only, though `--filter all=1` removes named ones too.
    const which = flags.all ? 'all local volumes' : 'anonymous local volumes'
    if (!flags.force && !(await this.confirm(`WARNING! This will remove ${which} not used by at least one container.`))) return
    const config = await this.nerdConfig()
    const scope = {dataRoot: config.dataRoot, namespace: config.namespace}
    const {removed, reclaimed} = await pruneVolumes(scope, filters, (name) => containersUsingVolume(scope, name))
    await this.publishEvents([...removed.map((name) => volumeEvent('destroy', name)), pruneEvent('volume', reclaimed)])
    // docker ends the list with a blank line
    if (removed.length > 0) this.print(`Deleted Volumes:\n${removed.join('\n')}\n\n`)
    this.print(reclaimedSpaceLine(reclaimed))
  }
}
