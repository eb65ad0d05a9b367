import {statSync} from 'node:fs'
import {join, resolve} from 'node:path'
import {pathToFileURL} from 'node:url'
import type {Interfaces} from '@oclif/core'
import type {HookDeclaration} from './discovery.ts'

/**
 * Imports a plugin's hook module and returns the function its declaration names. Called only when
 * the event fires, so a command that fires no event loads no plugin code.
 */
export async function loadHookFunction(plugin: Interfaces.Plugin, declaration: HookDeclaration): Promise<Function> {
  const path = resolveHookModule(plugin.root, declaration.target)
  if (path === undefined) throw new Error(`hook module ${declaration.target} not found in ${plugin.root}`)
  let module: Record<string, unknown>
  try {
    module = await import(pathToFileURL(path).href)
  } catch (error) {
    const text = error instanceof Error ? error.message.split('\n', 1)[0] : String(error)
    throw new Error(`cannot load hook module ${declaration.target}: ${text}`, {cause: error})
  }
  const identifier = declaration.identifier ?? 'default'
  const hook = identifier === 'default' ? defaultExport(module) : module[identifier]
  if (typeof hook !== 'function') {
    throw new Error(`hook module ${declaration.target} has no ${identifier === 'default' ? 'default' : `"${identifier}"`} export that is a function`)
  }
  return hook
}

/**
 * The file a hook's target names, undefined when there is none. Targets are written as in oclif:
 * relative to the plugin root, with or without an extension, or naming a directory with an index
 * module.
 */
export function resolveHookModule(root: string, target: string): string | undefined {
  const base = resolve(root, target)
  const candidates = [base, `${base}.js`, `${base}.mjs`, `${base}.cjs`, join(base, 'index.js')]
  return candidates.find((candidate) => statSync(candidate, {throwIfNoEntry: false})?.isFile())
}

// As oclif does for `default`: the default export, the default of a transpiled CommonJS module,
// or else the module's only function.
function defaultExport(module: Record<string, unknown>): unknown {
  const main = module.default
  if (typeof main === 'function') return main
  const nested = (main as Record<string, unknown> | undefined)?.default
  if (typeof nested === 'function') return nested
  const functions = Object.values(module).filter((value) => typeof value === 'function')
  return functions.length === 1 ? functions[0] : undefined
}
