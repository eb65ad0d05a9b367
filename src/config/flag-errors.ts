/**
 * oclif's parser errors for a flag's value, which every command's parse (nerd's, oclif's plugin
 * commands, plugins') throws, in pflag's words, as docker prints them.
 */
import {flagNeedsArgument, invalidFlagArgument, unknownFlag, type FlagError} from '../errors.ts'
import {flagExtent, unshielded, type FlagDefinitionShape} from './run-args.ts'

/**
 * `Flag --format expects a value` is `flag needs an argument: --format` (`'n' in -n` when typed so);
 * `Parsing --last` / `Expected an integer but received: abc` is `invalid argument "abc" for
 * "-n, --last" flag: strconv.ParseInt: parsing "abc": invalid syntax`; a value outside a flag's
 * options is an invalid argument too. undefined for any other error. `argv` is the command's, as
 * typed; `usageOf` the command for the hint line; `refused` the value a flag's own parse refused
 * (RefusedFlagValue), when it said which.
 */
export function dockerFlagError(message: string, flags: Readonly<Record<string, FlagDefinitionShape>>, argv: readonly string[], usageOf: string, refused?: string): FlagError | undefined {
  const missing = /^Flag --([\w-]+) expects (?:a value|one of these values)/.exec(message)
  if (missing) {
    const [, name] = missing as unknown as [string, string]
    const char = flags[name]?.char
    const typedShort = char !== undefined && !argv.includes(`--${name}`) && argv.some((word) => /^-[^-]/.test(word) && word.endsWith(char))
    return flagNeedsArgument(typedShort ? `-${char}` : `--${name}`, usageOf)
  }
  const parsing = /^Parsing --([\w-]+)\s*\n\s*(.*)/.exec(message)
  if (parsing) {
    const [, name, reason] = parsing as unknown as [string, string, string]
    const integer = /^Expected an integer but received: (.*)$/.exec(reason.trim())
    const value = integer?.[1] ?? refused ?? typedValue(argv, name, flags[name]?.char) ?? ''
    return invalidFlagArgument(value, pflagName(name, flags[name]?.char), integer ? `strconv.ParseInt: parsing ${JSON.stringify(value)}: invalid syntax` : reason.trim(), usageOf)
  }
  const option = /^Expected --([\w-]+)=(.*) to be one of: (.*)$/m.exec(message)
  if (option) {
    const [, name, value, choices] = option as unknown as [string, string, string, string]
    return invalidFlagArgument(unshielded(value), pflagName(name, flags[name]?.char), `must be one of ${choices}`, usageOf)
  }
  return undefined
}

/** A flag as pflag names it in errors: `-n, --last`, or `--format` when it has no short form. */
export function pflagName(name: string, char: string | undefined): string {
  return char === undefined ? `--${name}` : `-${char}, --${name}`
}

/** The value typed for a flag: `--name v`, `--name=v`, `-c v`, `-cv`, `-c=v`; the last one typed. */
function typedValue(argv: readonly string[], name: string, char: string | undefined): string | undefined {
  let value: string | undefined
  for (const [index, word] of argv.entries()) {
    if (word === '--') break
    if (word === `--${name}` || (char !== undefined && word === `-${char}`)) value = argv[index + 1]
    else if (word.startsWith(`--${name}=`)) value = word.slice(name.length + 3)
    else if (char !== undefined && word.startsWith(`-${char}`) && !word.startsWith('--')) value = word.slice(word[2] === '=' ? 3 : 2)
  }
  return value === undefined ? undefined : unshielded(value)
}

/**
 * The usage error pflag stops at in a command's words (before `--`): a flag the command does not
 * have (`unknown flag: --x`, `unknown shorthand flag: 'x' in -ax`) or a value flag with nothing
 * after it. undefined when they read. `--help` and `-h` are help's (unless the command has a `-h`).
 */
export function pflagUsageError(argv: readonly string[], flags: Readonly<Record<string, FlagDefinitionShape>>, usageOf: string): FlagError | undefined {
  const problem = firstUsageProblem(argv, flags)
  if (!problem) return undefined
  return problem.missingValue ? flagNeedsArgument(problem.token, usageOf) : unknownFlag(problem.token, usageOf, problem.char)
}

/**
 * pflag's error for a negative number where it reads flags (`port c -1`, `wait -1`, `ps -a1`), which
 * oclif takes for an argument: `unknown shorthand flag: '1' in -1`, when that is the first usage
 * error pflag meets in the command's words (oclif reports any other as pflag does). Not past `--`,
 * nor a value (`--cpu-shares -5`).
 */
export function numberTakenForFlag(argv: readonly string[], flags: Readonly<Record<string, FlagDefinitionShape>>): FlagError | undefined {
  const problem = firstUsageProblem(argv, flags)
  return problem?.char !== undefined && /^\d$/.test(problem.char) ? unknownFlag(problem.token, undefined, problem.char) : undefined
}

/** What pflag stops at in a command's words: `token`, with the short flag `char` it does not know, or with no value after it. */
function firstUsageProblem(argv: readonly string[], flags: Readonly<Record<string, FlagDefinitionShape>>): {token: string; char?: string; missingValue?: true} | undefined {
  const longs = new Set(['help'])
  const chars = new Set(['h'])
  const valueFlags = new Set<string>()
  for (const [name, flag] of Object.entries(flags)) {
    const named = [name, ...(flag.aliases ?? [])]
    for (const long of named) longs.add(long)
    if (flag.char !== undefined) chars.add(flag.char)
    if (flag.type === 'option') for (const each of [...named, ...(flag.char === undefined ? [] : [flag.char])]) valueFlags.add(each)
    if (flag.allowNo) longs.add(`no-${name}`)
  }
  for (let index = 0; index < argv.length && argv[index] !== '--'; ) {
    const extent = flagExtent(argv, index, valueFlags)
    if (!extent) {
      index++
      continue
    }
    const token = argv[index]!
    if (token.startsWith('--') && !longs.has(token.slice(2).split('=', 1)[0]!)) return {token}
    if (!token.startsWith('--')) {
      for (const char of token.slice(1)) {
        if (char === '=') break
        if (!chars.has(char)) return {token, char}
        if (valueFlags.has(char)) break
      }
    }
    if (extent.missingValue !== undefined) return {token: extent.missingValue, missingValue: true}
    index += extent.length
  }
  return undefined
}
