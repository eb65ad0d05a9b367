import type {GlobalFlags, NerdConfig} from './config/index.ts'
import type {ContainerdClient} from './containerd/index.ts'

/**
 * Process-wide state set once by the entry point: the global options lifted out of argv before
 * oclif parsed the command, and the command's words as typed. Commands (core and first-party
 * plugins) read the resolved config here.
 */
let globalFlags: GlobalFlags = {}
let loaded: Promise<NerdConfig> | undefined
let resolved: Promise<NerdConfig> | undefined
let typedWords: readonly string[] = []
let startEnvironment: Readonly<NodeJS.ProcessEnv> = process.env

export function setGlobalFlags(flags: GlobalFlags): void {
  globalFlags = flags
  loaded = undefined
  resolved = undefined
}

export function setCommandWords(words: readonly string[]): void {
  typedWords = words
}

export function setUserEnvironment(environment: NodeJS.ProcessEnv): void {
  startEnvironment = environment
}

/**
 * The user's environment, as nerd was started with it: where `-e NAME` and an --env-file's bare NAME
 * find NAME's value. process.env also holds what nerd sets for itself (NODE_DISABLE_COMPILE_CACHE,
 * NO_COLOR, DOCKER_CONFIG for --config), which docker's CLI would not pass on.
 */
export function userEnvironment(): Readonly<NodeJS.ProcessEnv> {
  return startEnvironment
}

/**
 * The command's words as typed (`images`, `image ls`): oclif gives an alias's command its canonical
 * id, where docker tells some commands by the name they were called by (cobra's CalledAs).
 */
export function commandWords(): readonly string[] {
  return typedWords
}

/**
 * The effective configuration: flag > environment > nerd.toml > default. Loaded once, its data root
 * made safe to use then (data-root.ts): every use of the data root comes through here.
 */
export function getConfig(): Promise<NerdConfig> {
  resolved ??= Promise.all([loadedConfig(), import('./data-root.ts')]).then(([config, {secureDataRoot}]) => {
    secureDataRoot(config.dataRoot)
    return config
  })
  return resolved
}

/** The configuration as resolved, its data root not yet touched: read once, for getConfig and debugSetting. */
function loadedConfig(): Promise<NerdConfig> {
  loaded ??= import('./config/index.ts').then(({loadConfig}) => loadConfig({globals: globalFlags, env: process.env}))
  return loaded
}

/**
 * Whether nerd's debug setting is on, from whichever source (`-D`, nerd.toml's `debug`, a parent
 * nerd's NERD_SETTINGS...); false when the settings do not resolve, which a command that reads them reports.
 */
export function debugSetting(): Promise<boolean> {
  return loadedConfig().then((config) => config.debug || config.debugFull, () => false)
}

let early: Promise<ContainerdClient> | undefined

/** A connection to the configured containerd, in the configured namespace. */
export function connectToContainerd(): Promise<ContainerdClient> {
  return getConfig().then(async (config) => (await import('./containerd/index.ts')).connect({address: config.address, namespace: config.namespace}))
}

/**
 * Starts connecting to containerd while oclif is still loading, so that the socket and HTTP/2
 * handshake are done by the command's first call. The command's first containerd() takes it.
 */
export function connectEarly(): void {
  early = connectToContainerd()
  // A failure is the command's to report, when (and if) it asks for the connection.
  early.catch(() => undefined)
}

/** The early connection, once; undefined when none was started or it was taken already. */
export function takeEarlyConnection(): Promise<ContainerdClient> | undefined {
  const taken = early
  early = undefined
  return taken
}
