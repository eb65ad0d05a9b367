/**
 * The code caches bin/bundle.cjs takes after a command's run, one per command's words (its cache
 * name) in each nerd bundle's directory: those of an uninstalled plugin's commands go with it,
 * since nothing runs them any more (about 1.5 MB each).
 */
import {readdir, rm} from 'node:fs/promises'
import {join} from 'node:path'
import type {Interfaces} from '@oclif/core'
import {splitGlobalArgs} from '../config/argv.ts'
import {userCacheDir} from '../paths.ts'
import {commandIds} from './install-check.ts'

/** The cache name of the command `id` (oclif's `qa:info`), as bin/run.js picks it: the words splitGlobalArgs takes for the command's. */
export function cacheNameOf(id: string): string | undefined {
  try {
    return splitGlobalArgs(id.split(':')).command.join('-') || undefined
  } catch {
    return undefined
  }
}

/** Removes the caches named `names`, of every nerd bundle's directory. */
export async function removeCommandCaches(names: ReadonlySet<string>): Promise<void> {
  const base = userCacheDir()
  if (names.size === 0 || base === undefined) return
  const root = join(base, 'code-cache')
  for (const bundle of await readdir(root).catch(() => [] as string[])) {
    for (const file of await readdir(join(root, bundle)).catch(() => [] as string[])) {
      // `<node>-<arch>-<size>-<mtime>-<ctime>-<inode>-<cache name>`, and `.<pid>` while written.
      const name = file.split('-').slice(6).join('-').replace(/\.\d+$/, '')
      if (names.has(name)) await rm(join(root, bundle, file), {force: true})
    }
  }
}

/** The cache names of the commands of the plugins `removed` picks out of `plugins`, but for those a command kept has too. */
export function unusedCacheNames(plugins: readonly Interfaces.Plugin[], removed: (plugin: Interfaces.Plugin) => boolean): Set<string> {
  const cacheNames = (removing: boolean) => new Set(plugins.filter((plugin) => removed(plugin) === removing).flatMap((plugin) => commandIds(plugin).flatMap((id) => cacheNameOf(id) ?? [])))
  const kept = cacheNames(false)
  return new Set([...cacheNames(true)].filter((name) => !kept.has(name)))
}
