import {existsSync, readFileSync} from 'node:fs'
import os from 'node:os'
import type {ContainerdClient} from '../containerd/index.ts'
import {describeConfig, isCgroupV2, type NerdConfig} from '../config/index.ts'
import {goStruct, goTypedValue, MAP, mapOf, pointerTo, renamed, SLICE, sliceOf} from '../format/go-types.ts'
import {goLocalRFC3339} from '../format/go-time.ts'
import {compareStrings} from '../format/go-values.ts'
import {bytesSize} from '../format/index.ts'
import {DEFAULT_ADDRESS_POOL} from '../network/model.ts'
import {clientVersion, initVersion, runcVersion, type VersionInfo} from './version.ts'

/**
 * Shaped like `docker info --format '{{json .}}'`, in docker's order (moby's system.Info, JSON names:
 * `CpuCfsPeriod`, `HttpProxy`, which templates know by their Go names, see infoTemplateData); what
 * no daemon of nerd's has a value for has docker's zero one. nerd's own fields after docker's.
 */
export interface SystemInfo {
  ID: string
  Containers: number
  ContainersRunning: number
  ContainersPaused: number
  ContainersStopped: number
  /** Images, not their names: those of one target digest count once (moby's CountImages). */
  Images: number
  Driver: string
  DriverStatus: [string, string][]
  Plugins: {Volume: string[]; Network: string[]; Authorization: null; Log: string[]; Storage: string[]; Nerd: string[]}
  MemoryLimit: boolean
  SwapLimit: boolean
  /** cgroup v1's kernel memory limits, left out when there are none (docker's omitempty). */
  KernelMemory?: true
  KernelMemoryTCP?: true
  CpuCfsPeriod: boolean
  CpuCfsQuota: boolean
  CPUShares: boolean
  CPUSet: boolean
  PidsLimit: boolean
  IPv4Forwarding: boolean
  Debug: boolean
  /** The daemon's open files, goroutines and event listeners: nerd runs no daemon of its own, so 0. */
  NFd: 0
  OomKillDisable: boolean
  NGoroutines: 0
  /** Now, RFC 3339 in the local zone, to the nanosecond Go has (the millisecond here). */
  SystemTime: string
  LoggingDriver: string
  CgroupDriver: string
  CgroupVersion: string
  NEventsListener: 0
  KernelVersion: string
  OperatingSystem: string
  OSVersion: string
  OSType: string
  Architecture: string
  IndexServerAddress: string
  RegistryConfig: RegistryConfig
  NCPU: number
  MemTotal: number
  GenericResources: null
  DockerRootDir: string
  HttpProxy: string
  HttpsProxy: string
  NoProxy: string
  Name: string
  Labels: string[]
  ExperimentalBuild: boolean
  ServerVersion: string
  /** docker's map of the runtimes `--runtime` takes, by name. */
  Runtimes: Record<string, {path: string}>
  DefaultRuntime: string
  Swarm: {NodeID: string; NodeAddr: string; LocalNodeState: 'inactive'; ControlAvailable: boolean; Error: string; RemoteManagers: null}
  LiveRestoreEnabled: boolean
  Isolation: string
  InitBinary: string
  /** containerd's revision; runc's and the init's commits (`N/A` where there is none to ask, as docker's). */
  ContainerdCommit: Commit
  RuncCommit: Commit
  InitCommit: Commit
  SecurityOptions: string[]
  /** The pools networks created without --subnet take theirs from. */
  DefaultAddressPools: {Base: string; Size: number}[]
  FirewallBackend: {Driver: 'iptables'}
  /** nerd has no CDI devices: docker's empty list when CDI is off. */
  CDISpecDirs: []
  Containerd: {Address: string; Namespaces: {Containers: string; Plugins: string}}
  /** docker's warnings of what the host lacks; null when none, as docker's JSON has it. */
  Warnings: string[] | null
  Namespace: string
  Snapshotters: string[]
  /** nerd's names for docker's DockerRootDir (kept for nerd's own scripts) and containerd's socket. */
  DataRoot: string
  ContainerdAddress: string
  /** nerd's settings that do not come from its defaults, with their source (flag, env, nerd.toml, a plugin bundle). */
  Settings: {key: string; value: string; source: string}[]
  /** docker's CLI puts its own facts beside the server's, its clientInfo: `{{.ClientInfo.Context}}`. */
  ClientInfo: {Debug: boolean} & InfoClientVersion & {Plugins: {Name: string}[]; Warnings: null}
}

/**
 * `version`'s client fields as docker's info has them: without the API version, which it asks the
 * daemon for only without a format, nor nerd's NodeVersion.
 */
type InfoClientVersion = Omit<VersionInfo['Client'], 'ApiVersion' | 'APIVersion' | 'NodeVersion'>

interface Commit {
  ID: string
}

/** What docker's sysinfo finds of the cgroup controllers. */
type CgroupFacts = Pick<SystemInfo, 'MemoryLimit' | 'SwapLimit' | 'KernelMemory' | 'KernelMemoryTCP' | 'CpuCfsPeriod' | 'CpuCfsQuota' | 'CPUShares' | 'CPUSet' | 'PidsLimit' | 'IPv4Forwarding' | 'OomKillDisable'>

interface RegistryConfig {
  InsecureRegistryCIDRs: string[]
  IndexConfigs: Record<string, {Name: string; Mirrors: string[]; Secure: boolean; Official: boolean}>
  Mirrors: string[]
}

/** A value of the host's os-release (the last line that sets it, quotes trimmed), as docker's operatingsystem package reads it; empty when none. */
function osRelease(key: string): string {
  const text = readText('/etc/os-release') ?? readText('/usr/lib/os-release') ?? ''
  const line = text.split('\n').findLast((candidate) => candidate.startsWith(`${key}=`))
  return line?.slice(key.length + 1).replace(/^["' ]+|["' ]+$/g, '') ?? ''
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return undefined
  }
}

/** The controllers of the host's cgroups (v2's root list, v1's hierarchies' files), as docker's sysinfo reads them. */
function cgroupFacts(v2: boolean): CgroupFacts {
  const ipv4Forwarding = readText('/proc/sys/net/ipv4/ip_forward')?.trim() === '1'
  if (v2) {
    const controllers = new Set((readText('/sys/fs/cgroup/cgroup.controllers') ?? '').trim().split(/\s+/))
    const memory = controllers.has('memory')
    const cpu = controllers.has('cpu')
    return {MemoryLimit: memory, SwapLimit: memory, CpuCfsPeriod: cpu, CpuCfsQuota: cpu, CPUShares: cpu, CPUSet: controllers.has('cpuset'), PidsLimit: controllers.has('pids'), IPv4Forwarding: ipv4Forwarding, OomKillDisable: false}
  }
  const has = (file: string) => existsSync(`/sys/fs/cgroup/${file}`)
  return {
    MemoryLimit: has('memory/memory.limit_in_bytes'),
    SwapLimit: has('memory/memory.memsw.limit_in_bytes'),
    ...(has('memory/memory.kmem.limit_in_bytes') ? {KernelMemory: true} : {}),
    ...(has('memory/memory.kmem.tcp.limit_in_bytes') ? {KernelMemoryTCP: true} : {}),
    CpuCfsPeriod: has('cpu/cpu.cfs_period_us'),
    CpuCfsQuota: has('cpu/cpu.cfs_quota_us'),
    CPUShares: has('cpu/cpu.shares'),
    CPUSet: has('cpuset/cpuset.cpus'),
    PidsLimit: has('pids'),
    IPv4Forwarding: ipv4Forwarding,
    OomKillDisable: has('memory/memory.oom_control'),
  }
}

/** docker's warnings of what its containers cannot have on this host (moby's info_unix.go words). */
function hostWarnings(facts: CgroupFacts): string[] | null {
  const warnings = [
    ...(facts.MemoryLimit ? [] : ['WARNING: No memory limit support']),
    ...(facts.MemoryLimit && !facts.SwapLimit ? ['WARNING: No swap limit support'] : []),
    ...(facts.CpuCfsQuota ? [] : ['WARNING: No cpu cfs quota support']),
    ...(facts.CpuCfsPeriod ? [] : ['WARNING: No cpu cfs period support']),
    ...(facts.CPUShares ? [] : ['WARNING: No cpu shares support']),
    ...(facts.CPUSet ? [] : ['WARNING: No cpuset support']),
    ...(facts.IPv4Forwarding ? [] : ['WARNING: IPv4 forwarding is disabled']),
  ]
  return warnings.length > 0 ? warnings : null
}

/**
 * The security options containers get: nerd's seccomp profile (the builtin one, as docker's), AppArmor
 * when the kernel has it, a cgroup namespace of their own on cgroup v2, and rootless when nerd runs so.
 */
function securityOptions(v2: boolean): string[] {
  return [
    ...(readText('/sys/module/apparmor/parameters/enabled')?.trim() === 'Y' ? ['name=apparmor'] : []),
    'name=seccomp,profile=builtin',
    ...(process.getuid?.() === 0 ? [] : ['name=rootless']),
    ...(v2 ? ['name=cgroupns'] : []),
  ]
}

/** A proxy from the environment with its credentials masked, as docker's info shows its own. */
function proxy(...names: string[]): string {
  const value = names.map((name) => process.env[name]).find((found) => found)
  if (!value) return ''
  try {
    const url = new URL(value)
    if (url.username || url.password) {
      url.username = 'xxxxx'
      url.password = 'xxxxx'
      return url.toString().replace(/\/$/, value.endsWith('/') ? '/' : '')
    }
  } catch {
    // Not a URL: shown as it is.
  }
  return value
}

/** Registries nerd reaches without TLS: loopback hosts always, as docker's defaults; every one with --insecure-registry. */
function registryConfig(insecure: boolean): RegistryConfig {
  return {
    InsecureRegistryCIDRs: [...(insecure ? ['0.0.0.0/0', '::/0'] : []), '::1/128', '127.0.0.0/8'],
    IndexConfigs: {'docker.io': {Name: 'docker.io', Mirrors: [], Secure: true, Official: true}},
    Mirrors: [],
  }
}

/**
 * The runtimes `--runtime` takes, as docker's map of them: containerd's runtime plugins by the names
 * users pass, each running runc (what docker's stock runtimes have for Path).
 */
function runtimes(plugins: {type: string; id: string}[]): SystemInfo['Runtimes'] {
  const found: SystemInfo['Runtimes'] = {}
  if (plugins.some((plugin) => plugin.type === 'io.containerd.runtime.v2' && plugin.id === 'task')) found['io.containerd.runc.v2'] = {path: 'runc'}
  if (plugins.some((plugin) => plugin.type === 'io.containerd.runtime.v1' && plugin.id === 'linux')) found['io.containerd.runtime.v1.linux'] = {path: 'runc'}
  return found
}

const TASK_STATUS_RUNNING = 'RUNNING'
const TASK_STATUS_PAUSED = 'PAUSED'

/** What `info` tells without containerd. */
export type ClientInfo = Pick<SystemInfo, 'Namespace' | 'Debug' | 'Settings'> & {Plugins: Pick<SystemInfo['Plugins'], 'Nerd'>}

/** The plugins by name, in an order of their own: oclif's list is in the order their loading settled. */
export function clientInfo(config: NerdConfig, nerdPlugins: readonly string[]): ClientInfo {
  return {
    Namespace: config.namespace,
    // --debug-full is --debug and more (cli.ts).
    Debug: config.debug || config.debugFull,
    Plugins: {Nerd: [...nerdPlugins].sort(compareStrings)},
    Settings: describeConfig(config).filter((row) => row.source !== 'default'),
  }
}

export async function systemInfo(client: ContainerdClient, config: NerdConfig, nerdPlugins: readonly string[]): Promise<SystemInfo> {
  const known = clientInfo(config, nerdPlugins)
  const [version, server, plugins, containers, tasks, images, runc, init] = await Promise.all([
    client.version.version(),
    client.introspection.server(),
    client.introspection.plugins(),
    client.containers.list(),
    client.tasks.list(),
    client.images.list(),
    runcVersion(),
    initVersion(),
  ])
  const usable = plugins.filter((plugin) => !plugin.initErr)
  const snapshotters = usable.filter((plugin) => plugin.type === 'io.containerd.snapshotter.v1').map((plugin) => plugin.id).sort()
  const running = tasks.filter((task) => task.status === TASK_STATUS_RUNNING).length
  const paused = tasks.filter((task) => task.status === TASK_STATUS_PAUSED).length
  const v2 = isCgroupV2()
  const cgroups = cgroupFacts(v2)
  const dockerRootDir = config.dataRoot
  const now = new Date()
  return {
    ID: server.uuid,
    Containers: containers.length,
    ContainersRunning: running,
    ContainersPaused: paused,
    ContainersStopped: containers.length - running - paused,
    Images: new Set(images.map((image) => image.target?.digest ?? image.name)).size,
    Driver: config.snapshotter,
    // As docker's containerd image store says of its snapshotter.
    DriverStatus: [['driver-type', 'io.containerd.snapshotter.v1']],
    Plugins: {Volume: ['local'], Network: ['bridge', 'host', 'ipvlan', 'macvlan', 'null'], Authorization: null, Log: ['json-file', 'none'], Storage: snapshotters, Nerd: known.Plugins.Nerd},
    MemoryLimit: cgroups.MemoryLimit,
    SwapLimit: cgroups.SwapLimit,
    ...(cgroups.KernelMemory ? {KernelMemory: true} : {}),
    ...(cgroups.KernelMemoryTCP ? {KernelMemoryTCP: true} : {}),
    CpuCfsPeriod: cgroups.CpuCfsPeriod,
    CpuCfsQuota: cgroups.CpuCfsQuota,
    CPUShares: cgroups.CPUShares,
    CPUSet: cgroups.CPUSet,
    PidsLimit: cgroups.PidsLimit,
    IPv4Forwarding: cgroups.IPv4Forwarding,
    Debug: known.Debug,
    NFd: 0,
    OomKillDisable: cgroups.OomKillDisable,
    NGoroutines: 0,
    SystemTime: goLocalRFC3339(now, {nanosecond: now.getMilliseconds() * 1e6}),
    LoggingDriver: 'json-file',
    CgroupDriver: config.cgroupManager,
    CgroupVersion: v2 ? '2' : '1',
    NEventsListener: 0,
    KernelVersion: os.release(),
    OperatingSystem: osRelease('PRETTY_NAME') || 'Linux',
    OSVersion: osRelease('VERSION_ID'),
    OSType: process.platform,
    Architecture: os.machine(),
    IndexServerAddress: 'https://index.docker.io/v1/',
    RegistryConfig: registryConfig(config.insecureRegistry),
    NCPU: os.availableParallelism(),
    MemTotal: os.totalmem(),
    GenericResources: null,
    DockerRootDir: dockerRootDir,
    HttpProxy: proxy('HTTP_PROXY', 'http_proxy'),
    HttpsProxy: proxy('HTTPS_PROXY', 'https_proxy'),
    NoProxy: proxy('NO_PROXY', 'no_proxy'),
    Name: os.hostname(),
    Labels: [],
    ExperimentalBuild: config.experimental,
    ServerVersion: version.version,
    Runtimes: runtimes(usable),
    DefaultRuntime: 'io.containerd.runc.v2',
    Swarm: {NodeID: '', NodeAddr: '', LocalNodeState: 'inactive', ControlAvailable: false, Error: '', RemoteManagers: null},
    // Containers run on under containerd's shims whatever becomes of nerd, or of containerd's restart.
    LiveRestoreEnabled: true,
    Isolation: '',
    InitBinary: 'tini',
    ContainerdCommit: {ID: version.revision},
    RuncCommit: {ID: runc?.Details.GitCommit ?? NO_COMMIT},
    InitCommit: {ID: init?.Details.GitCommit ?? NO_COMMIT},
    SecurityOptions: securityOptions(v2),
    DefaultAddressPools: [{...DEFAULT_ADDRESS_POOL}],
    // nerd's own rules (network/host.ts) and the CNI plugins' are iptables'.
    FirewallBackend: {Driver: 'iptables'},
    CDISpecDirs: [],
    Containerd: {Address: config.address, Namespaces: {Containers: known.Namespace, Plugins: ''}},
    Warnings: hostWarnings(cgroups),
    Namespace: known.Namespace,
    Snapshotters: snapshotters,
    DataRoot: dockerRootDir,
    ContainerdAddress: config.address,
    Settings: known.Settings,
    ClientInfo: {Debug: known.Debug, ...infoClientVersion(), Plugins: nerdPlugins.map((name) => ({Name: name})), Warnings: null},
  }
}

function infoClientVersion(): InfoClientVersion {
  const {ApiVersion: _api, APIVersion: _method, NodeVersion: _node, ...client} = clientVersion()
  return client
}

/** docker's commit of a tool it could not ask. */
const NO_COMMIT = 'N/A'

const COMMIT_TYPE = goStruct('system.Commit', {Expected: 'string'}, ['ID', 'Expected'])

/**
 * docker's dockerInfo struct, as templates see it: Go's names where the JSON's differ (`.HTTPProxy`,
 * `.CPUCfsPeriod`), nil slices that print `[]` (no warnings, no system status), the zero values of
 * what the JSON leaves out (omitempty), `.Runtimes` a map of RuntimeWithStatus (whose embedded
 * Runtime's fields it has as its own).
 */
const INFO_TYPE = goStruct('system.dockerInfo', {
  SystemStatus: SLICE,
  KernelMemory: 'bool',
  KernelMemoryTCP: 'bool',
  CPUCfsPeriod: renamed('CpuCfsPeriod'),
  CPUCfsQuota: renamed('CpuCfsQuota'),
  HTTPProxy: renamed('HttpProxy'),
  HTTPSProxy: renamed('HttpsProxy'),
  Runtimes: mapOf(
    goStruct(
      'system.RuntimeWithStatus',
      {Path: renamed('path', 'string'), Args: renamed('runtimeArgs', SLICE), Type: renamed('runtimeType', 'string'), Options: renamed('options', MAP), Status: renamed('status', MAP)},
      ['Path', 'Args', 'Type', 'Options', 'Status'],
    ),
  ),
  ContainerdCommit: COMMIT_TYPE,
  RuncCommit: COMMIT_TYPE,
  InitCommit: COMMIT_TYPE,
  ProductLicense: 'string',
  DefaultAddressPools: sliceOf(goStruct('system.NetworkAddressPool')),
  FirewallBackend: pointerTo(goStruct('system.FirewallInfo', {Info: SLICE}, ['Driver', 'Info'])),
  DiscoveredDevices: SLICE,
  Containerd: pointerTo(goStruct('system.ContainerdInfo', {Address: 'string'})),
  Warnings: SLICE,
  // dockerInfo's own fields beside the embedded system.Info: nerd has no errors to put there, nor a user name with a format.
  ServerErrors: SLICE,
  UserName: 'string',
  ClientInfo: pointerTo(
    goStruct(
      'system.clientInfo',
      {
        Platform: pointerTo(goStruct('system.platformInfo', {Name: 'string'})),
        APIVersion: renamed('ApiVersion', 'string'),
        DefaultAPIVersion: 'string',
        GitCommit: 'string',
        GoVersion: 'string',
        BuildTime: 'string',
        Plugins: SLICE,
        Warnings: SLICE,
      },
      ['Debug', 'Platform', 'Version', 'APIVersion', 'DefaultAPIVersion', 'GitCommit', 'GoVersion', 'Os', 'Arch', 'BuildTime', 'Context', 'Plugins', 'Warnings'],
    ),
  ),
  ClientErrors: SLICE,
})

/** What `info --format` runs on: docker's dockerInfo struct (INFO_TYPE), where a field it lacks is an error. */
export function infoTemplateData(info: SystemInfo): object {
  return goTypedValue(info, INFO_TYPE) as object
}

/** docker's Client section of `info`, which it prints also when the server cannot be reached. */
export function renderClientInfo(info: ClientInfo): string {
  const lines = [
    'Client:',
    ` Namespace: ${info.Namespace}`,
    ` Debug Mode: ${info.Debug}`,
    ' Plugins:',
    ...(info.Plugins.Nerd.length > 0 ? info.Plugins.Nerd.map((name) => `  ${name}`) : ['  (none)']),
    ...(info.Settings.length > 0 ? [' Settings:', ...info.Settings.map((row) => `  ${row.key}: ${row.value} (${row.source})`)] : []),
  ]
  return `${lines.join('\n')}\n`
}

/** The header of docker's Server section, which comes before the server's error too. */
export const SERVER_HEADER = '\nServer:\n'

export function renderServerInfo(info: SystemInfo): string {
  const lines = [
    ` Containers: ${info.Containers}`,
    `  Running: ${info.ContainersRunning}`,
    `  Paused: ${info.ContainersPaused}`,
    `  Stopped: ${info.ContainersStopped}`,
    ` Images: ${info.Images}`,
    ` Server Version: ${info.ServerVersion}`,
    ` Storage Driver: ${info.Driver}`,
    ...info.DriverStatus.map(([key, value]) => `  ${key}: ${value}`),
    ` Logging Driver: ${info.LoggingDriver}`,
    ` Cgroup Driver: ${info.CgroupDriver}`,
    ` Cgroup Version: ${info.CgroupVersion}`,
    ' Plugins:',
    `  Volume: ${info.Plugins.Volume.join(' ')}`,
    `  Network: ${info.Plugins.Network.join(' ')}`,
    `  Log: ${info.Plugins.Log.join(' ')}`,
    `  Storage: ${info.Plugins.Storage.join(' ')}`,
    ` Swarm: ${info.Swarm.LocalNodeState}`,
    ` Runtimes: ${Object.keys(info.Runtimes).join(' ')}`,
    ` Default Runtime: ${info.DefaultRuntime}`,
    ` Init Binary: ${info.InitBinary}`,
    ` containerd version: ${info.ContainerdCommit.ID}`,
    ` runc version: ${info.RuncCommit.ID}`,
    ` init version: ${info.InitCommit.ID}`,
    ...securityLines(info.SecurityOptions),
    ` Kernel Version: ${info.KernelVersion}`,
    ` Operating System: ${info.OperatingSystem}`,
    ` OSType: ${info.OSType}`,
    ` Architecture: ${info.Architecture}`,
    ` CPUs: ${info.NCPU}`,
    ` Total Memory: ${bytesSize(info.MemTotal)}`,
    ` Name: ${info.Name}`,
    ` ID: ${info.ID}`,
    ` Docker Root Dir: ${info.DockerRootDir}`,
    ` Debug Mode: ${info.Debug}`,
    ...(info.HttpProxy ? [` HTTP Proxy: ${info.HttpProxy}`] : []),
    ...(info.HttpsProxy ? [` HTTPS Proxy: ${info.HttpsProxy}`] : []),
    ...(info.NoProxy ? [` No Proxy: ${info.NoProxy}`] : []),
    ...(info.Labels.length > 0 ? [' Labels:', ...info.Labels.map((label) => `  ${label}`)] : []),
    ` Experimental: ${info.ExperimentalBuild}`,
    ' Insecure Registries:',
    ...info.RegistryConfig.InsecureRegistryCIDRs.map((cidr) => `  ${cidr}`),
    ` Live Restore Enabled: ${info.LiveRestoreEnabled}`,
    ...(info.DefaultAddressPools.length > 0 ? [' Default Address Pools:', ...info.DefaultAddressPools.map((pool) => `   Base: ${pool.Base}, Size: ${pool.Size}`)] : []),
    ` Containerd Address: ${info.ContainerdAddress}`,
  ]
  return `${SERVER_HEADER}${lines.join('\n')}\n\n`
}

/** docker's Security Options lines: each option's name, and the profile of one that has it. */
function securityLines(options: readonly string[]): string[] {
  if (options.length === 0) return []
  const lines = [' Security Options:']
  for (const option of options) {
    const fields = Object.fromEntries(option.split(',').map((field) => field.split('=', 2) as [string, string]))
    lines.push(`  ${fields.name}`)
    if (fields.profile !== undefined) lines.push(`   Profile: ${fields.profile}`)
  }
  return lines
}

/** docker's warnings after the Server section, on stderr. */
export function renderWarnings(info: SystemInfo): string {
  return (info.Warnings ?? []).map((warning) => `${warning}\n`).join('')
}
