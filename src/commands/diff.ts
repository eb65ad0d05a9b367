import * as Args from '@oclif/core/args'
import {NerdCommand} from '../command.ts'

export default class Diff extends NerdCommand {
  static summary = "Inspect changes to files or directories on a container's filesystem"
  static aliases = ['container:diff']
  static args = {container: Args.string({required: true, description: 'CONTAINER'})}

  async run(): Promise<void> {
    const {args} = await this.parse(Diff)
    const {containerChanges} = await import('../container/commit.ts')
    await this.forEachContainer([args.container], async (scope, container) => {
      this.print((await containerChanges(scope, container)).map((change) => `${change.kind} ${change.path}`).join('\n'))
    })
  }
}
