/**
 * Linux capabilities: docker's default set, `--cap-add`/`--cap-drop` (names with or without `CAP_`, any
 * case, `ALL`), and decoding the host's capability mask.
 */
import {specError} from './errors.ts'

/** Capability names by bit number (linux/capability.h). */
const CAPABILITY_BITS = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL', 'CAP_SETGID', 'CAP_SETUID',
  'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE', 'CAP_NET_BIND_SERVICE', 'CAP_NET_BROADCAST', 'CAP_NET_ADMIN', 'CAP_NET_RAW',
  'CAP_IPC_LOCK', 'CAP_IPC_OWNER', 'CAP_SYS_MODULE', 'CAP_SYS_RAWIO', 'CAP_SYS_CHROOT', 'CAP_SYS_PTRACE', 'CAP_SYS_PACCT',
  'CAP_SYS_ADMIN', 'CAP_SYS_BOOT', 'CAP_SYS_NICE', 'CAP_SYS_RESOURCE', 'CAP_SYS_TIME', 'CAP_SYS_TTY_CONFIG', 'CAP_MKNOD',
  'CAP_LEASE', 'CAP_AUDIT_WRITE', 'CAP_AUDIT_CONTROL', 'CAP_SETFCAP', 'CAP_MAC_OVERRIDE', 'CAP_MAC_ADMIN', 'CAP_SYSLOG',
  'CAP_WAKE_ALARM', 'CAP_BLOCK_SUSPEND', 'CAP_AUDIT_READ', 'CAP_PERFMON', 'CAP_BPF', 'CAP_CHECKPOINT_RESTORE',
] as const

/** Every capability nerd knows, in bit order. */
export const KNOWN_CAPABILITIES: readonly string[] = CAPABILITY_BITS

const KNOWN = new Set<string>(CAPABILITY_BITS)

/** docker's (and containerd's) default set, in their order. */
export const DEFAULT_CAPABILITIES: readonly string[] = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW', 'CAP_SETGID', 'CAP_SETUID',
  'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE',
]

const ALL = 'ALL'

/**
 * The capabilities a hex mask names (the `CapBnd:` line of /proc/self/status, e.g. `000001ffffffffff`).
 * Bits nerd has no name for are left out: runc could not name them either.
 */
export function capabilitiesFromMask(hexMask: string): string[] {
  if (!/^[0-9a-fA-F]{1,16}$/.test(hexMask)) throw new Error(`invalid capability mask ${JSON.stringify(hexMask)}`)
  const mask = BigInt(`0x${hexMask}`)
  return CAPABILITY_BITS.filter((_name, bit) => (mask >> BigInt(bit)) & 1n)
}

/**
 * `net_admin`, `CAP_NET_ADMIN`, `Net_Admin` → `CAP_NET_ADMIN`; `all` → `ALL` (docker's API client's
 * normalizeCap: no trimming, no check).
 */
function normalizeCapability(name: string): string {
  const upper = name.toUpperCase()
  if (upper === ALL) return ALL
  return upper.startsWith('CAP_') ? upper : `CAP_${upper}`
}

/** `--cap-add`/`--cap-drop` as docker's API client sends them: normalized, without repeats, sorted. */
export function requestedCapabilities(names: readonly string[]): string[] {
  return unique(names.map(normalizeCapability)).sort()
}

export interface CapabilityChanges {
  add?: readonly string[]
  drop?: readonly string[]
  privileged?: boolean
}

/**
 * The container's capability set the way docker computes it: privileged gets every capability the host
 * has; `--cap-add ALL` starts from all of them minus the drops; `--cap-drop ALL` keeps only the adds;
 * otherwise the default set minus the drops plus the adds. A name in either list must be one the host
 * has, privileged or not.
 */
export function containerCapabilities(changes: CapabilityChanges, hostCapabilities: readonly string[]): string[] {
  const add = fieldCapabilities(changes.add, 'CapAdd', hostCapabilities)
  const drop = fieldCapabilities(changes.drop, 'CapDrop', hostCapabilities)
  if (changes.privileged) return [...hostCapabilities]
  if (add.includes(ALL)) return hostCapabilities.filter((name) => !drop.includes(name))
  if (drop.includes(ALL)) return add
  return unique([...DEFAULT_CAPABILITIES.filter((name) => !drop.includes(name)), ...add])
}

/**
 * The names of docker's CapAdd or CapDrop, a bad one refused under the field's name (its daemon's
 * validateCapabilities): one nerd does not know, or one outside the host's set, which docker's daemon
 * takes from its own process (a container could not be given it).
 */
function fieldCapabilities(names: readonly string[] | undefined, field: 'CapAdd' | 'CapDrop', hostCapabilities: readonly string[]): string[] {
  return unique((names ?? []).map((name) => {
    const normalized = normalizeCapability(name)
    if (normalized === ALL) return ALL
    if (!KNOWN.has(normalized)) throw specError(`invalid ${field}: unknown capability: ${JSON.stringify(normalized)}`)
    if (!hostCapabilities.includes(normalized)) {
      throw specError(`invalid ${field}: capability not supported by your kernel or not available in the current environment: ${JSON.stringify(normalized)}`)
    }
    return normalized
  }))
}

function unique(values: string[]): string[] {
  return [...new Set(values)]
}
