import * as Args from '@oclif/core/args'
import {NerdCommand} from '../command.ts'

export default class Port extends NerdCommand {
  static summary = 'List port mappings or a specific mapping for the container'
  static aliases = ['container:port']
  static args = {
    container: Args.string({required: true, description: 'CONTAINER'}),
    port: Args.string({description: 'PRIVATE_PORT[/PROTO]'}),
  }

  async run(): Promise<void> {
    const {args} = await this.parse(Port)
    const {containerPortLines} = await import('../network/container-ports.ts')
    await this.forEachContainer([args.container], async (scope, container, reference) => {
      this.print((await containerPortLines(scope, container, reference, args.port)).join('\n'))
    })
  }
}
