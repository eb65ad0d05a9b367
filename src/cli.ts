import {readFileSync} from 'node:fs'
import {isDeepStrictEqual} from 'node:util'
import {argumentsAsGiven} from './byte-names.ts'
import {asksHelp, flagSetsOf, globalOptionsHelp, shortGroupFlags, splitGlobalArgs, type CommandReading, type FlagDefinitionShape} from './config/index.ts'
import {connectEarly, debugSetting, setCommandWords, setGlobalFlags, setUserEnvironment, takeEarlyConnection} from './context.ts'
import {exitIfWorkWasAbandoned} from './hooks/abandoned-work.ts'
import {asPluginCode} from './hooks/plugin-stdout.ts'
import {describeThrown, plainLine} from './hooks/errors.ts'
import {packageRoot} from './paths.ts'
import {dockerFlagError, pflagUsageError} from './config/flag-errors.ts'
import {FlagError, NerdError, RefusedFlagValue, UnprefixedError, unknownFlag} from './errors.ts'
import {commandLoadFailure, commandLoadFailureUnder, shortenPluginLoadWarnings} from './plugins/load-warnings.ts'
import type {CommandLoadFailure} from './plugins/load-warnings.ts'
import {versionBanner} from './version-banner.ts'
import type {Command} from '@oclif/core'

/**
 * Runs nerd with the process's argv (without node and script) and the environment it was started
 * with (bin/run.js). Global options are lifted out first because oclif takes argv[0] as the command
 * id (`nerd -n k8s.io ps`).
 */
export async function main(given: string[], environment: NodeJS.ProcessEnv): Promise<void> {
  setUserEnvironment(environment)
  let rest: string[] = []
  // A path that is no UTF-8 (`cp c:/caf\xe9 -`) names its file by its bytes, as docker's CLI passes them.
  const argv = argumentsAsGiven(given, () => readFileSync('/proc/self/cmdline'))
  try {
    const split = splitGlobalArgs(argv)
    rest = split.rest
    setGlobalFlags(split.globals)
    setCommandWords(split.command)
    // docker's --config is DOCKER_CONFIG given on the command line.
    if (split.dockerConfig !== undefined) process.env.DOCKER_CONFIG = split.dockerConfig
    if (split.version && rest.length === 0) {
      process.stdout.write(versionBanner())
      return
    }
    // oclif's subpath modules, not its index: the index evaluates every part of oclif at start-up.
    const oclifModules = Promise.all([import('@oclif/core/run'), import('@oclif/core/flush'), import('@oclif/core/settings')])
    if (talksToContainerd(rest)) connectEarly()
    // Known before oclif loads the plugins: with debug on, its own report of one it cannot load is shown too.
    shortenPluginLoadWarnings(await debugSetting())
    const [{run}, {flush}, {settings}] = await oclifModules
    // nerd runs plugins' compiled JavaScript; oclif would look for a linked plugin's TypeScript
    // sources (and warn on every command that it cannot transpile an ES module plugin).
    settings.enableAutoTranspile = false
    try {
      // Loaded here, not by run (which rebuilds it from the plugins already loaded): the commands the
      // plugins provide decide how a management command's words are read.
      const config = await oclifConfig()
      // docker runs the command typed after -v; its root command, run when the word names none, prints the version.
      if (split.version && !asksHelp(rest) && (await knownWordCount(split.command.slice(0, 1))) === 0 && !loadFailureOf(split.command[0]!)) {
        process.stdout.write(versionBanner())
        return
      }
      const asArgument = split.asTyped !== undefined && takesSubcommandAsArgument(config, split.command)
      const reading = await commandReading(config, asArgument ? split.command.slice(0, 1) : split.command)
      // Read again with the command's value flags: their values are no global options
      // (`logs --since --namespace c`), nor the image (a plugin's `run --greeting hi IMG`).
      const read = reading ? splitGlobalArgs(argv, reading) : split
      if (!isDeepStrictEqual(read.globals, split.globals)) {
        setGlobalFlags(read.globals)
        // Made with the options read before: the command connects with these.
        void takeEarlyConnection()?.then((client) => client.close(), () => undefined)
      }
      rest = buildCommandArgv(config, (asArgument ? read.asTyped : undefined) ?? read.rest)
      const refused = await usageErrorBeforeHelp(config, rest)
      if (refused) throw refused
      await run(rest, config)
    } finally {
      // Not taken (help, a usage error): closed, or it would keep nerd running.
      await takeEarlyConnection()?.then((client) => client.close(), () => undefined)
    }
    // oclif's flush writes '' and waits for the drain; to a reader gone once it had it all (`save |
    // tar t`), that empty write fails with EPIPE, which would end nerd by SIGPIPE for nothing lost.
    if (process.stdout.writableLength > 0) await flush()
    if (rest.length === 0 || (rest.length === 1 && (rest[0] === '--help' || rest[0] === 'help'))) {
      process.stdout.write(`${globalOptionsHelp()}\n`)
    }
  } catch (error) {
    process.exitCode = await reportError(error, await debugSetting(), rest)
  }
  // The command's result or error is out: what a plugin's hook left running does not hold nerd.
  await exitIfWorkWasAbandoned()
}

/**
 * docker's parser reads a command's flags before it answers --help, which oclif answers first:
 * `nerd images --help --x` is the usage error it is without --help. For nerd's own commands: a
 * plugin's gets its words as typed.
 */
async function usageErrorBeforeHelp(config: import('@oclif/core/config').Config, argv: readonly string[]): Promise<FlagError | undefined> {
  // Most commands ask no help: nothing to look up for them.
  if (!asksHelp(argv)) return undefined
  const helpFirst = argv[0] === '--help'
  const words = helpFirst ? argv.slice(1) : argv
  const command = await commandNamed(words)
  if (!command || command.plugin !== undefined) return undefined
  const flags = {...command.flags, ...(await declaredFlags(config, command.found))}
  // After the first positional of run, exec, top... come their arguments, which splitGlobalArgs
  // put behind a `--` (`top web -o pid --help` passes both to ps): no help is asked there.
  const typed = words.slice(command.id.split(' ').length)
  if (!helpFirst && !asksHelp(typed, flags)) return undefined
  return pflagUsageError(typed, flags, command.id)
}

/**
 * Whether a plugin's command of a management command's name (`compose`) is to get the subcommand
 * typed after it (`up`) as an argument: no command has the subcommand's name (`compose up`).
 */
function takesSubcommandAsArgument(config: import('@oclif/core/config').Config, command: readonly string[]): boolean {
  return config.findCommand(command[0]!) !== undefined && config.findCommand(command.join(':')) === undefined
}

/**
 * docker's `image build` and `builder build` are its `build`: a plugin's `build` command serves them
 * too (with the words typed after them), unless a plugin provides them itself, as a command of
 * their own or one of the management command's name (`builder`, which gets `build` as a word).
 */
function buildCommandArgv(config: import('@oclif/core/config').Config, argv: string[]): string[] {
  const [first, second] = argv
  if ((first !== 'image' && first !== 'builder') || second !== 'build') return argv
  if (config.findCommand(first) || config.findCommand(`${first}:build`) || !config.findCommand('build')) return argv
  return ['build', ...argv.slice(2)]
}

/** How splitGlobalArgs is to read the words after the command `words` name, when one does. */
async function commandReading(config: import('@oclif/core/config').Config, words: readonly string[]): Promise<CommandReading | undefined> {
  const command = words.length === 0 ? undefined : config.findCommand(words.join(':'))
  if (!command) return undefined
  const {valueFlags} = flagSetsOf({...command.flags, ...(await declaredFlags(config, command))})
  return {valueFlags, shieldValues: command.pluginName === config.name}
}

/** The flags plugins declare for `command`, when it takes flags from plugins (plugins/declared-flags.ts). */
async function declaredFlags(config: import('@oclif/core/config').Config, command: Command.Loadable): Promise<Record<string, FlagDefinitionShape>> {
  if (!('pluginFlagCommand' in command)) return {}
  const {pluginFlagDefinitions} = await import('./plugins/declared-flags.ts')
  return pluginFlagDefinitions(config, command).flags
}

/** Commands that never call containerd (or call it only sometimes) do not pay for an early connection. */
const WITHOUT_CONTAINERD = new Set(['help', 'plugins', 'network', 'volume', 'login', 'logout', 'autocomplete'])

function talksToContainerd(argv: string[]): boolean {
  const [first] = argv
  return first !== undefined && !first.startsWith('-') && !WITHOUT_CONTAINERD.has(first.split(':')[0]!)
}

interface OclifLikeError extends Error {
  oclif?: {exit?: number}
  code?: string
  flags?: string[]
  parse?: {input?: {context?: {id?: string}; args?: Record<string, {required?: boolean}>; strict?: boolean}}
}

/** docker's hint after a usage error (cli/cobra.go FlagErrorFunc, cli/required.go). */
function commandHelp(id: string, verb: 'Run' | 'See' = 'Run'): string {
  return `${verb} 'nerd ${id === '' ? '' : `${id} `}--help' for more information`
}

/** Prints one line (plus a usage hint for usage errors) and returns the exit code, as docker does. */
async function reportError(error: unknown, debug: boolean, argv: string[]): Promise<number> {
  // A plugin's command may throw anything, an object String() cannot convert included.
  const err = (error instanceof Error ? error : new Error(describeThrown(error))) as OclifLikeError
  if (err.code === 'EEXIT') return err.oclif?.exit ?? 0
  if (debug) process.stderr.write(debugReport(err))
  if (err instanceof UnprefixedError) {
    process.stderr.write(`${err.message}\n`)
    return err.exitCode
  }

  const kind = err.constructor?.name
  // The command argv names, found again: errors are rare, and oclif's do not all say it.
  const named = once(() => commandNamed(argv))
  if (err instanceof FlagError) {
    process.stderr.write(`${err.message}\n${commandHelp(err.usageOf ?? (await named())?.id ?? '')}\n`)
    return err.exitCode
  }
  if (err instanceof NerdError) {
    process.stderr.write(`Error: ${err.message}\n`)
    if (err.usageOf !== undefined) process.stderr.write(`${commandHelp(err.usageOf)}\n`)
    return err.exitCode
  }
  // oclif's help: `nerd help frob` (`Command container:frob not found.` for `help container frob`).
  // Help asked of a command typed (`nerd compose frob --help`) is answered as the command alone is.
  const noHelpTopic = /^Command (\S+) not found\.$/.exec(err.message)
  if (noHelpTopic && (argv[0] === 'help' || argv[0] === '--help')) {
    const words = typedWords(noHelpTopic[1]!, argv.slice(1))
    const known = await knownWordCount(words)
    const unloadable = loadFailureOf(noHelpTopic[1]!) ?? loadFailureUnder(words, known)
    process.stderr.write(`${unloadable ? cannotLoad(unloadable) : (leftToPlugins(words, known) ?? `unknown help topic: ${words.slice(known).join(' ')}`)}\n`)
    return 1
  }
  const notFound = noHelpTopic ?? /^command (\S+) not found$/.exec(err.message)
  if (notFound) {
    const unloadable = loadFailureOf(notFound[1]!)
    if (unloadable) {
      process.stderr.write(`${cannotLoad(unloadable)}\n`)
      return 1
    }
    // oclif takes the words after a command without arguments for more of its name (`ps extra`).
    const command = await named()
    if (command && !command.takesArguments) {
      process.stderr.write(`${argumentsError(command.id, 'accepts no arguments')}\n`)
      return 1
    }
    // oclif's id holds the arguments too (`frob:x`): the words nerd knows and the first it does not, as docker names it,
    // pointing to the help of the group it is not in (`nerd system --help`), as docker's NoArgs does.
    const words = typedWords(notFound[1]!, argv)
    const known = await knownWordCount(words)
    const unloadableUnder = loadFailureUnder(words, known)
    process.stderr.write(`${unloadableUnder ? cannotLoad(unloadableUnder) : (leftToPlugins(words, known) ?? `nerd: unknown command: nerd ${words.slice(0, known + 1).join(' ')}\n${commandHelp(words.slice(0, known).join(' '))}`)}\n`)
    return 1
  }
  const command = await named()
  // The command as typed (`image rm`, not its id `rmi`), as docker names it.
  const commandId = command?.id ?? err.parse?.input?.context?.id?.replaceAll(':', ' ') ?? ''
  if (kind === 'NonExistentFlagsError') {
    // oclif names `-Z` alone; pflag names the group it was typed in (`-aZ`).
    const typed = err.flags?.[0] ?? ''
    const group = typed.startsWith('--') ? typed : shortGroupOf(argv, typed[1]!, command?.flags ?? {})
    process.stderr.write(`${unknownFlag(group, commandId, typed[1]).message}\n${commandHelp(commandId)}\n`)
    return 125
  }
  if (kind === 'RequiredArgsError' || kind === 'UnexpectedArgsError') {
    process.stderr.write(`${argumentCountError(err, commandId)}\n`)
    return 1
  }
  const flagError = command && dockerFlagError(err.message, command.flags, argv, command.id, err instanceof RefusedFlagValue ? err.value : undefined)
  if (flagError) {
    process.stderr.write(`${flagError.message}\n${commandHelp(command.id)}\n`)
    return flagError.exitCode
  }
  if (kind?.endsWith('ArgsError') || kind?.includes('Flag')) {
    process.stderr.write(`Error: ${firstLine(err.message)}\n${commandHelp(commandId)}\n`)
    return 1
  }
  // A plugin's command that failed (to load, or running) is the plugin's to fix: it is named.
  const blame = command?.plugin ? `plugin "${command.plugin}" failed in command "${command.id}": ` : ''
  process.stderr.write(`Error: ${blame}${command?.plugin ? plainLine(err.message) : firstLine(err.message)}\n`)
  // 2 is oclif's default for a failed command (this.error), where docker's CLI fails with 1.
  const exit = err.oclif?.exit
  return typeof exit === 'number' && exit !== 2 ? exit : 1
}

/**
 * Why the command `id` names could not be loaded, when a plugin's could not: the command's own id
 * or the leading words of `id`, since oclif takes a command it could not load for a topic and adds
 * the arguments to the id it says it did not find (`build:.` for `nerd build .`).
 */
function loadFailureOf(id: string): (CommandLoadFailure & {command: string}) | undefined {
  const words = id.split(':')
  for (let count = words.length; count > 0; count--) {
    const failure = commandLoadFailure(words.slice(0, count).join(':'))
    if (failure) return {...failure, command: words.slice(0, count).join(' ')}
  }
  return undefined
}

/**
 * The words of `argv` oclif joined with colons into the command id it did not find, as typed: a
 * word with colons of its own (`127.0.0.1:5000`) stays whole.
 */
function typedWords(id: string, argv: readonly string[]): string[] {
  const words: string[] = []
  for (const word of argv) {
    words.push(word)
    const joined = words.join(':')
    if (joined === id) return words
    if (!id.startsWith(`${joined}:`)) break
  }
  return id.split(':')
}

/**
 * Why the words nerd does not know of `words` (those after the first `known`) name no command, when
 * it is that commands under them failed to load: a topic all of whose commands did (`nerd bad`
 * where `bad syntax` does not import) is no topic to oclif.
 */
function loadFailureUnder(words: readonly string[], known: number): (CommandLoadFailure & {command: string}) | undefined {
  for (let count = words.length; count > known; count--) {
    const failure = commandLoadFailureUnder(words.slice(0, count).join(':'))
    if (failure) return {...failure, command: failure.id.replaceAll(':', ' ')}
  }
  return undefined
}

function cannotLoad(failure: CommandLoadFailure & {command: string}): string {
  return `Error: plugin "${failure.plugin}" cannot load command "${failure.command}": ${failure.reason}`
}

/**
 * The line that says a command docker has is left to plugins, when `words` name one that no plugin
 * provides (`known`: how many of them name a command or topic): the build commands (`build`,
 * `image build`, `builder ...`, `buildx ...`) and compose.
 */
function leftToPlugins(words: readonly string[], known: number): string | undefined {
  const [first, second] = words
  const build = first === 'build' || first === 'builder' || first === 'buildx' ? first : first === 'image' && second === 'build' ? 'image build' : undefined
  const typed = build ?? (first === 'compose' ? 'compose' : undefined)
  // Where a plugin provides some of them (`builder prune`, `compose up`), the others are unknown commands.
  if (typed === undefined || known >= typed.split(' ').length) return undefined
  return `nerd: unknown command: nerd ${typed}: ${build ? 'building images' : 'compose'} is not built into nerd; a plugin can provide it (nerd plugins install)`
}

interface NamedCommand {
  /** As typed: `image ls`. */
  id: string
  flags: Record<string, FlagDefinitionShape>
  takesArguments: boolean
  /** The user's plugin the command comes from, if it is one's (installed or linked). */
  plugin?: string
  /** oclif's entry for the command. */
  found: Command.Loadable
}

/** The command argv names: its longest run of leading words that is a command id or alias. */
async function commandNamed(argv: readonly string[]): Promise<NamedCommand | undefined> {
  const end = argv.findIndex((word) => word.startsWith('-'))
  const words = end === -1 ? argv : argv.slice(0, end)
  if (words.length === 0) return undefined
  const config = await oclifConfig()
  for (let count = words.length; count > 0; count--) {
    const command = config.findCommand(words.slice(0, count).join(':'))
    if (!command) continue
    const fromUser = command.pluginType === 'user' || command.pluginType === 'link'
    const takesArguments = command.strict === false || Object.keys(command.args ?? {}).length > 0
    // A plugin's manifest written by hand may leave `flags` out, which oclif takes for none, and
    // `pluginName`: the plugin is the one oclif loaded the command from (its alias is its name).
    const plugin = command.pluginAlias ?? command.pluginName
    return {id: words.slice(0, count).join(' '), flags: command.flags ?? {}, takesArguments, found: command, ...(fromUser && plugin ? {plugin} : {})}
  }
  return undefined
}

/** How many leading words of `words` name a command or a topic: where an id oclif did not find goes wrong. */
async function knownWordCount(words: string[]): Promise<number> {
  const config = await oclifConfig()
  for (let count = words.length; count > 0; count--) {
    const id = words.slice(0, count).join(':')
    if (config.findCommand(id) || config.findTopic(id)) return count
  }
  return 0
}

/** oclif's configuration, loaded once: before the command runs, or by an error report before that. */
const oclifConfig = once(async (): Promise<import('@oclif/core/config').Config> => {
  const {Config} = await import('@oclif/core/config')
  // oclif imports the commands of a plugin without a manifest here, and their modules may print.
  return asPluginCode(() => Config.load(packageRoot))
})

/**
 * The group of short flags `-char` was typed in (`-aZ` for `-Z`): the first one, before `--`, where
 * it stands before any flag that takes the rest of the group as its value.
 */
function shortGroupOf(argv: readonly string[], char: string, flags: NamedCommand['flags']): string {
  const valueChars = new Set(Object.values(flags).flatMap((flag) => (flag.type === 'option' && flag.char ? [flag.char] : [])))
  const end = argv.indexOf('--')
  for (const word of end === -1 ? argv : argv.slice(0, end)) {
    if (/^-[^-]/.test(word) && shortGroupFlags(word, (typed) => valueChars.has(typed)).includes(char)) return word
  }
  return `-${char}`
}

function once<T>(compute: () => Promise<T>): () => Promise<T> {
  let result: Promise<T> | undefined
  return () => (result ??= compute())
}

/**
 * docker's error for a command's count of arguments (cli/required.go): `requires 2 arguments`, `at
 * least 1`, `at most 1`, `at least 1 and at most 2`, `accepts no arguments`.
 */
function argumentCountError(err: OclifLikeError, id: string): string {
  const args = Object.values(err.parse?.input?.args ?? {})
  const required = args.filter((arg) => arg.required).length
  const most = args.length
  const plural = (count: number) => `${count} argument${count === 1 ? '' : 's'}`
  if (err.parse?.input?.strict === false) return argumentsError(id, `requires at least ${plural(required)}`, 'See')
  if (most === 0) return argumentsError(id, 'accepts no arguments')
  if (most === required) return argumentsError(id, `requires ${plural(required)}`)
  if (required === 0) return argumentsError(id, `requires at most ${plural(most)}`)
  return argumentsError(id, `requires at least ${required} and at most ${plural(most)}`)
}

/**
 * docker's usage error about the arguments of the command `id`, without the Usage block between its
 * lines, as nerd's errors are short. Its hint says `See` after RequiresMinArgs's, `Run` after the
 * others' (RequiresMaxArgs's `SRun` is docker's typo).
 */
function argumentsError(id: string, rule: string, verb: 'Run' | 'See' = 'Run'): string {
  return `nerd: 'nerd ${id}' ${rule}\n${commandHelp(id, verb)}`
}

/**
 * With --debug: the error's stack, then each of its causes' (a hook's own error under nerd's
 * HookError, under the command's), message and stack whole.
 */
function debugReport(err: Error): string {
  const lines: string[] = []
  const seen = new Set<unknown>()
  for (let current: unknown = err; current !== undefined && current !== null && !seen.has(current); current = (current as {cause?: unknown}).cause) {
    seen.add(current)
    const text = current instanceof Error ? (current.stack ?? `${current.name}: ${current.message}`) : String(current)
    lines.push(current === err ? text : `Caused by: ${text}`)
  }
  return `${lines.join('\n')}\n`
}

function firstLine(text: string): string {
  return text.split('\n', 1)[0].trim()
}
