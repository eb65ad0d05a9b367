import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import {NerdCommand} from '../command.ts'

export default class Kill extends NerdCommand {
  static summary = 'Kill one or more running containers'
  static aliases = ['container:kill']
  static strict = false
  static args = {container: Args.string({required: true, description: 'CONTAINER...'})}
  static flags = {
    signal: Flags.string({char: 's', default: 'KILL', description: 'Signal to send to the container'}),
  }

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(Kill)
    const {killContainer, killFailure, killSignal} = await import('../container/lifecycle.ts')
    await this.forEachContainer(argv as string[], async (scope, container, _reference, typed) => {
      await killContainer(scope, container, killSignal(flags.signal))
      return typed
    }, {parallel: true, beforeLookup: () => killSignal(flags.signal), failure: killFailure})
  }
}
