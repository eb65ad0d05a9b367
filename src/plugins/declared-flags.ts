/**
 * Flags plugins declare for nerd's own commands, in their package.json:
 * `"nerd": {"flags": {"run": {"greeting": {"type": "string", "description": "…"}}}}`. They are read
 * from the package.json oclif reads of every plugin at start anyway, so a command knows them
 * without loading any plugin code; the command then takes them as its own, lists them in its help
 * and hands their values to the plugins' hooks in the payload's `flags`, by long name. Install and
 * link refuse a declaration nerd cannot use or that clashes; a clash among plugins installed before
 * (by an older nerd, or edited in place) is a warning, and the plugin loaded first keeps the flag.
 */
import * as Flags from '@oclif/core/flags'
import type {Interfaces} from '@oclif/core'
import {isLongGlobalFlag} from '../config/argv.ts'
import {integerFlag} from '../integer-flag.ts'

/** The commands plugins may declare flags for (their aliases take them too): those whose hooks carry `flags`. */
const PLUGIN_FLAG_COMMANDS = ['pull', 'push', 'run', 'create'] as const
export type PluginFlagCommand = (typeof PLUGIN_FLAG_COMMANDS)[number]

export interface DeclaredFlag {
  type: 'string' | 'boolean' | 'integer'
  description: string
  /** Repeatable: its value is the list of the values given (string and integer flags only). */
  multiple?: boolean
  /** The value the hooks see when it is not given (a list for a repeatable flag). */
  default?: string | number | boolean | string[] | number[]
}

export type FlagDeclarations = Partial<Record<PluginFlagCommand, Record<string, DeclaredFlag>>>

/** A flag a plugin offers to a command. */
export interface OfferedFlag {
  plugin: string
  flag: DeclaredFlag
}

/** What nerd knows of a command's own flags: their names, aliases, and whether a boolean has `--no-`. */
export type OwnFlags = Readonly<Record<string, {aliases?: readonly string[]; allowNo?: boolean}>>

/** A command (a class, or oclif's manifest entry) that takes the flags plugins declare for `pluginFlagCommand`. */
export interface FlagTakingCommand {
  pluginFlagCommand?: unknown
  flags?: OwnFlags
}

const FLAG_NAME = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/
const FLAG_KEYS = new Set(['type', 'description', 'multiple', 'default'])
const TYPES = new Set(['string', 'boolean', 'integer'])

/**
 * The plugin's `nerd.flags` in `pjson`, checked: `{problem}`, naming the plugin and the flag, for
 * what nerd cannot use (an unknown command, a bad name, type or default).
 */
export function readFlagDeclarations(plugin: string, pjson: unknown): {declarations: FlagDeclarations} | {problem: string} {
  const nerd = isObject(pjson) ? pjson.nerd : undefined
  const declared = isObject(nerd) ? nerd.flags : undefined
  if (declared === undefined) return {declarations: {}}
  const refused = (what: string) => ({problem: `plugin "${plugin}" has ${what} in its package.json`})
  if (!isObject(declared)) return refused('a "nerd.flags" that is not an object of commands')
  const declarations: FlagDeclarations = {}
  for (const [command, flags] of Object.entries(declared)) {
    if (!(PLUGIN_FLAG_COMMANDS as readonly string[]).includes(command)) return refused(`flags for ${JSON.stringify(command)} in "nerd.flags" (plugins declare flags for ${PLUGIN_FLAG_COMMANDS.join(', ')})`)
    if (!isObject(flags)) return refused(`a "nerd.flags.${command}" that is not an object of flags`)
    for (const [name, spec] of Object.entries(flags)) {
      const problem = flagSpecProblem(name, spec)
      if (problem) return refused(`a flag ${JSON.stringify(name)} for ${command} ${problem}`)
    }
    declarations[command as PluginFlagCommand] = flags as Record<string, DeclaredFlag>
  }
  return {declarations}
}

function flagSpecProblem(name: string, spec: unknown): string | undefined {
  if (name.length < 2 || !FLAG_NAME.test(name)) return 'whose name is not lowercase letters and digits in words joined by "-" (two characters at least)'
  if (!isObject(spec)) return 'that is not an object'
  const unknown = Object.keys(spec).find((key) => !FLAG_KEYS.has(key))
  if (unknown !== undefined) return `with an unknown key ${JSON.stringify(unknown)} (a flag has type, description, multiple, default)`
  if (!TYPES.has(spec.type as string)) return 'whose type is not "string", "boolean" or "integer"'
  if (typeof spec.description !== 'string' || spec.description.trim() === '') return 'without a description'
  if (spec.multiple !== undefined && typeof spec.multiple !== 'boolean') return 'whose "multiple" is not true or false'
  if (spec.multiple && spec.type === 'boolean') return 'that is a repeatable boolean'
  if (spec.default === undefined) return undefined
  const fits = (value: unknown) => (spec.type === 'integer' ? Number.isSafeInteger(value) : typeof value === spec.type)
  const fitting = spec.multiple ? Array.isArray(spec.default) && spec.default.every(fits) : fits(spec.default)
  return fitting ? undefined : `whose default is not ${spec.multiple ? 'a list of ' : 'a '}${spec.type === 'integer' ? 'whole number' : spec.type}${spec.multiple ? 's' : ''}`
}

/**
 * How nerd takes the long flag `--name` already for `command`, whose own flags are `own` (`--rm`,
 * `--no-…`, an alias), or as one of its global options (`--namespace`, lifted out wherever typed).
 */
function takenByNerd(name: string, command: PluginFlagCommand, own: OwnFlags): string | undefined {
  if (name === 'help' || isLongGlobalFlag(name)) return 'which is one of nerd\'s global options'
  const owned = Object.entries(own).some(([ownName, flag]) => ownName === name || (flag.aliases ?? []).includes(name) || (flag.allowNo === true && `no-${ownName}` === name))
  return owned ? `which is a flag of nerd's ${command}` : undefined
}

/**
 * Why `plugin`'s declarations cannot join those of the plugins already there (`others`, in the
 * order oclif loads them): a flag the command has of its own (`ownFlags`), or one another plugin
 * declares for the same command. Undefined when they can.
 */
export function flagDeclarationConflict(plugin: string, declarations: FlagDeclarations, ownFlags: (command: PluginFlagCommand) => OwnFlags, others: readonly {name: string; pjson: unknown}[]): string | undefined {
  for (const [command, flags] of Object.entries(declarations) as [PluginFlagCommand, Record<string, DeclaredFlag>][]) {
    const offered = offeredFlags(others, command, ownFlags(command)).flags
    for (const name of Object.keys(flags)) {
      const taken = takenByNerd(name, command, ownFlags(command))
      if (taken) return `plugin "${plugin}" declares --${name} for ${command}, ${taken}`
      const holder = offered[name]
      if (holder) return `plugin "${plugin}" declares --${name} for ${command}, which plugin "${holder.plugin}" declares too`
    }
  }
  return undefined
}

/**
 * The flags `plugins` (in the order oclif loads them) offer to `command`, by long name, and the
 * warnings about the ones left out: a plugin's declarations nerd cannot use (all of them), a flag
 * of the command's own (`ownFlags`: nerd's wins), one an earlier plugin declares (the earlier's wins).
 */
export function offeredFlags(plugins: readonly {name: string; pjson: unknown}[], command: PluginFlagCommand, ownFlags: OwnFlags): {flags: Record<string, OfferedFlag>; warnings: string[]} {
  const flags: Record<string, OfferedFlag> = {}
  const warnings: string[] = []
  for (const {name: plugin, pjson} of plugins) {
    const read = readFlagDeclarations(plugin, pjson)
    if ('problem' in read) {
      warnings.push(`${read.problem}; ignoring the flags it declares`)
      continue
    }
    for (const [name, flag] of Object.entries(read.declarations[command] ?? {})) {
      const holder = flags[name]
      const taken = takenByNerd(name, command, ownFlags)
      if (taken) warnings.push(`plugin "${plugin}" declares --${name} for ${command}, ${taken}; ignoring the plugin's`)
      else if (holder) warnings.push(`plugin "${plugin}" declares --${name} for ${command}, which plugin "${holder.plugin}" declares too; plugin "${holder.plugin}"'s is used`)
      else flags[name] = {plugin, flag}
    }
  }
  return {flags, warnings}
}

/** The plugins whose declarations count: all that oclif loaded (installed, linked, carried by a bundle), nerd itself aside. */
export function declaringPlugins(config: Interfaces.Config): {name: string; pjson: unknown}[] {
  return config.getPluginsList().filter((plugin) => plugin.root !== config.root)
}

/** The command's name for the flags plugins declare for it (`run` for `container run` too), when it takes them. */
function pluginFlagCommandOf(command: FlagTakingCommand | undefined): PluginFlagCommand | undefined {
  const declared = command?.pluginFlagCommand
  return (PLUGIN_FLAG_COMMANDS as readonly unknown[]).includes(declared) ? (declared as PluginFlagCommand) : undefined
}

/** The flags the loaded plugins offer to `command`, with the warnings about those left out. */
function installedPluginFlags(config: Interfaces.Config, command: FlagTakingCommand): {flags: Record<string, OfferedFlag>; warnings: string[]} {
  const declaredFor = pluginFlagCommandOf(command)
  if (!declaredFor) return {flags: {}, warnings: []}
  return offeredFlags(declaringPlugins(config), declaredFor, command.flags ?? {})
}

/** The flags the loaded plugins offer to `command` as oclif's definitions, with the warnings about those left out. */
export function pluginFlagDefinitions(config: Interfaces.Config, command: FlagTakingCommand): {flags: Interfaces.FlagInput; warnings: string[]} {
  const {flags, warnings} = installedPluginFlags(config, command)
  return {flags: oclifFlags(flags), warnings}
}

/** The offered flags as oclif's flag definitions, each described with the plugin that offers it. */
export function oclifFlags(offered: Record<string, OfferedFlag>): Interfaces.FlagInput {
  return Object.fromEntries(
    Object.entries(offered).map(([name, {plugin, flag}]) => {
      const description = `${flag.description} (plugin ${plugin})`
      const options = {description, ...(flag.default === undefined ? {} : {default: flag.default})} as never
      const multiple = flag.multiple === true
      const defined = flag.type === 'boolean' ? Flags.boolean(options) : flag.type === 'integer' ? integerFlag({...(options as object), multiple} as never) : Flags.string({...(options as object), multiple} as never)
      return [name, {...(defined as object), name}]
    }),
  ) as Interfaces.FlagInput
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
