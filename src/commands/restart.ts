import * as Args from '@oclif/core/args'
import {NerdCommand} from '../command.ts'
import {STOP_FLAGS} from '../container-flags.ts'

export default class Restart extends NerdCommand {
  static summary = 'Restart one or more containers'
  static aliases = ['container:restart']
  static strict = false
  static args = {container: Args.string({required: true, description: 'CONTAINER...'})}
  static flags = STOP_FLAGS

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(Restart)
    const {AlreadyRunningError, publishContainerEvent, resetRestartPolicy, stopContainer} = await import('../container/lifecycle.ts')
    const {defaultStartContext, detachedStartFailure, startDetached} = await import('../container/run.ts')
    await this.forEachContainer(argv as string[], async (scope, container, reference) => {
      await stopContainer(scope, container, {timeoutSeconds: flags.timeout, signal: flags.signal, restarting: true})
      await resetRestartPolicy(scope, container)
      await startDetached(scope, container, defaultStartContext()).catch((error: unknown) => {
        // A start meanwhile (another restart, start) has it running again: what this restart was for.
        if (error instanceof Error && error.cause instanceof AlreadyRunningError) return
        throw detachedStartFailure(error)
      })
      await publishContainerEvent(scope, container, 'restart')
      this.print(reference)
    })
  }
}
