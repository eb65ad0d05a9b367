import type {GlobalFlags, NerdConfig} from './config/index.ts'
import type {ContainerdClient} from './containerd/index.ts'

/**
 * Process-wide state set once by the entry point: the global options lifted out of argv before
 * oclif parsed the command, and the command's words as typed. Commands (core and first-party
 * plugins) read the resolved config here.
 */
let globalFlags: GlobalFlags = {}
let resolved: Promise<NerdConfig> | undefined
let typedWords: readonly string[] = []

export function setGlobalFlags(flags: GlobalFlags): void {
  globalFlags = flags
  resolved = undefined
}

export function setCommandWords(words: readonly string[]): void {
  typedWords = words
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
  resolved ??= Promise.all([import('./config/index.ts'), import('./data-root.ts')]).then(async ([{loadConfig}, {secureDataRoot}]) => {
    const config = await loadConfig({globals: globalFlags, env: process.env})
    secureDataRoot(config.dataRoot)
    return config
  })
  return resolved
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
