/**
 * The user's installed plugins as they were before `nerd plugins install` installs one (recorded by
 * oclif's `plugins:preinstall` hook, once per plugin named) or `nerd plugins update` updates one, so
 * that a reinstall, upgrade or update that is refused or fails to load puts back the version that
 * was installed and working instead of leaving the broken one, or none. What is kept: the data
 * directory's package.json and package-lock.json, and its node_modules as hard links: npm puts a
 * package it installs in a new directory (the one it replaces is moved aside, then removed) and
 * writes none of the installed files in place, so the links keep the earlier files, and recording
 * costs no copy of every plugin on every install. A plugin npm left as it was keeps the same files,
 * which is how pluginsReplaced tells the plugins an install or update changed.
 *
 * Every change of the plugins takes a record when it takes the plugins' lock (changes-lock.ts), and
 * drops it when it is done: a record there is one of a change killed before it was done, which put
 * back what it recorded neither. The next change puts it back, once it holds the lock.
 */
import {execFile} from 'node:child_process'
import {copyFileSync, existsSync, renameSync, rmSync} from 'node:fs'
import {copyFile, mkdir, readFile, rename, rm, stat} from 'node:fs/promises'
import {join} from 'node:path'
import {promisify} from 'node:util'
import type {Hook, Interfaces} from '@oclif/core'

const MANIFESTS = ['package.json', 'package-lock.json']

function recordDir(dataDir: string): string {
  return join(dataDir, '.installed-before')
}

/** The plugins oclif had loaded when the install under way began: the one it adds is the plugin it installed. */
let loadedBefore: ReadonlySet<Interfaces.Plugin> = new Set()

/**
 * The name the install under way was given: the npm name (`name@tag`), or the package.json name of
 * a directory packed for it; none for another URL (a tarball's, git's).
 */
let namedForInstall: string | undefined

/** The package.json names of the directories packed for this command's installs, by their `file:` spec. */
const packedNames = new Map<string, string>()

/** Notes that the tarball `spec` (`file:…`) is the directory of the plugin `name` packed. */
export function notePackedPlugin(spec: string, name: string): void {
  packedNames.set(spec, name)
}

/** oclif's `plugins:preinstall` hook for nerd. */
export async function recordInstalledPlugins(this: Hook.Context, options: {config: Interfaces.Config; plugin?: {type?: string; name?: string; url?: string}}): Promise<void> {
  loadedBefore = new Set(options.config.getPluginsList())
  namedForInstall = options.plugin?.type === 'npm' ? options.plugin.name : packedNames.get(options.plugin?.url ?? '')
  try {
    await recordPlugins(options.config.dataDir)
  } catch (error) {
    // oclif would go on without a word, and a refused upgrade would then take the earlier version away.
    this.error(`cannot record the plugins installed in ${options.config.dataDir}: ${(error as Error).message}`, {exit: 1})
  }
}

/**
 * Records the plugins installed now. Written aside and renamed into place: a record half written
 * (its command killed meanwhile) is never one to put back.
 */
export async function recordPlugins(dataDir: string): Promise<void> {
  const record = recordDir(dataDir)
  const writing = `${record}.new`
  await rm(writing, {recursive: true, force: true})
  await mkdir(writing, {recursive: true})
  for (const file of MANIFESTS) {
    if (existsSync(join(dataDir, file))) await copyFile(join(dataDir, file), join(writing, file))
  }
  // Always there in a record: restoreInstalledPlugins takes its absence for one moved back already.
  if (existsSync(join(dataDir, 'node_modules'))) await promisify(execFile)('cp', ['-al', join(dataDir, 'node_modules'), join(writing, 'node_modules')])
  else await mkdir(join(writing, 'node_modules'))
  await rm(record, {recursive: true, force: true})
  await rename(writing, record)
}

/**
 * The plugin the install under way installed, as oclif's installer loaded it (after its npm install,
 * before its plugins:postinstall hook): the plugin that was not loaded when it began (`plugins
 * install a b` installs one plugin after the other, each with its hooks).
 */
export function pluginInstalled(config: Interfaces.Config): Interfaces.Plugin | undefined {
  return config.getPluginsList().find((plugin) => !loadedBefore.has(plugin))
}

/**
 * The plugin the install under way was given by its npm name or its directory, if it was: what
 * names it when npm fails, which leaves nothing installed to tell it by.
 */
export function pluginNamedForInstall(): string | undefined {
  return namedForInstall
}

/** The version of the plugin `name` installed before the install (or update) under way, if it was installed. */
export async function versionInstalledBefore(dataDir: string, name: string): Promise<string | undefined> {
  const record = recordDir(dataDir)
  const manifest = await readJson(join(record, 'package.json'))
  if (!Object.hasOwn((manifest?.dependencies as object | undefined) ?? {}, name)) return undefined
  const version = (await readJson(join(record, 'node_modules', name, 'package.json')))?.version
  return typeof version === 'string' ? version : undefined
}

/**
 * The plugins the install under way added: those npm lists at the root of the data directory now
 * (in its package.json or its lock) and did not before, or none when nothing was recorded. The lock
 * too: oclif takes a plugin from the registry that it cannot load out of package.json, not out of
 * the lock, nor out of node_modules.
 */
export async function pluginsAdded(dataDir: string): Promise<string[]> {
  const record = recordDir(dataDir)
  if (!existsSync(record)) return []
  const before = await rootDependencies(record)
  return [...(await rootDependencies(dataDir))].filter((name) => !before.has(name))
}

async function rootDependencies(directory: string): Promise<Set<string>> {
  const manifest = (await readJson(join(directory, 'package.json'))) as {dependencies?: object} | undefined
  const lock = (await readJson(join(directory, 'package-lock.json'))) as {packages?: {''?: {dependencies?: object}}} | undefined
  return new Set([...Object.keys(manifest?.dependencies ?? {}), ...Object.keys(lock?.packages?.['']?.dependencies ?? {})])
}

/**
 * The plugins installed before that the install (or update) under way replaced (their package.json in
 * node_modules is no longer the same file, or is gone), or none when nothing was recorded.
 */
export async function pluginsReplaced(dataDir: string): Promise<string[]> {
  const record = recordDir(dataDir)
  const manifest = await readJson(join(record, 'package.json'))
  const replaced: string[] = []
  for (const name of Object.keys((manifest?.dependencies as object | undefined) ?? {})) {
    const before = await stat(join(record, 'node_modules', name, 'package.json')).catch(() => undefined)
    const now = await stat(join(dataDir, 'node_modules', name, 'package.json')).catch(() => undefined)
    if (before && before.ino !== now?.ino) replaced.push(name)
  }
  return replaced
}

/**
 * Puts back the plugins recorded before the change under way: false when nothing was recorded.
 * Synchronous, for a command stopped by a signal (changes-lock.ts), whose installer must not go on
 * meanwhile; and so that, cut short itself (SIGKILL), it is done again by the next change from what
 * is left of the record: the manifests are copied, and node_modules moved back last.
 */
export function restoreInstalledPlugins(dataDir: string): boolean {
  const record = recordDir(dataDir)
  if (!existsSync(record)) return false
  for (const file of MANIFESTS) {
    if (existsSync(join(record, file))) copyFileSync(join(record, file), join(dataDir, file))
    else rmSync(join(dataDir, file), {force: true})
  }
  if (existsSync(join(record, 'node_modules'))) {
    rmSync(join(dataDir, 'node_modules'), {recursive: true, force: true})
    renameSync(join(record, 'node_modules'), join(dataDir, 'node_modules'))
  }
  // npm's record of the tree, which it rewrites in place (so the link holds the new tree): without
  // it npm reads the tree from node_modules itself.
  rmSync(join(dataDir, 'node_modules', '.package-lock.json'), {force: true})
  rmSync(record, {recursive: true, force: true})
  return true
}

/** Drops the record, once the install under way is done. */
export async function forgetInstalledPlugins(dataDir: string): Promise<void> {
  await rm(recordDir(dataDir), {recursive: true, force: true})
}

async function readJson(path: string): Promise<Record<string, unknown> | undefined> {
  // One that does not parse (a copy's package.json broken by hand) tells nothing either: the install's error names it (installedPackageProblem).
  return readFile(path, 'utf8').then((text) => JSON.parse(text) as Record<string, unknown>).catch(() => undefined)
}
