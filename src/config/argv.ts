/**
 * Lifts nerd's global options (docker/nerdctl's `-n`, `--address`, `--debug`...) out of argv before
 * oclif sees it: oclif takes argv[0] as the command id, so `nerd -n k8s.io ps` must reach it as `ps`.
 *
 * Rules:
 * - Before the first command word, long and short forms are lifted (`-n`, `-a`, `-H`: `-n x`,
 *   `-n=x`, `-nx`; grouped as pflag groups them: `-Dn x`), and docker's `--config DIR`. Unknown
 *   options there are left in place for the entry point to report. docker's `-c, --context` is
 *   checked (only `default`) and dropped.
 * - Between one of nerd's management commands and its subcommand, only help is not a global
 *   option: anything else is an unknown flag, as docker's parser says before it looks for the
 *   subcommand (`nerd container --bogus ls`).
 * - After it, only long forms are lifted, and only for nerd's own commands: `-a`, `-n`, `-H` are
 *   commands' own flags there (`ps -a`, `logs -n 5`, `history -H`). A plugin's command (a first
 *   word nerd does not own) gets everything after its command word, as docker gives a CLI plugin
 *   its arguments: nerd's global options go before the command.
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
import {flagNeedsArgument, invalidFlagArgument, NerdError, unknownFlag} from '../errors.ts'
import {flagExtent, type ValueFlags} from './run-args.ts'
import {SETTING_SPECS, InvalidSettingValue, parseBooleanFlag, type GlobalFlags, type SettingName} from './settings.ts'

/** Long global flags (without dashes) and the setting each one sets; aliases included. */
const LONG_GLOBALS: ReadonlyMap<string, SettingName> = new Map<string, SettingName>([
  ...Object.entries(SETTING_SPECS).map(([name, spec]) => [spec.flag, name as SettingName] as const),
  ['host', 'address'],
  ['storage-driver', 'snapshotter'],
])

/**
 * Whether `--name` is one of nerd's global options, which are lifted out of a command's flags
 * wherever they are typed (so a command cannot have a flag of that name).
 */
export function isLongGlobalFlag(name: string): boolean {
  return LONG_GLOBALS.has(name) || name === 'log-level'
}

/** Short global flags, accepted only before the first command word. */
const SHORT_GLOBALS: ReadonlyMap<string, SettingName> = new Map<string, SettingName>([
  ['a', 'address'],
  ['H', 'address'],
  ['n', 'namespace'],
  ['D', 'debug'],
])

/** docker's `-l, --log-level`: nerd has one level below the default, its debug setting. */
const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'fatal']

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
  'compose run': new Set([
    'e', 'l', 'p', 'u', 'v', 'w', 'cap-add', 'cap-drop', 'entrypoint', 'env', 'env-from-file', 'label', 'name',
    'publish', 'pull', 'user', 'volume', 'workdir',
  ]),
  'compose exec': new Set(['e', 'u', 'w', 'env', 'index', 'user', 'workdir']),
}

export interface SplitGlobalArgs {
  globals: GlobalFlags
  /** argv without the global options, for oclif. */
  rest: string[]
  /** The command words found: ['ps'], ['namespace', 'ls'], ['container', 'run']; [] when none. */
  command: string[]
  /** docker's `--config DIR` (what DOCKER_CONFIG says otherwise), when given. */
  dockerConfig?: string
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
 * Removes the global options from argv (see the rules above). `pluginValueFlags` are the value
 * flags the installed plugins declare for the command (plugins/declared-flags.ts), known only once
 * oclif has read the plugins: run and create need them to find the image. Throws a NerdError (exit 125, like
 * docker's flag errors) for a global option without its value or with an invalid one.
 */
export function splitGlobalArgs(argv: readonly string[], pluginValueFlags: ValueFlags = new Set()): SplitGlobalArgs {
  const globals: GlobalFlags = {}
  const rest: string[] = []
  const command: string[] = []
  let dockerConfig: string | undefined
  let index = 0
  // Where rest has the subcommand (its management command's flags after it) and the `--` put before the first positional.
  let subcommandAt: number | undefined
  const topicFlags: string[] = []
  let dashAddedAt: number | undefined

  // Before the first command word: long and short global forms; anything else stays.
  while (index < argv.length && isOption(argv[index])) {
    const token = argv[index]
    // docker's root flag only (a command's own --config after the command is the command's).
    if (token === '--config' || token.startsWith('--config=')) {
      if (token === '--config' && index + 1 >= argv.length) throw flagNeedsArgument(token, '')
      dockerConfig = token === '--config' ? argv[index + 1] : token.slice('--config='.length)
      index += token === '--config' ? 2 : 1
      continue
    }
    const context = /^(-c|--context)(?:=(.*))?$/s.exec(token)
    if (context) {
      if (context[2] === undefined && index + 1 >= argv.length) throw flagNeedsArgument(token, '')
      checkContext(context[2] ?? argv[index + 1]!)
      index += context[2] === undefined ? 2 : 1
      continue
    }
    const lifted = liftGlobal(argv, index, globals, true)
    if (lifted === 0) rest.push(token)
    index += lifted || 1
  }
  const found = (): SplitGlobalArgs => {
    const split: SplitGlobalArgs = {globals, rest, command, ...(dockerConfig === undefined ? {} : {dockerConfig})}
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
      const lifted = liftGlobal(argv, index, globals, false)
      if (lifted > 0) {
        index += lifted
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

  const ownValueFlags = CONTAINER_COMMAND_VALUE_FLAGS[command.join(' ')]
  const stopAtPositional = ownValueFlags && pluginValueFlags.size > 0 ? new Set([...ownValueFlags, ...pluginValueFlags]) : ownValueFlags
  while (index < argv.length && argv[index] !== '--') {
    const lifted = liftGlobal(argv, index, globals, false)
    if (lifted > 0) {
      index += lifted
      continue
    }
    if (!stopAtPositional) {
      rest.push(argv[index])
      index++
      continue
    }
    const extent = flagExtent(argv, index, stopAtPositional)
    if (!extent) {
      // The image (or container) and the command's words are the container's: oclif would take a
      // `--help` among them as a request for nerd's help (`nerd run img ls --help`), but not past `--`.
      dashAddedAt = rest.length
      rest.push('--')
      break
    }
    rest.push(...argv.slice(index, index + extent.length))
    index += extent.length
  }
  rest.push(...argv.slice(index))
  return found()
}

/**
 * docker's `-c, --context`: nerd has docker's `default` context only (the containerd it is given
 * with -H or its settings), so naming it is accepted and any other is refused.
 */
function checkContext(name: string): void {
  if (name !== 'default') throw new NerdError(`context ${JSON.stringify(name)} does not exist: nerd has the "default" context only (use -H or CONTAINERD_ADDRESS)`)
}

function isOption(token: string): boolean {
  return token.startsWith('-') && token !== '-' && token !== '--'
}

/**
 * If argv[index] is a global option, records it in `globals` and returns how many tokens it used
 * (1 or 2); returns 0 otherwise.
 */
function liftGlobal(argv: readonly string[], index: number, globals: GlobalFlags, allowShort: boolean): number {
  const token = argv[index]
  if (!token.startsWith('--')) return allowShort ? liftShortGroup(argv, index, globals) : 0
  const equals = token.indexOf('=')
  const typed = equals < 0 ? token : token.slice(0, equals)
  const inlineValue = equals < 0 ? undefined : token.slice(equals + 1)
  if (typed === '--log-level') return liftLogLevel(argv, index, globals, typed, inlineValue)
  const name = LONG_GLOBALS.get(typed.slice(2))
  return name ? liftSetting(argv, index, globals, name, typed, inlineValue) : 0
}

/**
 * A group of short options before the command, read as pflag reads it: a boolean lets the group go
 * on (`-Dn k8s.io` is -D, then -n k8s.io); an option with a value takes the rest of the group
 * (`-nk8s.io`, `-n=k8s.io`), or else the next token. 0 when the group starts with no global option
 * (left for the entry point to report); a group that goes on with one nerd lacks is an unknown flag.
 */
function liftShortGroup(argv: readonly string[], index: number, globals: GlobalFlags): number {
  const group = argv[index]
  for (let position = 1; position < group.length; position++) {
    const char = group[position]
    const after = group.slice(position + 1)
    const inlineValue = after === '' ? undefined : after.startsWith('=') ? after.slice(1) : after
    if (char === 'l') return liftLogLevel(argv, index, globals, '-l', inlineValue)
    const name = SHORT_GLOBALS.get(char)
    if (!name) {
      if (position === 1) return 0
      throw unknownFlag(group, '', char)
    }
    if (SETTING_SPECS[name].kind !== 'boolean' || after.startsWith('=')) return liftSetting(argv, index, globals, name, `-${char}`, inlineValue)
    setGlobal(globals, name, true)
  }
  return 1
}

/** docker's `-l, --log-level`: its debug level is nerd's debug setting. */
function liftLogLevel(argv: readonly string[], index: number, globals: GlobalFlags, typed: string, inlineValue: string | undefined): number {
  const used = inlineValue === undefined ? 2 : 1
  if (used === 2 && index + 1 >= argv.length) throw flagNeedsArgument(typed, '')
  const level = parseFlagValue(typed === '-l' ? '-l, --log-level' : typed, inlineValue ?? argv[index + 1]!, (text) => {
    if (!LOG_LEVELS.includes(text)) throw new InvalidSettingValue(`not a valid logrus Level: ${JSON.stringify(text)}`)
    return text
  })
  if (level === 'debug') setGlobal(globals, 'debug', true)
  return used
}

/** Records the setting a global option typed as `typed` sets, from its inline value or the next token. */
function liftSetting(argv: readonly string[], index: number, globals: GlobalFlags, name: SettingName, typed: string, inlineValue: string | undefined): number {
  const spec = SETTING_SPECS[name]
  if (spec.kind === 'boolean') {
    setGlobal(globals, name, inlineValue === undefined ? true : parseFlagValue(typed, inlineValue, parseBooleanFlag))
    return 1
  }
  let used = 1
  let text = inlineValue
  if (text === undefined) {
    if (index + 1 >= argv.length) throw flagNeedsArgument(typed, '')
    text = argv[index + 1]
    used = 2
  }
  if (spec.kind === 'string-list') {
    // pflag's string slices take comma-separated values and accumulate over repeats.
    const items = text.split(',').filter((item) => item !== '')
    const checked = items.map((item) => parseFlagValue(typed, item, spec.normalize ?? String))
    setGlobal(globals, name, [...((globals[name] as string[] | undefined) ?? []), ...checked])
  } else {
    setGlobal(globals, name, parseFlagValue(typed, text, spec.normalize ?? String))
  }
  return used
}

function setGlobal(globals: GlobalFlags, name: SettingName, value: unknown): void {
  Object.assign(globals, {[name]: value})
}

function parseFlagValue<T>(typed: string, text: string, parse: (text: string) => T): T {
  try {
    return parse(text)
  } catch (error) {
    if (!(error instanceof InvalidSettingValue)) throw error
    throw invalidFlagArgument(text, typed, error.message, '')
  }
}

/**
 * The GLOBAL OPTIONS section `nerd --help` ends with, as docker's help lists its global options:
 * each setting's flags, short forms and aliases first, with its description.
 */
export function globalOptionsHelp(): string {
  const rows = Object.entries(SETTING_SPECS).map(([name, spec]) => {
    const shorts = [...SHORT_GLOBALS].filter(([, setting]) => setting === name).map(([char]) => `-${char}`)
    const longs = [...LONG_GLOBALS].filter(([, setting]) => setting === name).map(([flag]) => `--${flag}`)
    return [[...shorts, ...longs].join(', ') + (spec.kind === 'boolean' ? '' : ' <value>'), spec.description] as const
  })
  rows.push(['-l, --log-level <value>', 'debug is --debug; info, warn, error and fatal are the default'])
  rows.push(['-c, --context <value>', 'docker\'s context: only "default" (nerd has no other)'])
  rows.push(['--config <value>', "Location of docker's client configuration (DOCKER_CONFIG; default ~/.docker)"])
  const width = Math.max(...rows.map(([flags]) => flags.length))
  return `GLOBAL OPTIONS\n${rows.map(([flags, description]) => `  ${flags.padEnd(width)}  ${description}`).join('\n')}\n`
}
