import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import {NerdCommand} from '../command.ts'

export default class Stop extends NerdCommand {
  static summary = 'Stop one or more running containers'
  static aliases = ['container:stop']
  static strict = false
  static args = {container: Args.string({required: true, description: 'CONTAINER...'})}
  static flags = {
    time: Flags.integer({char: 't', description: 'Seconds to wait before killing the container (default: its stop timeout, 10)'}),
    signal: Flags.string({char: 's', description: 'Signal to send to the container (default: its stop signal)'}),
  }

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(Stop)
    const {stopContainer} = await import('../container/lifecycle.ts')
    await this.forEachContainer(argv as string[], async (scope, container, reference) => {
      await stopContainer(scope, container, {timeoutSeconds: flags.time, signal: flags.signal})
      this.print(reference)
    })
  }
}
