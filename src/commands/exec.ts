import {readSmallFile} from '../files.ts'
import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import {NerdCommand} from '../command.ts'
import {userEnvironment} from '../context.ts'
import {EXIT_NERD_FAILED, NerdError, trimmedId} from '../errors.ts'

export default class Exec extends NerdCommand {
  static summary = 'Execute a command in a running container'
  static aliases = ['container:exec']
  static strict = false
  static examples = ['<%= config.bin %> exec web ls /', '<%= config.bin %> exec -it web sh']
  static args = {
    container: Args.string({required: true, description: 'The container to run the command in'}),
    command: Args.string({required: true, description: 'The command to run'}),
    arg: Args.string({description: "The command's arguments"}),
  }
  static flags = {
    interactive: Flags.boolean({char: 'i', description: 'Keep STDIN open even if not attached'}),
    tty: Flags.boolean({char: 't', description: 'Allocate a pseudo-TTY'}),
    detach: Flags.boolean({char: 'd', description: 'Detached mode: run command in the background'}),
    env: Flags.string({char: 'e', multiple: true, description: 'Set environment variables'}),
    'env-file': Flags.string({multiple: true, description: 'Read in a file of environment variables'}),
    workdir: Flags.string({char: 'w', description: 'Working directory inside the container'}),
    user: Flags.string({char: 'u', description: 'Username or UID (format: <name|uid>[:<group|gid>])'}),
    privileged: Flags.boolean({description: 'Give extended privileges to the command'}),
    'detach-keys': Flags.string({description: 'Override the key sequence for detaching a container'}),
  }

  static flagsEndAtFirstPositional = true

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(Exec)
    // An attached exec's FIFOs are made while the container is looked up.
    const fifos = this.attachedFifosAhead(flags)
    const [reference, ...command] = argv as string[]
    const {execInContainer} = await import('../container/exec.ts')
    const {scope, container, env, detachKeys} = await this.discardingFifosOnFailure(fifos, this.execTarget(reference!, flags))
    const outcome = await execInContainer(
      scope,
      container,
      {
        command,
        interactive: flags.interactive,
        tty: flags.tty,
        detach: flags.detach,
        env,
        workdir: flags.workdir,
        user: flags.user,
        privileged: flags.privileged,
        detachKeys,
        ...(process.stdout.isTTY ? {consoleSize: {width: process.stdout.columns, height: process.stdout.rows}} : {}),
        ...(fifos ? {fifos} : {}),
      },
      process,
    )
    if (outcome === 'detached') this.exitDetached()
    if (typeof outcome === 'number' && outcome !== 0) this.exit(outcome)
  }

  /**
   * The container, the environment (`-e`, `--env-file`) and the detach keys' setting; failures exit 125. Then
   * docker's refusal of `-it` without a terminal: a missing container is reported first, as docker's.
   */
  private async execTarget(reference: string, flags: {env?: string[]; 'env-file'?: string[]; 'detach-keys'?: string; detach: boolean; interactive: boolean; tty: boolean}) {
    const {envFileEntries, environmentEntry} = await import('../container/create-options.ts')
    const {loadContainerOrDead} = await import('../container/lifecycle.ts')
    let env: string[]
    let detachKeys: string
    try {
      // Checked as run's (docker's ValidateEnv); a bare NAME takes the user's value, or stays bare and
      // unsets NAME (envFileEntries leaves such names of the files out, as docker's kvfile).
      const fromFlags = (flags.env ?? []).map((entry) => environmentEntry(entry, userEnvironment()))
      env = [...envFileEntries(flags['env-file'] ?? [], {environment: userEnvironment(), readFile: (path) => readSmallFile(path)}), ...fromFlags]
      detachKeys = await this.detachKeySetting(flags['detach-keys'])
    } catch (error) {
      if (error instanceof NerdError && error.exitCode === EXIT_NERD_FAILED) throw error
      throw new NerdError((error as Error).message, {exitCode: EXIT_NERD_FAILED})
    }
    // containerd out of reach fails as a missing container does. A dead container is refused as one not running (container/exec.ts).
    const {scope, container} = await this.containerScope()
      .then(async (scope) => ({scope, container: await loadContainerOrDead(scope, trimmedId('container', reference))}))
      .catch((error: Error) => Promise.reject(new NerdError(error.message, {exitCode: EXIT_NERD_FAILED, cause: error})))
    await this.requireAttachTerminal(flags)
    return {scope, container, env, detachKeys}
  }
}
