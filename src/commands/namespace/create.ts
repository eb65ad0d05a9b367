import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import {NerdCommand} from '../../command.ts'

export default class NamespaceCreate extends NerdCommand {
  static summary = 'Create a containerd namespace'
  static args = {name: Args.string({required: true, description: 'Name of the namespace'})}
  static flags = {
    label: Flags.string({char: 'l', multiple: true, multipleNonGreedy: true, description: 'Set a label on the namespace (key=value; a key alone is set to "true")'}),
  }

  async run(): Promise<void> {
    const {createNamespace, namespaceLabels} = await import('../../system/namespaces.ts')
    const {args, flags} = await this.parse(NamespaceCreate)
    await createNamespace(await this.containerd(), args.name, namespaceLabels(flags.label))
  }
}
