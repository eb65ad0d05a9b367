import {readFileSync} from 'node:fs'
import os from 'node:os'
import type {ContainerdClient} from '../containerd/index.ts'
import {describeConfig, isCgroupV2, type NerdConfig} from '../config/index.ts'
import {bytesSize} from '../format/index.ts'

/** Shaped like `docker info --format '{{json .}}'` where docker has the field; nerd's own fields added. */
export interface SystemInfo {
  ID: string
  Name: string
  Namespace: string
  ServerVersion: string
  Containers: number
  ContainersRunning: number
  ContainersPaused: number
  ContainersStopped: number
  Images: number
  Driver: string
  Snapshotters: string[]
  LoggingDriver: string
  CgroupDriver: string
  CgroupVersion: string
  Runtimes: string[]
  DefaultRuntime: string
  KernelVersion: string
  OperatingSystem: string
  OSType: string
  Architecture: string
  NCPU: number
  MemTotal: number
  DataRoot: string
  ContainerdAddress: string
  Debug: boolean
  Plugins: {Log: string[]; Storage: string[]; Nerd: string[]}
  /** nerd's settings that do not come from its defaults, with their source (flag, env, nerd.toml, a plugin bundle). */
  Settings: {key: string; value: string; source: string}[]
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

export async function systemInfo(client: ContainerdClient, config: NerdConfig, nerdPlugins: string[]): Promise<SystemInfo> {
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
  return {
    ID: server.uuid,
    Name: os.hostname(),
    Namespace: known.Namespace,
    ServerVersion: version.version,
    Containers: containers.length,
    ContainersRunning: running,
    ContainersPaused: paused,
    ContainersStopped: containers.length - running - paused,
    Images: images.length,
    Driver: config.snapshotter,
    Snapshotters: snapshotters,
    LoggingDriver: 'json-file',
    CgroupDriver: config.cgroupManager,
    CgroupVersion: isCgroupV2() ? '2' : '1',
    Runtimes: runtimeNames(usable),
    DefaultRuntime: 'io.containerd.runc.v2',
    KernelVersion: os.release(),
    OperatingSystem: operatingSystem(),
    OSType: process.platform,
    Architecture: os.machine(),
    NCPU: os.availableParallelism(),
    MemTotal: os.totalmem(),
    DataRoot: config.dataRoot,
    ContainerdAddress: config.address,
    Debug: known.Debug,
    Plugins: {Log: ['json-file', 'none'], Storage: snapshotters, Nerd: known.Plugins.Nerd},
    Settings: known.Settings,
  }
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
    ` Logging Driver: ${info.LoggingDriver}`,
    ` Cgroup Driver: ${info.CgroupDriver}`,
    ` Cgroup Version: ${info.CgroupVersion}`,
    ' Plugins:',
    `  Log: ${info.Plugins.Log.join(' ')}`,
    `  Storage: ${info.Plugins.Storage.join(' ')}`,
    ` Runtimes: ${info.Runtimes.join(' ')}`,
    ` Default Runtime: ${info.DefaultRuntime}`,
    ` Kernel Version: ${info.KernelVersion}`,
    ` Operating System: ${info.OperatingSystem}`,
    ` OSType: ${info.OSType}`,
    ` Architecture: ${info.Architecture}`,
    ` CPUs: ${info.NCPU}`,
    ` Total Memory: ${bytesSize(info.MemTotal)}`,
    ` Name: ${info.Name}`,
    ` ID: ${info.ID}`,
    ` Nerd Data Root: ${info.DataRoot}`,
    ` Containerd Address: ${info.ContainerdAddress}`,
  ]
  return `${SERVER_HEADER}${lines.join('\n')}\n`
}
