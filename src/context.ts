import type {GlobalFlags, NerdConfig} from './config/index.ts'

/**
 * Process-wide state set once by the entry point: the global options lifted out of argv before
 * oclif parsed the command. Commands (core and first-party plugins) read the resolved config here.
 */
let globalFlags: GlobalFlags = {}
let resolved: Promise<NerdConfig> | undefined

export function setGlobalFlags(flags: GlobalFlags): void {
  globalFlags = flags
  resolved = undefined
}

/** The effective configuration: flag > environment > nerd.toml > default. Loaded once. */
export function getConfig(): Promise<NerdConfig> {
  resolved ??= import('./config/index.ts').then(({loadConfig}) => loadConfig({globals: globalFlags, env: process.env}))
  return resolved
}
