import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import {NerdCommand} from '../command.ts'

export default class Cp extends NerdCommand {
  static summary = 'Copy files/folders between a container and the local filesystem'
  static description = 'Use "-" as the source to read a tar archive from stdin and extract it to a directory destination in a container. Use "-" as the destination to stream a tar archive of a container source to stdout.'
  static aliases = ['container:cp']
  static args = {
    source: Args.string({required: true, description: 'SRC_PATH or CONTAINER:SRC_PATH'}),
    destination: Args.string({required: true, description: 'DEST_PATH or CONTAINER:DEST_PATH'}),
  }
  static flags = {
    archive: Flags.boolean({char: 'a', description: 'Archive mode (copy all uid/gid information)'}),
    'follow-link': Flags.boolean({char: 'L', description: 'Always follow symbol link in SRC_PATH'}),
    quiet: Flags.boolean({char: 'q', description: 'Suppress progress output during copy. Progress output is automatically suppressed if no terminal is attached'}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(Cp)
    const {copyWithContainer, parseCopyArguments} = await import('../container/cp.ts')
    const {CopyProgress} = await import('../container/cp-progress.ts')
    const copy = parseCopyArguments(args.source, args.destination)
    const toStdout = copy.direction === 'from-container' && copy.hostPath === '-'
    // As docker: progress on stderr when stdout is a terminal, none for a tar stream on stdout.
    const showProgress = !flags.quiet && process.stdout.isTTY === true && !toStdout
    // ctrl-c stops the copy so that a stopped container's root filesystem is unmounted before nerd dies of it.
    const copying = () => this.stoppableBySignals((signal) =>
      this.forEachContainer([copy.container], async (scope, container) => {
        const progress = showProgress ? new CopyProgress(process.stderr, copy.direction === 'to-container' ? 'to' : 'from', process.stderr.isTTY === true) : undefined
        try {
          const report = await copyWithContainer(scope, container, copy, {archive: flags.archive ?? false, followLink: flags['follow-link'] ?? false, signal, onProgress: progress?.add}, {input: process.stdin, output: process.stdout})
          progress?.finish(report)
        } catch (error) {
          progress?.finish()
          throw error
        }
      }),
    )
    await (toStdout ? this.writingArchiveToStdout(copying) : copying())
  }
}
