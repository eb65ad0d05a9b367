import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import {NerdCommand} from '../../command.ts'

export default class ContainerInspect extends NerdCommand {
  static summary = 'Display detailed information on one or more containers'
  static strict = false
  static args = {container: Args.string({required: true, description: 'CONTAINER...'})}
  static flags = {
    format: Flags.string({char: 'f', description: 'Format the output using the given Go template'}),
    size: Flags.boolean({char: 's', description: 'Display total file sizes'}),
  }

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(ContainerInspect)
    const scope = await this.containerScope()
    const {inspectContainers} = await import('../../container/inspect.ts')
    await this.printInspect(argv as string[], (reference) => inspectContainers(scope, reference, {size: flags.size}), flags.format, 'container', {trimmed: true})
  }
}
