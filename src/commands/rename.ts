import * as Args from '@oclif/core/args'
import {NerdCommand} from '../command.ts'
import {NerdError} from '../errors.ts'

export default class Rename extends NerdCommand {
  static summary = 'Rename a container'
  static aliases = ['container:rename']
  static args = {
    container: Args.string({required: true, description: 'CONTAINER'}),
    name: Args.string({required: true, description: 'NEW_NAME'}),
  }

  async run(): Promise<void> {
    const {args} = await this.parse(Rename)
    // As docker's CLI (cli/command/container/rename.go, runRename): both names trimmed, neither empty.
    const [container, name] = [args.container.trim(), args.name.trim()]
    if (container === '' || name === '') throw new NerdError('Neither old nor new names may be empty')
    const {renameContainer} = await import('../container/lifecycle.ts')
    await this.forEachContainer([container], (scope, loaded) => renameContainer(scope, loaded, name), {
      failureSummary: () => `failed to rename container named ${container}`,
    })
  }
}
