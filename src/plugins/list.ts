/** What `nerd plugins ls` shows of the plugins oclif has loaded: a row each, a bundle's own after it. */
import type {Interfaces} from '@oclif/core'
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
}

/** The user's plugins (installed, linked, and those their bundles bring); nerd's own too with `core`. */
export function pluginRows(plugins: readonly Interfaces.Plugin[], options: {core: boolean}): PluginRow[] {
  return plugins
    .filter((plugin) => options.core || plugin.type !== 'core')
    .map((plugin) => ({
      Name: plugin.name,
      Version: plugin.version,
      Type: plugin.type,
      // A bundle's plugins take its type; nerd's own core plugins name no bundle.
      Bundle: plugin.parent && plugin.parent.type !== 'core' ? plugin.parent.name : '',
      HookApi: readNerdSettings(plugin.name, plugin.pjson).hookApi ?? '',
    }))
}
