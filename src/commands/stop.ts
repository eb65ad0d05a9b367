import * as Args from '@oclif/core/args'
import {NerdCommand} from '../command.ts'
import {STOP_FLAGS, stopTimeout} from '../container-flags.ts'

export default class Stop extends NerdCommand {
  static summary = 'Stop one or more running containers'
  static aliases = ['container:stop']
  static strict = false
  static args = {container: Args.string({required: true, description: 'CONTAINER...'})}
  static flags = STOP_FLAGS

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(Stop)
    const timeoutSeconds = stopTimeout(flags)
    const {stopContainer, stopFailure} = await import('../container/lifecycle.ts')
    // ctrl-C hands each stop under way to its container's exit handler, which finishes it.
    await this.stoppableBySignals((interrupt) =>
      this.forEachContainer(argv as string[], async (scope, container, reference, typed) => {
        const stopped = await stopContainer(scope, container, {timeoutSeconds, signal: flags.signal, interrupt}).catch((error: unknown) => Promise.reject(stopFailure(reference, error)))
        // As docker's CLI, whose request ctrl-C cancels: a stop cut short names no container.
        return stopped ? typed : undefined
      }, {parallel: true}),
    )
  }
}
