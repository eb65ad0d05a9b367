import {existsSync, readFileSync} from 'node:fs'
import os from 'node:os'
import type {ContainerdClient} from '../containerd/index.ts'
import {describeConfig, isCgroupV2, type NerdConfig} from '../config/index.ts'
import {goStruct, goTypedValue, SLICE} from '../format/go-types.ts'
import {bytesSize} from '../format/index.ts'

/** Shaped like `docker info --format '{{json .}}'` where docker has the field; nerd's own fields added. */
export interface SystemInfo extends CgroupFacts {
  ID: string
  Name: string
  Namespace: string
  ServerVersion: string
  Containers: number
  ContainersRunning: number
  ContainersPaused: number
  ContainersStopped: number
  /** Images, not their names: those of one target digest count once (moby's CountImages). */
  Images: number
  Driver: string
  DriverStatus: [string, string][]
  Snapshotters: string[]
  LoggingDriver: string
  CgroupDriver: string
  CgroupVersion: string
  KernelVersion: string
  OperatingSystem: string
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
  Labels: string[]
  ExperimentalBuild: boolean
  Runtimes: string[]
  DefaultRuntime: string
  Swarm: {NodeID: string; NodeAddr: string; LocalNodeState: 'inactive'; ControlAvailable: boolean; Error: string; RemoteManagers: null}
  LiveRestoreEnabled: boolean
  Isolation: string
  InitBinary: string
  ContainerdCommit: {ID: string}
  SecurityOptions: string[]
  /** docker's warnings of what the host lacks; null when none, as docker's JSON has it. */
  Warnings: string[] | null
  /** nerd's names for docker's DockerRootDir (kept for nerd's own scripts) and containerd's socket. */
  DataRoot: string
  ContainerdAddress: string
  Debug: boolean
  Plugins: {Volume: string[]; Network: string[]; Authorization: null; Log: string[]; Storage: string[]; Nerd: string[]}
  /** nerd's settings that do not come from its defaults, with their source (flag, env, nerd.toml, a plugin bundle). */
  Settings: {key: string; value: string; source: string}[]
  /** docker's CLI puts its own facts beside the server's: `{{.ClientInfo.Context}}`. */
  ClientInfo: {Debug: boolean; Version: string; Context: string; Os: string; Arch: string; Plugins: {Name: string}[]; Warnings: null}
}

/** What docker's sysinfo finds of the cgroup controllers. */
interface CgroupFacts {
  MemoryLimit: boolean
  SwapLimit: boolean
  CpuCfsPeriod: boolean
  CpuCfsQuota: boolean
  CPUShares: boolean
  CPUSet: boolean
  PidsLimit: boolean
  IPv4Forwarding: boolean
  OomKillDisable: boolean
}

interface RegistryConfig {
  InsecureRegistryCIDRs: string[]
  IndexConfigs: Record<string, {Name: string; Mirrors: string[]; Secure: boolean; Official: boolean}>
  Mirrors: string[]
}

function operatingSystem(): string {
  try {
    const release = readFileSync('/etc/os-release', 'utf8')
    const pretty = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(release)
    if (pretty) return pretty[1]
  } catch {
    // No os-release: fall back to the kernel's name.
  }
  return os.type()
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

/** Maps containerd's runtime plugins to the runtime names users pass to `--runtime`. */
function runtimeNames(plugins: {type: string; id: string}[]): string[] {
  const names: string[] = []
  if (plugins.some((plugin) => plugin.type === 'io.containerd.runtime.v2' && plugin.id === 'task')) names.push('io.containerd.runc.v2')
  if (plugins.some((plugin) => plugin.type === 'io.containerd.runtime.v1' && plugin.id === 'linux')) names.push('io.containerd.runtime.v1.linux')
  return names
}

const TASK_STATUS_RUNNING = 'RUNNING'
const TASK_STATUS_PAUSED = 'PAUSED'

/** What `info` tells without containerd. */
export type ClientInfo = Pick<SystemInfo, 'Namespace' | 'Debug' | 'Settings'> & {Plugins: Pick<SystemInfo['Plugins'], 'Nerd'>}

export function clientInfo(config: NerdConfig, nerdPlugins: string[]): ClientInfo {
  return {
    Namespace: config.namespace,
    Debug: config.debug,
    Plugins: {Nerd: nerdPlugins},
    Settings: describeConfig(config).filter((row) => row.source !== 'default'),
  }
}

export async function systemInfo(client: ContainerdClient, config: NerdConfig, nerdPlugins: string[], nerdVersion: string): Promise<SystemInfo> {
  const known = clientInfo(config, nerdPlugins)
  const [version, server, plugins, containers, tasks, images] = await Promise.all([
    client.version.version(),
    client.introspection.server(),
    client.introspection.plugins(),
    client.containers.list(),
    client.tasks.list(),
    client.images.list(),
  ])
  const usable = plugins.filter((plugin) => !plugin.initErr)
  const snapshotters = usable.filter((plugin) => plugin.type === 'io.containerd.snapshotter.v1').map((plugin) => plugin.id).sort()
  const running = tasks.filter((task) => task.status === TASK_STATUS_RUNNING).length
  const paused = tasks.filter((task) => task.status === TASK_STATUS_PAUSED).length
  const v2 = isCgroupV2()
  const cgroups = cgroupFacts(v2)
  const dockerRootDir = config.dataRoot
  return {
    ID: server.uuid,
    Name: os.hostname(),
    Namespace: known.Namespace,
    ServerVersion: version.version,
    Containers: containers.length,
    ContainersRunning: running,
    ContainersPaused: paused,
    ContainersStopped: containers.length - running - paused,
    Images: new Set(images.map((image) => image.target?.digest ?? image.name)).size,
    Driver: config.snapshotter,
    // As docker's containerd image store says of its snapshotter.
    DriverStatus: [['driver-type', 'io.containerd.snapshotter.v1']],
    Snapshotters: snapshotters,
    ...cgroups,
    LoggingDriver: 'json-file',
    CgroupDriver: config.cgroupManager,
    CgroupVersion: v2 ? '2' : '1',
    KernelVersion: os.release(),
    OperatingSystem: operatingSystem(),
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
    Labels: [],
    ExperimentalBuild: config.experimental,
    Runtimes: runtimeNames(usable),
    DefaultRuntime: 'io.containerd.runc.v2',
    Swarm: {NodeID: '', NodeAddr: '', LocalNodeState: 'inactive', ControlAvailable: false, Error: '', RemoteManagers: null},
    // Containers run on under containerd's shims whatever becomes of nerd, or of containerd's restart.
    LiveRestoreEnabled: true,
    Isolation: '',
    InitBinary: 'tini',
    ContainerdCommit: {ID: version.revision},
    SecurityOptions: securityOptions(v2),
    Warnings: hostWarnings(cgroups),
    DataRoot: dockerRootDir,
    ContainerdAddress: config.address,
    Debug: known.Debug,
    Plugins: {Volume: ['local'], Network: ['bridge', 'host', 'ipvlan', 'macvlan', 'null'], Authorization: null, Log: ['json-file', 'none'], Storage: snapshotters, Nerd: known.Plugins.Nerd},
    Settings: known.Settings,
    ClientInfo: {Debug: known.Debug, Version: nerdVersion, Context: 'default', Os: process.platform, Arch: os.machine(), Plugins: nerdPlugins.map((name) => ({Name: name})), Warnings: null},
  }
}

/**
 * What `info --format` runs on: docker's dockerInfo struct, where a field it lacks is an error and no
 * warnings is a nil slice, which prints `[]`.
 */
export function infoTemplateData(info: SystemInfo): object {
  return goTypedValue(info, goStruct('system.dockerInfo', {Warnings: SLICE})) as object
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
    ` Runtimes: ${info.Runtimes.join(' ')}`,
    ` Default Runtime: ${info.DefaultRuntime}`,
    ` Init Binary: ${info.InitBinary}`,
    ` containerd version: ${info.ContainerdCommit.ID}`,
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
