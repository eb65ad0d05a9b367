/** What `buildSpec` takes: parsed `run`/`create` options, the image's config, host facts and callbacks. */
import type {Mount, Spec, Uint64} from './oci.ts'
import type {HealthConfig} from '../model.ts'

/** The `config` object of an OCI/docker image config blob (the fields a container's spec uses). */
export interface ImageConfig {
  Env?: string[] | null
  Entrypoint?: string[] | null
  Cmd?: string[] | null
  WorkingDir?: string
  User?: string
  ExposedPorts?: Record<string, object> | null
  Volumes?: Record<string, object> | null
  StopSignal?: string
  Labels?: Record<string, string> | null
  Healthcheck?: HealthConfig | null
  Shell?: string[] | null
}

export type Propagation = 'private' | 'rprivate' | 'shared' | 'rshared' | 'slave' | 'rslave'

/** A host path bound into the container (`-v /a:/b`, `--mount type=bind`). */
export interface BindMount {
  type: 'bind'
  source: string
  target: string
  readonly: boolean
  propagation?: Propagation
  /** `bind-nonrecursive`: submounts of the source are not carried along. */
  nonRecursive?: boolean
  /**
   * `bind-recursive=` of a read-only bind: `writable` leaves its submounts writable (docker 24's
   * read-only), `readonly` makes them read-only or fails. By default they are read-only where the
   * kernel and runtime can do it (docker >= 25), else writable.
   */
  submounts?: 'writable' | 'readonly'
  /** `-v` (and a `--volumes-from` copy) has a missing source made a directory at each start (docker's legacy behaviour); `--mount` refuses it. */
  createSource: boolean
  /** docker's Mode in inspect: a `-v` bind's mode as typed (`ro,z`); none for the others. */
  mode?: string
}

/** A named (`-v data:/x`) or anonymous (`-v /x`, image `VOLUME`) volume, resolved to a host path by the caller. */
export interface VolumeMount {
  type: 'volume'
  /** Undefined for an anonymous volume. */
  name?: string
  target: string
  readonly: boolean
  /** `nocopy`: do not copy the image's content at the target into a new volume. */
  noCopy: boolean
  /** `--mount volume-label=…`, `volume-opt=…`: for creating the volume when it does not exist. */
  labels?: Record<string, string>
  driverOptions?: Record<string, string>
  /** `--mount volume-subpath=…`: the volume's directory (or file) mounted instead of its root, relative and inside it. */
  subpath?: string
  /** `--mount volume-driver=…`: empty or `local` for docker's local driver, the only one nerd has. */
  driver?: string
  /** docker's Mode in inspect: a named `-v`'s mode as typed, `z` without one or for a `--mount`; empty for the others. */
  mode?: string
}

/** A tmpfs (`--tmpfs /run:size=64m`, `--mount type=tmpfs`), options as mount data (`size=64m`, `mode=1777`, `exec`). */
export interface TmpfsMount {
  type: 'tmpfs'
  target: string
  options: string[]
}

/** docker 28's `--mount type=image`: a local image's filesystem, read-only, resolved to a snapshot by the caller. */
export interface ImageMount {
  type: 'image'
  /** The image as typed. */
  source: string
  target: string
  /** `image-subpath=…`: the image's directory (or file) mounted instead of its root, relative and inside it (empty: the root). */
  subpath?: string
  /** As typed (`readonly`): docker mounts the image read-only whatever it says, but keeps it in HostConfig.Mounts. */
  readonly: boolean
}

export type UserMount = BindMount | VolumeMount | TmpfsMount | ImageMount

/** `--device host[:container][:permissions]` */
export interface DeviceMapping {
  hostPath: string
  containerPath: string
  /** Some of `r`, `w`, `m`. */
  permissions: string
}

/** `--ulimit name=soft[:hard]`; -1 (unlimited) is 2^64-1. */
export interface Ulimit {
  name: string
  soft: Uint64
  hard: Uint64
}

export type SeccompSetting = {kind: 'default'} | {kind: 'unconfined'} | {kind: 'file'; path: string}

/** `--security-opt` values, parsed. */
export interface SecurityOptions {
  noNewPrivileges?: boolean
  seccomp?: SeccompSetting
  /** A profile name or `unconfined`. */
  apparmor?: string
  /** `systempaths=unconfined`: no masked or read-only paths under /proc and /sys. */
  unconfinedSystemPaths?: boolean
  writableCgroups?: boolean
}

/** A namespace the container creates, shares with the host, or joins from another container. */
export type NamespaceMode = {kind: 'private'} | {kind: 'host'} | {kind: 'container'; container: string}

/**
 * `--ipc`: `private` and `shareable` both create a namespace (shareable only matters to containers that
 * join it later); `none` also leaves out /dev/shm.
 */
export type IpcMode = NamespaceMode | {kind: 'shareable'} | {kind: 'none'}

/** The options of `nerd run`/`create` that shape the spec, already parsed from their flags. */
export interface RunOptions {
  /** The arguments after the image: they replace the image's `Cmd`. */
  command?: string[]
  /** `--entrypoint`: replaces the image's entrypoint and drops its `Cmd`; `''` leaves no entrypoint. */
  entrypoint?: string
  /** `-e` values as typed: `NAME=value`, or `NAME` to copy nerd's own variable (dropped when unset). */
  env?: string[]
  /** Entries of the `--env-file` files in order, as `parseEnvFile` returns them. */
  envFile?: string[]
  workdir?: string
  user?: string
  groupAdd?: string[]
  tty?: boolean
  hostname?: string
  domainname?: string
  privileged?: boolean
  capAdd?: string[]
  capDrop?: string[]
  security?: SecurityOptions
  readOnly?: boolean
  /** `-v`, `--mount` and `--tmpfs`, in the order given. */
  mounts?: UserMount[]
  /** `--volume-driver`: the driver of the image's VOLUMEs (the `-v` ones have it already). */
  volumeDriver?: string
  /** `--shm-size` in bytes (default 64 MiB). */
  shmSize?: number
  ulimits?: Ulimit[]
  sysctls?: Record<string, string>
  devices?: DeviceMapping[]
  /** Bytes. */
  memory?: number
  /** Memory plus swap in bytes, -1 for unlimited swap; docker's default is twice `memory`. */
  memorySwap?: number
  memoryReservation?: number
  memorySwappiness?: number
  oomKillDisable?: boolean
  oomScoreAdj?: number
  /** `--cpus` in billionths of a CPU. */
  nanoCpus?: number
  cpuShares?: number
  cpusetCpus?: string
  cpusetMems?: string
  cpuQuota?: number
  cpuPeriod?: number
  pidsLimit?: number
  blkioWeight?: number
  /** `--blkio-weight-device`: a weight per host block device. */
  blkioWeightDevices?: {path: string; weight: number}[]
  /** `--device-read-bps` and the like: a rate per host block device. */
  deviceThrottles?: {[kind in DeviceThrottleKind]?: {path: string; rate: number}[]}
  /** `--device-cgroup-rule`: devices the container may use besides its own (`*` is undefined). */
  deviceCgroupRules?: {type: 'a' | 'b' | 'c'; major?: number; minor?: number; access: string}[]
  cpuRealtimePeriod?: number
  cpuRealtimeRuntime?: number
  cgroupParent?: string
  cgroupns?: 'host' | 'private'
  pid?: NamespaceMode
  ipc?: IpcMode
  uts?: 'host' | 'private'
  /** `host`, `container:<x>`, or a network the container gets its own namespace for (`bridge`, `none`, a name). */
  network?: NamespaceMode
  init?: boolean
  /** `--annotation`: passed to the runtime as spec annotations. */
  annotations?: Record<string, string>
  stopSignal?: string
  stopTimeout?: number
  runtime?: string
  platform?: string
}

export type DeviceThrottleKind = 'readBps' | 'writeBps' | 'readIops' | 'writeIops'

/** Whether the host's cgroup has the file (v1) or the io controller (v2) each block I/O setting needs. */
export type BlkioSupport = {weight: boolean; weightDevice: boolean} & {[kind in DeviceThrottleKind]: boolean}

/** What a device node on the host is, as `stat` tells. */
export interface DeviceNode {
  type: 'c' | 'b' | 'p'
  major: number
  minor: number
  /** st_mode; the file type bits are ignored. */
  fileMode: number
  uid: number
  gid: number
}

/** A device node under the host's /dev, for privileged containers. */
export interface HostDevice extends DeviceNode {
  path: string
}

export interface HostFacts {
  cgroupVersion: 1 | 2
  cgroupManager: 'cgroupfs' | 'systemd'
  /** The host's bounding capabilities (see `capabilitiesFromMask`); undefined means every capability nerd knows. */
  capabilities?: readonly string[]
  apparmor: boolean
  /** Go's name for the host architecture (`amd64`, `arm64`); see `goArch`. */
  arch: string
  /** `uname -r`: docker's profile allows ptrace on kernels since 4.8 only. */
  kernelVersion?: string
  /** The host's hostname, which containers on the host network get by default. */
  hostname?: string
  /** A statically linked init (tini) for `--init`. */
  initPath?: string
  /** Device nodes under /dev, which privileged containers get. */
  devices?: readonly HostDevice[]
  /** Number of CPUs, to check `--cpus` against. */
  cpuCount?: number
  /** The CPUs and memory nodes online (`0-3`), to check `--cpuset-cpus` and `--cpuset-mems` against. */
  onlineCpus?: string
  onlineMems?: string
  /** The possible CPUs' thermal_throttle directories this host has, which containers get masked. */
  thermalThrottlePaths?: readonly string[]
  /** The block I/O settings the host's cgroup can apply (docker's sysinfo); default all. */
  blkio?: BlkioSupport
  /** Whether the memory cgroup can limit swap (cgroup v1 needs swap accounting); default true. */
  swapLimit?: boolean
}

/** Files of the container's state directory that are bound over the image's. */
export interface EtcFiles {
  hosts: string
  resolvConf: string
  hostname: string
}

/** The command containerd runs as the container's `createRuntime` and `poststop` hooks. */
export interface OciHookCommand {
  /** Absolute path of the executable (node). */
  path: string
  /** argv, the hook's name is appended: `[node, script]` → `[node, script, 'createRuntime']`. */
  args: string[]
  /** The complete environment: hooks inherit nothing. */
  env: string[]
  timeout?: number
  /** When it runs; default both. A container whose network needs no teardown skips postStop. */
  points?: ('createRuntime' | 'postStop')[]
}

/** A container another one joins namespaces of. */
export interface JoinedContainer {
  /** Its init process on the host. */
  pid: number
  /** Its hostname, which a container sharing its network namespace takes. */
  hostname?: string
  /** The host directory mounted at its /dev/shm, shared with containers joining its IPC namespace. */
  shmPath?: string
}

export type DeviceLookup = DeviceNode | 'missing' | 'not-a-device'

/** Whether runc's `rro` mount option can be used here, and if not why (docker's words). */
export type RecursiveReadOnly = {supported: true} | {supported: false; reason: string}

export interface SpecInput {
  id: string
  namespace: string
  image: ImageConfig
  options: RunOptions
  /** The image's /etc/passwd and /etc/group, undefined when absent. */
  passwd?: string
  group?: string
  /**
   * `create`: a user or group the files lack is no error yet (`BuiltSpec.userError`), since each
   * start resolves the user again from the container's own files, as docker's.
   */
  userResolvedAtStart?: boolean
  host: HostFacts
  etcFiles: EtcFiles
  ociHook?: OciHookCommand
  /** nerd's own annotations (for the hook); `--annotation` may not override them. */
  annotations?: Record<string, string>
  /** Host paths of the volume mounts, by target (see `volumesToResolve`). */
  volumePaths?: Record<string, string>
  /** The spec mounts of the image mounts (`--mount type=image`), by target, without their destination. */
  imageMounts?: Record<string, Omit<Mount, 'destination'>>
  /** The user's environment (context.ts, userEnvironment), for `-e NAME`. */
  environment?: Record<string, string | undefined>
  /** For `--ipc shareable`: a host directory to bind at /dev/shm (where the container's tmpfs is mounted at each start). */
  shmPath?: string
  pathExists?: (path: string) => boolean
  /** Whether the kernel and the runtime can make a mount recursively read-only; asked only for a read-only bind or volume. */
  recursiveReadOnly?: () => RecursiveReadOnly
  statDevice?: (path: string) => DeviceLookup
  /** The device nodes under a host directory (`--device /dev/net`), at their host paths. */
  devicesUnder?: (directory: string) => HostDevice[]
  readFile?: (path: string) => string
  joinContainer?: (container: string) => JoinedContainer
}

export interface BuiltSpec {
  spec: Spec
  /** The signal `stop` sends first (`SIGTERM` unless the image or `--stop-signal` says otherwise). */
  stopSignal: string
  stopTimeout?: number
  runtime?: string
  platform?: string
  /** Docker prints these as `WARNING: …`. */
  warnings: string[]
  /** Why the user could not be resolved, with `userResolvedAtStart`: the start will say so unless the files change. */
  userError?: string
}
