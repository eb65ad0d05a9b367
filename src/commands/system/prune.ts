import * as Flags from '@oclif/core/flags'
import {NerdCommand} from '../../command.ts'
import {filterFlag} from '../../filter-flag.ts'
import {NerdError} from '../../errors.ts'

export default class SystemPrune extends NerdCommand {
  static summary = 'Remove unused data'
  static flags = {
    all: Flags.boolean({char: 'a', description: 'Remove all unused images not just dangling ones'}),
    force: Flags.boolean({char: 'f', description: 'Do not prompt for confirmation'}),
    volumes: Flags.boolean({description: 'Prune anonymous volumes'}),
    filter: filterFlag({description: "Provide filter values (e.g. 'label=<key>=<value>')"}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(SystemPrune)
    const {parsePruneFilters} = await import('../../prune-filter.ts')
    const volumeFilters = await import('../../volume/index.ts')
    // Every filter is checked before anything is removed, as docker's dry run does before it asks.
    const filters = flags.filter ?? []
    const filter = parsePruneFilters(filters)
    if (flags.volumes && filter.until) throw new NerdError('The "until" filter is not supported with "--volumes"')
    const volumePruneFilters = flags.volumes ? volumeFilters.parsePruneFilters(filters, false) : undefined
    const {reclaimedSpaceLine, systemPruneWarning} = await import('../../system/prune.ts')
    const warning = systemPruneWarning({all: flags.all ?? false, volumes: flags.volumes ?? false, filters})
    if (!flags.force && !(await this.confirm(warning))) return
    const {pruneContainers} = await import('../../container/prune.ts')
    const {pruneNetworks} = await import('../../network/list.ts')
    const {networkEvent} = await import('../../network/model.ts')
    const {pruneImages} = await import('../../image/remove.ts')
    const {forgetRemovedImages} = await import('../../image/manifest-cache.ts')
    const {containersUsingVolume, pruneVolumes, volumeEvent} = volumeFilters
    const {pruneEvent} = await import('../../system/nerd-events.ts')
    const [scope, config] = await Promise.all([this.containerScope(), this.nerdConfig()])
    await (await import('../../system/orphans.ts')).removeOrphans(scope)
    const containers = await pruneContainers(scope, filter)
    await this.publishEvents([pruneEvent('container', containers.reclaimed)])
    if (containers.removed.length > 0) this.print(`Deleted Containers:\n${containers.removed.join('\n')}\n\n`)
    const networks = await pruneNetworks({netconfPath: config.cniNetconfPath, dataRoot: config.dataRoot}, filter, config.namespace)
    await this.publishEvents([...networks.map((network) => networkEvent('destroy', network)), pruneEvent('network', 0)])
    if (networks.length > 0) this.print(`Deleted Networks:\n${networks.map((network) => network.name).join('\n')}\n\n`)
    let reclaimed = containers.reclaimed
    if (volumePruneFilters) {
      const volumeScope = {dataRoot: config.dataRoot, namespace: config.namespace}
      const volumes = await pruneVolumes(volumeScope, volumePruneFilters, (name) => containersUsingVolume(volumeScope, name))
      await this.publishEvents([...volumes.removed.map((name) => volumeEvent('destroy', name)), pruneEvent('volume', volumes.reclaimed)])
      if (volumes.removed.length > 0) this.print(`Deleted Volumes:\n${volumes.removed.join('\n')}\n\n`)
      reclaimed += volumes.reclaimed
    }
    const {imageUsers} = await import('../../container/lifecycle.ts')
    const images = await pruneImages(scope.client, {all: flags.all ?? false, filter, users: await imageUsers(scope)})
    await forgetRemovedImages(scope.client, scope.dataRoot)
    await this.publishEvents([pruneEvent('image', images.reclaimedBytes)])
    if (images.lines.length > 0) this.print(`Deleted Images:\n${images.lines.join('\n')}\n\n`)
    reclaimed += images.reclaimedBytes
    this.print(reclaimedSpaceLine(reclaimed))
  }
}
