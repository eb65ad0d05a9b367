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
    const {DEAD_START_REFUSAL} = await import('../container/lifecycle.ts')
    const {NerdError} = await import('../errors.ts')
    await this.forEachContainer(argv as string[], async (scope, container, reference) => {
      // docker's restart of a dead container: its start's refusal, named.
      if (container.dead) throw new NerdError(`Cannot restart container ${reference}: ${DEAD_START_REFUSAL}`)
      const pid = await restartContainer(scope, container, {timeoutSeconds: flags.timeout, signal: flags.signal})
      if (pid !== undefined) await this.announceStart(container, pid)
      this.print(reference)
    })
  }
}
