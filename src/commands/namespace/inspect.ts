import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import {NerdCommand} from '../../command.ts'

export default class NamespaceInspect extends NerdCommand {
  static summary = 'Display detailed information on one or more namespaces'
  static strict = false
  static args = {name: Args.string({required: true, description: 'Name of the namespace'})}
  static flags = {
    format: Flags.string({char: 'f', description: 'Format the output using a Go template'}),
  }

  async run(): Promise<void> {
    const {inspectNamespace} = await import('../../system/namespaces.ts')
    const {argv, flags} = await this.parse(NamespaceInspect)
    const client = await this.containerd()
    await this.printInspect(argv as string[], (name) => inspectNamespace(client, name), flags.format, 'namespace')
  }
}
