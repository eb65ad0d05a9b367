import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import {NerdCommand} from '../command.ts'
import {CONTENT_TRUST_FLAGS, VERIFY_FLAGS} from '../container-flags.ts'
import {requireContentTrustDisabled} from '../image/content-trust.ts'
import {DEFAULT_MAX_CONCURRENT_DOWNLOADS} from '../image/pull-defaults.ts'
import type {ContainerdClient} from '../containerd/index.ts'
import type {PullOptions, PullResult} from '../image/pull.ts'
import type {Reference} from '../image/reference.ts'
import {integerFlag} from '../integer-flag.ts'

export default class Pull extends NerdCommand {
  static summary = 'Download an image from a registry'
  static aliases = ['image:pull']
  // Flags plugins declare for `pull` are this command's too (command.ts).
  static pluginFlagCommand = 'pull'
  static examples = [
    '<%= config.bin %> pull busybox',
    '<%= config.bin %> pull --platform linux/arm64 alpine:3.20',
    '<%= config.bin %> pull --all-tags localhost:5000/app',
  ]
  static args = {
    image: Args.string({required: true, description: 'NAME[:TAG|@DIGEST]'}),
  }
  static flags = {
    ...CONTENT_TRUST_FLAGS,
    ...VERIFY_FLAGS,
    'all-tags': Flags.boolean({char: 'a', description: 'Download all tagged images in the repository'}),
    platform: Flags.string({multiple: true, description: 'Pull content for a specific platform (repeatable)'}),
    'all-platforms': Flags.boolean({description: 'Pull content for all platforms'}),
    quiet: Flags.boolean({char: 'q', description: 'Suppress verbose output'}),
    unpack: Flags.string({options: ['auto', 'true', 'false'], default: 'auto', description: 'Unpack the image for running'}),
    'max-concurrent-downloads': integerFlag({min: 1, default: DEFAULT_MAX_CONCURRENT_DOWNLOADS, description: 'Layers downloaded at once'}),
  }

  async run(): Promise<void> {
    const {pullStatus, reportedReference} = await import('../image/progress.ts')
    const {repositoryTags} = await import('../image/pull.ts')
    const {allTagsRepository, normalizedName, repository} = await import('../image/reference.ts')
    const {parsePlatform} = await import('../image/platform.ts')
    const {args, flags} = await this.parse(Pull)
    requireContentTrustDisabled(flags['disable-content-trust'])
    const allTags = flags['all-tags'] ? allTagsRepository(args.image) : undefined
    // A bad --platform fails before docker's first line is printed.
    for (const platform of flags.platform ?? []) parsePlatform(platform)
    const [client, config] = await Promise.all([this.containerd(), this.nerdConfig()])
    const options: PullOptions = {
      platforms: flags.platform,
      allPlatforms: flags['all-platforms'],
      ...(flags.unpack === 'auto' ? {} : {unpack: flags.unpack === 'true'}),
      snapshotter: config.snapshotter,
      insecure: config.insecureRegistry,
      hostsDirs: config.hostsDir,
      maxConcurrentDownloads: flags['max-concurrent-downloads'],
      hooks: this.pullHooks(flags, {namespace: config.namespace, address: config.address}),
      userAgent: `nerd/${this.config.version}`,
    }
    // On a terminal docker's lines: for each tag pulled what it pulls, its layers and the digest, then
    // whether anything changed and warnings. Off a terminal (and with -q) only the name pulled, for
    // scripts, and warnings on stderr.
    const verbose = !flags.quiet && process.stdout.isTTY === true
    const say = (lines: string[]): void => {
      if (verbose) for (const line of lines) this.print(line)
    }
    const warn = (result: PullResult): void => {
      if (verbose) say(warningLines(result))
      else if (!flags.quiet) for (const line of warningLines(result)) process.stderr.write(`${line}\n`)
    }
    await this.stoppableBySignals(async (signal) => {
      if (allTags) {
        const results: PullResult[] = []
        for (const tag of await repositoryTags(allTags, {...options, signal})) {
          results.push(await this.pullShown(client, normalizedName(tag), tag, {...options, signal}, verbose))
        }
        say([pullStatus(allTags, results.some((result) => result.updated))])
        for (const result of results) warn(result)
        this.print(repository(allTags))
        return
      }
      // A plugin's reference (`ipfs://…`) is no image name: its pull goes without docker's lines.
      const shown = reportedReference(args.image)
      if (shown?.tagAssumed) say([`Using default tag: ${shown.reference.tag}`])
      const result = await this.pullShown(client, args.image, shown?.reference, {...options, signal}, verbose)
      if (shown) say([pullStatus(shown.reference, result.updated)])
      warn(result)
      this.print(result.name)
    })
  }

  /** One pull, with docker's lines around its layers when `verbose` and there is a reference to show. */
  private async pullShown(client: ContainerdClient, reference: string, shown: Reference | undefined, options: PullOptions, verbose: boolean): Promise<PullResult> {
    const {createProgressRenderer, pullHeader} = await import('../image/progress.ts')
    const {pullImage} = await import('../image/pull.ts')
    const lines = verbose ? shown : undefined
    const progress = createProgressRenderer(verbose ? process.stdout : {write: () => true})
    try {
      const onResolved = lines ? () => this.print(pullHeader(lines)) : undefined
      const result = await pullImage(client, reference, {...options, onProgress: progress.listener, onResolved})
      progress.close()
      if (lines) this.print(`Digest: ${result.target.digest}`)
      return result
    } finally {
      progress.close()
    }
  }
}

function warningLines(result: PullResult): string[] {
  return result.warnings.map((warning) => `WARNING: ${warning}`)
}
