import * as Args from '@oclif/core/args'
import {NerdCommand} from '../command.ts'
import {UPDATE_FLAGS} from '../container-flags.ts'

export default class Update extends NerdCommand {
  static summary = 'Update configuration of one or more containers'
  static aliases = ['container:update']
  static strict = false
  static args = {container: Args.string({required: true, description: 'CONTAINER'})}
  static flags = UPDATE_FLAGS

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(Update)
    const {updateRequestFromFlags} = await import('../container/create-options.ts')
    const {updateContainer} = await import('../container/update.ts')
    const {FlagError, NerdError} = await import('../errors.ts')
    let request
    try {
      request = updateRequestFromFlags(flags)
    } catch (error) {
      // A value the flag's type refuses is pflag's error, exit 125 with the help hint on every command;
      // the other refusals are create's checks, which exit 1 here as update is not run or create.
      if (error instanceof FlagError) throw error
      throw new NerdError((error as Error).message)
    }
    const {cgroupManager} = await this.nerdConfig()
    // docker's client prints the daemon's warnings after every name, on stdout and without a prefix (update.go runUpdate).
    const warnings: string[] = []
    try {
      await this.forEachContainer(argv as string[], async (scope, container, _reference, typed) => {
        warnings.push(
          ...(await updateContainer(scope, container, request, cgroupManager).catch((error: unknown) => {
            throw error instanceof NerdError ? new NerdError(error.message) : error
          })),
        )
        return typed
      })
    } finally {
      if (warnings.length > 0) this.print(warnings.join('\n'))
    }
  }
}
