import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import {NerdCommand} from '../command.ts'

export default class Import extends NerdCommand {
  static summary = 'Import the contents from a tarball to create a filesystem image'
  static description = 'The tarball may be plain or compressed with gzip, zstd, bzip2 or xz (bzip2 and xz are read with the bzip2 and xz commands); all but gzip and zstd are stored gzip-compressed, as docker does.'
  static aliases = ['image:import']
  // As docker's (RequiresMinArgs(1)): arguments after the reference are ignored (the hidden one).
  static strict = false
  static examples = ['<%= config.bin %> import rootfs.tar myimage:1', "cat rootfs.tar | <%= config.bin %> import -c 'CMD [\"sh\"]' - myimage"]
  static args = {
    file: Args.string({required: true, description: 'File, http(s) URL, or - for STDIN'}),
    reference: Args.string({description: 'REPOSITORY[:TAG]'}),
    ignored: Args.string({hidden: true}),
  }
  static flags = {
    change: Flags.string({char: 'c', multiple: true, description: 'Apply a Dockerfile instruction to the created image'}),
    message: Flags.string({char: 'm', description: 'Set a commit message for the imported image'}),
    platform: Flags.string({description: 'Set the platform of the imported image'}),
  }

  async run(): Promise<void> {
    const {importRootfs} = await import('../image/archive/index.ts')
    const {args, flags} = await this.parse(Import)
    const [client, config] = await Promise.all([this.containerd(), this.nerdConfig()])
    const imported = await this.stoppableBySignals((signal) =>
      importRootfs(client, args.file === '-' ? process.stdin : args.file, {
        ...(args.reference === undefined ? {} : {reference: args.reference}),
        changes: flags.change ?? [],
        ...(flags.message === undefined ? {} : {message: flags.message}),
        ...(flags.platform === undefined ? {} : {platform: flags.platform}),
        snapshotter: config.snapshotter,
        // On stdout, off a terminal too: docker's daemon sends it as a status line (it has no -q).
        onDownload: (address) => this.print(`Downloading from ${address}`),
        signal,
      }),
    )
    this.print(imported.configDigest)
  }
}
