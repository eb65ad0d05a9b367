import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import {NerdCommand} from '../../command.ts'

export default class NamespaceUpdate extends NerdCommand {
  static summary = "Update a containerd namespace's labels"
  static args = {name: Args.string({required: true, description: 'Name of the namespace'})}
  static flags = {
    label: Flags.string({char: 'l', multiple: true, multipleNonGreedy: true, description: 'Set a label (key=value; a key alone is set to "true"); an empty value removes it'}),
  }

  async run(): Promise<void> {
    const {updateNamespaceLabels, namespaceLabels} = await import('../../system/namespaces.ts')
    const {args, flags} = await this.parse(NamespaceUpdate)
    await updateNamespaceLabels(await this.containerd(), args.name, namespaceLabels(flags.label))
  }
}
