/**
 * Containers as docker users see them: the STATUS text, the fields `ps --format` templates read
 * (docker's ContainerContext), the default `ps` table, and the `inspect` document (docker's
 * ContainerJSON, keys in docker's order so scripts diffing the two see the same text).
 */
import {formatPortsColumn} from '../network/ports.ts'
import {NerdError} from '../errors.ts'
import {containerStatus, ellipsis, goLocalTimeString, goQuote, goRFC3339Nano, goUnixTime, humanSize, Template, TemplateError, timeAgo, truncateId} from '../format/index.ts'
import {omitEmpty, withGoType} from '../format/go-types.ts'
import {GO_JSON} from '../format/go-json.ts'
import {asGoContext, asGoStruct, GoNilPointer, labelMethod, withGoString} from '../format/go-values.ts'
import {familiarName, parseReference} from '../image/reference.ts'
import {CONTAINER_TYPE} from './inspect-types.ts'
import {CONTAINER_MODE} from './model.ts'
import type {ContainerRecord, ContainerView, DockerConfig, DockerHostConfig, HealthState, MountPoint} from './model.ts'
import {systemPaths} from './spec/system-paths.ts'
import {containerPaths} from './store.ts'

/** docker's State.Running: the process is up, also while paused or between restarts. */
export function isRunning(view: ContainerView): boolean {
  return view.status === 'running' || view.status === 'paused' || view.status === 'restarting'
}

function parseTime(text: string): Date | undefined {
  return text === '' ? undefined : new Date(text)
}

/** docker's STATUS column: `Created`, `Up 5 seconds`, `Up 2 minutes (Paused)`, `Exited (3) 4 minutes ago`. */
export function statusText(view: ContainerView, now: Date = new Date()): string {
  return containerStatus(
    {status: view.status, startedAt: parseTime(view.state.StartedAt), finishedAt: parseTime(view.state.FinishedAt), exitCode: view.exitCode, ...(view.health ? {health: view.health.Status} : {})},
    now,
  )
}

/** The command as docker's list shows it: Path and Args, an argument holding a space in single quotes. */
export function commandLine(record: Pick<ContainerRecord, 'Path' | 'Args'>): string {
  if (record.Args.length === 0) return record.Path
  return `${record.Path} ${record.Args.map((arg) => (arg.includes(' ') ? `'${arg}'` : arg)).join(' ')}`
}

/**
 * The networks a container is attached to, by name: its CNI networks (`network connect`s included),
 * else what its network mode implies (`host`, `none`; a container sharing another's network has
 * none of its own).
 */
export function networkNames(view: Pick<ContainerView, 'record' | 'networks'>): string[] {
  if (view.networks) return view.networks
  const mode = view.record.HostConfig.NetworkMode
  if (mode === '' || mode === 'default') return ['bridge']
  if (mode.startsWith(CONTAINER_MODE)) return []
  return [mode]
}

/** One line of `ps`, as `--format` templates see it: docker's field names, in the order `{{json .}}` prints them. */
export interface PsRow {
  Command: string
  CreatedAt: string
  ID: string
  Image: string
  Labels: string
  LocalVolumes: string
  Mounts: string
  Names: string
  Networks: string
  /** The image's platform: `linux/amd64` printed, an OCI platform object in JSON; a nil *formatter.Platform when unknown. */
  Platform: object
  Ports: string
  RunningFor: string
  Size: string
  State: string
  Status: string
  /** `{{.Label "key"}}`: one label's value, empty when unset. */
  Label: (name: string) => string
}

export interface PsRowOptions {
  noTrunc?: boolean
  now?: Date
  /** Bytes of the writable layer and of the whole root filesystem (`ps -s`); without it Size reads `0B`, as in docker. */
  size?: {rw: number; rootFs: number}
  /**
   * The image ID the container's image reference names today, undefined when none. When it no
   * longer names the container's image (retagged, removed), IMAGE shows the image ID, as in docker.
   */
  imageIdOf?: (reference: string) => string | undefined
}

/** docker's ContainerContext.Image: the reference as the user typed it, familiar and without digest unless --no-trunc. */
function imageColumn(record: ContainerRecord, options: PsRowOptions): string {
  let image = record.Config.Image
  // A container known from containerd's record alone has no image ID to fall back on (remainsRecord).
  if (record.Image !== '' && image !== record.Image && options.imageIdOf && options.imageIdOf(image) !== record.Image) image = record.Image
  if (image === '') return '<no image>'
  if (options.noTrunc) return image
  if (truncateId(record.Image) === truncateId(image)) return truncateId(record.Image)
  try {
    const {digest: _, ...reference} = parseReference(image, {defaultTag: false})
    return familiarName(reference)
  } catch {
    return image
  }
}

export function psRow(view: ContainerView, options: PsRowOptions = {}): PsRow {
  const {record} = view
  const trunc = !options.noTrunc
  // To the second, as docker's list API reports it.
  const created = goUnixTime(new Date(record.Created).getTime())
  const command = commandLine(record)
  const labels = record.Config.Labels ?? {}
  const size = options.size ?? {rw: 0, rootFs: 0}
  return {
    Command: goQuote(trunc ? ellipsis(command, 20) : command),
    CreatedAt: goLocalTimeString(created),
    ID: truncateId(record.Id, !trunc),
    Image: imageColumn(record, options),
    Labels: Object.entries(labels)
      .map(([key, value]) => `${key}=${value}`)
      .sort()
      .join(','),
    LocalVolumes: String(record.Mounts.filter((mount) => mount.Driver === 'local').length),
    Mounts: record.Mounts.map((mount) => {
      const name = mount.Name || mount.Source
      return trunc ? ellipsis(name, 15) : name
    }).join(','),
    Names: record.Name,
    Networks: networkNames(view).join(','),
    Platform: platformValue(record.Platform),
    Ports: view.status === 'running' || view.status === 'paused' ? formatPortsColumn(view.ports ?? {}) : '',
    RunningFor: timeAgo(created, options.now),
    Size: size.rootFs > 0 ? `${humanSize(size.rw)} (virtual ${humanSize(size.rootFs)})` : humanSize(size.rw),
    State: view.status,
    Status: statusText(view, options.now),
    Label: labelMethod(labels),
  }
}

/** ContainerContext.Platform's Go type. */
const PLATFORM_TYPE = '*formatter.Platform'

/**
 * docker's formatter.Platform: an ocispec.Platform whose String() is `os/arch[/variant]`, so that
 * `{{.Platform}}` prints `linux/amd64` and JSON has `{"architecture":"amd64","os":"linux"}`.
 */
function platformValue(text: string): object {
  const [os, architecture, variant] = text.split('/')
  if (!os || !architecture) return new GoNilPointer(PLATFORM_TYPE)
  const json = {architecture, os, ...(variant ? {variant} : {})}
  const fields = {Architecture: architecture, OS: os, OSVersion: '', OSFeatures: null, Variant: variant ?? ''}
  Object.defineProperty(fields, GO_JSON, {value: () => json})
  return withGoString(asGoStruct(fields, PLATFORM_TYPE), text)
}

/** Column headers of `ps` tables, by field (docker's). */
export const PS_HEADERS: Readonly<Record<string, string>> = {
  ID: 'CONTAINER ID',
  Names: 'NAMES',
  Image: 'IMAGE',
  Command: 'COMMAND',
  CreatedAt: 'CREATED AT',
  RunningFor: 'CREATED',
  Ports: 'PORTS',
  State: 'STATE',
  Status: 'STATUS',
  Size: 'SIZE',
  Labels: 'LABELS',
  Mounts: 'MOUNTS',
  LocalVolumes: 'LOCAL VOLUMES',
  Networks: 'NETWORKS',
  Platform: 'PLATFORM',
}

const PS_TABLE = 'table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}'
const PS_RAW = `container_id: {{.ID}}
image: {{.Image}}
command: {{.Command}}
created_at: {{.CreatedAt}}
state: {{- pad .State 1 0}}
status: {{- pad .Status 1 0}}
names: {{.Names}}
labels: {{- pad .Labels 1 0}}
ports: {{- pad .Ports 1 0}}
`

/**
 * The template `ps` renders, as docker picks it from `--format`, `-q` and `-s`: the default table
 * (SIZE added with -s), docker's `raw` format, or the user's; `-q` keeps only the IDs.
 */
export function psFormat(format: string | undefined, options: {quiet?: boolean; size?: boolean} = {}): string {
  switch (format ?? '') {
    case '':
    case 'table':
      if (options.quiet) return '{{.ID}}'
      return options.size ? `${PS_TABLE}\t{{.Size}}` : PS_TABLE
    case 'raw':
      if (options.quiet) return 'container_id: {{.ID}}'
      return options.size ? `${PS_RAW}size: {{.Size}}\\n` : PS_RAW
    default:
      return options.quiet ? '{{.ID}}' : (format as string)
  }
}

/** The Go type docker's ps templates run on (named in their errors). */
export const CONTAINER_CONTEXT = '*formatter.ContainerContext'

/**
 * docker's check of a ps `--format` before listing: the format as typed is parsed and run on an empty
 * container, errors being `failed to parse template:` / `failed to execute template:`. Answers whether
 * the template reads `.Size` (`{{json .}}` does), which has docker compute the sizes.
 */
export function psTemplateReadsSize(format: string): boolean {
  const wrap = (prefix: string, error: unknown) => (error instanceof TemplateError ? new NerdError(`${prefix}: ${error.message}`, {cause: error}) : error)
  let template: Template
  try {
    template = new Template(format)
  } catch (error) {
    throw wrap('failed to parse template', error)
  }
  let readsSize = false
  // Its signature is what the template's call is checked against: `{{.Label "k"}}` takes one string.
  const empty: Record<string, unknown> = {Label: labelMethod({})}
  for (const field of Object.keys(PS_HEADERS)) empty[field] = ''
  // An empty container has no image manifest: Platform() gives nil.
  empty.Platform = platformValue('')
  Object.defineProperty(empty, 'Size', {
    enumerable: true,
    get: () => {
      readsSize = true
      return '0B'
    },
  })
  try {
    template.execute(asGoContext(empty, CONTAINER_CONTEXT))
  } catch (error) {
    throw wrap('failed to execute template', error)
  }
  return readsSize
}

/** docker's zero time, which inspect shows for a start or finish that never happened. */
export const ZERO_TIME = '0001-01-01T00:00:00Z'

/** A stored RFC 3339 time as Go's RFC3339Nano prints it (fraction without trailing zeros); the zero time when never. */
function inspectTime(text: string): string {
  return text === '' ? ZERO_TIME : goRFC3339Nano(text)
}

/** docker's NetworkSettings in inspect; nerd's networking fills it in. */
export interface NetworkSettings {
  Bridge: string
  SandboxID: string
  SandboxKey: string
  Ports: Record<string, {HostIp: string; HostPort: string}[] | null>
  HairpinMode: boolean
  LinkLocalIPv6Address: string
  LinkLocalIPv6PrefixLen: number
  SecondaryIPAddresses: null
  SecondaryIPv6Addresses: null
  EndpointID: string
  Gateway: string
  GlobalIPv6Address: string
  GlobalIPv6PrefixLen: number
  IPAddress: string
  IPPrefixLen: number
  IPv6Gateway: string
  MacAddress: string
  Networks: Record<string, object>
}

/** The network settings of a container with no network endpoint. */
export function emptyNetworkSettings(): NetworkSettings {
  return {
    Bridge: '',
    SandboxID: '',
    SandboxKey: '',
    Ports: {},
    HairpinMode: false,
    LinkLocalIPv6Address: '',
    LinkLocalIPv6PrefixLen: 0,
    SecondaryIPAddresses: null,
    SecondaryIPv6Addresses: null,
    EndpointID: '',
    Gateway: '',
    GlobalIPv6Address: '',
    GlobalIPv6PrefixLen: 0,
    IPAddress: '',
    IPPrefixLen: 0,
    IPv6Gateway: '',
    MacAddress: '',
    Networks: {},
  }
}

/** docker's State in inspect. */
export interface InspectState {
  Status: string
  Running: boolean
  Paused: boolean
  Restarting: boolean
  OOMKilled: boolean
  Dead: boolean
  Pid: number
  ExitCode: number
  Error: string
  StartedAt: string
  FinishedAt: string
  /** Only for a container with a health check that has been started, as docker's. */
  Health?: HealthState
}

/** docker's ContainerJSON, what `inspect` prints for a container. */
export interface ContainerInspect {
  Id: string
  Created: string
  Path: string
  Args: string[]
  State: InspectState
  Image: string
  ResolvConfPath: string
  HostnamePath: string
  HostsPath: string
  LogPath: string
  Name: string
  RestartCount: number
  Driver: string
  Platform: string
  MountLabel: string
  ProcessLabel: string
  AppArmorProfile: string
  ExecIDs: string[] | null
  HostConfig: Record<string, unknown>
  GraphDriver: {Data: null; Name: string}
  SizeRw?: number
  SizeRootFs?: number
  Mounts: Record<string, unknown>[]
  Config: Record<string, unknown>
  NetworkSettings: NetworkSettings
}

export interface InspectOptions {
  /** nerd's data root: the container's state directory is `<data root>/containers/<namespace>/<id>`. */
  dataRoot: string
  /** The AppArmor profile the container's process runs under, empty when none. */
  appArmorProfile?: string
  /** IDs of the exec processes running in the container. */
  execIds?: readonly string[]
  /** `inspect --size`: bytes of the writable layer and of the whole root filesystem. */
  size?: {rw: number; rootFs: number}
  networkSettings?: NetworkSettings
  /** The MAC address asked for the endpoint of the container's network mode. */
  macAddress?: string
}

/** docker's HostConfig members in docker's order, docker's zero values for what nerd does not support. */
function inspectHostConfig(hostConfig: DockerHostConfig): Record<string, unknown> {
  const {
    Binds, LogConfig, NetworkMode, PortBindings, RestartPolicy, AutoRemove, Annotations, CapAdd, CapDrop, CgroupnsMode, Dns, DnsOptions,
    DnsSearch, ExtraHosts, GroupAdd, IpcMode, PidMode, Privileged, ReadonlyRootfs, SecurityOpt, Tmpfs, UTSMode, ShmSize, Sysctls, Runtime,
    CpuShares, Memory, NanoCpus, CgroupParent, CpuPeriod, CpuQuota, CpusetCpus, CpusetMems, Devices, MemoryReservation, MemorySwap,
    OomKillDisable, PidsLimit, Ulimits, Init, ContainerIDFile, OomScoreAdj, PublishAllPorts, BlkioWeight, MemorySwappiness, VolumesFrom, Mounts, VolumeDriver,
    // Records of containers made before nerd knew them have none.
    BlkioWeightDevice = [], BlkioDeviceReadBps = [], BlkioDeviceWriteBps = [], BlkioDeviceReadIOps = [], BlkioDeviceWriteIOps = [],
    CpuRealtimePeriod = 0, CpuRealtimeRuntime = 0, DeviceCgroupRules = null, MaskedPaths, ReadonlyPaths, Links, ...rest
  } = hostConfig
  // Records of containers made before nerd kept them have none: the defaults for their privilege.
  const paths = MaskedPaths === undefined ? systemPaths(Privileged, false) : {MaskedPaths, ReadonlyPaths}
  const ordered = {
    Binds, ContainerIDFile, LogConfig, NetworkMode, PortBindings, RestartPolicy, AutoRemove, VolumeDriver: VolumeDriver ?? '', VolumesFrom: VolumesFrom ?? null,
    ConsoleSize: [0, 0], Annotations, CapAdd, CapDrop, CgroupnsMode, Dns, DnsOptions, DnsSearch, ExtraHosts, GroupAdd, IpcMode, Cgroup: '',
    Links: Links ?? null, OomScoreAdj, PidMode, Privileged, PublishAllPorts, ReadonlyRootfs, SecurityOpt, Tmpfs, UTSMode, UsernsMode: '',
    ShmSize, Sysctls, Runtime, Isolation: '', CpuShares, Memory, NanoCpus, CgroupParent, BlkioWeight, BlkioWeightDevice,
    BlkioDeviceReadBps, BlkioDeviceWriteBps, BlkioDeviceReadIOps, BlkioDeviceWriteIOps, CpuPeriod, CpuQuota,
    CpuRealtimePeriod, CpuRealtimeRuntime, CpusetCpus, CpusetMems, Devices, DeviceCgroupRules, DeviceRequests: null,
    MemoryReservation, MemorySwap, MemorySwappiness, OomKillDisable, PidsLimit, Ulimits, CpuCount: 0, CpuPercent: 0,
    IOMaximumIOps: 0, IOMaximumBandwidth: 0, Mounts, ...paths, Init, ...rest,
  }
  return omitEmpty(ordered, ['Annotations', 'Tmpfs', 'Sysctls', 'Runtime', 'Mounts', 'Init'])
}

/** docker's Config members in docker's order. */
function inspectConfig(config: DockerConfig, macAddress: string | undefined): Record<string, unknown> {
  const {
    Hostname, Domainname, User, AttachStdin, AttachStdout, AttachStderr, ExposedPorts, Tty, OpenStdin, StdinOnce, Env, Cmd, Image, Volumes,
    WorkingDir, Entrypoint, Labels, StopSignal, StopTimeout, ...rest
  } = config
  const ordered = {
    Hostname, Domainname, User, AttachStdin, AttachStdout, AttachStderr, ExposedPorts, Tty, OpenStdin, StdinOnce, Env, Cmd, Image, Volumes,
    WorkingDir, Entrypoint, ...(macAddress ? {MacAddress: macAddress} : {}), OnBuild: null, Labels, StopSignal, StopTimeout, ...rest,
  }
  return omitEmpty(ordered, ['ExposedPorts', 'StopSignal', 'StopTimeout'])
}

function inspectMount(mount: MountPoint): Record<string, unknown> {
  const {Type, Name, Source, Destination, Driver, Mode, RW, Propagation} = mount
  return omitEmpty({Type, Name, Source, Destination, Driver, Mode, RW, Propagation}, ['Name', 'Driver'])
}

/** docker's inspect document of a container. */
export function inspectContainer(view: ContainerView, options: InspectOptions): ContainerInspect {
  const {record, state} = view
  const paths = containerPaths(options.dataRoot, record.Namespace, record.Id)
  const document: ContainerInspect = {
    Id: record.Id,
    Created: inspectTime(record.Created),
    Path: record.Path,
    Args: record.Args,
    State: {
      Status: view.status,
      Running: isRunning(view),
      Paused: view.status === 'paused',
      Restarting: view.status === 'restarting',
      OOMKilled: state.OOMKilled,
      Dead: view.status === 'dead',
      Pid: view.pid,
      ExitCode: view.exitCode,
      Error: state.Error,
      StartedAt: inspectTime(state.StartedAt),
      FinishedAt: inspectTime(state.FinishedAt),
      ...(view.health ? {Health: {...view.health, Log: view.health.Log.map((probe) => ({...probe, Start: inspectTime(probe.Start), End: inspectTime(probe.End)}))}} : {}),
    },
    Image: record.Image,
    ResolvConfPath: paths.resolvConf,
    HostnamePath: paths.hostname,
    HostsPath: paths.hosts,
    LogPath: record.LogPath,
    Name: `/${record.Name}`,
    RestartCount: state.RestartCount,
    Driver: record.Snapshotter,
    Platform: record.Platform.split('/')[0] || 'linux',
    MountLabel: '',
    ProcessLabel: '',
    AppArmorProfile: options.appArmorProfile ?? '',
    ExecIDs: options.execIds && options.execIds.length > 0 ? [...options.execIds] : null,
    HostConfig: inspectHostConfig(record.HostConfig),
    GraphDriver: {Data: null, Name: record.Snapshotter},
    Mounts: record.Mounts.map(inspectMount),
    Config: inspectConfig(record.Config, options.macAddress),
    NetworkSettings: options.networkSettings ?? emptyNetworkSettings(),
  }
  if (!options.size) return withGoType(document, CONTAINER_TYPE)
  // docker puts the sizes right after GraphDriver.
  const {Mounts, Config, NetworkSettings, ...base} = document
  return withGoType({...base, SizeRw: options.size.rw, SizeRootFs: options.size.rootFs, Mounts, Config, NetworkSettings}, CONTAINER_TYPE)
}
