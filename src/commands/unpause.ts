import * as Args from '@oclif/core/args'
import {NerdCommand} from '../command.ts'

export default class Unpause extends NerdCommand {
  static summary = 'Unpause all processes within one or more containers'
  static aliases = ['container:unpause']
  static strict = false
  static args = {container: Args.string({required: true, description: 'CONTAINER...'})}

  async run(): Promise<void> {
    const {argv} = await this.parse(Unpause)
    const {unpauseContainer} = await import('../container/lifecycle.ts')
    await this.forEachContainer(argv as string[], async (scope, container, _reference, typed) => {
      await unpauseContainer(scope, container)
      return typed
    }, {parallel: true})
  }
}
