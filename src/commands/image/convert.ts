import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import type {Interfaces} from '@oclif/core'
import {NerdCommand} from '../../command.ts'
import {NerdError} from '../../errors.ts'
import type {RegisteredConversion} from '../../hooks/index.ts'
import {integerFlag} from '../../integer-flag.ts'

export default class ImageConvert extends NerdCommand {
  static summary = 'Convert an image into a format a plugin offers'
  // The help lists the formats the installed plugins offer (help.ts).
  static description = 'Each conversion format comes from a plugin: `--<format>` selects it and `--<format>-<option>` sets its options.'
  static examples = ['<%= config.bin %> image convert --<format> busybox busybox:converted']
  static args = {
    source: Args.string({required: true, description: 'SOURCE image'}),
    target: Args.string({required: true, description: 'TARGET image name'}),
  }
  static flags = {
    platform: Flags.string({multiple: true, description: 'Convert content for a specific platform (repeatable)'}),
  }

  async run(): Promise<void> {
    const {HOOK_IMAGE_CONVERT, runNerdHook} = await import('../../hooks/index.ts')
    const config = await this.nerdConfig()
    const target = {namespace: config.namespace, address: config.address}
    const registered = this.subscribed(HOOK_IMAGE_CONVERT) ? await runNerdHook(this.config, HOOK_IMAGE_CONVERT, {flags: {}}, target) : []
    const {conversionFlagNames, convertImage} = await import('../../image/convert.ts')
    // The formats' flags exist only once the plugins have said what they offer.
    const formatFlags: Interfaces.FlagInput = {}
    for (const {format} of registered) {
      for (const {flag, spec} of conversionFlagNames(format)) {
        const description = spec?.description ?? format.description
        formatFlags[flag] = spec?.type === 'integer' ? integerFlag({description}) : spec?.type === 'string' ? Flags.string({description}) : Flags.boolean({description})
      }
    }
    const {args, flags} = await this.parse({...ImageConvert, flags: {...ImageConvert.flags, ...formatFlags}})
    const values = flags as Record<string, unknown>
    const chosen = registered.filter(({format}) => values[format.format] === true)
    if (chosen.length !== 1) throw new NerdError(this.formatChoiceProblem(registered, chosen.length))
    const {plugin, format} = chosen[0]!
    const options = Object.fromEntries(
      conversionFlagNames(format).flatMap(({flag, option, spec}) => (option ? [[option, (values[flag] as string | number | boolean | undefined) ?? spec?.default]] : [])),
    )
    const client = await this.containerd()
    const descriptor = await this.stoppableBySignals((signal) =>
      convertImage(client, {plugin, format, source: args.source, target: args.target, platforms: flags.platform ?? [], options, signal}),
    )
    this.print(descriptor.digest)
  }

  private formatChoiceProblem(registered: RegisteredConversion[], chosen: number): string {
    if (registered.length === 0) return 'no conversion format is available: install a plugin that offers one (nerd plugins install ...)'
    const offered = registered.map(({format}) => `--${format.format}`).join(', ')
    return chosen === 0 ? `choose a conversion format: ${offered}` : `choose one conversion format, not several (${offered})`
  }
}
