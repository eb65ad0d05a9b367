import * as Args from '@oclif/core/args'
import {NerdCommand} from '../command.ts'

export default class Wait extends NerdCommand {
  static summary = 'Block until one or more containers stop, then print their exit codes'
  static aliases = ['container:wait']
  static strict = false
  static args = {container: Args.string({required: true, description: 'CONTAINER...'})}

  async run(): Promise<void> {
    const {argv} = await this.parse(Wait)
    const {waitContainer} = await import('../container/lifecycle.ts')
    // As docker's: each code as its container ends, the failures after them all.
    await this.forEachContainer(argv as string[], async (scope, container) => String(await waitContainer(scope, container)), {failuresLast: true})
  }
}
