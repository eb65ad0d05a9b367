import * as Flags from '@oclif/core/flags'
import {open} from 'node:fs/promises'
import {NerdCommand} from '../command.ts'
import {NerdError} from '../errors.ts'
import {openFailure} from '../files.ts'

export default class Load extends NerdCommand {
  static summary = 'Load images from a tar archive or STDIN'
  static description = 'The archive may be compressed with gzip, zstd, bzip2 or xz; bzip2 and xz are read with the bzip2 and xz commands.'
  static aliases = ['image:load']
  static flags = {
    input: Flags.string({char: 'i', description: 'Read from a tar archive file, instead of STDIN'}),
    // docker's -q hides the progress bars, which nerd does not draw: the names loaded are still printed.
    quiet: Flags.boolean({char: 'q', description: 'Suppress the load progress'}),
    platform: Flags.string({description: 'Load only the given platform variant'}),
    // nerdctl's flag: what docker 28 does without --platform.
    'all-platforms': Flags.boolean({description: 'Load every platform of multi-platform images (the default without --platform, which this overrides)'}),
  }

  async run(): Promise<void> {
    const {loadImages} = await import('../image/archive/index.ts')
    const {parsePlatformFlag} = await import('../image/platform.ts')
    const {flags} = await this.parse(Load)
    if (flags.input === undefined && process.stdin.isTTY) {
      throw new NerdError('requested load from stdin, but stdin is empty')
    }
    // In docker's order: the archive opened, then the platform checked, before anything is asked of the daemon.
    const input = flags.input === undefined ? process.stdin : await openArchive(flags.input)
    if (flags.platform) parsePlatformFlag(flags.platform)
    const [client, config] = await Promise.all([this.containerd(), this.nerdConfig()])
    await this.stoppableBySignals((signal) =>
      loadImages(client, input, {
        ...(flags.platform && !flags['all-platforms'] ? {platform: flags.platform} : {}),
        snapshotter: config.snapshotter,
        signal,
        onImage: (image) => {
          this.print(image.familiarName === undefined ? `Loaded image ID: ${image.configDigest ?? image.target.digest}` : `Loaded image: ${image.familiarName}`)
        },
      }),
    )
  }
}

/** The archive file, opened before any work starts: a missing one is one line, as docker's. */
async function openArchive(path: string) {
  const handle = await open(path).catch((error: unknown) => Promise.reject(new NerdError(openFailure(path, error), {cause: error})))
  if ((await handle.stat()).isDirectory()) {
    await handle.close()
    throw new NerdError(openFailure(path, {code: 'EISDIR'}))
  }
  return handle.createReadStream()
}
