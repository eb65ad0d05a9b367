import * as Flags from '@oclif/core/flags'
import {NerdCommand} from '../../command.ts'
import {filterFlag} from '../../filter-flag.ts'

export default class ImagePrune extends NerdCommand {
  static summary = 'Remove unused images'
  static flags = {
    all: Flags.boolean({char: 'a', description: 'Remove all unused images, not just dangling ones'}),
    force: Flags.boolean({char: 'f', description: 'Do not prompt for confirmation'}),
    filter: filterFlag({description: "Provide filter values (e.g. 'until=<timestamp>')"}),
  }

  async run(): Promise<void> {
    const {pruneImages} = await import('../../image/remove.ts')
    const {forgetRemovedImages} = await import('../../image/manifest-cache.ts')
    const {imageUsers} = await import('../../container/lifecycle.ts')
    const {parsePruneFilters} = await import('../../prune-filter.ts')
    const {pruneEvent} = await import('../../system/nerd-events.ts')
    const {reclaimedSpaceLine} = await import('../../system/prune.ts')
    const {flags} = await this.parse(ImagePrune)
    const warning = flags.all
      ? 'WARNING! This will remove all images without at least one container associated to them.'
      : 'WARNING! This will remove all dangling images.'
    if (!flags.force && !(await this.confirm(warning))) return
    const scope = await this.containerScope()
    await (await import('../../system/orphans.ts')).removeOrphans(scope)
    const {lines, reclaimedBytes} = await pruneImages(scope.client, {all: flags.all, filter: parsePruneFilters(flags.filter ?? [], new Date(), {untilEach: true, all: flags.all ?? false}), users: await imageUsers(scope)})
    await forgetRemovedImages(scope.client, scope.dataRoot)
    await this.publishEvents([pruneEvent('image', reclaimedBytes)])
    // docker ends the list with a blank line
    if (lines.length > 0) this.print(['Deleted Images:', ...lines, '', ''].join('\n'))
    this.print(reclaimedSpaceLine(reclaimedBytes))
  }
}
