import * as Args from '@oclif/core/args'
import {CREATE_FLAGS} from '../container-flags.ts'
import {ContainerCreateCommand} from '../container-command.ts'
import {EXIT_NERD_FAILED, FlagError, FlagValueError, NerdError} from '../errors.ts'

export default class Create extends ContainerCreateCommand {
  static summary = 'Create a new container'
  static aliases = ['container:create']
  // Flags plugins declare for `create` are this command's too (command.ts).
  static pluginFlagCommand = 'create'
  static examples = ['<%= config.bin %> create --name web -p 8080:80 nginx']
  /** docker's reads flags only before the image: what follows is the container's command. */
  static flagsEndAtFirstPositional = true
  static args = {
    image: Args.string({required: true, description: 'The image to create the container from'}),
    command: Args.string({description: "The command to run (the image's when omitted)"}),
    arg: Args.string({description: "The command's arguments"}),
  }
  static flags = CREATE_FLAGS
  // oclif's parse copies only a class's own statics: inherited ones would not count.
  static strict = false
  protected readonly userResolvedAtStart = true

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(Create)
    // run's failures before the process starts are 125; docker's create fails with 1 (flag errors aside).
    const {created} = await this.createFromFlags(flags, argv as string[]).catch((error: unknown) => {
      const flagError = error instanceof FlagError || error instanceof FlagValueError
      throw error instanceof NerdError && !flagError && error.exitCode === EXIT_NERD_FAILED ? new NerdError(error.message, {cause: error}) : error
    })
    this.print(created.record.Id)
  }
}
