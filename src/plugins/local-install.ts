/**
 * `nerd plugins install ./dir`, `./plugin.tgz` and `https://…/plugin.tgz`: oclif's installer takes a
 * bare path for a GitHub shorthand, so a path that exists is turned into a `file:` spec first, and
 * one that does not but looks like a path is refused at once. A directory is packed into a tarball
 * under nerd's data directory, so that the plugin is a copy (npm would link a directory, and the
 * plugin would break when its sources move); a vendor bundle's plugins go into it. A tarball is
 * copied there (npm downloads one given by its URL), so that `plugins update` does not depend on
 * the file the user installed from either.
 */
import {execFile} from 'node:child_process'
import {createHash} from 'node:crypto'
import {existsSync, statSync} from 'node:fs'
import {mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile} from 'node:fs/promises'
import {createRequire} from 'node:module'
import {basename, dirname, join, relative, resolve, sep} from 'node:path'
import {promisify} from 'node:util'
import type {Interfaces} from '@oclif/core'
import {pluginDataDir} from '../paths.ts'
import {NerdError} from '../errors.ts'
import {brokenPluginsHint, earlierStays, installedPackageProblem, installerFailure, installersOclif, installersRequire, NpmFailed, PluginRefused} from './install-check.ts'
import {forgetInstalledPlugins, notePackedPlugin, pluginNamedForInstall, pluginsAdded, pluginsReplaced, restoreInstalledPlugins, versionInstalledBefore} from './installed-before.ts'
import {listedPlugins} from './listed-plugins.ts'
import {npmFailureReason} from './update.ts'

function packsDir(): string {
  return join(pluginDataDir(process.env), 'packs')
}

/** The npm nerd ships with, which oclif's installer runs too. */
export function npmCli(): string {
  return join(dirname(createRequire(import.meta.url).resolve('npm/package.json')), 'bin', 'npm-cli.js')
}

/**
 * npm's tarball of `source` (a directory, or the URL of a tarball, which npm downloads) in packs/,
 * under npm's name with a digest of the content added: a tarball of the same name and version that
 * the lock of the plugins installed refers to stays as it was (a refused reinstall of the same
 * version, its earlier files put back, must not leave its own tarball where `plugins update` would
 * install it from). `prepare` runs first; what fails is told after `failure`, with npm's reason.
 */
async function packWithNpm(source: string, cwd: string, failure: string, prepare?: () => Promise<void>): Promise<{tarball: string; name: string | undefined}> {
  const destination = packsDir()
  await mkdir(destination, {recursive: true})
  const packing = await mkdtemp(join(destination, '.packing-'))
  try {
    await prepare?.()
    const {stdout} = await promisify(execFile)(process.execPath, [npmCli(), 'pack', '--json', '--pack-destination', packing, source], {cwd})
    const [packed] = JSON.parse(stdout) as {filename: string; shasum: string; name?: unknown}[]
    const named = join(destination, `${packed!.filename.replace(/\.tgz$/, '')}-${packed!.shasum.slice(0, 12)}.tgz`)
    await rename(join(packing, packed!.filename), named)
    return {tarball: named, name: typeof packed!.name === 'string' ? packed!.name : undefined}
  } catch (error) {
    const stderr = (error as {stderr?: string}).stderr
    throw new NerdError(`${failure}: ${(stderr ? npmFailureReason(stderr) : undefined) ?? (error as Error).message}`, {cause: error})
  } finally {
    await rm(packing, {recursive: true, force: true})
  }
}

/** Packs the plugin in `directory` (packWithNpm). */
function packDirectory(directory: string): Promise<{tarball: string; name: string | undefined}> {
  return packWithNpm(directory, directory, `cannot pack the plugin in ${directory}`, async () => {
    // A vendor bundle carries its plugins inside (bundleDependencies): they are installed as copies
    // first (from local paths: offline), so that the tarball holds them.
    const pjson = JSON.parse(await readFile(join(directory, 'package.json'), 'utf8')) as BundlePackage
    if (pjson.bundleDependencies || pjson.bundledDependencies) {
      // npm keeps a copy of the same version it finds in node_modules (one of an earlier install):
      // those from local paths go, so that the bundle carries its plugins as they are now.
      for (const name of bundledFromPaths(pjson)) await rm(join(directory, 'node_modules', name), {recursive: true, force: true})
      await promisify(execFile)(process.execPath, [npmCli(), 'install', '--install-links', '--offline', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund'], {cwd: directory})
    }
  })
}

interface BundlePackage {
  name?: unknown
  dependencies?: Record<string, unknown>
  bundleDependencies?: unknown
  bundledDependencies?: unknown
}

/** The bundled dependencies of `pjson` that it takes from a local path (`file:`): `true` bundles them all. */
export function bundledFromPaths(pjson: BundlePackage): string[] {
  const bundled = pjson.bundleDependencies ?? pjson.bundledDependencies
  const dependencies = pjson.dependencies ?? {}
  const names = bundled === true ? Object.keys(dependencies) : Array.isArray(bundled) ? bundled.filter((name): name is string => typeof name === 'string') : []
  // A name npm would refuse is none to remove a directory by.
  return names.filter((name) => isPackageName(name) && String(dependencies[name] ?? '').startsWith('file:'))
}

/** Whether npm takes `name` as a package's (`name` or `@scope/name`, no `..`): the only names nerd makes a path of. */
export function isPackageName(name: string): boolean {
  return /^(@[\w~-][\w.~-]*\/)?[\w~-][\w.~-]*$/.test(name)
}

/**
 * Copies the tarball at `path` into packs/, named as packDirectory names its own: the plugin is
 * then installed from nerd's copy, which `plugins update` reinstalls it from when the file it was
 * installed from has moved or gone.
 */
async function copyTarball(path: string): Promise<string> {
  const destination = packsDir()
  await mkdir(destination, {recursive: true})
  let content: Buffer
  try {
    content = await readFile(path)
  } catch (error) {
    throw new NerdError(`cannot read the plugin tarball ${path}: ${(error as Error).message}`)
  }
  const named = join(destination, `${basename(path).replace(/\.(tgz|tar\.gz)$/, '')}-${createHash('sha1').update(content).digest('hex').slice(0, 12)}.tgz`)
  // Written aside and renamed, as a pack is: an install at work elsewhere never sees half a file.
  const copying = await mkdtemp(join(destination, '.packing-'))
  try {
    await writeFile(join(copying, 'plugin.tgz'), content)
    await rename(join(copying, 'plugin.tgz'), named)
  } finally {
    await rm(copying, {recursive: true, force: true})
  }
  return named
}

/**
 * Why `directory` cannot hold a plugin, if so: it is missing, or has no package.json (which oclif
 * would report as a raw ENOENT). `shown` is how the message names it.
 */
export function pluginDirectoryProblem(directory: string, shown = directory): string | undefined {
  if (!existsSync(directory)) return `${shown}: no such file or directory`
  if (!existsSync(join(directory, 'package.json'))) return `${shown} is not a plugin directory: it has no package.json`
  return undefined
}

/**
 * `path` as the install and link lines name it: as typed, but for `.` and `..`, which would read
 * as part of the line's `...` (`Installing plugin ....`): those as the directory they are.
 */
export function shownPath(path: string): string {
  return /^\.\.?\/?$/.test(path) ? resolve(path) : path
}

/** What only a path can be: npm names and git URLs neither start with a dot or a slash nor end in .tgz. */
export function looksLikePath(word: string): boolean {
  return /^\.{0,2}\//.test(word) || /\.(tgz|tar\.gz)$/.test(word)
}

/** An http(s) URL of a tarball (`.tgz`, `.tar.gz`), which npm can install from; other URLs are git repositories to oclif. */
function isTarballUrl(word: string): boolean {
  if (!/^https?:\/\//i.test(word)) return false
  try {
    return /\.(tgz|tar\.gz)$/.test(new URL(word).pathname)
  } catch {
    return false
  }
}

/**
 * The npm package name oclif's installer takes `word` for, if it takes it for one (its parsePlugin):
 * not a git URL nor a GitHub `user/repo`, its `@tag` left out.
 */
function npmNameIn(word: string): string | undefined {
  if (word.startsWith('git+ssh://') || word.endsWith('.git') || (word.includes('/') && !word.startsWith('@'))) return undefined
  return word.split(/(?<!^)@/)[0]
}

/**
 * Why npm would refuse `word` as a package name, in validate-npm-package-name's words (the check
 * oclif's installer makes, which says only "Invalid npm package name."), if it would.
 */
function npmNameProblem(config: Interfaces.Config, word: string): string | undefined {
  const name = npmNameIn(word)
  if (name === undefined) return undefined
  const validate = installersRequire(config)('validate-npm-package-name') as (name: string) => {validForNewPackages: boolean; errors?: string[]; warnings?: string[]}
  const verdict = validate(name)
  if (verdict.validForNewPackages) return undefined
  const reason = [...(verdict.errors ?? []), ...(verdict.warnings ?? [])][0]
  return `Invalid npm package name ${JSON.stringify(name)}${reason === undefined ? '' : `: ${reason}`}`
}

/** The `plugins install` argv for oclif's installer (installArgv), and what each spec nerd made of a word stands for: the word as typed. */
export interface InstallArguments {
  argv: string[]
  typed: Map<string, string>
}

/**
 * The `plugins install` argv for oclif's installer: each local plugin path, and the URL of a
 * tarball, replaced by a `file:` spec of a tarball in packs/ (a directory packed, its plugin's name
 * noted for npm's errors; a tarball copied, or downloaded by npm). A word that looks like a path
 * but names nothing, a directory without package.json, and an npm name npm would refuse are
 * errors, before npm is asked for anything.
 */
export async function installArgv(config: Interfaces.Config, argv: readonly string[]): Promise<InstallArguments> {
  const rewritten: string[] = []
  const typed = new Map<string, string>()
  const packed = (word: string, tarball: string, name?: string): void => {
    if (name !== undefined) notePackedPlugin(`file:${tarball}`, name)
    typed.set(`file:${tarball}`, shownPath(word))
    rewritten.push(`file:${tarball}`)
  }
  for (const word of argv) {
    if (word.startsWith('-') || word.startsWith('file:')) {
      rewritten.push(word)
    } else if (isTarballUrl(word)) {
      const {tarball, name} = await packWithNpm(word, packsDir(), `cannot download the plugin ${word}`)
      packed(word, tarball, name)
    } else if (!existsSync(word)) {
      if (looksLikePath(word)) throw new NerdError(`${word}: no such file or directory`)
      const problem = npmNameProblem(config, word)
      if (problem) throw new NerdError(problem)
      rewritten.push(word)
    } else if (!statSync(word).isDirectory()) {
      packed(word, await copyTarball(resolve(word)))
    } else {
      const problem = pluginDirectoryProblem(word)
      if (problem) throw new NerdError(problem)
      const {tarball, name} = await packDirectory(resolve(word))
      packed(word, tarball, name)
    }
  }
  return {argv: rewritten, typed}
}

/**
 * Runs `install` (oclif's installer) with its line of each plugin it installs naming the plugin
 * as the user gave it (`typed`: installArgv's), not by the tarball nerd made of it in packs/.
 */
export async function namingPluginsAsTyped<T>(config: Interfaces.Config, typed: ReadonlyMap<string, string>, install: () => Promise<T>): Promise<T> {
  const {action} = installersOclif(config).ux
  const start = action.start
  action.start = function (text, ...rest) {
    let shown = text
    for (const [spec, word] of typed) shown = shown.replace(spec, word)
    return start.call(this, shown, ...rest)
  }
  try {
    return await install()
  } finally {
    action.start = start
  }
}

/**
 * Runs `install` (oclif's installer) and, when it fails having added or replaced a plugin, puts
 * back the plugins installed before (as the plugins:preinstall hook recorded them): oclif takes
 * back a new plugin's npm dependencies only when its own check of the plugin fails, not when
 * loading the plugin throws (a malformed `oclif` section), and then neither `plugins uninstall` nor
 * `plugins reset` finds them; one from the registry stays in node_modules either way; a plugin that
 * replaced one installed before gives way to that one again (oclif would leave the new one, or
 * remove both); and a plugin nerd's check refused (plugins:postinstall) goes. The error is one
 * line naming the plugin: the refusal, or what is wrong in its package.json, its `oclif` section or
 * its manifest if nerd can tell, or npm's reason when npm failed (npmFailure).
 */
export async function undoingFailedInstall(install: () => Promise<void>): Promise<void> {
  const dataDir = pluginDataDir(process.env)
  try {
    await install()
  } catch (error) {
    const refused = error instanceof PluginRefused ? error : undefined
    const [changed] = refused ? [refused.plugin] : [...(await pluginsAdded(dataDir)), ...(await pluginsReplaced(dataDir))]
    if (error instanceof NpmFailed) throw await npmFailure(dataDir, changed ?? pluginNamedForInstall(), error)
    // A reinstall over a copy whose package.json does not parse replaces no version nerd can read:
    // oclif fails loading that copy, without naming it.
    const named = pluginNamedForInstall()
    const name = changed ?? (named !== undefined && hasBrokenCopy(dataDir, named) ? named : undefined)
    if (name === undefined) throw error
    const earlier = await versionInstalledBefore(dataDir, name)
    const root = join(dataDir, 'node_modules', name)
    // Gone when oclif uninstalled it, as it does an upgrade from the registry it fails on: its error
    // is all there is to go by then.
    const reason = refused?.message ?? (existsSync(root) ? installedPackageProblem(name, root) : undefined) ?? installerFailure(name, error)
    if (!restoreInstalledPlugins(dataDir)) throw error
    throw new NerdError(`${reason}; it was not installed${earlier === undefined ? '' : `: ${earlierStays(earlier)}`}`, {cause: error})
  } finally {
    await forgetInstalledPlugins(dataDir)
  }
}

/** Whether the plugin `name` has a copy installed that would not load (npm's failure is not that: a name the registry lacks). */
function hasBrokenCopy(dataDir: string, name: string): boolean {
  const root = join(dataDir, 'node_modules', name)
  return existsSync(root) && installedPackageProblem(name, root) !== undefined
}

/**
 * The error of an install whose npm failed, of the plugin `name` if it can be told (npm installed
 * nothing to tell it by, from a tarball or git): npm's reason, and whether the version installed
 * before stays, which the plugins recorded before the install are put back for (oclif uninstalls a
 * plugin from the registry whose upgrade npm fails).
 */
async function npmFailure(dataDir: string, name: string | undefined, error: NpmFailed): Promise<NerdError> {
  const earlier = name === undefined ? undefined : await versionInstalledBefore(dataDir, name)
  restoreInstalledPlugins(dataDir)
  const stays = earlier === undefined ? '' : `; ${earlierStays(earlier)}`
  return new NerdError(`cannot install ${name === undefined ? 'the plugin' : `plugin "${name}"`}: ${error.message}${brokenPluginsHint(dataDir)}${stays}`, {cause: error})
}

/**
 * Takes out of nerd's data directory (its npm dependencies and node_modules) the copies of the
 * plugins `names` that oclif does not list as installed (any more): oclif's link of a plugin that
 * was installed replaces it in oclif's list but leaves its copy, which nothing loads and uninstall
 * would then leave behind.
 */
export async function removeStrandedCopies(names: readonly string[]): Promise<void> {
  const dataDir = pluginDataDir(process.env)
  const modules = join(dataDir, 'node_modules')
  const {dependencies, installed} = await dataManifest()
  // A linked plugin's name is what its package.json says: one that is not a directory inside node_modules names no copy.
  const inside = (name: string): boolean => !['', '..'].includes(relative(modules, join(modules, name)).split(sep)[0]!)
  const copies = names.filter((name) => !installed.includes(name) && inside(name))
  const stranded = copies.filter((name) => dependencies.includes(name) || existsSync(join(modules, name)))
  if (stranded.length === 0) return
  await promisify(execFile)(process.execPath, [npmCli(), 'uninstall', '--no-audit', '--no-fund', '--ignore-scripts', ...stranded], {cwd: dataDir}).catch(() => undefined)
  // What npm did not take (a package missing from its lock file) goes all the same.
  for (const leftover of stranded) await rm(join(modules, leftover), {recursive: true, force: true})
}

/** The npm dependencies of nerd's plugin data directory, and the plugins oclif lists there as installed (not linked). */
async function dataManifest(): Promise<{dependencies: string[]; installed: string[]}> {
  const manifest: {dependencies?: Record<string, string>} = await readFile(join(pluginDataDir(process.env), 'package.json'), 'utf8').then((text) => JSON.parse(text), () => ({}))
  return {dependencies: Object.keys(manifest.dependencies ?? {}), installed: listedPlugins().flatMap(({name, type}) => (type === 'user' ? [name] : []))}
}

/**
 * Removes the tarballs of packs/ that no installed plugin is installed from: those of an install
 * that was refused or failed, of plugins uninstalled, of versions replaced. The one an installed
 * plugin's dependency names (`file:packs/…`) stays: npm needs it for `plugins update`.
 */
export async function removeUnusedPacks(): Promise<void> {
  const dataDir = pluginDataDir(process.env)
  const manifest: {dependencies?: Record<string, string>} = await readFile(join(dataDir, 'package.json'), 'utf8').then((text) => JSON.parse(text), () => ({}))
  const used = new Set(Object.values(manifest.dependencies ?? {}).flatMap((spec) => (spec.startsWith('file:packs/') ? [spec.slice('file:packs/'.length)] : [])))
  for (const file of await readdir(packsDir()).catch(() => [] as string[])) {
    // A `.packing-` directory is an install's at work.
    if (!used.has(file) && !file.startsWith('.')) await rm(join(packsDir(), file), {force: true})
  }
}
