/**
 * Argument splitting for the commands whose flags end at the first positional (`run`, `create`,
 * `exec`): everything from the image (or container) on belongs to the container's command, as with
 * docker. oclif alone would parse `nerd run img ls -la` as nerd's `-l -a`.
 */
import {flagNeedsArgument, invalidFlagArgument} from '../errors.ts'
import {parseBooleanFlag, InvalidSettingValue} from './settings.ts'

/**
 * Names of the flags that take a value, without dashes: one character for a short flag (`p`), more
 * for a long one (`publish`).
 */
export type ValueFlags = ReadonlySet<string>

/** Where a flag token (and its value) ends, for the token at `index`. */
export interface FlagExtent {
  /** Tokens the flag occupies: 1, or 2 when its value is the next token. */
  length: 1 | 2
  /** The flag wants its value from the next token but argv ends here. */
  missingValue?: string
}

/**
 * Reads the flag at argv[index] the way pflag (docker's parser) does: `--name value`, `--name=value`,
 * `-p value`, `-p8080:80`, `-p=8080:80`, and combined short flags (`-dit`, `-itp 80:80`) where the
 * first value-taking character takes the rest of the token or the next token. Returns undefined
 * when argv[index] is not a flag (a positional, `-` or `--`).
 */
export function flagExtent(argv: readonly string[], index: number, valueFlags: ValueFlags): FlagExtent | undefined {
  const token = argv[index]
  if (token === '--' || token === '-' || !token.startsWith('-')) return undefined
  const needsNext = token.startsWith('--') ? longFlagNeedsNext(token, valueFlags) : shortFlagsNeedNext(token, valueFlags)
  if (!needsNext) return {length: 1}
  if (index + 1 >= argv.length) return {length: 1, missingValue: token}
  return {length: 2}
}

/** What no argument can hold (the kernel passes argv as C strings): the mark of a shielded value. */
const SHIELD = '\0'

/**
 * The flag at argv[index] (`extent`, from flagExtent) in the words handed to oclif. pflag takes a
 * value flag's next word, or what follows its `=`, whatever it looks like; oclif's parser refuses a
 * value that names one of the command's flags (`--name --rm`, `-e=-a`, `--hostname=-ab`, whose `-a`
 * is --attach), and its run answers a `--help` value with help. So a value that begins with `-` is
 * given glued to its flag with `=`, behind a NUL, which oclif reads as no flag: NerdCommand.parse
 * hands the flag's parse the value without it (unshielded). pflag's `-e=` (the value "=") is given
 * as `-e==`, where oclif would read "". Anything else stays as typed.
 */
export function shieldedFlag(argv: readonly string[], index: number, extent: FlagExtent, valueFlags: ValueFlags): string[] {
  const typed = argv.slice(index, index + extent.length)
  const token = typed[0]!
  if (extent.missingValue !== undefined) return typed
  let flag = token
  let value = typed[1]
  if (token.startsWith('--')) {
    const equals = token.indexOf('=')
    if (equals >= 0) [flag, value] = [token.slice(0, equals), token.slice(equals + 1)]
    if (!valueFlags.has(flag.slice(2))) return typed
  } else {
    // The first value flag of the group takes the rest of it, or else the next word.
    const at = shortGroupFlags(token, (char) => valueFlags.has(char)).length
    if (!valueFlags.has(token[at]!)) return typed
    const rest = token.slice(at + 1)
    flag = token.slice(0, at + 1)
    if (rest === '=') return [`${flag}==`]
    value = shortInlineValue(rest) ?? value
  }
  return value?.startsWith('-') ? [`${flag}=${SHIELD}${value}`] : typed
}

/** pflag's value of a short flag written inside its group: `-nx` and `-n=x` are x, a lone `-n=` is "=". */
export function shortInlineValue(rest: string): string | undefined {
  return rest === '' ? undefined : rest.length > 1 && rest.startsWith('=') ? rest.slice(1) : rest
}

/** A flag's value as typed, from what oclif read of a shielded one (shieldedFlag). */
export function unshielded(value: string): string {
  return value.startsWith(SHIELD) ? value.slice(1) : value
}

/** oclif's flag `definitions`, each value flag's parse given its value unshielded. */
export function unshieldingParsers<Flag extends {type: string}>(definitions: Readonly<Record<string, Flag>>): Record<string, Flag> {
  return Object.fromEntries(
    Object.entries(definitions).map(([name, flag]) => {
      if (flag.type !== 'option') return [name, flag]
      const {parse} = flag as unknown as {parse: (input: string, ...context: unknown[]) => Promise<unknown>}
      return [name, {...flag, parse: (input: string, ...context: unknown[]) => parse(unshielded(input), ...context)}]
    }),
  )
}

function longFlagNeedsNext(token: string, valueFlags: ValueFlags): boolean {
  return !token.includes('=') && valueFlags.has(token.slice(2))
}

function shortFlagsNeedNext(token: string, valueFlags: ValueFlags): boolean {
  return shortGroupFlags(token, (char) => valueFlags.has(char)).length === token.length - 1 && valueFlags.has(token.at(-1)!)
}

/**
 * The letters pflag reads as flags in a group of short flags (`-abc`): up to and including the first
 * that takes a value (the rest of the group, or the next word, is its value), and none after an `=`
 * (`-d=false`: what follows is the value of the flag before it).
 */
export function shortGroupFlags(group: string, takesValue: (char: string) => boolean): string {
  let end = 1
  while (end < group.length && group[end] !== '=') if (takesValue(group[end++]!)) break
  return group.slice(1, end)
}

export interface SplitRunArgs {
  /** nerd's own flags, as typed (oclif understands glued and combined short flags). */
  flags: string[]
  /** The image (or container) and everything after it, untouched. */
  positional: string[]
}

/**
 * Splits the argv that follows `run`/`create`/`exec` (global options already lifted out) at the
 * first positional. A `--` before it ends the flags and is dropped; after it, `--` is the
 * container's. A value flag at the end of argv is a usage error (exit 125, as docker).
 */
export function splitRunArgs(argv: readonly string[], valueFlags: ValueFlags): SplitRunArgs {
  const flags: string[] = []
  let index = 0
  while (index < argv.length) {
    if (argv[index] === '--') return {flags, positional: argv.slice(index + 1)}
    const extent = flagExtent(argv, index, valueFlags)
    if (!extent) break
    if (extent.missingValue) throw missingValueError(extent.missingValue, valueFlags)
    flags.push(...argv.slice(index, index + extent.length))
    index += extent.length
  }
  return {flags, positional: argv.slice(index)}
}

function missingValueError(token: string, valueFlags: ValueFlags): Error {
  if (token.startsWith('--')) return flagNeedsArgument(token)
  return flagNeedsArgument(`-${[...token.slice(1)].find((c) => valueFlags.has(c)) ?? token.slice(1)}`)
}

/**
 * Rewrites docker's `--flag=true|false` and `-f=true|false` for boolean flags (named in `booleans`,
 * long names without dashes; `chars` maps a short flag to its long name) into what oclif parses:
 * `=true` becomes `--flag`; `=false` becomes `--no-flag` for flags declared with `allowNo` (named in
 * `negatable`; oclif then lets the last of `--rm`/`--no-rm` win, as docker does) and is dropped for
 * the others, whose default is off. Tokens after `--` are kept as they are. A value that is not a
 * boolean is a usage error (exit 125).
 */
export function normalizeBooleanFlags(
  flags: readonly string[],
  booleans: ReadonlySet<string>,
  options: {chars?: ReadonlyMap<string, string>; negatable?: ReadonlySet<string>} = {},
): string[] {
  const end = flags.indexOf('--')
  const head = (end === -1 ? flags : flags.slice(0, end)).flatMap((token) => splitGroupBeforeValue(token, options.chars))
  const rewritten = head.flatMap((token) => {
    const long = /^--([^=]+)=(.*)$/s.exec(token)
    const short = /^-([^-])=(.*)$/s.exec(token)
    const name = long ? long[1] : short ? options.chars?.get(short[1]) : undefined
    if (name === undefined || !booleans.has(name)) return [token]
    const text = (long ?? short)![2]
    let value: boolean
    try {
      value = parseBooleanFlag(text)
    } catch (error) {
      if (!(error instanceof InvalidSettingValue)) throw error
      // pflag names a flag whose shorthand is deprecated (docker's -h) by its long name alone.
      throw invalidFlagArgument(text, long || name === 'help' ? `--${name}` : `-${short![1]}, --${name}`, error.message)
    }
    if (value) return [`--${name}`]
    return !options.negatable || options.negatable.has(name) ? [`--no-${name}`] : []
  })
  return end === -1 ? rewritten : [...rewritten, ...flags.slice(end)]
}

/**
 * pflag lets the last letter of a group of short booleans take `=value` (`-it=false` is `-i` and
 * `-t=false`): such a group is split there, so that the last flag is read as a lone `-t=false` is.
 * Left whole when a letter before the last is no boolean of the command's (a value flag takes the
 * rest of the group; an unknown one is the parser's to report).
 */
function splitGroupBeforeValue(token: string, chars: ReadonlyMap<string, string> | undefined): string[] {
  const group = /^-([^-=]{2,})=(.*)$/s.exec(token)
  if (!group || !chars) return [token]
  const letters = group[1]!
  if (![...letters.slice(0, -1)].every((char) => chars.has(char))) return [token]
  return [`-${letters.slice(0, -1)}`, `-${letters.slice(-1)}=${group[2]}`]
}

/**
 * Whether argv asks for help before any `--` (past it, a container's command: `exec c ls -h`):
 * `--help`, or docker's `-h` where the command (its flag `definitions`) has no -h of its own (run's
 * is --hostname), alone or in a group of short flags where pflag reaches it (`-qh`, not `-fh`,
 * whose h is --filter's value).
 */
export function asksHelp(argv: readonly string[], definitions: Readonly<Record<string, FlagDefinitionShape>> = {}): boolean {
  const end = argv.indexOf('--')
  const flags = end === -1 ? argv : argv.slice(0, end)
  if (flags.includes('--help')) return true
  if (Object.values(definitions).some((flag) => flag.char === 'h')) return false
  const valueChars = new Set(Object.values(definitions).flatMap((flag) => (flag.type === 'option' && flag.char !== undefined ? [flag.char] : [])))
  return flags.some((word) => /^-[^-]/.test(word) && shortGroupFlags(word, (char) => valueChars.has(char)).includes('h'))
}

/**
 * The command's flag `definitions` with docker's help flag, for the rewrites of argv: a boolean, so
 * that `--help=false` and `-qh=false` are dropped (the command runs, as docker's does) and the last
 * of `--help` and `--help=false` wins; `-h` is its shorthand where the command has no -h of its own.
 */
export function withHelpFlag(definitions: Readonly<Record<string, FlagDefinitionShape>>): Record<string, FlagDefinitionShape> {
  const shorthand = !Object.values(definitions).some((flag) => flag.char === 'h')
  return {...definitions, help: {type: 'boolean', ...(shorthand ? {char: 'h'} : {})}}
}

/** What nerd's readings of argv need of a flag's definition (oclif's, or its manifest's). */
export interface FlagDefinitionShape {
  /** oclif's: `option` takes a value. */
  type?: 'boolean' | 'option'
  char?: string
  aliases?: readonly string[]
  /** A boolean that takes `--no-` too. */
  allowNo?: boolean
  multiple?: boolean
}

export interface FlagSets {
  valueFlags: ValueFlags
  booleanFlags: ReadonlySet<string>
  /** Short boolean flags by their long names, for `-d=false`. */
  booleanChars: ReadonlyMap<string, string>
  /** The boolean flags declared with allowNo (`--no-sig-proxy`). */
  negatable: ReadonlySet<string>
}

/** Derives splitRunArgs's and normalizeBooleanFlags's inputs from a command's flag definitions. */
export function flagSetsOf(definitions: Readonly<Record<string, FlagDefinitionShape>>): FlagSets {
  const valueFlags = new Set<string>()
  const booleanFlags = new Set<string>()
  const booleanChars = new Map<string, string>()
  const negatable = new Set<string>()
  for (const [name, definition] of Object.entries(definitions)) {
    if (definition.type === 'option') {
      valueFlags.add(name)
      if (definition.char) valueFlags.add(definition.char)
    } else {
      booleanFlags.add(name)
      if (definition.char) booleanChars.set(definition.char, name)
      if (definition.allowNo) negatable.add(name)
    }
  }
  return {valueFlags, booleanFlags, booleanChars, negatable}
}

/**
 * The argv to hand oclif for a run/create/exec command: nerd's flags (booleans normalized), then
 * `--`, then the image and the container's command, so that oclif reads nothing after the image
 * as nerd's. (oclif moves a second `--` found among the positionals; a command that must pass `--`
 * to the container should take its positionals from splitRunArgs.)
 */
export function containerCommandArgv(argv: readonly string[], definitions: Readonly<Record<string, FlagDefinitionShape>>): string[] {
  const {valueFlags} = flagSetsOf(definitions)
  const {flags, positional} = splitRunArgs(argv, valueFlags)
  return [...normalizeCommandBooleans(flags, definitions), '--', ...positional]
}

/**
 * The argv to hand oclif for any other command: the last of each repeated flag kept, then
 * normalizeBooleanFlags, from the command's oclif-shaped flag definitions.
 */
export function normalizeCommandBooleans(argv: readonly string[], definitions: Readonly<Record<string, FlagDefinitionShape>>): string[] {
  const {booleanFlags, booleanChars, negatable} = flagSetsOf(definitions)
  return normalizeBooleanFlags(keepLastOfEachFlag(argv, definitions), booleanFlags, {chars: booleanChars, negatable})
}

/**
 * Drops all but the last occurrence of each flag that is not repeatable, before `--`: docker's
 * parser lets the last one win (`--format a --format b`, `-w /tmp -w /etc`, `-d --detach=false`,
 * `--rm --rm=false`), where oclif refuses a second value and lets any `true` of a boolean win.
 * Shell aliases and wrappers pass a default that the user's own flag overrides. A flag combined
 * with others (`-dit`, `-itw /tmp`) leaves the others in place.
 */
export function keepLastOfEachFlag(argv: readonly string[], definitions: Readonly<Record<string, FlagDefinitionShape>>): string[] {
  const {valueFlags} = flagSetsOf(definitions)
  const names = new Map<string, string>()
  for (const [name, definition] of Object.entries(definitions)) {
    if (definition.multiple) continue
    names.set(name, name)
    if (definition.allowNo) names.set(`no-${name}`, name)
    if (definition.char) names.set(definition.char, name)
  }
  const end = argv.indexOf('--')
  const head = end === -1 ? argv.length : end
  const occurrences = new Map<string, FlagOccurrence[]>()
  for (let index = 0; index < head; ) {
    const extent = flagExtent(argv, index, valueFlags)
    if (!extent) {
      index++
      continue
    }
    for (const occurrence of flagOccurrences(argv[index], index, extent.length, valueFlags)) {
      const name = names.get(occurrence.key)
      if (name) occurrences.set(name, [...(occurrences.get(name) ?? []), occurrence])
    }
    index += extent.length
  }
  // Per token, the characters of a short-flag group to take out, or the whole token.
  const cuts = new Map<number, {from: number; to: number}[]>()
  for (const found of occurrences.values()) {
    for (const {index, at, to, length} of found.slice(0, -1)) {
      cuts.set(index, [...(cuts.get(index) ?? []), {from: at, to}])
      for (let next = 1; next < length; next++) cuts.set(index + next, [{from: 0, to: Infinity}])
    }
  }
  if (cuts.size === 0) return [...argv]
  return argv.flatMap((token, index) => {
    const taken = cuts.get(index)
    if (!taken) return [token]
    const kept = [...token].filter((_, position) => !taken.some(({from, to}) => position >= from && position < to)).join('')
    return kept === '' || kept === '-' ? [] : [kept]
  })
}

/** A flag in a token: its name or character, and the part of the token it takes (`at` to `to`). */
interface FlagOccurrence {
  key: string
  index: number
  at: number
  to: number
  /** Tokens it spans: 2 when its value is the next token. */
  length: number
}

/** The flags one token holds: a long flag (whole token) or a group of short ones (`-dit`, `-itw/tmp`, `-d=false`). */
function flagOccurrences(token: string, index: number, length: number, valueFlags: ValueFlags): FlagOccurrence[] {
  if (token.startsWith('--')) return [{key: token.slice(2).split('=', 1)[0], index, at: 0, to: Infinity, length}]
  const found: FlagOccurrence[] = []
  for (let position = 1; position < token.length; position++) {
    const key = token[position]
    // The rest of the token is this flag's: a value (`-w/tmp`) or `=value` (`-d=false`).
    if (valueFlags.has(key) || token[position + 1] === '=') {
      found.push({key, index, at: position, to: Infinity, length})
      break
    }
    found.push({key, index, at: position, to: position + 1, length: 1})
  }
  return found
}
