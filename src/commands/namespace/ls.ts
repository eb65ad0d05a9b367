import * as Flags from '@oclif/core/flags'
import {NerdCommand} from '../../command.ts'

export default class NamespaceLs extends NerdCommand {
  static summary = 'List containerd namespaces'
  static aliases = ['namespace:list']
  static flags = {
    quiet: Flags.boolean({char: 'q', description: 'Only display namespace names'}),
    format: Flags.string({char: 'f', description: "Format the output using a Go template, 'table', or 'json'"}),
  }

  async run(): Promise<void> {
    const {listNamespaces} = await import('../../system/namespaces.ts')
    const {asGoStruct} = await import('../../format/go-values.ts')
    const {flags} = await this.parse(NamespaceLs)
    const [client, config] = await Promise.all([this.containerd(), this.nerdConfig()])
    const namespaces = await listNamespaces(client, config.dataRoot)
    this.print(
      await this.renderList(namespaces, {
        format: flags.quiet ? '{{.Name}}' : flags.format,
        defaultTable: 'table {{.Name}}\t{{.Containers}}\t{{.Images}}\t{{.Volumes}}\t{{.Labels}}',
        headers: {Name: 'NAME', Containers: 'CONTAINERS', Images: 'IMAGES', Volumes: 'VOLUMES', Labels: 'LABELS'},
        // A field the rows lack is an error, as in docker's listings.
        fields: (namespace) => asGoStruct({...namespace, Labels: labelList(namespace.Labels)}, 'namespaceContext'),
      }),
    )
  }
}

/** docker prints labels in tables as `k=v,k2=v2`. */
function labelList(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([key, value]) => `${key}=${value}`)
    .join(',')
}
