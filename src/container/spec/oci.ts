/**
 * The parts of the OCI runtime spec (1.0.2, plus the 1.1 fields runc 1.1 reads) that nerd writes. Field
 * names are the JSON names runc decodes; optional fields are left out of the JSON when undefined.
 */

/** An rlimit or seccomp value may exceed 2^53 (unlimited is 2^64-1): such values are bigints. */
export type Uint64 = number | bigint

export interface Spec {
  ociVersion: string
  process: Process
  root: {path: string; readonly?: boolean}
  hostname?: string
  mounts: Mount[]
  hooks?: Hooks
  annotations?: Record<string, string>
  linux: Linux
}

export interface Process {
  terminal?: boolean
  /** The pty's size before the process starts (runtime-spec `consoleSize`). */
  consoleSize?: {height: number; width: number}
  user: User
  args: string[]
  env: string[]
  cwd: string
  capabilities: Capabilities
  rlimits?: Rlimit[]
  noNewPrivileges?: boolean
  apparmorProfile?: string
  oomScoreAdj?: number
}

export interface User {
  uid: number
  gid: number
  additionalGids?: number[]
}

export interface Capabilities {
  bounding: string[]
  effective: string[]
  permitted: string[]
}

export interface Rlimit {
  type: string
  hard: Uint64
  soft: Uint64
}

export interface Mount {
  destination: string
  type: string
  source: string
  options: string[]
}

export interface Hook {
  path: string
  args?: string[]
  env?: string[]
  timeout?: number
}

export interface Hooks {
  createRuntime?: Hook[]
  poststop?: Hook[]
}

export interface Linux {
  sysctl?: Record<string, string>
  resources: Resources
  cgroupsPath: string
  namespaces: Namespace[]
  devices?: Device[]
  seccomp?: Seccomp
  rootfsPropagation?: string
  maskedPaths?: string[]
  readonlyPaths?: string[]
}

export type NamespaceType = 'pid' | 'network' | 'mount' | 'ipc' | 'uts' | 'user' | 'cgroup'

export interface Namespace {
  type: NamespaceType
  path?: string
}

export interface Device {
  path: string
  type: DeviceType
  major: number
  minor: number
  fileMode?: number
  uid?: number
  gid?: number
}

/** Character, block or FIFO device, as the spec spells them. */
export type DeviceType = 'c' | 'b' | 'p'

export interface DeviceRule {
  allow: boolean
  type?: 'a' | DeviceType
  major?: number
  minor?: number
  access?: string
}

export interface Resources {
  devices: DeviceRule[]
  memory?: {
    limit?: number
    reservation?: number
    swap?: number
    swappiness?: number
    disableOOMKiller?: boolean
  }
  cpu?: {
    shares?: number
    quota?: number
    period?: number
    cpus?: string
    mems?: string
    realtimePeriod?: number
    realtimeRuntime?: number
  }
  pids?: {limit: number}
  blockIO?: {
    weight?: number
    weightDevice?: {major: number; minor: number; weight: number}[]
    throttleReadBpsDevice?: DeviceRate[]
    throttleWriteBpsDevice?: DeviceRate[]
    throttleReadIOPSDevice?: DeviceRate[]
    throttleWriteIOPSDevice?: DeviceRate[]
  }
}

export interface DeviceRate {
  major: number
  minor: number
  rate: number
}

export interface Seccomp {
  defaultAction: string
  defaultErrnoRet?: number
  architectures: string[]
  flags?: string[]
  syscalls: SeccompSyscall[]
}

export interface SeccompSyscall {
  names: string[]
  action: string
  errnoRet?: number
  args?: SeccompArg[]
}

export interface SeccompArg {
  index: number
  value: Uint64
  valueTwo?: Uint64
  op: string
}
