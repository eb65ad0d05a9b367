import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import {NerdCommand} from '../command.ts'
import {DEFAULT_MAX_CONCURRENT_DOWNLOADS} from '../image/pull-defaults.ts'

export default class Pull extends NerdCommand {
  static summary = 'Download an image from a registry'
  static aliases = ['image:pull']
  static examples = ['<%= config.bin %> pull busybox', '<%= config.bin %> pull --platform linux/arm64 alpine:3.20']
  static args = {
    image: Args.string({required: true, description: 'NAME[:TAG|@DIGEST]'}),
  }
  static flags = {
    platform: Flags.string({multiple: true, description: 'Pull content for a specific platform (repeatable)'}),
    'all-platforms': Flags.boolean({char: 'a', description: 'Pull content for all platforms'}),
    quiet: Flags.boolean({char: 'q', description: 'Suppress verbose output'}),
    unpack: Flags.string({options: ['auto', 'true', 'false'], default: 'auto', description: 'Unpack the image for running'}),
    'max-concurrent-downloads': Flags.integer({min: 1, default: DEFAULT_MAX_CONCURRENT_DOWNLOADS, description: 'Layers downloaded at once'}),
  }

  async run(): Promise<void> {
    const {createProgressRenderer, pullHeader, pullSummary, reportedReference} = await import('../image/progress.ts')
    const {pullImage} = await import('../image/pull.ts')
    const {args, flags} = await this.parse(Pull)
    const [client, config] = await Promise.all([this.containerd(), this.nerdConfig()])
    const progress = createProgressRenderer(flags.quiet ? {write: () => true} : process.stdout)
    // On a terminal, docker's lines around the layers; elsewhere only the reference, for scripts.
    const shown = !flags.quiet && process.stdout.isTTY ? reportedReference(args.image) : undefined
    if (shown?.tagAssumed) this.print(`Using default tag: ${shown.reference.tag}`)
    if (shown) this.print(pullHeader(shown.reference))
    try {
      const result = await this.stoppableBySignals((signal) => pullImage(client, args.image, {
        platforms: flags.platform,
        allPlatforms: flags['all-platforms'],
        ...(flags.unpack === 'auto' ? {} : {unpack: flags.unpack === 'true'}),
        snapshotter: config.snapshotter,
        insecure: config.insecureRegistry,
        hostsDirs: config.hostsDir,
        maxConcurrentDownloads: flags['max-concurrent-downloads'],
        onProgress: progress.listener,
        hooks: this.pullHooks(flags, {namespace: config.namespace, address: config.address}),
        signal,
        userAgent: `nerd/${this.config.version}`,
      }))
      progress.close()
      if (shown) for (const line of pullSummary(shown.reference, result)) this.print(line)
      this.print(result.name)
    } finally {
      progress.close()
    }
  }
}
