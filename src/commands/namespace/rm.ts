import * as Args from '@oclif/core/args'
import {NerdCommand} from '../../command.ts'

export default class NamespaceRm extends NerdCommand {
  static summary = 'Remove one or more containerd namespaces'
  static aliases = ['namespace:remove']
  static strict = false
  static args = {name: Args.string({required: true, description: 'Name of the namespace'})}

  async run(): Promise<void> {
    const {removeNamespace} = await import('../../system/namespaces.ts')
    const {forgetRemovedImages} = await import('../../image/manifest-cache.ts')
    const {argv} = await this.parse(NamespaceRm)
    const {client, dataRoot} = await this.containerScope()
    // Like docker's rm commands: go on with the others, report each failure, exit 1 if any failed.
    try {
      await this.forEachName(argv as string[], async (name) => {
        await removeNamespace(client, dataRoot, name)
        this.print(name)
      })
    } finally {
      // Its images were removed before, by nerd (which forgot them) or by another client.
      await forgetRemovedImages(client, dataRoot)
    }
  }
}
