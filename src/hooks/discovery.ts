import type {Interfaces} from '@oclif/core'
import {compareStrings} from '../format/go-values.ts'
import {NERD_HOOK_EVENTS} from './events.ts'
import {HOOK_API_VERSION} from './version.ts'

/** hookOrder of a plugin that declares none: first-party plugins declare lower numbers to run first. */
export const DEFAULT_HOOK_ORDER = 100
export const DEFAULT_HOOK_TIMEOUT_MS = 10_000

/** One `oclif.hooks` entry as oclif normalises it: a module path and the export to call. */
export type HookDeclaration = Interfaces.Plugin['hooks'][string][number]

/** A plugin's `"nerd"` block in its package.json, as far as hooks are concerned. */
export interface NerdPluginSettings {
  hookOrder: number
  hookTimeoutMs: number | undefined
  /** The declared hook API range, `undefined` when the plugin declares none. */
  hookApi: string | undefined
  /** Malformed values that were replaced by defaults, to be reported as warnings. */
  problems: string[]
}

export interface HookStep {
  plugin: Interfaces.Plugin
  declaration: HookDeclaration
  settings: NerdPluginSettings
}

/** The keys of the `nerd` block: the hook settings, a bundle's defaults, the flags declared for nerd's commands (plugins/declared-flags.ts). */
const NERD_KEYS = ['hookApi', 'hookOrder', 'hookTimeoutMs', 'defaults', 'flags']

export function readNerdSettings(pluginName: string, pjson: Interfaces.PJSON): NerdPluginSettings {
  const block: unknown = pjson.nerd
  const settings: NerdPluginSettings = {hookOrder: DEFAULT_HOOK_ORDER, hookTimeoutMs: undefined, hookApi: undefined, problems: []}
  if (block === undefined) return settings
  if (typeof block !== 'object' || block === null || Array.isArray(block)) {
    settings.problems.push(`plugin "${pluginName}" has a "nerd" entry in its package.json that is not an object; ignoring it`)
    return settings
  }
  const {hookOrder, hookTimeoutMs, hookApi} = block as Record<string, unknown>
  for (const key of Object.keys(block).filter((key) => !NERD_KEYS.includes(key))) {
    settings.problems.push(`plugin "${pluginName}" declares nerd.${key}, which nerd does not know; ignoring it`)
  }
  if (hookOrder !== undefined) {
    if (typeof hookOrder === 'number' && Number.isFinite(hookOrder)) settings.hookOrder = hookOrder
    else settings.problems.push(`plugin "${pluginName}" declares nerd.hookOrder ${JSON.stringify(hookOrder)}, not a number; using ${DEFAULT_HOOK_ORDER}`)
  }
  if (hookTimeoutMs !== undefined) {
    if (typeof hookTimeoutMs === 'number' && Number.isFinite(hookTimeoutMs) && hookTimeoutMs > 0) settings.hookTimeoutMs = hookTimeoutMs
    else settings.problems.push(`plugin "${pluginName}" declares nerd.hookTimeoutMs ${JSON.stringify(hookTimeoutMs)}, not a positive number; using the default`)
  }
  // A bare number (`"hookApi": 1`) is read as that major; anything else that is not a string is
  // kept as text so that the version check refuses it with the value in the message.
  if (hookApi !== undefined) settings.hookApi = typeof hookApi === 'string' ? hookApi : JSON.stringify(hookApi)
  return settings
}

/**
 * The hooks declared for `event`, in the order they run: by the plugins' hookOrder, then by plugin
 * name (code-unit order, so the result does not depend on the locale or on the order oclif loaded
 * the plugins in), then in the order a plugin lists them.
 */
export function orderedHookSteps(plugins: readonly Interfaces.Plugin[], event: string): HookStep[] {
  const subscribed = plugins
    .filter((plugin) => (plugin.hooks?.[event]?.length ?? 0) > 0)
    .map((plugin) => ({plugin, settings: readNerdSettings(plugin.name, plugin.pjson)}))
    .sort((a, b) => a.settings.hookOrder - b.settings.hookOrder || compareStrings(a.plugin.name, b.plugin.name))
  return subscribed.flatMap(({plugin, settings}) => plugin.hooks[event].map((declaration) => ({plugin, declaration, settings})))
}

/** Hook events a plugin declares under `nerd:` that nerd never fires (typos, or a newer nerd's events). */
export function unknownNerdEvents(plugin: Interfaces.Plugin): string[] {
  const known: readonly string[] = NERD_HOOK_EVENTS
  return Object.keys(plugin.hooks ?? {}).filter((event) => event.startsWith('nerd:') && !known.includes(event))
}

/**
 * What is wrong with a plugin's hook declarations, one line each: events nerd never fires, nerd
 * settings replaced by defaults, hooks without a declared hook API. Told at install and link, when
 * the author can still act, rather than on every command that fires an event.
 */
export function hookDeclarationProblems(plugin: Interfaces.Plugin): string[] {
  const unknownEvents = unknownNerdEvents(plugin).map((event) => `plugin "${plugin.name}" declares a hook for "${event}", an event this nerd never fires`)
  const settings = readNerdSettings(plugin.name, plugin.pjson)
  const hooksNerdFires = Object.keys(plugin.hooks ?? {}).some((event) => (NERD_HOOK_EVENTS as readonly string[]).includes(event))
  const undeclaredApi = hooksNerdFires && settings.hookApi === undefined
    ? [`plugin "${plugin.name}" does not declare the nerd hook API it targets ("nerd": {"hookApi": "^${HOOK_API_VERSION.split('.')[0]}"} in its package.json); its hooks run anyway`]
    : []
  return [...unknownEvents, ...settings.problems, ...undeclaredApi]
}
