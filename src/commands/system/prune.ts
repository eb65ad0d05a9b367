import * as Flags from '@oclif/core/flags'
import {NerdCommand} from '../../command.ts'

export default class SystemPrune extends NerdCommand {
  static summary = 'Remove unused data'
  static flags = {
    all: Flags.boolean({char: 'a', description: 'Remove all unused images not just dangling ones'}),
    force: Flags.boolean({char: 'f', description: 'Do not prompt for confirmation'}),
    volumes: Flags.boolean({description: 'Prune anonymous volumes'}),
    filter: Flags.string({multiple: true, description: "Provide filter values (e.g. 'label=<key>=<value>')"}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(SystemPrune)
    const warning = [
      'WARNING! This will remove:',
      '  - all stopped containers',
      '  - all networks not used by at least one container',
      ...(flags.volumes ? ['  - all anonymous volumes not used by at least one container'] : []),
      flags.all ? '  - all images without at least one container associated to them' : '  - all dangling images',
      '  - unused build cache',
      '',
    ].join('\n')
    if (!flags.force && !(await this.confirm(warning))) return
    const {pruneContainers} = await import('../../container/prune.ts')
    const {pruneNetworks} = await import('../../network/list.ts')
    const {networkEvent} = await import('../../network/model.ts')
    const {pruneImages} = await import('../../image/remove.ts')
    const {containersUsingVolume, parsePruneFilters, pruneVolumes, volumeEvent} = await import('../../volume/index.ts')
    const {humanSize} = await import('../../format/index.ts')
    const [scope, config] = await Promise.all([this.containerScope(), this.nerdConfig()])
    const filters = flags.filter ?? []
    const containers = await pruneContainers(scope, filters)
    if (containers.removed.length > 0) this.print(`Deleted Containers:\n${containers.removed.join('\n')}\n\n`)
    const networks = await pruneNetworks({netconfPath: config.cniNetconfPath, dataRoot: config.dataRoot}, filters)
    await this.publishEvents(networks.map((network) => networkEvent('destroy', network)))
    if (networks.length > 0) this.print(`Deleted Networks:\n${networks.map((network) => network.name).join('\n')}\n\n`)
    let reclaimed = containers.reclaimed
    if (flags.volumes) {
      const volumeScope = {dataRoot: config.dataRoot, namespace: config.namespace}
      const volumes = await pruneVolumes(volumeScope, parsePruneFilters(filters, false), (name) => containersUsingVolume(volumeScope, name))
      await this.publishEvents(volumes.removed.map((name) => volumeEvent('destroy', name)))
      if (volumes.removed.length > 0) this.print(`Deleted Volumes:\n${volumes.removed.join('\n')}\n\n`)
      reclaimed += volumes.reclaimed
    }
    const {imageUsers} = await import('../../container/lifecycle.ts')
    const images = await pruneImages(scope.client, {all: flags.all ?? false, filters, users: await imageUsers(scope)})
    if (images.lines.length > 0) this.print(`Deleted Images:\n${images.lines.join('\n')}\n\n`)
    reclaimed += images.reclaimedBytes
    this.print(`Total reclaimed space: ${humanSize(reclaimed)}`)
  }
}
