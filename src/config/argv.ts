/**
 * Lifts nerd's global options (docker/nerdctl's `-n`, `--address`, `--debug`...) out of argv before
 * oclif sees it: oclif takes argv[0] as the command id, so `nerd -n k8s.io ps` must reach it as `ps`.
 *
 * Rules:
 * - Before the first command word, docker's root flags are read as its parser reads them: long
 *   and short forms (`-n`, `-a`, `-H`: `-n x`, `-n=x`, `-nx`; grouped as pflag groups them:
 *   `-Dn x`), docker's `--config DIR`, `-l, --log-level`, `-c, --context` (checked: only
 *   `default`), `-v, --version` and `-h, --help` (put first in `rest`, for oclif). Any other option
 *   there is an unknown flag.
 * - Between one of nerd's management commands and its subcommand, only help is not a global
 *   option: anything else is an unknown flag, as docker's parser says before it looks for the
 *   subcommand (`nerd container --bogus ls`).
 * - After it, only long forms are lifted, and only for nerd's own commands: `-a`, `-n`, `-H` are
 *   commands' own flags there (`ps -a`, `logs -n 5`, `history -H`). A plugin's command (a first
 *   word nerd does not own) gets everything after its command word, as docker gives a CLI plugin
 *   its arguments: nerd's global options go before the command. A command's value flag takes the
 *   next word whatever it looks like, as pflag's do (`logs --since --namespace c`: no global there).
 * - For run/create/exec (and `compose run|exec`) nothing is lifted from the first positional on:
 *   in `nerd run --rm img ls --debug`, `--debug` is the container's. Finding that positional needs
 *   the commands' value flags (`-p 80:80` is not the image), hence the tables below.
 * - A `--` before the command word ends the global options and is dropped (`nerd -- ps`). After
 *   the command word nothing is lifted after `--`; for run/create/exec, a `--` is put before the
 *   first positional.
 * - A management command's own flags typed before its subcommand (`nerd compose -f x.yml up`) go
 *   after it, for the subcommand's command (a plugin's `compose up`); `asTyped` keeps them where
 *   they were, for a plugin whose one command is the management command itself (`compose`), which
 *   the entry point alone can tell, from the commands the plugins provide.
 */
import {flagNeedsArgument, invalidFlagArgument, NerdError, UnprefixedError, unknownFlag} from '../errors.ts'
import {pflagName} from './flag-errors.ts'
import {flagExtent, shieldedFlag, shortInlineValue, type ValueFlags} from './run-args.ts'
import {SETTING_SPECS, InvalidSettingValue, parseBooleanFlag, type GlobalFlags, type SettingName} from './settings.ts'

/** Long global flags (without dashes) and the setting each one sets; aliases included. */
const LONG_GLOBALS: ReadonlyMap<string, SettingName> = new Map<string, SettingName>([
  ...Object.entries(SETTING_SPECS).map(([name, spec]) => [spec.flag, name as SettingName] as const),
  ['host', 'address'],
  ['storage-driver', 'snapshotter'],
])

/**
 * docker's root flags that set none of nerd's settings, read before the command only
 * (`--log-level` also after it, as the settings' long flags are): the value flags and the booleans.
 */
const ROOT_VALUE_FLAGS = new Set(['log-level', 'context', 'config'])
const ROOT_BOOLEAN_FLAGS = new Set(['version', 'help'])

/**
 * Whether `--name` is one of nerd's global options, which are lifted out of a command's flags
 * wherever they are typed (so a command cannot have a flag of that name).
 */
export function isLongGlobalFlag(name: string): boolean {
  return LONG_GLOBALS.has(name) || name === 'log-level'
}

/**
 * The short global flags (before the command only), by the long flag pflag pairs each with: its
 * errors and nerd's help name them so (`-H, --host`, `-a, --address`).
 */
const SHORTHANDS: ReadonlyMap<string, string> = new Map([
  ['address', 'a'],
  ['host', 'H'],
  ['namespace', 'n'],
  ['debug', 'D'],
  ['log-level', 'l'],
  ['context', 'c'],
  ['version', 'v'],
  ['help', 'h'],
])
const SHORT_GLOBALS: ReadonlyMap<string, string> = new Map([...SHORTHANDS].map(([long, char]) => [char, long]))

/** logrus's levels (docker's `-l, --log-level`, any case): debug and trace are nerd's debug setting. */
const LOG_LEVELS = ['panic', 'fatal', 'error', 'warn', 'warning', 'info', 'debug', 'trace']

/**
 * The first words of nerd's own commands and their aliases, help's, and the topics nerd owns (a
 * unit test checks them against the command index): after any other first word the command is a
 * plugin's, whose arguments are all its own.
 */
export const NERD_COMMAND_WORDS: ReadonlySet<string> = new Set([
  'attach', 'commit', 'container', 'cp', 'create', 'diff', 'events', 'exec', 'export', 'help', 'history', 'image',
  'images', 'import', 'info', 'inspect', 'kill', 'load', 'login', 'logout', 'logs', 'namespace', 'network', 'pause',
  'plugins', 'port', 'ps', 'pull', 'push', 'rename', 'restart', 'rm', 'rmi', 'run', 'save', 'start', 'stats', 'stop',
  'system', 'tag', 'top', 'unpause', 'update', 'version', 'volume', 'wait',
])

/** Management commands: the word after them (and after their own flags) is the subcommand. */
const TOPICS = new Set([
  'apparmor', 'builder', 'checkpoint', 'compose', 'container', 'image', 'manifest', 'namespace', 'network',
  'ns', 'plugins', 'system', 'volume',
])

/** nerd's own management commands, which take no flag before their subcommand but help. */
const FLAGLESS_TOPICS = new Set(['container', 'image', 'namespace', 'network', 'system', 'volume'])
const HELP_FLAGS = new Set(['-h', '--help'])

/** Value flags a topic itself takes before its subcommand (`nerd compose -f x.yml up`). */
const TOPIC_VALUE_FLAGS: Readonly<Record<string, ValueFlags>> = {
  compose: new Set([
    'f', 'p', 'ansi', 'env-file', 'file', 'ipfs-address', 'parallel', 'profile', 'progress', 'project-directory',
    'project-name',
  ]),
}

const RUN_VALUE_FLAGS: ValueFlags = new Set([
  'a', 'c', 'e', 'h', 'l', 'm', 'p', 'u', 'v', 'w',
  'add-host', 'annotation', 'attach', 'blkio-weight', 'blkio-weight-device', 'cap-add', 'cap-drop', 'cgroup-conf',
  'cgroup-parent', 'cgroupns', 'cidfile', 'cosign-certificate-identity', 'cosign-certificate-identity-regexp',
  'cosign-certificate-oidc-issuer', 'cosign-certificate-oidc-issuer-regexp', 'cosign-key', 'cpu-count',
  'cpu-percent', 'cpu-period', 'cpu-quota', 'cpu-rt-period', 'cpu-rt-runtime', 'cpu-shares', 'cpus', 'cpuset-cpus',
  'cpuset-mems', 'detach-keys', 'device', 'device-cgroup-rule', 'device-read-bps', 'device-read-iops',
  'device-write-bps', 'device-write-iops', 'dns', 'dns-opt', 'dns-option', 'dns-search', 'domainname', 'entrypoint',
  'env', 'env-file', 'expose', 'gpus', 'group-add', 'health-cmd', 'health-interval', 'health-retries',
  'health-start-interval', 'health-start-period', 'health-timeout', 'hostname', 'init-binary', 'io-maxbandwidth',
  'io-maxiops', 'ip', 'ip6', 'ipc', 'ipfs-address', 'isolation', 'kernel-memory', 'label', 'label-file', 'link',
  'link-local-ip', 'log-driver', 'log-opt', 'mac-address', 'memory', 'memory-reservation', 'memory-swap',
  'memory-swappiness', 'mount', 'name', 'net', 'net-alias', 'network', 'network-alias', 'oom-score-adj', 'pid',
  'pidfile', 'pids-limit', 'platform', 'publish', 'pull', 'rdt-class', 'restart', 'runtime', 'security-opt',
  'shm-size', 'stop-signal', 'stop-timeout', 'storage-opt', 'sysctl', 'systemd', 'tmpfs', 'ulimit', 'umask', 'user',
  'userns', 'userns-remap', 'uts', 'verify', 'volume', 'volume-driver', 'volumes-from', 'workdir',
])

const EXEC_VALUE_FLAGS: ValueFlags = new Set(['e', 'u', 'w', 'detach-keys', 'env', 'env-file', 'user', 'workdir'])
const COMMIT_VALUE_FLAGS: ValueFlags = new Set(['a', 'c', 'm', 'author', 'change', 'message'])
const NO_VALUE_FLAGS: ValueFlags = new Set()

/**
 * The value-taking flags (names without dashes, one character for short flags) of each command
 * whose flags end at its first positional, keyed by its command words. Only flags known to take a
 * value belong here: a boolean listed by mistake would make the image look like its value and let
 * globals be lifted out of the container's command. These must agree with the commands' own
 * definitions (a test of each command can compare them with flagSetsOf(Command.flags)).
 */
export const CONTAINER_COMMAND_VALUE_FLAGS: Readonly<Record<string, ValueFlags>> = {
  'run': RUN_VALUE_FLAGS,
  'create': RUN_VALUE_FLAGS,
  'exec': EXEC_VALUE_FLAGS,
  'container run': RUN_VALUE_FLAGS,
  'container create': RUN_VALUE_FLAGS,
  'container exec': EXEC_VALUE_FLAGS,
  'commit': COMMIT_VALUE_FLAGS,
  'container commit': COMMIT_VALUE_FLAGS,
  'tag': NO_VALUE_FLAGS,
  'image tag': NO_VALUE_FLAGS,
  'top': NO_VALUE_FLAGS,
  'container top': NO_VALUE_FLAGS,
  'compose run': new Set([
    'e', 'l', 'p', 'u', 'v', 'w', 'cap-add', 'cap-drop', 'entrypoint', 'env', 'env-from-file', 'label', 'name',
    'publish', 'pull', 'user', 'volume', 'workdir',
  ]),
  'compose exec': new Set(['e', 'u', 'w', 'env', 'index', 'user', 'workdir']),
}

export interface SplitGlobalArgs {
  globals: GlobalFlags
  /** argv without the global options, for oclif: `--help` first when it came before the command. */
  rest: string[]
  /** The command words found: ['ps'], ['namespace', 'ls'], ['container', 'run']; [] when none. */
  command: string[]
  /** docker's `--config DIR` (what DOCKER_CONFIG says otherwise), when given. */
  dockerConfig?: string
  /** docker's `-v, --version` before the command, when given. */
  version?: true
  /**
   * For a management command nerd leaves to plugins and its subcommand (`compose up`), when it
   * differs from `rest`: argv with the words after the management command as typed (its flags
   * before the subcommand, no `--` added before a service), global options still lifted. For a
   * plugin's command of the management command's own name (a root `compose`), which gets every
   * word after it, as docker hands its CLI plugins theirs; `rest` is for a command of the
   * subcommand's name (`compose up`).
   */
  asTyped?: string[]
}

/**
 * What the entry point knows of the command once oclif has read the plugins, for reading the words
 * after the command's as pflag reads them (see splitGlobalArgs).
 */
export interface CommandReading {
  /** The command's value flags: its own, and those the plugins declare for it (plugins/declared-flags.ts). */
  valueFlags: ValueFlags
  /** Whether it is nerd's own command, whose parse takes a value that begins with `-` shielded (run-args.ts, shieldedFlag). */
  shieldValues: boolean
}

/** What the global options typed so far set: nerd's settings, and docker's root flags that are none. */
interface Lifted {
  globals: GlobalFlags
  /** The last value typed of each root value flag (`log-level`, `context`, `config`), as pflag keeps it. */
  values: Map<string, string>
  /** The root booleans (`version`, `help`), by the last value typed. */
  booleans: Map<string, boolean>
}

/**
 * Removes the global options from argv (see the rules above). pflag takes a value flag's next word
 * for its value whatever it looks like (`logs --since --namespace c`: --namespace is the time), so
 * the words after the command's are read with its value flags, which `reading` gives once oclif has
 * read the plugins (run and create also need the plugins' to find the image); for nerd's own
 * commands, their values come shielded for oclif (shieldedFlag). Without it, only run/create/exec
 * and the like are known (CONTAINER_COMMAND_VALUE_FLAGS): after another command's flag, a word that
 * may be its value is not lifted, nor anything after a `--`, until the reading with it. Throws a
 * NerdError (exit 125, like docker's flag errors) for an unknown option before the command, a
 * global option without its value or with an invalid one; docker's error for a log level it cannot
 * parse comes first (exit 1: docker reads the level even when its parser failed), and its refusal
 * of a context last.
 */
export function splitGlobalArgs(argv: readonly string[], reading?: CommandReading): SplitGlobalArgs {
  const lifted: Lifted = {globals: {}, values: new Map(), booleans: new Map()}
  let split: SplitGlobalArgs
  try {
    split = liftGlobals(argv, reading, lifted)
  } finally {
    applyLogLevel(lifted)
  }
  checkContext(lifted.values.get('context') ?? '')
  const dockerConfig = lifted.values.get('config')
  return {...split, ...(dockerConfig === undefined ? {} : {dockerConfig}), ...(lifted.booleans.get('version') ? {version: true} : {})}
}

function liftGlobals(argv: readonly string[], reading: CommandReading | undefined, lifted: Lifted): SplitGlobalArgs {
  const {globals} = lifted
  const rest: string[] = []
  const command: string[] = []
  let index = 0
  // Where rest has the subcommand (its management command's flags after it) and the `--` put before the first positional.
  let subcommandAt: number | undefined
  const topicFlags: string[] = []
  let dashAddedAt: number | undefined

  // Before the first command word: docker's root flags, long and short (its parser's errors too).
  while (index < argv.length && isOption(argv[index])) {
    const used = liftGlobal(argv, index, lifted, true)
    if (used === 0) throw unknownFlag(argv[index], '')
    index += used
  }
  if (lifted.booleans.get('help')) rest.push('--help')
  const found = (): SplitGlobalArgs => {
    const split: SplitGlobalArgs = {globals, rest, command}
    if (subcommandAt === undefined || NERD_COMMAND_WORDS.has(command[0]!) || (topicFlags.length === 0 && dashAddedAt === undefined)) return split
    const asTyped = rest.filter((_, at) => at !== dashAddedAt)
    asTyped.splice(subcommandAt, 1 + topicFlags.length, ...topicFlags, rest[subcommandAt]!)
    return {...split, asTyped}
  }
  // docker's root parser takes a `--` before the command as the end of its own flags: `nerd -- ps` is `ps`.
  if (argv[index] === '--') index++
  if (index >= argv.length) return found()

  command.push(argv[index])
  rest.push(argv[index])
  index++
  if (!NERD_COMMAND_WORDS.has(command[0]) && !TOPICS.has(command[0])) {
    rest.push(...argv.slice(index))
    return found()
  }

  if (TOPICS.has(command[0])) {
    const topicValueFlags = TOPIC_VALUE_FLAGS[command[0]] ?? new Set()
    // The topic's own flags go after the subcommand: to oclif, `compose up` is a command of its own
    // (a plugin's), which gets them in its argv, first; in their place oclif would take `compose`
    // alone for the command and show the topic's help.
    while (index < argv.length && argv[index] !== '--') {
      const used = liftGlobal(argv, index, lifted, false)
      if (used > 0) {
        index += used
        continue
      }
      const extent = flagExtent(argv, index, topicValueFlags)
      if (!extent) {
        subcommandAt = rest.length
        command.push(argv[index])
        rest.push(argv[index])
        index++
        break
      }
      if (FLAGLESS_TOPICS.has(command[0]) && !HELP_FLAGS.has(argv[index])) throw unknownFlag(argv[index], command[0], [...argv[index].slice(1)].find((char) => char !== 'h'))
      topicFlags.push(...argv.slice(index, index + extent.length))
      index += extent.length
    }
    rest.push(...topicFlags)
  }

  // Set for a command whose flags end at its first positional.
  const tabled = CONTAINER_COMMAND_VALUE_FLAGS[command.join(' ')]
  const valueFlags = tabled && reading ? new Set([...tabled, ...reading.valueFlags]) : (tabled ?? reading?.valueFlags)
  // Without the command's value flags: whether argv[index] may be the value of the flag before it.
  let mayBeValue = false
  while (index < argv.length && argv[index] !== '--') {
    const used = mayBeValue ? 0 : liftGlobal(argv, index, lifted, false)
    if (used > 0) {
      index += used
      continue
    }
    if (!valueFlags) {
      mayBeValue = isOption(argv[index]) && !argv[index].includes('=')
      rest.push(argv[index])
      index++
      continue
    }
    const extent = flagExtent(argv, index, valueFlags)
    if (!extent && tabled) {
      // The image (or container) and the command's words are the container's: oclif would take a
      // `--help` among them as a request for nerd's help (`nerd run img ls --help`), but not past `--`.
      dashAddedAt = rest.length
      rest.push('--')
      break
    }
    const length = extent?.length ?? 1
    rest.push(...(extent && reading?.shieldValues ? shieldedFlag(argv, index, extent, valueFlags) : argv.slice(index, index + length)))
    index += length
  }
  rest.push(...argv.slice(index))
  return found()
}

/**
 * docker's `-c, --context`: nerd has docker's `default` context only (the containerd it is given
 * with -H or its settings), so naming it is accepted and any other is refused. Empty is unset, as
 * in docker.
 */
function checkContext(name: string): void {
  if (name !== '' && name !== 'default') throw new NerdError(`context ${JSON.stringify(name)} does not exist: nerd has the "default" context only (use -H or CONTAINERD_ADDRESS)`)
}

/**
 * docker's `-l, --log-level` as its SetLogLevel reads it (cli/flags/options.go): logrus's level in
 * any case, empty for the default; anything else ends docker's CLI with one line, exit 1. Its
 * debug and trace are nerd's debug setting.
 */
function applyLogLevel(lifted: Lifted): void {
  const typed = lifted.values.get('log-level')
  const level = typed?.toLowerCase()
  if (typed === undefined || level === '') return
  if (!LOG_LEVELS.includes(level!)) throw new UnprefixedError(`Unable to parse logging level: ${typed}`)
  if (level === 'debug' || level === 'trace') setGlobal(lifted.globals, 'debug', true)
}

function isOption(token: string): boolean {
  return token.startsWith('-') && token !== '-' && token !== '--'
}

/**
 * If argv[index] is a global option, records it in `lifted` and returns how many tokens it used
 * (1 or 2); returns 0 otherwise. Before the command (`beforeCommand`) docker's root flags are read,
 * short ones and groups too; after it, the long forms of the settings and `--log-level`.
 */
function liftGlobal(argv: readonly string[], index: number, lifted: Lifted, beforeCommand: boolean): number {
  const token = argv[index]
  if (!token.startsWith('--')) return beforeCommand ? liftShortGroup(argv, index, lifted) : 0
  const equals = token.indexOf('=')
  const long = (equals < 0 ? token : token.slice(0, equals)).slice(2)
  if (!isLongGlobalFlag(long) && !(beforeCommand && (ROOT_VALUE_FLAGS.has(long) || ROOT_BOOLEAN_FLAGS.has(long)))) return 0
  return liftFlag(argv, index, lifted, long, `--${long}`, equals < 0 ? undefined : token.slice(equals + 1))
}

/**
 * A group of short options before the command, read as pflag reads it: a boolean lets the group go
 * on (`-Dn k8s.io` is -D, then -n k8s.io); an option with a value takes the rest of the group
 * (`-nk8s.io`, `-n=k8s.io`), or else the next token. A letter nerd lacks is an unknown flag.
 */
function liftShortGroup(argv: readonly string[], index: number, lifted: Lifted): number {
  const group = argv[index]
  for (let position = 1; position < group.length; position++) {
    const char = group[position]
    const long = SHORT_GLOBALS.get(char)
    if (!long) throw unknownFlag(group, '', char)
    const after = group.slice(position + 1)
    if (isValueFlag(long) || after.startsWith('=')) {
      return liftFlag(argv, index, lifted, long, `-${char}`, shortInlineValue(after))
    }
    liftFlag(argv, index, lifted, long, `-${char}`, undefined)
  }
  return 1
}

function isValueFlag(long: string): boolean {
  const setting = LONG_GLOBALS.get(long)
  return setting === undefined ? ROOT_VALUE_FLAGS.has(long) : SETTING_SPECS[setting].kind !== 'boolean'
}

/**
 * Records the global flag `--long` (typed as `typed`), from its inline value or the next token;
 * returns how many tokens it used. Values are checked here, the log level and the context once all
 * are read (pflag keeps the last).
 */
function liftFlag(argv: readonly string[], index: number, lifted: Lifted, long: string, typed: string, inlineValue: string | undefined): number {
  const setting = LONG_GLOBALS.get(long)
  if (!isValueFlag(long)) {
    const value = inlineValue === undefined ? true : parseFlagValue(long, inlineValue, parseBooleanFlag)
    if (setting) setGlobal(lifted.globals, setting, value)
    else lifted.booleans.set(long, value)
    return 1
  }
  if (inlineValue === undefined && index + 1 >= argv.length) throw flagNeedsArgument(typed, '')
  const text = inlineValue ?? argv[index + 1]!
  const spec = setting && SETTING_SPECS[setting]
  if (!spec) {
    lifted.values.set(long, text)
  } else if (spec.kind === 'string-list') {
    // pflag's string slices take comma-separated values and accumulate over repeats.
    const items = text.split(',').filter((item) => item !== '')
    const checked = items.map((item) => parseFlagValue(long, item, spec.normalize ?? String))
    setGlobal(lifted.globals, setting, [...((lifted.globals[setting] as string[] | undefined) ?? []), ...checked])
  } else {
    setGlobal(lifted.globals, setting, parseFlagValue(long, text, spec.normalize ?? String))
  }
  return inlineValue === undefined ? 2 : 1
}

function setGlobal(globals: GlobalFlags, name: SettingName, value: unknown): void {
  Object.assign(globals, {[name]: value})
}

/** `text` parsed for the flag `--long`; refused in pflag's words, the flag named as pflag names it (`-D, --debug`). */
function parseFlagValue<T>(long: string, text: string, parse: (text: string) => T): T {
  try {
    return parse(text)
  } catch (error) {
    if (!(error instanceof InvalidSettingValue)) throw error
    throw invalidFlagArgument(text, pflagName(long, SHORTHANDS.get(long)), error.message, '')
  }
}

/**
 * The GLOBAL OPTIONS section `nerd --help` ends with, as docker's help lists its global options:
 * each setting's flags, short forms and aliases first, with its description.
 */
export function globalOptionsHelp(): string {
  const rows = Object.entries(SETTING_SPECS).map(([name, spec]) => {
    const longs = [...LONG_GLOBALS].filter(([, setting]) => setting === name).map(([flag]) => flag)
    const shorts = longs.flatMap((flag) => (SHORTHANDS.has(flag) ? [`-${SHORTHANDS.get(flag)}`] : []))
    return [[...shorts, ...longs.map((flag) => `--${flag}`)].join(', ') + (spec.kind === 'boolean' ? '' : ' <value>'), spec.description] as const
  })
  rows.push(['-l, --log-level <value>', "Set the logging level, as docker's: debug or trace is --debug"])
  rows.push(['-c, --context <value>', 'docker\'s context: only "default" (nerd has no other)'])
  rows.push(['--config <value>', "Location of docker's client configuration (DOCKER_CONFIG; default ~/.docker)"])
  rows.push(['-v, --version', 'Print version information and quit'])
  const width = Math.max(...rows.map(([flags]) => flags.length))
  return `GLOBAL OPTIONS\n${rows.map(([flags, description]) => `  ${flags.padEnd(width)}  ${description}`).join('\n')}\n`
}
