/**
 * oclif's `plugins:postinstall` hook for nerd: a plugin built for another major version of nerd's
 * hook API is uninstalled again at once, with the reason, rather than failing at its first event.
 */
import type {Hook, Interfaces} from '@oclif/core'
import {readNerdSettings} from '../hooks/discovery.ts'
import {hookApiIncompatibility} from '../hooks/version.ts'

export async function refuseIncompatiblePlugins(this: Hook.Context, options: {config: Interfaces.Config}): Promise<void> {
  for (const plugin of options.config.getPluginsList()) {
    // nerd's own and first-party plugins live in its package; the one just installed is not typed 'user' yet.
    if (plugin.root === options.config.root || plugin.root.startsWith(`${options.config.root}/`)) continue
    const declared = readNerdSettings(plugin.name, plugin.pjson).hookApi
    const refusal = declared === undefined ? undefined : hookApiIncompatibility(plugin.name, declared)
    if (!refusal) continue
    await options.config.runCommand('plugins:uninstall', [plugin.name])
    this.error(`${refusal}; it was not installed`, {exit: 1})
  }
}
