import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import {NerdCommand} from '../command.ts'
import {NerdError} from '../errors.ts'
import {PUSH_CONTENT_TRUST_FLAGS} from '../container-flags.ts'
import {requireContentTrustDisabled} from '../image/content-trust.ts'
import {HOOK_IMAGE_PUSH, HOOK_IMAGE_PUSHED, runNerdHook} from '../hooks/index.ts'
import type {PushHooks} from '../image/push.ts'

export default class Push extends NerdCommand {
  static summary = 'Upload an image to a registry'
  static aliases = ['image:push']
  // Flags plugins declare for `push` are this command's too (command.ts).
  static pluginFlagCommand = 'push'
  static args = {
    image: Args.string({required: true, description: 'NAME[:TAG]'}),
  }
  static flags = {
    ...PUSH_CONTENT_TRUST_FLAGS,
    'all-tags': Flags.boolean({char: 'a', description: 'Push all tags of an image to the repository'}),
    platform: Flags.string({multiple: true, description: 'Push content for a specific platform (repeatable)'}),
    'all-platforms': Flags.boolean({description: 'Push content for all platforms'}),
    quiet: Flags.boolean({char: 'q', description: 'Suppress verbose output'}),
  }

  async run(): Promise<void> {
    const {createProgressRenderer} = await import('../image/progress.ts')
    const {localTags, pushImage} = await import('../image/push.ts')
    const {allTagsRepository, normalizedName, parseReference, repository} = await import('../image/reference.ts')
    const {parsePlatformFlag} = await import('../image/platform.ts')
    const {infoNote} = await import('../format/index.ts')
    const {args, flags} = await this.parse(Push)
    requireContentTrustDisabled(flags['disable-content-trust'])
    // docker's CLI parses --platform before anything else, and notes what a platform's push leaves out.
    for (const platform of flags.platform ?? []) parsePlatformFlag(platform, `Invalid platform ${platform}: `)
    if (flags.platform?.length === 1) {
      this.print(infoNote(
        'Using --platform pushes only the specified platform manifest of a multi-platform image index.\n' +
          'Other components, like attestations, will not be included.\n' +
          'To push the complete multi-platform image, remove the --platform flag.\n',
      ))
    }
    const allTags = flags['all-tags'] ? allTagsRepository(args.image) : undefined
    const typed = allTags ?? parseReference(args.image, {defaultTag: false})
    // docker's client refuses it before asking the daemon: a pushed manifest goes under a tag.
    if (typed.digest !== undefined) throw new NerdError('cannot push a digest reference')
    const [client, config] = await Promise.all([this.containerd(), this.nerdConfig()])
    // docker's lines (-q leaves them out); last, with -q, the name pushed.
    const say = (line: string): void => {
      if (!flags.quiet) this.print(line)
    }
    if (!allTags && typed.tag === undefined && typed.digest === undefined) say('Using default tag: latest')
    say(`The push refers to repository [${repository(typed)}]`)
    const tags = allTags ? await localTags(client, allTags) : [parseReference(args.image)]
    // docker's notes follow all it printed (the name too, with -q).
    const notes: string[] = []
    for (const tag of tags) {
      const progress = createProgressRenderer(flags.quiet ? {write: () => true} : process.stdout)
      try {
        const result = await pushImage(client, normalizedName(tag), {
          platforms: flags.platform,
          allPlatforms: flags['all-platforms'],
          insecure: config.insecureRegistry,
          hostsDirs: config.hostsDir,
          onProgress: progress.listener,
          userAgent: `nerd/${this.config.version}`,
          hooks: this.pushHooks(flags, {namespace: config.namespace, address: config.address}),
        })
        progress.close()
        say(`${tag.tag ?? tag.digest}: digest: ${result.descriptor.digest} size: ${result.descriptor.size}`)
        if (result.incompleteIndex) {
          notes.push(`Not all multiplatform-content is present and only the available single-platform image was pushed\n${result.incompleteIndex.digest} -> ${result.descriptor.digest}`)
        }
      } finally {
        progress.close()
      }
    }
    if (flags.quiet) this.print(normalizedName(allTags ?? tags[0]))
    for (const note of notes) this.print(infoNote(note))
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
