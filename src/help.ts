/**
 * nerd's help class (oclif's `helpClass`): oclif's own, except that the help of pull, push, run
 * and create lists the flags the installed plugins declare for them, that `image convert --help` lists
 * the conversion formats the installed plugins offer, with their options, whose flags exist only
 * once the plugins have said what they offer (commands/image/convert.ts), that `--help` after a
 * user's plugin command goes to the command, as docker hands it to its CLI plugins, and that the
 * help of a hidden command standing in for a topic (commands/plugins.ts) is the topic's, and that
 * only the last argument of a command taking extra words shows as repeatable (help-args.ts).
 */
import {Help} from '@oclif/core/help'
import type {CommandHelp} from '@oclif/core/help'
import type {Command, Interfaces} from '@oclif/core'
import {helpArgs} from './help-args.ts'

export class NerdHelp extends Help {
  /**
   * oclif shows help, without running the command, for a `--help` anywhere before `--`. A plugin's
   * command gets every word after its name (docs/plugins.md), that one too: it is run with them.
   */
  async showHelp(argv: string[]): Promise<void> {
    const typed = userPluginCommandTyped(this.config, argv)
    if (typed) {
      await this.config.runCommand(typed.id, typed.argv)
      return
    }
    await super.showHelp(argv)
  }

  protected getCommandHelpClass(command: Command.Loadable): CommandHelp {
    const shown = {...command, strict: true, args: helpArgs(command.args, command.strict)}
    if (command.pluginName !== this.config.name) return super.getCommandHelpClass(shown)
    // docker's booleans have no --no- form; nerd's default-true ones take one only to read
    // `--sig-proxy=false` (config/run-args.ts), which docker's help does not show either.
    const flags = Object.fromEntries(Object.entries(command.flags).map(([name, flag]) => [name, flag.type === 'boolean' ? {...flag, allowNo: false} : flag]))
    return super.getCommandHelpClass({...shown, flags})
  }

  async showCommandHelp(command: Command.Loadable): Promise<void> {
    // A hidden command of a topic's name stands in for the topic (bare `nerd plugins`): its help is the topic's.
    const topic = command.hidden ? this.config.findTopic(command.id) : undefined
    if (topic) return this.showTopicHelp(topic)
    if ('pluginFlagCommand' in command) return super.showCommandHelp(await withPluginFlags(this.config, command))
    if (command.id !== 'image:convert') return super.showCommandHelp(command)
    const [{HOOK_IMAGE_CONVERT, runNerdHook}, {conversionFlagNames}, {getConfig}] = await Promise.all([import('./hooks/index.ts'), import('./image/convert.ts'), import('./context.ts')])
    const subscribed = this.config.getPluginsList().some((plugin) => (plugin.hooks?.[HOOK_IMAGE_CONVERT]?.length ?? 0) > 0)
    const config = subscribed ? await getConfig() : undefined
    const registered = config ? await runNerdHook(this.config, HOOK_IMAGE_CONVERT, {flags: {}}, {namespace: config.namespace, address: config.address}) : []
    const flags: Command.Loadable['flags'] = {...command.flags}
    for (const {format} of registered) {
      for (const {flag, option, spec} of conversionFlagNames(format)) {
        const description = option === undefined ? format.description : (spec?.description ?? option)
        flags[flag] = spec?.type === 'integer' || spec?.type === 'string' ? {name: flag, type: 'option', multiple: false, description} : {name: flag, type: 'boolean', allowNo: false, description}
      }
    }
    const offered = registered.length === 0 ? 'No installed plugin offers a conversion format.' : `Formats offered by the installed plugins: ${registered.map(({format}) => `--${format.format}`).join(', ')}.`
    const [first] = registered
    await super.showCommandHelp({
      ...command,
      flags,
      description: `${command.description ?? ''}\n\n${offered}`,
      examples: [`<%= config.bin %> image convert --${first?.format.format ?? '<format>'} busybox busybox:converted`],
    })
  }
}

/** The command with the flags the installed plugins declare for it among its own (plugins/declared-flags.ts). */
async function withPluginFlags(config: Interfaces.Config, command: Command.Loadable): Promise<Command.Loadable> {
  const {pluginFlagDefinitions} = await import('./plugins/declared-flags.ts')
  return {...command, flags: {...command.flags, ...(pluginFlagDefinitions(config, command).flags as Command.Loadable['flags'])}}
}

/**
 * The user's (installed or linked) plugin command argv's leading words name, and the words after
 * them, when `--help` is among those (before `--`): undefined for anything else, `nerd help CMD` too.
 */
function userPluginCommandTyped(config: Interfaces.Config, argv: string[]): {id: string; argv: string[]} | undefined {
  const optionsEnd = argv.indexOf('--')
  if (!(optionsEnd === -1 ? argv : argv.slice(0, optionsEnd)).includes('--help')) return undefined
  const end = argv.findIndex((word) => word.startsWith('-'))
  const words = end === -1 ? argv : argv.slice(0, end)
  for (let count = words.length; count > 0; count--) {
    const command = config.findCommand(words.slice(0, count).join(':'))
    if (!command) continue
    return command.pluginType === 'user' || command.pluginType === 'link' ? {id: command.id, argv: argv.slice(count)} : undefined
  }
  return undefined
}
