/**
 * What nerd records about a container beside containerd's container record.
 *
 * Each container has a state directory `<data root>/containers/<namespace>/<id>/` holding:
 * - `config.json` (ContainerRecord): written once at create (rename updates the name), atomically;
 * - `state.json` (ContainerState): what changes while it lives (start and exit times, restart count),
 *   updated under the container's lock;
 * - `<id>-json.log` (+ `.1`, `.2` … when rotated): the json-file log;
 * - `hosts`, `resolv.conf`, `hostname`: bound over the image's files.
 * Names are reserved in `<data root>/names/<namespace>/<name>` (a file holding the id, linked into
 * place exclusively so concurrent creates of one name have exactly one winner).
 */

import type {RecordedLink} from './links.ts'
import type {Healthcheck} from '../hooks/types.ts'

/** docker's `Config` in inspect: what the container was created with, image defaults merged. */
export interface DockerConfig {
  Hostname: string
  Domainname: string
  User: string
  AttachStdin: boolean
  AttachStdout: boolean
  AttachStderr: boolean
  Tty: boolean
  OpenStdin: boolean
  StdinOnce: boolean
  Env: string[]
  Cmd: string[] | null
  Image: string
  Volumes: Record<string, object> | null
  WorkingDir: string
  Entrypoint: string[] | null
  Labels: Record<string, string>
  StopSignal?: string
  StopTimeout?: number
  ExposedPorts?: Record<string, object>
  Healthcheck?: HealthConfig
  /** The image's (docker's CLI has no flag for it): what a CMD-SHELL health check runs under. */
  Shell?: string[]
}

/** docker's Config.Healthcheck, as an image has it. */
export type HealthConfig = Healthcheck

/** docker's State.Health, kept in the container's health.json by its health monitor. */
export interface HealthState {
  Status: 'starting' | 'healthy' | 'unhealthy'
  FailingStreak: number
  /** The last probes, oldest first. */
  Log: HealthProbe[]
}

export interface HealthProbe {
  Start: string
  End: string
  ExitCode: number
  Output: string
}

export interface RestartPolicy {
  /** '' (docker's spelling of no), 'no', 'always', 'on-failure', 'unless-stopped'. */
  Name: string
  MaximumRetryCount: number
}

export interface LogConfig {
  /** 'json-file' or 'none'. */
  Type: string
  /** docker's --log-opt keys: max-size (e.g. '10m'), max-file (e.g. '3'). */
  Config: Record<string, string>
}

/** docker's `HostConfig` in inspect (the parts nerd supports). */
/** docker's HostConfig.Mounts entry: a `--mount` as docker's CLI sends it (empty members left out). */
export interface DockerMount {
  Type: 'bind' | 'volume' | 'tmpfs' | 'image'
  Source?: string
  Target: string
  ReadOnly?: boolean
  BindOptions?: {Propagation?: string; NonRecursive?: boolean; ReadOnlyNonRecursive?: boolean; ReadOnlyForceRecursive?: boolean}
  VolumeOptions?: {NoCopy?: boolean; Labels?: Record<string, string>; Subpath?: string; DriverConfig?: {Name?: string; Options?: Record<string, string>}}
  TmpfsOptions?: {SizeBytes?: number; Mode?: number}
  ImageOptions?: {Subpath?: string}
}

export interface DockerHostConfig {
  Binds: string[] | null
  /** `--volumes-from` values as typed. */
  VolumesFrom?: string[] | null
  /** `--mount` values; absent without any. */
  Mounts?: DockerMount[]
  /** `--volume-driver`; absent in records made before nerd kept it. */
  VolumeDriver?: string
  NetworkMode: string
  PortBindings: Record<string, {HostIp: string; HostPort: string}[]>
  RestartPolicy: RestartPolicy
  AutoRemove: boolean
  LogConfig: LogConfig
  Privileged: boolean
  ReadonlyRootfs: boolean
  CapAdd: string[] | null
  CapDrop: string[] | null
  Dns: string[]
  DnsOptions: string[]
  DnsSearch: string[]
  ExtraHosts: string[] | null
  /** `--link`s on the default bridge as docker shows them: `/name:/parent/alias`. */
  Links?: string[] | null
  GroupAdd: string[] | null
  IpcMode: string
  PidMode: string
  UTSMode: string
  CgroupnsMode: string
  SecurityOpt: string[] | null
  Tmpfs: Record<string, string> | null
  ShmSize: number
  Runtime: string
  Init: boolean | null
  Sysctls: Record<string, string> | null
  Ulimits: {Name: string; Soft: number; Hard: number}[] | null
  Devices: {PathOnHost: string; PathInContainer: string; CgroupPermissions: string}[] | null
  Memory: number
  MemorySwap: number
  MemoryReservation: number
  NanoCpus: number
  CpuShares: number
  CpuPeriod: number
  CpuQuota: number
  CpusetCpus: string
  CpusetMems: string
  PidsLimit: number | null
  OomKillDisable: boolean
  CgroupParent: string
  Annotations: Record<string, string> | null
  ContainerIDFile: string
  OomScoreAdj: number
  PublishAllPorts: boolean
  BlkioWeight: number
  BlkioWeightDevice: {Path: string; Weight: number}[]
  BlkioDeviceReadBps: {Path: string; Rate: number}[]
  BlkioDeviceWriteBps: {Path: string; Rate: number}[]
  BlkioDeviceReadIOps: {Path: string; Rate: number}[]
  BlkioDeviceWriteIOps: {Path: string; Rate: number}[]
  CpuRealtimePeriod: number
  CpuRealtimeRuntime: number
  DeviceCgroupRules: string[] | null
  MemorySwappiness: number | null
  /** Absent in records of containers made before nerd kept them. */
  MaskedPaths?: string[] | null
  ReadonlyPaths?: string[] | null
}

/** docker's `Mounts` entry in inspect. */
export interface MountPoint {
  Type: 'bind' | 'volume' | 'tmpfs' | 'image'
  Name?: string
  Source: string
  Destination: string
  Driver?: string
  Mode: string
  RW: boolean
  Propagation: string
  /** A volume's `volume-subpath` or an image's `image-subpath`, which docker keeps in the mount point's spec (not shown): what is bound, and checked at each start. */
  Subpath?: string
  /** An image mount's image ID (not shown): `rmi` of its name counts the container as a user, as docker's. */
  ImageId?: string
  /** An image mount's snapshot, the container's view of the image (not shown): what each start mounts. */
  View?: string
  /**
   * A bind whose missing source each start (and a stopped container's cp) makes, a directory: docker's
   * mount points without SkipMountpointCreation, those of `-v` and their copies by `--volumes-from`;
   * a `--mount` bind's source must exist (not shown).
   */
  CreateSource?: true
}

/** `config.json`: fixed at create, except Name (rename). */
export interface ContainerRecord {
  Id: string
  /** Without docker's leading slash. */
  Name: string
  Namespace: string
  /** RFC 3339 with nanoseconds, as docker prints it. */
  Created: string
  /** The process docker shows as Path and Args (the user's command, not the init wrapping it). */
  Path: string
  Args: string[]
  /** The image reference as normalized (`docker.io/library/busybox:latest`). */
  ImageRef: string
  /** The image ID (`sha256:<config digest>`). */
  Image: string
  Platform: string
  Snapshotter: string
  Config: DockerConfig
  HostConfig: DockerHostConfig
  Mounts: MountPoint[]
  /** The signal and grace period `stop` uses. */
  StopSignal: string
  StopTimeout: number
  /** The json-file log, absent with `--log-driver none`. */
  LogPath: string
  /** docker's `attrs` of the json-file log's entries, worked out at create (and rename) from the log options: see logs/attributes.ts. */
  LogAttributes?: Record<string, string>
  /** Anonymous volumes `rm -v` removes unless another container uses them: its own, and those --volumes-from took. */
  AnonymousVolumes: string[]
  /** The containerd socket the container was created on: processes containerd starts for nerd reach it there. */
  Address?: string
  /** `--link`s on the default bridge (links.ts). */
  Links?: RecordedLink[]
}

/** `state.json`: what changes over the container's life. Times are RFC 3339, '' when never. */
export interface ContainerState {
  StartedAt: string
  FinishedAt: string
  ExitCode: number
  Error: string
  OOMKilled: boolean
  RestartCount: number
  /** Set by an explicit stop/kill so policies (and unless-stopped) leave it down. */
  ExplicitlyStopped: boolean
  /**
   * When the restart the policy asked for is due (ms since the epoch), while the exit handler waits
   * out docker's back-off: the container is `restarting` meanwhile, as in docker.
   */
  RestartDueAt?: number
  /** The back-off before the last restart by policy (ms), which the next one doubles. */
  RestartDelay?: number
  /**
   * Set by each start, cleared once the run's exit is recorded: a container whose task has ended or
   * gone while this is set, and that no exit handler sees out, has an exit nobody handled (its
   * shim, logger or handler died, or the host rebooted): the next command that looks hands it to one
   * (lifecycle.ts, seeOutLeftContainer). A state an older nerd wrote has none: readState judges it
   * from the state's times (store.ts, olderStateExitUnrecorded).
   */
  ExitUnrecorded?: boolean
}

/** docker's State.Status values. */
export type ContainerStatus = 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead'

/** A container as the commands see it: nerd's files plus what containerd says about its task. */
export interface ContainerView {
  record: ContainerRecord
  state: ContainerState
  /** containerd's container labels (user labels and image labels). */
  labels: Record<string, string>
  status: ContainerStatus
  /** Host pid of the init process while it runs, else 0. */
  pid: number
  /** Exit code of the last run (from the stopped task when there is one, else state.json). */
  exitCode: number
  /**
   * docker's NetworkSettings.Ports (ports.ts, endpointPorts) while the container's networks are
   * attached: exposed ports (`[]`) and the bindings in effect, host ports chosen.
   */
  ports?: PortMap
  /** The CNI networks the container joins (its plan), `network connect`s included. */
  networks?: string[]
  /** Its health check's state, for a container that has one and has been started. */
  health?: HealthState
  /**
   * What is left of a container, which only `rm` and prune act on (lifecycle.ts,
   * removeContainerRemains): one nerd has no record of, listed from containerd's (remainsView),
   * whose `record` holds only what listings read; or a dead one, which containerd has none of
   * (unregisteredView).
   */
  remains?: true
}

import type {PortMap} from '../network/ports.ts'

export const NAME_LABEL = 'nerd/name'
/**
 * The data root whose state directory a container's record and state are in (as nerdctl's
 * `nerdctl/state-dir`): several data roots may share a containerd namespace, and each takes only its
 * own containers, or ones without the label (an older nerd's, ctr's), for its own.
 */
export const DATA_ROOT_LABEL = 'nerd/data-root'

/**
 * Whether a container that `dataRoot` has no record of is another data root's, by containerd's
 * labels: not listed, matched, pruned or removed there. One with a record there is its own, whatever
 * the label says.
 */
export function ownedElsewhere(labels: Record<string, string>, dataRoot: string): boolean {
  const owner = labels[DATA_ROOT_LABEL]
  return owner !== undefined && owner !== dataRoot
}

/** containerd's label for the signal `stop` sends, which ctr also reads. */
export const STOP_SIGNAL_LABEL = 'io.containerd.image.config.stop-signal'
/** The labels create gives every container, which docker's Config.Labels leaves out. */
export const CREATE_LABELS: ReadonlySet<string> = new Set([NAME_LABEL, DATA_ROOT_LABEL, STOP_SIGNAL_LABEL])

/** Whether the container's policy is one containerd's restart monitor carries out (1.6: only "always"). */
export function monitorRestarts(record: ContainerRecord): boolean {
  return record.HostConfig.RestartPolicy.Name === 'always' || record.HostConfig.RestartPolicy.Name === 'unless-stopped'
}

/** How a HostConfig network, IPC or PID mode that joins another container's namespace begins: `container:<x>`. */
export const CONTAINER_MODE = 'container:'

/** The container (x) whose namespace a HostConfig mode `container:<x>` joins; undefined for another mode. */
export function joinedContainer(mode: string | undefined): string | undefined {
  return mode?.startsWith(CONTAINER_MODE) ? mode.slice(CONTAINER_MODE.length) : undefined
}

/** A namespace a container can join of another's, as the spec names its type. */
export type JoinedType = 'network' | 'ipc' | 'pid'

/** The containers named by the HostConfig modes, by spec namespace type, in the order docker's start looks them up. */
export function joinedContainers({NetworkMode, IpcMode, PidMode}: Pick<ContainerRecord['HostConfig'], 'NetworkMode' | 'IpcMode' | 'PidMode'>): [JoinedType, string][] {
  const joined: [JoinedType, string][] = []
  for (const [type, mode] of [['network', NetworkMode], ['ipc', IpcMode], ['pid', PidMode]] as const) {
    const reference = joinedContainer(mode)
    if (reference !== undefined) joined.push([type, reference])
  }
  return joined
}

/** Whether the container has a /dev/shm of its own to share (`--ipc shareable`, shm.ts). */
export function hasShareableShm(record: ContainerRecord): boolean {
  return record.HostConfig.IpcMode === 'shareable'
}
