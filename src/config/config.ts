/**
 * nerd's effective configuration: global flag > environment > nerd.toml > built-in default, as
 * nerdctl resolves nerdctl.toml.
 *
 * The common case has no nerd.toml, and every command pays for this on start-up: it costs one
 * existsSync, and the TOML parser is imported only when a file is read. Defaults that probe the
 * host (CNI directory, cgroup manager) are computed on first read.
 *
 * The file is read directly rather than through cosmiconfig: creating a cosmiconfig (v10) explorer
 * searches the working directory for a "meta config" and executes `.config/config.{js,cjs,mjs,ts}`
 * found there (and fails on a malformed `package.json`), which a command usually run as root in
 * arbitrary directories must not do.
 */
import {existsSync, readFileSync} from 'node:fs'
import {readFile} from 'node:fs/promises'
import {homedir} from 'node:os'
import {join, resolve} from 'node:path'
import {NerdError} from '../errors.ts'
import {pluginDataDir} from '../paths.ts'
import {listedPlugins} from '../plugins/listed-plugins.ts'
import {
  SETTING_NAMES,
  SETTING_SPECS,
  InvalidSettingValue,
  type CgroupManager,
  type GlobalFlags,
  type SettingName,
  type Settings,
} from './settings.ts'

export const DEFAULT_CONFIG_FILE = '/etc/nerd/nerd.toml'

/** Debian's CNI plugins live in /usr/lib/cni; the others are where upstream and distributions put them. */
export const CNI_PATH_CANDIDATES = ['/usr/lib/cni', '/opt/cni/bin', '/usr/local/libexec/cni', '/usr/local/lib/cni', '/usr/libexec/cni']

export type ConfigName = SettingName | 'dockerConfig'

export type SettingSource =
  | {kind: 'flag'; flag: string}
  | {kind: 'env'; variable: string}
  | {kind: 'file'; path: string}
  | {kind: 'plugin'; name: string}
  | {kind: 'default'}

export interface NerdConfig extends Settings {
  /** Directory of docker's config.json (registry credentials): $DOCKER_CONFIG, else ~/.docker. */
  dockerConfig: string
  /** The nerd.toml that was read, if any. */
  configFile: string | undefined
  /** Where each value came from. */
  sources: Readonly<Record<ConfigName, SettingSource>>
}

export interface LoadConfigOptions {
  globals: GlobalFlags
  env: Readonly<Record<string, string | undefined>>
  /** The file read when NERD_TOML is unset, if it exists (rootless mode: ~/.config/nerd/nerd.toml). */
  defaultConfigFile?: string
  /** Whether process `pid` is an ancestor of this one (runningUnder): NERD_SETTINGS is read from a parent nerd only. */
  isAncestor?: (pid: number) => boolean
}

/** The environment variables that set a setting (nerdctl's names). */
const ENVIRONMENT: Partial<Record<SettingName, string>> = {
  address: 'CONTAINERD_ADDRESS',
  namespace: 'CONTAINERD_NAMESPACE',
  snapshotter: 'CONTAINERD_SNAPSHOTTER',
}

function staticDefaults(): Omit<Settings, 'cniPath' | 'cgroupManager'> {
  return {
    debug: false,
    debugFull: false,
    address: '/run/containerd/containerd.sock',
    namespace: 'default',
    snapshotter: 'overlayfs',
    cniNetconfPath: '/etc/cni/net.d',
    dataRoot: '/var/lib/nerd',
    insecureRegistry: false,
    hostsDir: ['/etc/containerd/certs.d', '/etc/docker/certs.d'],
    experimental: true,
  }
}

/** The first CNI plugin directory that exists, else /usr/lib/cni. */
export function defaultCniPath(exists: (path: string) => boolean = existsSync): string {
  return CNI_PATH_CANDIDATES.find((path) => exists(path)) ?? CNI_PATH_CANDIDATES[0]
}

/** Whether the host mounts the unified cgroup v2 hierarchy at /sys/fs/cgroup. */
export function isCgroupV2(exists: (path: string) => boolean = existsSync): boolean {
  return exists('/sys/fs/cgroup/cgroup.controllers')
}

/** systemd on a cgroup v2 host booted with systemd, cgroupfs otherwise (nerdctl's rule for rootful). */
export function defaultCgroupManager(exists: (path: string) => boolean = existsSync): CgroupManager {
  return isCgroupV2(exists) && exists('/run/systemd/system') ? 'systemd' : 'cgroupfs'
}

/**
 * Resolves every setting from its highest-precedence source. Throws a NerdError with a one-line
 * message naming the file or variable at fault: a missing NERD_TOML file, a TOML syntax error (with
 * its line), an unknown key, a value of the wrong type, or a value that breaks a setting's rule.
 */
export async function loadConfig({globals, env, defaultConfigFile = DEFAULT_CONFIG_FILE, isAncestor = runningUnder}: LoadConfigOptions): Promise<NerdConfig> {
  const [file, pluginDefaults] = await Promise.all([readConfigFile(env, defaultConfigFile), readPluginDefaults(env)])
  const inherited = parentNerdSettings(env, isAncestor)
  const inheritedSources = inherited === undefined ? undefined : parentSettingSources(env)
  const sources = {} as Record<ConfigName, SettingSource>
  const config = {configFile: file?.path, sources} as NerdConfig
  const defaults = staticDefaults()

  for (const name of SETTING_NAMES) {
    const variable = ENVIRONMENT[name]
    const fromEnv = variable ? env[variable] : undefined
    const fromFlag = globals[name]
    const fromParent = inherited?.[name]
    // Where the parent nerd had it from; one of its defaults is this nerd's to resolve.
    const parentSource = fromParent === undefined ? undefined : (inheritedSources?.[name] ?? {kind: 'env', variable: 'NERD_SETTINGS'})
    const fromFile = file?.settings[name]
    const fromPlugin = pluginDefaults.find((plugin) => plugin.settings[name] !== undefined)
    const envValue = fromFlag === undefined && variable && fromEnv ? settingFromEnvironment(name, variable, fromEnv) : undefined
    // A parent nerd sets containerd's variables for its plugin command: one that still holds the
    // parent's value is the parent's setting, from the parent's source.
    const exportedByParent = envValue !== undefined && inheritedSources?.[name] !== undefined && envValue === fromParent
    if (fromFlag !== undefined) {
      Object.assign(config, {[name]: fromFlag})
      sources[name] = {kind: 'flag', flag: `--${SETTING_SPECS[name].flag}`}
    } else if (variable && envValue !== undefined && !exportedByParent) {
      Object.assign(config, {[name]: envValue})
      sources[name] = {kind: 'env', variable}
    } else if (parentSource !== undefined && parentSource.kind !== 'default') {
      Object.assign(config, {[name]: fromParent})
      sources[name] = parentSource
    } else if (file && fromFile !== undefined) {
      Object.assign(config, {[name]: fromFile})
      sources[name] = {kind: 'file', path: file.path}
    } else if (fromPlugin) {
      Object.assign(config, {[name]: fromPlugin.settings[name]})
      sources[name] = {kind: 'plugin', name: fromPlugin.name}
    } else {
      sources[name] = {kind: 'default'}
      if (name === 'cniPath') defineOnFirstRead(config, name, () => defaultCniPath())
      else if (name === 'cgroupManager') defineOnFirstRead(config, name, () => defaultCgroupManager())
      else Object.assign(config, {[name]: defaults[name]})
    }
  }

  if (env.DOCKER_CONFIG) {
    config.dockerConfig = env.DOCKER_CONFIG
    sources.dockerConfig = {kind: 'env', variable: 'DOCKER_CONFIG'}
  } else {
    config.dockerConfig = join(env.HOME || homedir(), '.docker')
    sources.dockerConfig = {kind: 'default'}
  }
  return config
}

function defineOnFirstRead<Name extends keyof NerdConfig>(config: NerdConfig, name: Name, compute: () => NerdConfig[Name]): void {
  Object.defineProperty(config, name, {
    configurable: true,
    enumerable: true,
    get() {
      const value = compute()
      Object.defineProperty(config, name, {value, enumerable: true, writable: true, configurable: true})
      return value
    },
  })
}

function settingFromEnvironment(name: SettingName, variable: string, text: string): unknown {
  const normalize = SETTING_SPECS[name].normalize ?? String
  try {
    return normalize(text)
  } catch (error) {
    if (!(error instanceof InvalidSettingValue)) throw error
    throw new NerdError(`environment variable ${variable}: ${error.message}`)
  }
}

interface ConfigFile {
  path: string
  settings: Partial<Settings>
}

/**
 * The settings a parent nerd resolved for the plugin command that started this nerd
 * (NERD_SETTINGS, written by plugins/command-environment.ts with NERD_SETTINGS_PID, its own pid):
 * read only when that nerd is an ancestor of this process, so that a variable left in a shell
 * changes nothing. Checked as nerd.toml is.
 */
function parentNerdSettings(env: LoadConfigOptions['env'], isAncestor: (pid: number) => boolean): Partial<Settings> | undefined {
  const text = env.NERD_SETTINGS
  const pid = Number(env.NERD_SETTINGS_PID)
  if (!text || !Number.isSafeInteger(pid) || pid <= 1 || !isAncestor(pid)) return undefined
  let document: unknown
  try {
    document = JSON.parse(text)
  } catch (error) {
    throw new NerdError(`environment variable NERD_SETTINGS: ${(error as Error).message}`)
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document)) throw new NerdError('environment variable NERD_SETTINGS must be an object of nerd.toml keys')
  return settingsFromDocument('environment variable NERD_SETTINGS', document as Record<string, unknown>)
}

/**
 * Where the parent nerd had each of the settings in NERD_SETTINGS from (NERD_SETTINGS_SOURCES,
 * written with it), so that `nerd info` tells the same as the parent would. nerd writes it, and
 * `nerd info` is all it serves: an entry that does not read as a source is left out, and the
 * setting's source is then NERD_SETTINGS itself.
 */
function parentSettingSources(env: LoadConfigOptions['env']): Partial<Record<SettingName, SettingSource>> {
  let document: unknown
  try {
    document = JSON.parse(env.NERD_SETTINGS_SOURCES ?? '{}')
  } catch {
    return {}
  }
  if (typeof document !== 'object' || document === null) return {}
  const sources: Partial<Record<SettingName, SettingSource>> = {}
  for (const [key, source] of Object.entries(document)) {
    const name = SETTING_BY_KEY.get(key)
    if (name !== undefined && isSettingSource(source)) sources[name] = source
  }
  return sources
}

function isSettingSource(value: unknown): value is SettingSource {
  if (typeof value !== 'object' || value === null) return false
  const source = value as Record<string, unknown>
  const field = {flag: 'flag', env: 'variable', file: 'path', plugin: 'name'}[source.kind as string]
  return source.kind === 'default' || (field !== undefined && typeof source[field] === 'string')
}

/** Whether process `pid` is this process's parent, or the parent's parent, and so on (Linux's /proc). */
export function runningUnder(pid: number): boolean {
  let current = process.ppid
  for (let depth = 0; depth < 64 && current > 1; depth++) {
    if (current === pid) return true
    try {
      // `pid (comm) state ppid …`; the command name may hold spaces and parentheses.
      const stat = readFileSync(`/proc/${current}/stat`, 'utf8')
      current = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
    } catch {
      return false
    }
  }
  return false
}

/**
 * The defaults installed plugins bring (a vendor bundle's `"nerd": {"defaults": {...}}`, with
 * nerd.toml's keys): below nerd.toml, above nerd's own defaults; of two plugins, the one installed
 * first wins. Install and link refuse defaults nerd.toml would refuse; a plugin's that are broken
 * all the same (edited in place) are ignored with a warning: its settings must not break every
 * command, `plugins uninstall` included.
 */
async function readPluginDefaults(env: LoadConfigOptions['env']): Promise<{name: string; settings: Partial<Settings>}[]> {
  const found: {name: string; settings: Partial<Settings>}[] = []
  // Installed plugins live under the data directory; a linked one (the author's workflow) in its own.
  for (const {name, directory} of listedPlugins(pluginDataDir(env))) {
    const pjson = await readFile(join(directory, 'package.json'), 'utf8').then((text) => JSON.parse(text) as {nerd?: {defaults?: unknown}}).catch(() => undefined)
    const defaults = pjson?.nerd?.defaults
    if (defaults === undefined) continue
    try {
      found.push({name, settings: pluginDefaultSettings(name, defaults)})
    } catch (error) {
      if (!(error instanceof NerdError)) throw error
      process.stderr.write(`WARNING: ${error.message}; ignoring the plugin's defaults\n`)
    }
  }
  return found
}

/**
 * A plugin's `nerd.defaults` as settings, read as nerd.toml is read: a NerdError naming the plugin
 * for what nerd.toml would refuse (an unknown key, a value of the wrong type).
 */
export function pluginDefaultSettings(name: string, defaults: unknown): Partial<Settings> {
  const path = `plugin "${name}": nerd.defaults`
  if (typeof defaults !== 'object' || defaults === null || Array.isArray(defaults)) throw new NerdError(`${path} must be an object of nerd.toml keys`)
  return settingsFromDocument(path, defaults as Record<string, unknown>)
}

async function readConfigFile(env: LoadConfigOptions['env'], defaultConfigFile: string): Promise<ConfigFile | undefined> {
  const named = env.NERD_TOML
  let path: string
  if (named) path = resolve(named)
  else if (existsSync(defaultConfigFile)) path = defaultConfigFile
  else return undefined

  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    throw new NerdError(`${path}: ${describeReadError(error, Boolean(named))}`, {cause: error})
  }
  return {path, settings: await parseConfigText(path, text)}
}

function describeReadError(error: unknown, namedByEnvironment: boolean): string {
  const code = (error as NodeJS.ErrnoException).code
  if (code === 'ENOENT') return namedByEnvironment ? 'no such file (named by NERD_TOML)' : 'no such file'
  if (code === 'EACCES') return 'permission denied'
  if (code === 'EISDIR') return 'is a directory, not a file'
  return error instanceof Error ? error.message : String(error)
}

async function parseConfigText(path: string, text: string): Promise<Partial<Settings>> {
  const {parse, TomlError} = await import('smol-toml')
  let document: Record<string, unknown>
  try {
    document = parse(text)
  } catch (error) {
    if (!(error instanceof TomlError)) throw error
    // smol-toml's message is "Invalid TOML document: <reason>" followed by a code excerpt.
    let reason = error.message.split('\n', 1)[0].replace(/^Invalid TOML document: /, '')
    // A one-line string running into the end of its line is one whose closing quote is missing:
    // said so, in smol-toml's words for a multi-line string that is never closed.
    const line = text.split('\n')[error.line - 1]?.replace(/\r$/, '')
    if (reason === 'control characters are not allowed in strings' && error.column === (line?.length ?? 0) + 1) reason = 'unfinished string'
    throw new NerdError(`${path}: line ${error.line}, column ${error.column}: ${reason}`, {cause: error})
  }
  return settingsFromDocument(path, document)
}

const SETTING_BY_KEY: ReadonlyMap<string, SettingName> = new Map(SETTING_NAMES.map((name) => [SETTING_SPECS[name].key, name]))

function settingsFromDocument(path: string, document: Record<string, unknown>): Partial<Settings> {
  const settings: Partial<Settings> = {}
  for (const [key, value] of Object.entries(document)) {
    const name = SETTING_BY_KEY.get(key)
    if (!name) {
      const near = closestKey(key)
      throw new NerdError(`${path}: unknown key ${JSON.stringify(key)}${near ? ` (did you mean "${near}"?)` : ''}`)
    }
    Object.assign(settings, {[name]: settingFromFile(path, key, name, value)})
  }
  return settings
}

function settingFromFile(path: string, key: string, name: SettingName, value: unknown): unknown {
  const spec = SETTING_SPECS[name]
  const wrongType = (expected: string) => new NerdError(`${path}: key ${JSON.stringify(key)} must be ${expected}`)
  const normalize = (text: string) => {
    try {
      return spec.normalize ? spec.normalize(text) : text
    } catch (error) {
      if (!(error instanceof InvalidSettingValue)) throw error
      throw new NerdError(`${path}: key ${JSON.stringify(key)}: ${error.message}`)
    }
  }
  switch (spec.kind) {
    case 'boolean':
      if (typeof value !== 'boolean') throw wrongType('a boolean')
      return value
    case 'string':
      if (typeof value !== 'string') throw wrongType('a string')
      return normalize(value)
    case 'string-list':
      if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) throw wrongType('an array of strings')
      return value.map(normalize)
  }
}

/** The known key within two edits of a mistyped one, for the error message. */
function closestKey(key: string): string | undefined {
  let best: string | undefined
  let bestDistance = 3
  for (const known of SETTING_BY_KEY.keys()) {
    const distance = editDistance(key, known)
    if (distance < bestDistance) {
      best = known
      bestDistance = distance
    }
  }
  return best
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({length: b.length + 1}, (_, index) => index)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1))
    }
    previous = current
  }
  return previous[b.length]
}

export interface ConfigValueDescription {
  /** The nerd.toml key (`docker_config` for the DOCKER_CONFIG directory, which has none). */
  key: string
  value: string
  /** `flag --namespace`, `env CONTAINERD_NAMESPACE`, `file /etc/nerd/nerd.toml` or `default`. */
  source: string
}

/** Every value with its source, for `nerd info` and debug output. */
export function describeConfig(config: NerdConfig): ConfigValueDescription[] {
  const rows = SETTING_NAMES.map((name) => ({
    key: SETTING_SPECS[name].key,
    value: formatValue(config[name]),
    source: formatSource(config.sources[name]),
  }))
  rows.push({key: 'docker_config', value: config.dockerConfig, source: formatSource(config.sources.dockerConfig)})
  return rows
}

function formatValue(value: Settings[SettingName]): string {
  return Array.isArray(value) ? value.join(',') : String(value)
}

function formatSource(source: SettingSource): string {
  switch (source.kind) {
    case 'flag':
      return `flag ${source.flag}`
    case 'env':
      return `env ${source.variable}`
    case 'file':
      return `file ${source.path}`
    case 'plugin':
      return `plugin ${source.name}`
    case 'default':
      return 'default'
  }
}
