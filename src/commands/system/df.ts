import * as Flags from '@oclif/core/flags'
import {NerdCommand} from '../../command.ts'

export default class SystemDf extends NerdCommand {
  static summary = 'Show docker disk usage'
  static flags = {
    verbose: Flags.boolean({char: 'v', description: 'Show detailed information on space usage'}),
    format: Flags.string({description: "Format the output using a Go template, 'table', or 'json'"}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(SystemDf)
    const {diskUsage, USAGE_RAW_FORMAT, VERBOSE_RAW_FORMAT, verboseContext} = await import('../../system/df.ts')
    const {listingFormat} = await import('../../format/index.ts')
    const [scope, config] = await Promise.all([this.containerScope(), this.nerdConfig()])
    const format = flags.format ?? ''
    // docker's -v runs a format other than `table` once on all the objects, whole IDs and all.
    const verboseTemplate = flags.verbose && format !== '' && format !== 'table'
    const usage = await diskUsage(scope, config.namespace, config.snapshotter, {noTrunc: verboseTemplate})
    if (verboseTemplate) {
      const template = format === 'raw' ? VERBOSE_RAW_FORMAT : format.startsWith('table') ? format.slice('table'.length) : format
      const text = await this.renderList([verboseContext(usage)], {format: template, defaultTable: template, headers: {}})
      // docker ends its output with the template's.
      process.stdout.write(text.slice(0, -1))
      return
    }
    if (!flags.verbose) {
      const summaryFormat = listingFormat(flags.format, {table: 'table {{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}', raw: USAGE_RAW_FORMAT})
      this.print(
        await this.renderList(usage.rows, {
          format: summaryFormat,
          defaultTable: summaryFormat,
          headers: {Type: 'TYPE', TotalCount: 'TOTAL', Active: 'ACTIVE', Size: 'SIZE', Reclaimable: 'RECLAIMABLE'},
        }),
      )
      return
    }
    const images = await this.renderList(usage.images, {
      format: undefined,
      defaultTable: 'table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}\t{{.SharedSize}}\t{{.UniqueSize}}\t{{.Containers}}',
      headers: {Repository: 'REPOSITORY', Tag: 'TAG', ID: 'IMAGE ID', CreatedSince: 'CREATED', Size: 'SIZE', SharedSize: 'SHARED SIZE', UniqueSize: 'UNIQUE SIZE', Containers: 'CONTAINERS'},
    })
    const containers = await this.renderList(usage.containers, {
      format: undefined,
      defaultTable: 'table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.LocalVolumes}}\t{{.Size}}\t{{.RunningFor}}\t{{.Status}}\t{{.Names}}',
      headers: {ID: 'CONTAINER ID', Image: 'IMAGE', Command: 'COMMAND', LocalVolumes: 'LOCAL VOLUMES', Size: 'SIZE', RunningFor: 'CREATED', Status: 'STATUS', Names: 'NAMES'},
    })
    const volumes = await this.renderList(usage.volumes, {
      format: undefined,
      defaultTable: 'table {{.Name}}\t{{.Links}}\t{{.Size}}',
      headers: {Name: 'VOLUME NAME', Links: 'LINKS', Size: 'SIZE'},
    })
    // nerd has no build cache yet: docker's empty table.
    const buildCache = await this.renderList([], {
      format: undefined,
      defaultTable: 'table {{.ID}}\t{{.CacheType}}\t{{.Size}}\t{{.CreatedSince}}\t{{.LastUsedSince}}\t{{.UsageCount}}\t{{.Shared}}',
      headers: {ID: 'CACHE ID', CacheType: 'CACHE TYPE', Size: 'SIZE', CreatedSince: 'CREATED', LastUsedSince: 'LAST USED', UsageCount: 'USAGE', Shared: 'SHARED'},
    })
    this.print(`Images space usage:\n\n${images}\nContainers space usage:\n\n${containers}\nLocal Volumes space usage:\n\n${volumes}\nBuild cache usage: 0B\n\n${buildCache}`)
  }
}
