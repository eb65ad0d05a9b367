/**
 * What nerd checks of a plugin being installed or linked. A plugin built for another major version
 * of nerd's hook API, with `nerd.defaults` nerd.toml would refuse or `nerd.flags` nerd cannot take, or a bundle that does not carry
 * the plugins it names or carries one nerd refuses, is refused: at install the plugins installed
 * before are put back at once, and the reason is all that is said, rather than failing at its
 * first event or making oclif complain on every command. What would only surprise its user later
 * (commands nerd's own hide, hook declarations nerd cannot use) is a warning at install and link.
 */
import {spawnSync} from 'node:child_process'
import {existsSync, readFileSync} from 'node:fs'
import {createRequire} from 'node:module'
import {basename, dirname, join} from 'node:path'
import type {Hook, Interfaces} from '@oclif/core'
import type {Plugin as OclifPlugin} from '@oclif/core/config'
import type {ux} from '@oclif/core/ux'
import {pluginDefaultSettings} from '../config/config.ts'
import {NerdError} from '../errors.ts'
import {compareStrings} from '../format/go-values.ts'
import {hookDeclarationProblems, readNerdSettings} from '../hooks/discovery.ts'
import {describeThrown} from '../hooks/errors.ts'
import {asPluginCode} from '../hooks/plugin-stdout.ts'
import {pluginPatternMatches} from '../hooks/installed.ts'
import {resolveHookModule} from '../hooks/loader.ts'
import {hookApiIncompatibility} from '../hooks/version.ts'
import {declaringPlugins, flagDeclarationConflict, readFlagDeclarations, type PluginFlagCommand} from './declared-flags.ts'
import {forgetInstalledPlugins, pluginInstalled} from './installed-before.ts'
import {releasePluginLoadWarnings} from './load-warnings.ts'

/**
 * oclif's `plugins:postinstall` hook for nerd: refuses the plugin just installed when pluginRefusal
 * refuses it, or when its checks fail (with what failed), and otherwise gives the warnings about it.
 * The install command then puts back the plugins installed before (undoingFailedInstall), and says
 * why in one line. The plugin installed is judged, and it alone: another of the user's plugins that
 * nerd would refuse now (nerd was upgraded since it was installed) stays as it is, as it would
 * without this install; nerd tells of it where it fails (its hooks refused when they would load,
 * its defaults ignored with a warning).
 */
export async function checkInstalledPlugins(this: Hook.Context, options: {config: Interfaces.Config}): Promise<void> {
  const {config} = options
  const arriving = pluginInstalled(config)
  if (!arriving) return forgetInstalledPlugins(config.dataDir)
  let refusal: string | undefined
  try {
    // Its package.json and manifest as they are on disk: the installer's oclif keeps the JSON files
    // it reads, and gives the first of two versions one command installs (`plugins install x@1 x@2`)
    // for the second.
    const pjson = readPackageJson(arriving.root)
    refusal = (await installRefusal(config, arriving, pjson)) ?? missingDependency(arriving.name, arriving.root, pjson)
    if (refusal === undefined) {
      releasePluginLoadWarnings(true)
      printWarnings(await pluginWarnings(config, arriving))
      // A plugin named after this one (`plugins install a b`) that fails before its own record is
      // taken must not put back what was installed before this one.
      await forgetInstalledPlugins(config.dataDir)
      // Ended here, as oclif would end it, but with the version installed (oclif's may be the one it read first).
      installersOclif(config).ux.action.stop(`installed v${(pjson as {version?: unknown}).version}`)
      return
    }
  } catch (error) {
    refusal = checkFailure(arriving.name, error)
  }
  // What oclif said of loading it is the refusal's to say.
  releasePluginLoadWarnings(false)
  // As oclif's installer ends the line of an install that fails (its command would end it with "!").
  installersOclif(config).ux.action.stop('failed')
  // oclif's runHook passes on only what this.error throws: anything else would end the install
  // without a word.
  this.error(new PluginRefused(arriving.name, refusal), {exit: 1})
}

/** The refusal of the plugin `plugin` by the install command's check, which names it: the reason. */
export class PluginRefused extends Error {
  readonly plugin: string

  constructor(plugin: string, reason: string) {
    super(reason)
    this.name = 'PluginRefused'
    this.plugin = plugin
  }
}

/** npm's failure at installing a plugin (oclif's installer ran it): npm's reason, in one line. */
export class NpmFailed extends Error {
  constructor(reason: string, options?: ErrorOptions) {
    super(reason, options)
    this.name = 'NpmFailed'
  }
}

/** The line for a check of plugin `name` that failed in a way nerd did not foresee. */
export function checkFailure(name: string, error: unknown): string {
  return `cannot check plugin "${name}": ${describeThrown(error)}`
}

/**
 * What in the package npm installed for the plugin `name` at `root` oclif cannot load, read before
 * oclif loads it (it fails without naming what): its package.json, its `oclif` section, its manifest.
 */
export function installedPackageProblem(name: string, root: string): string | undefined {
  let pjson: unknown
  try {
    pjson = readPackageJson(root)
  } catch (error) {
    // Named as the warnings of every command name it.
    return `plugin "${name}" cannot be loaded: ${error instanceof SyntaxError ? `${join(root, 'package.json')}: ` : ''}${describeThrown(error)}`
  }
  return oclifSectionProblem(name, pjson) ?? manifestProblem(name, root)
}

/**
 * Why the plugin `name` installed at `root` (its package.json `pjson`) would not load: a dependency
 * node finds no package of from there, as npm leaves one from a `file:` path that does not exist (a
 * link to nothing). npm says nothing then, and fails every later install with an error of its own.
 */
export function missingDependency(name: string, root: string, pjson: unknown): string | undefined {
  const dependencies = isObject(pjson) && isObject(pjson.dependencies) ? pjson.dependencies : {}
  for (const [dependency, spec] of Object.entries(dependencies)) {
    if (!resolvesFrom(root, dependency)) return `plugin "${name}" depends on ${dependency} (${String(spec)}), which npm could not install`
  }
  return undefined
}

/** Whether node finds the package `dependency` from `directory`: in a node_modules of it or of a directory above it. */
function resolvesFrom(directory: string, dependency: string): boolean {
  for (let at = directory; ; at = dirname(at)) {
    if (basename(at) !== 'node_modules' && existsSync(join(at, 'node_modules', dependency, 'package.json'))) return true
    if (dirname(at) === at) return false
  }
}

/**
 * The line telling of the installed plugins (the npm dependencies of the data directory
 * `dataDir`) one of whose dependencies is missing, which npm fails every install and update over
 * without naming them: how to remove them. Empty when there are none.
 */
export function brokenPluginsHint(dataDir: string): string {
  let installed: string[]
  try {
    installed = Object.keys((readPackageJson(dataDir) as {dependencies?: Record<string, unknown>}).dependencies ?? {})
  } catch {
    return ''
  }
  const broken = installed.flatMap((name) => {
    const root = join(dataDir, 'node_modules', name)
    try {
      const problem = missingDependency(name, root, readPackageJson(root))
      return problem === undefined ? [] : [`${problem}: remove it with nerd plugins uninstall ${name}`]
    } catch {
      return []
    }
  })
  return broken.map((line) => ` (${line})`).join('')
}

function readPackageJson(root: string): unknown {
  return JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
}

/**
 * The failure `error` of oclif's installer with the plugin `name`, in nerd's words where nerd can
 * tell what its words mean: "plugin is invalid" is all it says of a package without an `oclif` section.
 */
export function installerFailure(name: string, error: unknown): string {
  if (error instanceof Error && error.message === 'plugin is invalid') return notAnOclifPlugin(name)
  return `plugin "${name}" cannot be loaded: ${describeThrown(error)}`
}

function notAnOclifPlugin(name: string): string {
  return `plugin "${name}" is not an oclif plugin: its package.json has no "oclif" section`
}

/**
 * What `plugins update` makes of the plugin `name` it updated (npm changed its files): why install
 * would refuse it, checked as install and link check a plugin (what oclif cannot load of it first,
 * as link does, so that the refusal is all that is said of it), or else the warnings install gives
 * of it. `config` is as loaded before the update, which holds its earlier version.
 */
export async function updatedPluginJudgement(config: Interfaces.Config, name: string): Promise<{refusal: string} | {warnings: string[]}> {
  const malformed = installedPackageProblem(name, join(config.dataDir, 'node_modules', name))
  if (malformed) return {refusal: malformed}
  let plugin: Interfaces.Plugin
  try {
    // As oclif loads a user's plugin: by name, from the data directory's package.json.
    plugin = new (installersOclif(config).Plugin)({name, root: join(config.dataDir, 'package.json'), type: 'user'})
    await asPluginCode(() => plugin.load())
  } catch (error) {
    return {refusal: `plugin "${name}" cannot be loaded: ${describeThrown(error)}`}
  }
  try {
    const refusal = (await installRefusal(config, plugin)) ?? missingDependency(name, plugin.root, plugin.pjson)
    return refusal ? {refusal} : {warnings: await pluginWarnings(config, plugin)}
  } catch (error) {
    return {refusal: checkFailure(name, error)}
  }
}

/**
 * The @oclif/core that @oclif/plugin-plugins runs with: its Plugin class, which its installer loads
 * what it installed with, and its ux, whose action line the installer started and which prints
 * npm's output. Not the copy of nerd's bundle: that one read the installed plugins' package.json
 * and manifests when nerd started, and gives what it read again for the same file (oclif keeps the
 * JSON files it reads), so it would show an updated plugin as it was before; and a spinner is
 * stopped by the copy that started it.
 */
export function installersOclif(config: Interfaces.Config): {Plugin: typeof OclifPlugin; ux: typeof ux} {
  return installersRequire(config)('@oclif/core') as {Plugin: typeof OclifPlugin; ux: typeof ux}
}

/** `require` as @oclif/plugin-plugins resolves its own dependencies. */
export function installersRequire(config: Interfaces.Config): NodeJS.Require {
  const installer = config.plugins.get('@oclif/plugin-plugins')
  if (!installer) throw new Error('@oclif/plugin-plugins is missing')
  return createRequire(join(installer.root, 'package.json'))
}

/** How a refusal tells that the version installed before is still there. */
export function earlierStays(version: string | undefined): string {
  return `the version installed before${version === undefined ? '' : ` (${version})`} is still installed`
}

export function printWarnings(warnings: string[]): void {
  for (const warning of warnings) process.stderr.write(`WARNING: ${warning}\n`)
}

/** A plugin of the user's (installed, linked, or being installed into the user's data directory), not one of nerd's. */
function isUsers(config: Interfaces.Config, plugin: Interfaces.Plugin): boolean {
  return plugin.type === 'user' || plugin.type === 'link' || plugin.root.startsWith(`${config.dataDir}/`)
}

/**
 * Why nerd cannot use `plugin`, or undefined when it can: its own settings (in `pjson`, its
 * package.json as oclif loaded it unless given), then those of the plugins it carries as a bundle,
 * which oclif loads with it (and nerd would otherwise refuse only when their hooks fire, failing
 * every pull and run from then on).
 */
async function pluginRefusal(plugin: Interfaces.Plugin, pjson: unknown = plugin.pjson): Promise<string | undefined> {
  const declared = readNerdSettings(plugin.name, pjson as Interfaces.PJSON).hookApi
  const refusal = declared === undefined ? undefined : hookApiIncompatibility(plugin.name, declared)
  if (refusal) return refusal
  // What oclif loads without a word (a hook given as a number) nerd cannot use either.
  const malformed = oclifSectionProblem(plugin.name, pjson) ?? manifestProblem(plugin.name, plugin.root) ?? pluginDefaultsProblem(plugin.name, pjson) ?? flagDeclarationsProblem(plugin.name, pjson)
  if (malformed) return malformed
  const {carried, missing} = await bundledPlugins(plugin)
  if (missing.length > 0) return `bundle "${plugin.name}" does not carry ${missing.join(', ')} (run npm install in it before npm pack)`
  for (const child of carried) {
    const childRefusal = await pluginRefusal(child)
    if (childRefusal) return `bundle "${plugin.name}" carries a plugin nerd cannot use: ${childRefusal}`
  }
  return undefined
}

/** What nerd.toml would refuse in the plugin's `nerd.defaults`, read as every command reads them. */
function pluginDefaultsProblem(name: string, pjson: unknown): string | undefined {
  const block: unknown = isObject(pjson) ? pjson.nerd : undefined
  const defaults = typeof block === 'object' && block !== null ? (block as {defaults?: unknown}).defaults : undefined
  if (defaults === undefined) return undefined
  try {
    pluginDefaultSettings(name, defaults)
    return undefined
  } catch (error) {
    if (error instanceof NerdError) return error.message
    throw error
  }
}

function flagDeclarationsProblem(name: string, pjson: unknown): string | undefined {
  const read = readFlagDeclarations(name, pjson)
  return 'problem' in read ? read.problem : undefined
}

/**
 * Why `plugin` (its package.json `pjson`, unless given) cannot be installed, linked or updated to:
 * a bundle's plugin that is there already, what nerd cannot use of it, or a flag it declares that
 * is taken. Undefined when it can.
 */
export async function installRefusal(config: Interfaces.Config, plugin: Interfaces.Plugin, pjson: unknown = plugin.pjson): Promise<string | undefined> {
  return bundleConflict(config, plugin) ?? (await pluginRefusal(plugin, pjson)) ?? (await declaredFlagConflict(config, plugin, pjson))
}

/**
 * Why the flags `plugin` (its package.json `pjson`, unless given) and the plugins it carries as a
 * bundle declare for nerd's commands cannot be taken (flagDeclarationConflict): one the command has
 * of its own, or one a plugin already there declares (oclif would take either for the other's, and
 * hand its value to both plugins' hooks). Run after pluginRefusal, which refuses declarations nerd
 * cannot read.
 */
async function declaredFlagConflict(config: Interfaces.Config, plugin: Interfaces.Plugin, pjson: unknown = plugin.pjson): Promise<string | undefined> {
  const arriving = [{name: plugin.name, pjson}, ...(await bundledPlugins(plugin)).carried.map((child) => ({name: child.name, pjson: child.pjson}))]
  // Itself as installed before (an update, an install over it) and what it carries are no others.
  const names = new Set(arriving.map(({name}) => name))
  const others = declaringPlugins(config).filter((other) => !names.has(other.name))
  const ownFlags = (command: PluginFlagCommand) => config.findCommand(command)?.flags ?? {}
  for (const [index, {name, pjson: declaring}] of arriving.entries()) {
    const read = readFlagDeclarations(name, declaring)
    if ('problem' in read) return read.problem
    const conflict = flagDeclarationConflict(name, read.declarations, ownFlags, [...others, ...arriving.slice(0, index)])
    if (conflict) return conflict
  }
  return undefined
}

/**
 * The plugins a bundle names in `oclif.plugins` (the names of its dependencies matching those
 * patterns, as oclif matches them), loaded as oclif loads them: `carried`, or `missing` when oclif
 * would fail to load them from it.
 */
async function bundledPlugins(plugin: Interfaces.Plugin): Promise<{carried: Interfaces.Plugin[]; missing: string[]}> {
  const named = bundledPluginNames(plugin)
  if (named.length === 0) return {carried: [], missing: []}
  // By the @oclif/core that loaded the bundle: one installed or updated is loaded by the installer's
  // (installersOclif), which reads the files as they are now.
  const Plugin = plugin.constructor as typeof OclifPlugin
  const carried: Interfaces.Plugin[] = []
  const missing: string[] = []
  for (const name of named) {
    const child = new Plugin({name, root: plugin.root, type: plugin.type, parent: plugin as never})
    try {
      await asPluginCode(() => child.load())
      carried.push(child)
    } catch {
      missing.push(name)
    }
  }
  return {carried, missing}
}

/**
 * What in a plugin's package.json `oclif` section oclif cannot load: it would fail with a TypeError
 * of its own (`Cannot read properties of null`) that names neither the plugin nor the entry, on
 * install or link and then on every command. Or that it has none, of which oclif's installer says
 * only "plugin is invalid".
 */
export function oclifSectionProblem(name: string, pjson: unknown): string | undefined {
  const oclif = isObject(pjson) ? pjson.oclif : undefined
  if (oclif === undefined) return notAnOclifPlugin(name)
  const refused = (what: string) => `plugin "${name}" has ${what} in its package.json`
  if (!isObject(oclif)) return refused('an "oclif" entry that is not an object')
  const {hooks, commands, plugins, topics} = oclif
  if (hooks !== undefined) {
    if (!isObject(hooks)) return refused('an "oclif.hooks" that is not an object')
    for (const [event, declared] of Object.entries(hooks)) {
      const entries: unknown[] = Array.isArray(declared) ? declared : [declared]
      const usable = (entry: unknown) => typeof entry === 'string' || (isObject(entry) && typeof entry.target === 'string' && (entry.identifier === undefined || typeof entry.identifier === 'string'))
      if (!entries.every(usable)) return refused(`a hook for ${JSON.stringify(event)} that is neither a module path nor {target, identifier}`)
    }
  }
  const strategies = ['pattern', 'explicit', 'single']
  if (commands !== undefined && typeof commands !== 'string' && !(isObject(commands) && typeof commands.target === 'string' && strategies.includes(commands.strategy as string))) {
    return refused('an "oclif.commands" that is neither a directory nor {strategy, target}')
  }
  if (plugins !== undefined && !Array.isArray(plugins)) return refused('an "oclif.plugins" that is not a list')
  if (topics !== undefined && !(isObject(topics) && Object.values(topics).every(isObject))) return refused('an "oclif.topics" that is not an object of topics')
  return undefined
}

/**
 * What makes the plugin's oclif.manifest.json (or else `.oclif.manifest.json`, as oclif looks for
 * them) one oclif cannot read: oclif then warns on every command, and imports the plugin's command
 * modules to list them. A manifest of another version is no problem here (oclif ignores it; install
 * and link warn that commands lack one).
 */
export function manifestProblem(name: string, root: string): string | undefined {
  for (const file of ['oclif.manifest.json', '.oclif.manifest.json']) {
    let text: string
    try {
      text = readFileSync(join(root, file), 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue
      return `plugin "${name}" has an ${file} that cannot be read: ${describeThrown(error)}`
    }
    let manifest: unknown
    try {
      manifest = JSON.parse(text)
    } catch (error) {
      return `plugin "${name}" has an ${file} that does not parse: ${(error as Error).message}`
    }
    if (!isObject(manifest) || typeof manifest.version !== 'string' || !isObject(manifest.commands)) {
      return `plugin "${name}" has an ${file} that is not {"version": "…", "commands": {…}}`
    }
    return undefined
  }
  return undefined
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** The names of the plugins a bundle carries: its dependencies that its `oclif.plugins` patterns match. */
export function bundledPluginNames(plugin: Interfaces.Plugin): string[] {
  const patterns = (plugin.pjson.oclif?.plugins ?? []).filter((pattern): pattern is string => typeof pattern === 'string')
  if (patterns.length === 0) return []
  return Object.keys(plugin.pjson.dependencies ?? {}).filter((name) => patterns.some((pattern) => pluginPatternMatches(pattern, name)))
}

/**
 * Why `plugin` cannot be added next to the user's other plugins: it is a plugin an installed
 * bundle carries, or a bundle carrying one installed on its own or with another bundle. oclif would
 * load one copy of the two, not always the one `nerd plugins` shows, and uninstalling the one would
 * leave the other.
 */
function bundleConflict(config: Interfaces.Config, plugin: Interfaces.Plugin): string | undefined {
  const others = config.getPluginsList().filter((other) => isUsers(config, other) && other !== plugin && other.name !== plugin.name && !other.root.startsWith(`${plugin.root}/`))
  const bundle = others.find((other) => bundledPluginNames(other).includes(plugin.name))
  if (bundle) return `plugin "${plugin.name}" is installed already, with bundle "${bundle.name}": uninstall the bundle first`
  const carried = new Set(bundledPluginNames(plugin))
  const alone = others.find((other) => carried.has(other.name) && !other.parent)
  if (alone) return `bundle "${plugin.name}" carries plugin "${alone.name}", which is installed already on its own: uninstall it first`
  for (const other of others) {
    const shared = bundledPluginNames(other).find((name) => carried.has(name))
    if (shared) return `bundle "${plugin.name}" carries plugin "${shared}", which is installed already, with bundle "${other.name}": uninstall that bundle first`
  }
  return undefined
}

/**
 * The warnings about `plugin` (and the plugins it carries as a bundle) worth giving when it is
 * installed or linked. Commands without a manifest listing them are one: oclif then imports each
 * command's module at every start of nerd to list them, and so runs plugin code on `nerd ps` too.
 */
export async function pluginWarnings(config: Interfaces.Config, plugin: Interfaces.Plugin): Promise<string[]> {
  const arriving = [plugin, ...(await bundledPlugins(plugin)).carried]
  const names = new Set(arriving.map((each) => each.name))
  return arriving.flatMap((each) => {
    const hidden = hiddenCommands(config, each)
    return [
      ...(hidden.length > 0 ? [`plugin "${each.name}" has commands that nerd's own hide (nerd's win): ${hidden.join(', ')}`] : []),
      ...sharedCommands(config, each, names),
      ...hookDeclarationProblems(each),
      ...unloadableHookModules(each),
      ...(each.hasManifest || each.commandIDs.length === 0 ? [] : [`plugin "${each.name}" has commands but no oclif.manifest.json of its version (${each.version}): every nerd command imports their modules to list them; ship one (see "Commands" in nerd's plugin guide)`]),
    ]
  })
}

/**
 * A command's id and aliases, hidden ones too, as oclif registers them (`image:ls`). A manifest
 * written by hand may leave its entries' lists out, which oclif takes for none.
 */
export function commandIds(plugin: Interfaces.Plugin): string[] {
  return plugin.commands.flatMap((command) => [command.id, ...(command.aliases ?? []), ...(command.hiddenAliases ?? [])]).filter((id) => typeof id === 'string')
}

/** As typed: `image ls`. */
function typed(ids: Iterable<string>): string[] {
  return [...new Set(ids)].sort().map((id) => id.replaceAll(':', ' '))
}

/** The plugin's command ids and aliases that are also ids or aliases of nerd's commands, as typed (`image ls`). */
function hiddenCommands(config: Interfaces.Config, plugin: Interfaces.Plugin): string[] {
  const nerds = new Set(config.getPluginsList().filter((other) => other !== plugin && !isUsers(config, other)).flatMap(commandIds))
  return typed(commandIds(plugin).filter((id) => nerds.has(id)))
}

/**
 * A warning for each other plugin of the user's (not one of `arriving`) with command ids or aliases
 * the plugin has too. oclif runs an installed plugin's over a linked one's; of two installed (or
 * two linked) plugins it runs the one it happened to load first.
 */
function sharedCommands(config: Interfaces.Config, plugin: Interfaces.Plugin, arriving: ReadonlySet<string>): string[] {
  const ids = new Set(commandIds(plugin))
  const linked = (each: Interfaces.Plugin) => each.type === 'link'
  const others = [...config.getPluginsList()].sort((a, b) => compareStrings(a.name, b.name))
  return others.flatMap((other) => {
    if (arriving.has(other.name) || !isUsers(config, other)) return []
    const both = commandIds(other).filter((id) => ids.has(id))
    if (both.length === 0) return []
    const rule = linked(plugin) === linked(other) ? 'which of the two runs is not defined' : `the installed plugin "${linked(plugin) ? other.name : plugin.name}"'s run`
    return [`plugin "${plugin.name}" has commands that plugin "${other.name}" has too (${rule}): ${typed(both).join(', ')}`]
  })
}

/** Hook modules that are missing or do not parse (checked with `node --check`, which runs nothing). */
function unloadableHookModules(plugin: Interfaces.Plugin): string[] {
  const problems: string[] = []
  for (const [event, declarations] of Object.entries(plugin.hooks ?? {})) {
    if (!event.startsWith('nerd:')) continue
    for (const {target} of declarations) {
      const path = resolveHookModule(plugin.root, target)
      if (path === undefined) {
        problems.push(`plugin "${plugin.name}" declares ${target} for ${event}, which is not found in the plugin`)
        continue
      }
      const checked = spawnSync(process.execPath, ['--check', path], {encoding: 'utf8'})
      if (checked.status !== 0) {
        const reason = /^\w*Error: .*$/m.exec(checked.stderr)?.[0] ?? 'it does not parse'
        problems.push(`plugin "${plugin.name}" cannot load ${target} for ${event}: ${reason}`)
      }
    }
  }
  return [...new Set(problems)]
}
