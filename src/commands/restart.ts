import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import {NerdCommand} from '../command.ts'

export default class Restart extends NerdCommand {
  static summary = 'Restart one or more containers'
  static aliases = ['container:restart']
  static strict = false
  static args = {container: Args.string({required: true, description: 'CONTAINER...'})}
  static flags = {
    time: Flags.integer({char: 't', description: 'Seconds to wait before killing the container (default: its stop timeout, 10)'}),
    signal: Flags.string({char: 's', description: 'Signal to send to the container (default: its stop signal)'}),
  }

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(Restart)
    const {stopContainer} = await import('../container/lifecycle.ts')
    const {startDetached, defaultStartContext} = await import('../container/run.ts')
    await this.forEachContainer(argv as string[], async (scope, container, reference) => {
      await stopContainer(scope, container, {timeoutSeconds: flags.time, signal: flags.signal})
      await startDetached(scope, container, defaultStartContext())
      this.print(reference)
    })
  }
}
