import * as Args from '@oclif/core/args'
import {NerdCommand} from '../command.ts'
import {STOP_FLAGS, stopTimeout} from '../container-flags.ts'

export default class Restart extends NerdCommand {
  static summary = 'Restart one or more containers'
  static aliases = ['container:restart']
  static strict = false
  static args = {container: Args.string({required: true, description: 'CONTAINER...'})}
  static flags = STOP_FLAGS

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(Restart)
    const {restartContainer, restartFailure} = await import('../container/run.ts')
    const options = {timeoutSeconds: stopTimeout(flags), signal: flags.signal}
    // As docker's, the failures come after the names restarted.
    await this.forEachContainer(
      argv as string[],
      async (scope, container, reference, typed) => {
        const pid = await restartContainer(scope, container, options).catch((error: unknown) => Promise.reject(restartFailure(reference, error)))
        if (pid !== undefined) await this.announceStart(container, pid)
        this.print(typed)
      },
      {failuresLast: true},
    )
  }
}
