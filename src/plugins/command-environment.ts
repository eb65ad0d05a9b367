/**
 * What a plugin's command learns of nerd's global options: nerd lifts them out of argv (they come
 * before the command, as docker's), so they reach the command through its environment instead, set
 * by oclif's `prerun` hook just before a user's (installed or linked) plugin command runs.
 */
import type {Command, Hook} from '@oclif/core'
import type {NerdConfig} from '../config/index.ts'
import {SETTING_NAMES, SETTING_SPECS, type SettingName} from '../config/settings.ts'
import {getConfig} from '../context.ts'

/**
 * containerd's own variables (which nerd, ctr and containerd's clients read), and NERD_SETTINGS:
 * every setting as nerd resolved it (flag > environment > nerd.toml > default), keyed as in
 * nerd.toml, with NERD_SETTINGS_SOURCES, where each came from.
 */
export function pluginCommandEnvironment(config: NerdConfig): Record<string, string> {
  const byKey = (value: (name: SettingName) => unknown) => JSON.stringify(Object.fromEntries(SETTING_NAMES.map((name) => [SETTING_SPECS[name].key, value(name)])))
  return {
    CONTAINERD_ADDRESS: config.address,
    CONTAINERD_NAMESPACE: config.namespace,
    CONTAINERD_SNAPSHOTTER: config.snapshotter,
    NERD_SETTINGS: byKey((name) => config[name]),
    // Where each came from: a `nerd info` the command runs tells the same as this nerd's.
    NERD_SETTINGS_SOURCES: byKey((name) => config.sources[name]),
    // A nerd the command starts takes the settings from a nerd it runs under only (config.ts).
    NERD_SETTINGS_PID: String(process.pid),
  }
}

export async function exportSettingsToPluginCommand(this: Hook.Context, options: {Command: Command.Class}): Promise<void> {
  const type = options.Command.plugin?.type
  if (type !== 'user' && type !== 'link') return
  Object.assign(process.env, pluginCommandEnvironment(await getConfig()))
}
