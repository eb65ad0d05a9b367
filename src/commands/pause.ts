import * as Args from '@oclif/core/args'
import {NerdCommand} from '../command.ts'

export default class Pause extends NerdCommand {
  static summary = 'Pause all processes within one or more containers'
  static aliases = ['container:pause']
  static strict = false
  static args = {container: Args.string({required: true, description: 'CONTAINER...'})}

  async run(): Promise<void> {
    const {argv} = await this.parse(Pause)
    const {pauseContainer} = await import('../container/lifecycle.ts')
    await this.forEachContainer(argv as string[], async (scope, container, _reference, typed) => {
      await pauseContainer(scope, container)
      return typed
    }, {parallel: true})
  }
}
