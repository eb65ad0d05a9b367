import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import {NerdCommand} from '../command.ts'
import {HOOK_IMAGE_PUSH, HOOK_IMAGE_PUSHED, runNerdHook} from '../hooks/index.ts'
import type {PushHooks} from '../image/push.ts'

export default class Push extends NerdCommand {
  static summary = 'Upload an image to a registry'
  static aliases = ['image:push']
  static args = {
    image: Args.string({required: true, description: 'NAME[:TAG]'}),
  }
  static flags = {
    platform: Flags.string({multiple: true, description: 'Push content for a specific platform (repeatable)'}),
    'all-platforms': Flags.boolean({char: 'a', description: 'Push content for all platforms'}),
    quiet: Flags.boolean({char: 'q', description: 'Suppress verbose output'}),
  }

  async run(): Promise<void> {
    const {createProgressRenderer} = await import('../image/progress.ts')
    const {pushImage} = await import('../image/push.ts')
    const {familiarName, parseReference, repository} = await import('../image/reference.ts')
    const {args, flags} = await this.parse(Push)
    const [client, config] = await Promise.all([this.containerd(), this.nerdConfig()])
    const progress = createProgressRenderer(flags.quiet ? {write: () => true} : process.stdout)
    // On a terminal docker's first line; elsewhere only the last, for scripts.
    if (!flags.quiet && process.stdout.isTTY) this.print(`The push refers to repository [${repository(parseReference(args.image))}]`)
    try {
      const result = await pushImage(client, args.image, {
        platforms: flags.platform,
        allPlatforms: flags['all-platforms'],
        insecure: config.insecureRegistry,
        hostsDirs: config.hostsDir,
        onProgress: progress.listener,
        userAgent: `nerd/${this.config.version}`,
        hooks: this.pushHooks(flags, {namespace: config.namespace, address: config.address}),
      })
      progress.close()
      const tag = parseReference(args.image).tag ?? 'latest'
      this.print(flags.quiet ? familiarName(parseReference(args.image)) : `${tag}: digest: ${result.descriptor.digest} size: ${result.descriptor.size}`)
    } finally {
      progress.close()
    }
  }

  /** Bridges the push events only when a plugin subscribes to them. */
  private pushHooks(flags: Record<string, unknown>, target: {namespace: string; address: string}): PushHooks {
    const hooks: PushHooks = {}
    if (this.subscribed(HOOK_IMAGE_PUSH)) {
      hooks.push = async (payload) => (await runNerdHook(this.config, HOOK_IMAGE_PUSH, {...payload, annotations: {}, flags}, target)).annotations
    }
    if (this.subscribed(HOOK_IMAGE_PUSHED)) {
      hooks.pushed = (payload) => runNerdHook(this.config, HOOK_IMAGE_PUSHED, {...payload, flags}, target)
    }
    return hooks
  }
}
