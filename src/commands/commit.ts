import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import {NerdCommand} from '../command.ts'
import {trimmedId} from '../errors.ts'

export default class Commit extends NerdCommand {
  static summary = "Create a new image from a container's changes"
  static aliases = ['container:commit']
  static args = {
    container: Args.string({required: true, description: 'CONTAINER'}),
    repository: Args.string({description: 'REPOSITORY[:TAG]'}),
  }
  static flags = {
    author: Flags.string({char: 'a', description: 'Author (e.g., "John Hannibal Smith <hannibal@a-team.com>")'}),
    change: Flags.string({char: 'c', multiple: true, description: 'Apply Dockerfile instruction to the created image'}),
    message: Flags.string({char: 'm', description: 'Commit message'}),
    pause: Flags.boolean({char: 'p', description: 'Pause container during commit', default: true, allowNo: true}),
  }

  /** docker's commit reads flags only before the container: `commit c img -a me` is four arguments. */
  static flagsEndAtFirstPositional = true

  async run(): Promise<void> {
    const {args, flags} = await this.parse(Commit)
    const {commitContainer, commitImageName} = await import('../container/commit.ts')
    // docker's client checks the container's ID and the reference before the daemon looks for the container.
    const container = trimmedId('container', args.container)
    const name = args.repository ? commitImageName(args.repository) : undefined
    // ctrl-c stops the commit so that the container is resumed (and the commit's lease goes) before nerd dies of it.
    await this.stoppableBySignals((signal) =>
      this.forEachContainer([container], async (scope, loaded) => {
        const id = await commitContainer(scope, loaded, {
          ...(name === undefined ? {} : {name}),
          ...(flags.author ? {author: flags.author} : {}),
          ...(flags.message ? {message: flags.message} : {}),
          changes: flags.change ?? [],
          pause: flags.pause,
          signal,
        })
        this.print(id)
      }),
    )
  }
}
