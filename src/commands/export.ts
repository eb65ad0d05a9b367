import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import {NerdCommand} from '../command.ts'
import {NerdError} from '../errors.ts'
import {invalidOutputPath, writeStreamAtomic} from '../files.ts'

export default class Export extends NerdCommand {
  static summary = "Export a container's filesystem as a tar archive"
  static aliases = ['container:export']
  static args = {container: Args.string({required: true, description: 'CONTAINER'})}
  static flags = {
    output: Flags.string({char: 'o', description: 'Write to a file, instead of STDOUT'}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(Export)
    const {exportContainer} = await import('../container/export.ts')
    // As docker's: an empty -o is stdout.
    const output = flags.output || undefined
    if (output === undefined && process.stdout.isTTY) throw new NerdError('cowardly refusing to save to a terminal. Use the -o flag or redirect')
    const invalid = output === undefined ? undefined : invalidOutputPath(output)
    if (invalid) throw new NerdError(`failed to export container: ${invalid}`)
    // ctrl-c stops the export so that the container's root filesystem is unmounted before nerd dies of it.
    await this.stoppableBySignals((signal) =>
      this.forEachContainer([args.container], (scope, container) =>
        output === undefined
          ? this.writingArchiveToStdout(() => exportContainer(scope, container, process.stdout, {end: false, signal}))
          : // As docker's: the file appears whole or not at all.
            writeStreamAtomic(output, (stream) => exportContainer(scope, container, stream, {end: true, signal})),
      ),
    )
  }
}
