/**
 * The settings nerd takes from global flags, the environment and nerd.toml, and the rules their
 * values obey whatever their source. Keys and meanings follow nerdctl.toml.
 */
import {resolve} from 'node:path'
import {goParseBool, goParseBoolError} from '../format/go-values.ts'

export const CGROUP_MANAGERS = ['cgroupfs', 'systemd', 'none'] as const
export type CgroupManager = (typeof CGROUP_MANAGERS)[number]

export interface Settings {
  debug: boolean
  debugFull: boolean
  /** Path of containerd's socket (a `unix://` prefix is removed on input). */
  address: string
  namespace: string
  snapshotter: string
  /** Directory of the CNI plugin binaries. */
  cniPath: string
  /** Directory of the CNI network configuration files. */
  cniNetconfPath: string
  /** nerd's own state (names, volumes, logs...), not containerd's. */
  dataRoot: string
  cgroupManager: CgroupManager
  /** Skip TLS verification and allow plain HTTP towards registries. */
  insecureRegistry: boolean
  /** Directories holding `<host:port>/hosts.toml` or docker-style certificates. */
  hostsDir: string[]
  experimental: boolean
}

export type SettingName = keyof Settings

/** The global options given on the command line; each one present overrides every other source. */
export type GlobalFlags = Partial<Settings>

type SettingKind = 'boolean' | 'string' | 'string-list'

interface SettingSpec {
  /** Key in nerd.toml. */
  readonly key: string
  /** Long name of the global flag, without dashes. */
  readonly flag: string
  readonly kind: SettingKind
  /** What the setting is, for `nerd --help`. */
  readonly description: string
  /** Checks a string value and returns its canonical form; throws InvalidSettingValue. */
  readonly normalize?: (text: string) => string
}

export const SETTING_SPECS: {readonly [Name in SettingName]: SettingSpec} = {
  debug: {key: 'debug', flag: 'debug', kind: 'boolean', description: 'Show the stack of an error'},
  debugFull: {key: 'debug_full', flag: 'debug-full', kind: 'boolean', description: 'Debug output with more detail'},
  address: {key: 'address', flag: 'address', kind: 'string', description: 'containerd socket (CONTAINERD_ADDRESS; default /run/containerd/containerd.sock)', normalize: normalizeAddress},
  namespace: {key: 'namespace', flag: 'namespace', kind: 'string', description: 'containerd namespace (CONTAINERD_NAMESPACE; default "default")', normalize: checkNamespace},
  snapshotter: {key: 'snapshotter', flag: 'snapshotter', kind: 'string', description: 'containerd snapshotter (CONTAINERD_SNAPSHOTTER; default overlayfs)', normalize: checkNotEmpty},
  cniPath: {key: 'cni_path', flag: 'cni-path', kind: 'string', description: 'Directory of the CNI plugins', normalize: absolutePath},
  cniNetconfPath: {key: 'cni_netconfpath', flag: 'cni-netconfpath', kind: 'string', description: 'Directory of the CNI network configurations (default /etc/cni/net.d)', normalize: absolutePath},
  dataRoot: {key: 'data_root', flag: 'data-root', kind: 'string', description: "nerd's own state (default /var/lib/nerd)", normalize: absolutePath},
  cgroupManager: {key: 'cgroup_manager', flag: 'cgroup-manager', kind: 'string', description: 'cgroupfs or systemd (none: rootless only, which run and create refuse)', normalize: checkCgroupManager},
  insecureRegistry: {key: 'insecure_registry', flag: 'insecure-registry', kind: 'boolean', description: 'Allow registries over plain HTTP or with unverified TLS'},
  hostsDir: {key: 'hosts_dir', flag: 'hosts-dir', kind: 'string-list', description: 'Directories of registry hosts.toml and certificates (repeatable)', normalize: absolutePath},
  experimental: {key: 'experimental', flag: 'experimental', kind: 'boolean', description: 'Enable experimental features'},
}

export const SETTING_NAMES = Object.keys(SETTING_SPECS) as SettingName[]

/** A value that breaks a setting's rule; callers add where the value came from. */
export class InvalidSettingValue extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'InvalidSettingValue'
  }
}

/** Go's strconv.ParseBool, which docker and nerdctl use for `--flag=value` and environment values. */
export function parseBoolean(text: string): boolean {
  const value = goParseBool(text)
  if (value === undefined) throw new InvalidSettingValue(`${JSON.stringify(text)} is not a boolean (true or false)`)
  return value
}

/** parseBoolean for a flag's value: pflag refuses one in the words of Go's strconv.ParseBool. */
export function parseBooleanFlag(text: string): boolean {
  const value = goParseBool(text)
  if (value === undefined) throw new InvalidSettingValue(goParseBoolError(text))
  return value
}

/** containerd's socket: a path, or `unix://` and a path; other schemes (tcp://, fd://) do not reach containerd. */
export function normalizeAddress(text: string): string {
  let path = text
  if (path.startsWith('unix://')) path = path.slice('unix://'.length)
  else if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(path)) {
    throw new InvalidSettingValue(`unsupported address ${JSON.stringify(text)}: only unix:// sockets are supported`)
  }
  if (path === '') throw new InvalidSettingValue('the socket path is empty')
  return path
}

/** containerd's identifier rule (namespaces are also directory names in nerd's data root). */
const NAMESPACE_PATTERN = /^[A-Za-z0-9]+(?:[._-][A-Za-z0-9]+)*$/
const NAMESPACE_MAX_LENGTH = 76

export function checkNamespace(text: string): string {
  if (!NAMESPACE_PATTERN.test(text) || text.length > NAMESPACE_MAX_LENGTH) {
    throw new InvalidSettingValue(
      `invalid namespace ${JSON.stringify(text)}: use letters and digits separated by single ".", "_" or "-", at most ${NAMESPACE_MAX_LENGTH} characters`,
    )
  }
  return text
}

export function checkCgroupManager(text: string): CgroupManager {
  const manager = CGROUP_MANAGERS.find((name) => name === text)
  if (!manager) {
    throw new InvalidSettingValue(
      `invalid cgroup manager ${JSON.stringify(text)}: must be one of ${CGROUP_MANAGERS.map((name) => `"${name}"`).join(', ')}`,
    )
  }
  return manager
}

function checkNotEmpty(text: string): string {
  if (text === '') throw new InvalidSettingValue('the value is empty')
  return text
}

/**
 * A directory, made absolute from the working directory, as docker's daemon takes its --data-root: a
 * relative one would name another place from another directory, and runc would read the container's
 * bind mounts (resolv.conf, hosts) relative to its bundle.
 */
function absolutePath(text: string): string {
  return resolve(checkNotEmpty(text))
}
