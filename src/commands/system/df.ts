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
    const {diskUsage} = await import('../../system/df.ts')
    const [scope, config] = await Promise.all([this.containerScope(), this.nerdConfig()])
    const usage = await diskUsage(scope, config.namespace, config.snapshotter)
    if (!flags.verbose) {
      this.print(
        await this.renderList(usage.rows, {
          format: flags.format,
          defaultTable: 'table {{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}',
          headers: {Type: 'TYPE', TotalCount: 'TOTAL', Active: 'ACTIVE', Size: 'SIZE', Reclaimable: 'RECLAIMABLE'},
        }),
      )
      return
    }
    const images = await this.renderList(usage.images, {
      format: undefined,
      defaultTable: 'table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.Size}}\t{{.Containers}}',
      headers: {Repository: 'REPOSITORY', Tag: 'TAG', ID: 'IMAGE ID', Size: 'SIZE', Containers: 'CONTAINERS'},
    })
    const containers = await this.renderList(usage.containers, {
      format: undefined,
      defaultTable: 'table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.Size}}\t{{.Status}}\t{{.Names}}',
      headers: {ID: 'CONTAINER ID', Image: 'IMAGE', Command: 'COMMAND', Size: 'SIZE', Status: 'STATUS', Names: 'NAMES'},
    })
    const volumes = await this.renderList(usage.volumes, {
      format: undefined,
      defaultTable: 'table {{.Name}}\t{{.Links}}\t{{.Size}}',
      headers: {Name: 'VOLUME NAME', Links: 'LINKS', Size: 'SIZE'},
    })
    this.print(`Images space usage:\n\n${images}\nContainers space usage:\n\n${containers}\nLocal Volumes space usage:\n\n${volumes}\nBuild cache usage: 0B`)
  }
}
