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
    const {restartContainer} = await import('../container/run.ts')
    await this.forEachContainer(argv as string[], async (scope, container, reference) => {
      const pid = await restartContainer(scope, container, {timeoutSeconds: flags.timeout, signal: flags.signal})
      if (pid !== undefined) await this.announceStart(container, pid)
      this.print(reference)
    })
  }
}
