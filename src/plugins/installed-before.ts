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
 */
import {execFile} from 'node:child_process'
import {existsSync} from 'node:fs'
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

/** oclif's `plugins:preinstall` hook for nerd. */
export async function recordInstalledPlugins(this: Hook.Context, options: {config: Interfaces.Config}): Promise<void> {
  loadedBefore = new Set(options.config.getPluginsList())
  try {
    await recordPlugins(options.config.dataDir)
  } catch (error) {
    // oclif would go on without a word, and a refused upgrade would then take the earlier version away.
    this.error(`cannot record the plugins installed in ${options.config.dataDir}: ${(error as Error).message}`, {exit: 1})
  }
}

export async function recordPlugins(dataDir: string): Promise<void> {
  const record = recordDir(dataDir)
  await rm(record, {recursive: true, force: true})
  await mkdir(record, {recursive: true})
  for (const file of MANIFESTS) {
    if (existsSync(join(dataDir, file))) await copyFile(join(dataDir, file), join(record, file))
  }
  if (existsSync(join(dataDir, 'node_modules'))) await promisify(execFile)('cp', ['-al', join(dataDir, 'node_modules'), join(record, 'node_modules')])
}

/**
 * The plugin the install under way installed, as oclif's installer loaded it (after its npm install,
 * before its plugins:postinstall hook): the plugin that was not loaded when it began (`plugins
 * install a b` installs one plugin after the other, each with its hooks).
 */
export function pluginInstalled(config: Interfaces.Config): Interfaces.Plugin | undefined {
  return config.getPluginsList().find((plugin) => !loadedBefore.has(plugin))
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

/** Puts back the plugins recorded before the install under way: false when nothing was recorded. */
export async function restoreInstalledPlugins(dataDir: string): Promise<boolean> {
  const record = recordDir(dataDir)
  if (!existsSync(record)) return false
  for (const file of MANIFESTS) {
    if (existsSync(join(record, file))) await rename(join(record, file), join(dataDir, file))
    else await rm(join(dataDir, file), {force: true})
  }
  await rm(join(dataDir, 'node_modules'), {recursive: true, force: true})
  if (existsSync(join(record, 'node_modules'))) {
    await rename(join(record, 'node_modules'), join(dataDir, 'node_modules'))
    // npm's record of the tree, which it rewrites in place (so the link holds the new tree): without
    // it npm reads the tree from node_modules itself.
    await rm(join(dataDir, 'node_modules', '.package-lock.json'), {force: true})
  }
  await forgetInstalledPlugins(dataDir)
  return true
}

/** Drops the record, once the install under way is done. */
export async function forgetInstalledPlugins(dataDir: string): Promise<void> {
  await rm(recordDir(dataDir), {recursive: true, force: true})
}

async function readJson(path: string): Promise<Record<string, unknown> | undefined> {
  return readFile(path, 'utf8').then((text) => JSON.parse(text) as Record<string, unknown>, () => undefined)
}
