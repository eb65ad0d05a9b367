import * as Args from '@oclif/core/args'
import {NerdCommand} from '../command.ts'

export default class Rename extends NerdCommand {
  static summary = 'Rename a container'
  static aliases = ['container:rename']
  static args = {
    container: Args.string({required: true, description: 'CONTAINER'}),
    name: Args.string({required: true, description: 'NEW_NAME'}),
  }

  async run(): Promise<void> {
    const {args} = await this.parse(Rename)
    const {renameContainer} = await import('../container/lifecycle.ts')
    await this.forEachContainer([args.container], (scope, container) => renameContainer(scope, container, args.name))
  }
}
