import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import {NerdCommand} from '../command.ts'

export default class Rm extends NerdCommand {
  static summary = 'Remove one or more containers'
  static aliases = ['container:rm', 'container:remove']
  static strict = false
  static args = {container: Args.string({required: true, description: 'CONTAINER...'})}
  static flags = {
    force: Flags.boolean({char: 'f', description: 'Force the removal of a running container (uses SIGKILL)'}),
    volumes: Flags.boolean({char: 'v', description: 'Remove anonymous volumes associated with the container'}),
  }

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(Rm)
    const {loadContainer, removeContainer} = await import('../container/lifecycle.ts')
    const {NoSuchContainerError} = await import('../container/store.ts')
    const scope = await this.containerScope()
    await this.forEachName(argv as string[], async (reference) => {
      const container = await loadContainer(scope, reference).catch((error: unknown) => {
        // docker's rm -f reports what is not there but does not fail for it: clean-up scripts need no `|| true`.
        if (!flags.force || !(error instanceof NoSuchContainerError)) throw error
        process.stderr.write(`Error: ${error.message}\n`)
        return undefined
      })
      if (!container) return
      await removeContainer(scope, container, {force: flags.force, volumes: flags.volumes})
      return reference
    }, {parallel: true})
  }
}
