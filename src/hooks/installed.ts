/**
 * The user's plugins as oclif would load them, read from oclif's data directory without oclif: the
 * OCI hook (and a start in the CLI) checks the plugins a container recorded against them, so that
 * a plugin uninstalled, unlinked or upgraded since the container's creation neither breaks its
 * start nor keeps firing from where it used to be.
 */
import {readFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import type {HookDeclaration} from './discovery.ts'

export interface InstalledPlugin {
  name: string
  root: string
  pjson: PluginPackage
}

export interface PluginPackage {
  name?: string
  version?: string
  dependencies?: Record<string, string>
  oclif?: {hooks?: Record<string, unknown>; plugins?: unknown[]}
  nerd?: unknown
}

/**
 * By name: the plugins installed (`type: user`) and linked in `dataDir`'s package.json, and those
 * their bundles bring (the `oclif.plugins` of theirs that are among their dependencies, found by
 * node's resolution from the bundle). A plugin whose package cannot be read is left out, as oclif
 * leaves it out with a warning.
 */
export function installedPlugins(dataDir: string): Map<string, InstalledPlugin> {
  const found = new Map<string, InstalledPlugin>()
  const manifest = readPackage(join(dataDir, 'package.json'))
  const add = (name: string, root: string | undefined) => {
    if (root === undefined || found.has(name)) return
    const pjson = readPackage(join(root, 'package.json'))
    if (!pjson) return
    found.set(name, {name, root, pjson})
    const children = (pjson.oclif?.plugins ?? []).flatMap((entry) => (typeof entry === 'string' ? [entry] : []))
    for (const child of Object.keys(pjson.dependencies ?? {}).filter((dependency) => children.some((pattern) => pluginPatternMatches(pattern, dependency)))) {
      add(child, resolvePackageRoot(root, child))
    }
  }
  for (const type of ['user', 'link']) {
    for (const entry of manifest?.oclif?.plugins ?? []) {
      if (typeof entry !== 'object' || entry === null) continue
      const {name, root} = entry as {name?: unknown; root?: unknown; type?: unknown}
      if ((entry as {type?: unknown}).type !== type || typeof name !== 'string') continue
      add(name, type === 'user' ? join(dataDir, 'node_modules', name) : typeof root === 'string' ? root : undefined)
    }
  }
  return found
}

/** A plugin's `oclif.hooks` as oclif normalises them: a list of declarations for each event. */
export function declaredHooks(pjson: PluginPackage): Record<string, HookDeclaration[]> {
  return Object.fromEntries(
    Object.entries(pjson.oclif?.hooks ?? {}).map(([event, value]) => [
      event,
      (Array.isArray(value) ? value : [value]).map((entry) => (typeof entry === 'string' ? {target: entry, identifier: 'default'} : {...(entry as HookDeclaration), identifier: (entry as HookDeclaration).identifier || 'default'})),
    ]),
  )
}

function readPackage(file: string): PluginPackage | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as PluginPackage
  } catch {
    return undefined
  }
}

/** Where node would find package `name` from `root`: in the nearest node_modules up the tree that has it. */
function resolvePackageRoot(root: string, name: string): string | undefined {
  for (let directory = root; ; directory = dirname(directory)) {
    const candidate = join(directory, 'node_modules', name)
    if (readPackage(join(candidate, 'package.json'))) return candidate
    if (dirname(directory) === directory) return undefined
  }
}

/** oclif's plugin patterns, read as minimatch reads a package name: `*` is any run of characters but `/` (`@vendor/plugin-*`). */
export function pluginPatternMatches(pattern: string, name: string): boolean {
  const expression = pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^/]*')
  return new RegExp(`^${expression}$`).test(name)
}
