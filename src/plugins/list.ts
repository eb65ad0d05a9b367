/** What `nerd plugins ls` shows of the plugins oclif has loaded: a row each. */
import type {Interfaces} from '@oclif/core'
import {compareStrings} from '../format/go-values.ts'
import {readNerdSettings} from '../hooks/discovery.ts'

export interface PluginRow {
  Name: string
  Version: string
  /** oclif's: `user` (installed), `link`, `core` (nerd's own and first-party). */
  Type: string
  /** The bundle that brought it, for a bundle's plugins. */
  Bundle: string
  /** The nerd hook API the plugin declares (`^1`), if any. */
  HookApi: string
  /** Why oclif cannot load a plugin that is installed or linked (it has no version, bundle or hook API then). */
  Error: string
}

/**
 * The user's plugins (installed, linked, and those their bundles bring; `unloaded`: those oclif could
 * not load, with why); nerd's own too with `core`. By name, as docker lists its plugins (oclif's
 * order changes from one run to the next), a bundle's own after it.
 */
export function pluginRows(plugins: readonly Interfaces.Plugin[], unloaded: readonly {name: string; type: string; reason: string}[], options: {core: boolean}): PluginRow[] {
  const rows = plugins
    .filter((plugin) => options.core || plugin.type !== 'core')
    .map((plugin) => ({
      Name: plugin.name,
      Version: plugin.version,
      Type: plugin.type,
      // A bundle's plugins take its type; nerd's own core plugins name no bundle.
      Bundle: plugin.parent && plugin.parent.type !== 'core' ? plugin.parent.name : '',
      HookApi: readNerdSettings(plugin.name, plugin.pjson).hookApi ?? '',
      Error: '',
    }))
    .concat(unloaded.map(({name, type, reason}) => ({Name: name, Version: '', Type: type, Bundle: '', HookApi: '', Error: reason})))
    .sort((a, b) => compareStrings(a.Name, b.Name))
  const listed = new Set(rows.map((row) => row.Name))
  const carried = (row: PluginRow) => row.Bundle !== '' && listed.has(row.Bundle)
  return rows.filter((row) => !carried(row)).flatMap((row) => [row, ...rows.filter((each) => carried(each) && each.Bundle === row.Name)])
}
