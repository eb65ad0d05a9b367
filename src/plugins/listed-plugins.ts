/**
 * The plugins the user's data directory lists (oclif's package.json there), read without oclif: a
 * plugin oclif cannot load is missing from its list, and is still installed (or linked) and
 * uninstallable, so `plugins ls`, `plugins inspect` and the load warnings name it from here.
 */
import {existsSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {pluginDataDir} from '../paths.ts'

export interface ListedPlugin {
  name: string
  /** oclif's: `user` (installed) or `link`. */
  type: 'user' | 'link'
  /** Where its package is. */
  directory: string
}

/** The installed and linked plugins the data directory lists; none when its package.json cannot be read. */
export function listedPlugins(dataDir = pluginDataDir(process.env)): ListedPlugin[] {
  let entries: unknown[]
  try {
    entries = (JSON.parse(readFileSync(join(dataDir, 'package.json'), 'utf8')) as {oclif?: {plugins?: unknown[]}}).oclif?.plugins ?? []
  } catch {
    return []
  }
  return entries.flatMap((entry): ListedPlugin[] => {
    // oclif once wrote an installed plugin as its bare name.
    if (typeof entry === 'string') return [{name: entry, type: 'user', directory: join(dataDir, 'node_modules', entry)}]
    const {name, type, root} = (typeof entry === 'object' && entry !== null ? entry : {}) as {name?: unknown; type?: unknown; root?: unknown}
    if (typeof name !== 'string') return []
    if (type === 'link' && typeof root === 'string') return [{name, type, directory: root}]
    return type === 'user' ? [{name, type, directory: join(dataDir, 'node_modules', name)}] : []
  })
}

/** Why the package.json in `directory` does not parse, if it does not: its path and the parse error. */
export function unparsablePackage(directory: string): {file: string; reason: string} | undefined {
  const file = join(directory, 'package.json')
  try {
    JSON.parse(readFileSync(file, 'utf8'))
    return undefined
  } catch (error) {
    return error instanceof SyntaxError ? {file, reason: error.message} : undefined
  }
}

/**
 * Why oclif could not load the plugin at `directory`, as the warning each command prints says it:
 * its package.json does not parse, or its package is gone; anything else is in oclif's warning.
 */
export function whyNotLoaded(directory: string): string {
  const unparsable = unparsablePackage(directory)
  if (unparsable) return `${unparsable.file}: ${unparsable.reason}`
  return existsSync(join(directory, 'package.json')) ? 'it failed to load' : 'its package is not found'
}

/** The listed plugins oclif has not loaded (`loaded`: the names of those it has), with why. */
export function unloadedPlugins(loaded: ReadonlySet<string>): (ListedPlugin & {reason: string})[] {
  return listedPlugins()
    .filter((plugin) => !loaded.has(plugin.name))
    .map((plugin) => ({...plugin, reason: whyNotLoaded(plugin.directory)}))
}
