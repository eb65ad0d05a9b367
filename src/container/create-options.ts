/**
 * `run`/`create` flags, as oclif parsed them, turned into a create request: the spec builder's
 * RunOptions plus what nerd itself does with a container (name, stdio, policies, logging), with
 * docker's validation messages. Also docker's inspect Config/HostConfig for the request.
 */
import {NerdError} from '../errors.ts'
import type {DockerConfig, DockerHostConfig, LogConfig, RestartPolicy} from './model.ts'
import {
  networkNamespace,
  parseCgroupnsMode,
  parseCpus,
  parseDevice,
  parseEnvFile,
  parseIpcMode,
  parseMount,
  parsePidMode,
  parseSecurityOpts,
  parseSwapBytes,
  parseSysctl,
  parseTmpfs,
  parseUlimit,
  parseUtsMode,
  parseVolumeSpec,
  normalizeSignal,
} from './spec/index.ts'
import {parseBytes} from './spec/units.ts'
import type {ImageConfig, RunOptions, UserMount} from './spec/index.ts'
import {parseLogOptions} from './logs/index.ts'

/** The parsed flags of CREATE_FLAGS/RUN_FLAGS (src/container-flags.ts). */
export interface CreateFlagValues {
  attach?: string[]
  interactive?: boolean
  tty?: boolean
  detach?: boolean
  rm?: boolean
  name?: string
  env?: string[]
  'env-file'?: string[]
  entrypoint?: string
  workdir?: string
  user?: string
  'group-add'?: string[]
  hostname?: string
  domainname?: string
  privileged?: boolean
  'cap-add'?: string[]
  'cap-drop'?: string[]
  'security-opt'?: string[]
  'read-only'?: boolean
  tmpfs?: string[]
  'shm-size'?: string
  ulimit?: string[]
  sysctl?: string[]
  device?: string[]
  memory?: string
  'memory-swap'?: string
  'memory-reservation'?: string
  'memory-swappiness'?: number
  'oom-kill-disable'?: boolean
  'oom-score-adj'?: number
  cpus?: string
  'cpu-shares'?: number
  'cpuset-cpus'?: string
  'cpuset-mems'?: string
  'cpu-quota'?: number
  'cpu-period'?: number
  'pids-limit'?: number
  'blkio-weight'?: number
  'cgroup-parent'?: string
  cgroupns?: string
  pid?: string
  ipc?: string
  uts?: string
  init?: boolean
  label?: string[]
  'label-file'?: string[]
  annotation?: string[]
  runtime?: string
  platform?: string
  pull?: string
  volume?: string[]
  mount?: string[]
  'stop-signal'?: string
  'stop-timeout'?: number
  cidfile?: string
  restart?: string
  'log-driver'?: string
  'log-opt'?: string[]
  network?: string[]
  net?: string[]
  publish?: string[]
  'publish-all'?: boolean
  expose?: string[]
  ip?: string
  ip6?: string
  'mac-address'?: string
  dns?: string[]
  'dns-search'?: string[]
  'dns-option'?: string[]
  'dns-opt'?: string[]
  'add-host'?: string[]
  'network-alias'?: string[]
}

export interface CreateContext {
  environment: Record<string, string | undefined>
  readFile: (path: string) => string
  /** The arguments after the image. */
  command: string[]
  image: string
  /** Relative bind sources resolve against it. */
  cwd?: string
}

/** What the networking issue needs of `run`'s flags, kept as typed. */
export interface NetworkRequest {
  /** `--network`/`--net` values; `['bridge']` when none is given. */
  networks: string[]
  publish: string[]
  publishAll: boolean
  expose: string[]
  ip?: string
  ip6?: string
  macAddress?: string
  dns: string[]
  dnsSearch: string[]
  dnsOptions: string[]
  addHosts: string[]
  aliases: string[]
}

export interface CreateRequest {
  image: string
  name?: string
  options: RunOptions
  interactive: boolean
  tty: boolean
  attach: ('stdin' | 'stdout' | 'stderr')[]
  detach: boolean
  autoRemove: boolean
  restart: RestartPolicy
  logConfig: LogConfig
  pull: 'always' | 'missing' | 'never'
  cidfile?: string
  labels: Record<string, string>
  network: NetworkRequest
}

const fail = (message: string): never => {
  throw new NerdError(message)
}

/** docker's `--restart` values: no, always, unless-stopped, on-failure[:max-retries]. */
export function parseRestartPolicy(value: string): RestartPolicy {
  const [name, count, ...rest] = value.split(':')
  if (rest.length > 0) fail(`invalid restart policy format: ${value}`)
  switch (name) {
    case '':
    case 'no':
    case 'always':
    case 'unless-stopped':
      if (count !== undefined) fail(`maximum retry count cannot be used with restart policy '${name}'`)
      return {Name: name === '' ? 'no' : name!, MaximumRetryCount: 0}
    case 'on-failure': {
      if (count === undefined) return {Name: name, MaximumRetryCount: 0}
      if (!/^\d+$/.test(count)) fail(`invalid restart policy format: maximum retry count must be an integer`)
      return {Name: name, MaximumRetryCount: Number(count)}
    }
    default:
      return fail(`invalid restart policy format: unknown policy '${name}'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'`)
  }
}

/** `KEY=value` lines of --label-file and -l values (a bare `KEY` is an empty label), later ones win. */
function parseLabels(values: readonly string[], files: readonly string[], readFile: (path: string) => string): Record<string, string> {
  const labels: Record<string, string> = {}
  const entries = [...files.flatMap((file) => readLines(file, readFile)), ...values]
  for (const entry of entries) {
    const separator = entry.indexOf('=')
    const key = separator < 0 ? entry : entry.slice(0, separator)
    if (key === '') fail(`invalid label '${entry}': empty name`)
    labels[key] = separator < 0 ? '' : entry.slice(separator + 1)
  }
  return labels
}

function readLines(file: string, readFile: (path: string) => string): string[] {
  let text: string
  try {
    text = readFile(file)
  } catch (error) {
    return fail(`open ${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (error as Error).message}`)
  }
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
}

function keyValues(values: readonly string[], what: string): Record<string, string> {
  const result: Record<string, string> = {}
  for (const value of values) {
    const separator = value.indexOf('=')
    if (separator <= 0) fail(`invalid ${what} '${value}': expected key=value`)
    result[value.slice(0, separator)] = value.slice(separator + 1)
  }
  return result
}

function bytesFlag(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined
  try {
    return parseBytes(value)
  } catch {
    return fail(`invalid argument "${value}" for "--${flag}" flag: invalid size: '${value}'`)
  }
}

export function createRequestFromFlags(values: CreateFlagValues, context: CreateContext): CreateRequest {
  const cwd = context.cwd ?? process.cwd()
  const attach = (values.attach ?? []).map((stream) => {
    const lower = stream.toLowerCase()
    if (lower !== 'stdin' && lower !== 'stdout' && lower !== 'stderr') fail(`invalid argument "${stream}" for "-a, --attach" flag: valid streams are STDIN, STDOUT and STDERR`)
    return lower as 'stdin' | 'stdout' | 'stderr'
  })
  if (values.detach && attach.length > 0) fail('Conflicting options: -a and -d')
  const restart = parseRestartPolicy(values.restart ?? 'no')
  if (values.rm && restart.Name !== 'no') fail('Conflicting options: --restart and --rm')
  const driver = values['log-driver'] ?? 'json-file'
  if (driver !== 'json-file' && driver !== 'none') fail(`unknown log driver "${driver}": nerd supports json-file and none`)
  const logOptions = keyValues(values['log-opt'] ?? [], 'log option')
  if (driver === 'none' && Object.keys(logOptions).length > 0) fail(`the none log driver takes no options`)
  if (driver === 'json-file') parseLogOptions(logOptions)
  const pull = values.pull ?? 'missing'
  if (pull !== 'always' && pull !== 'missing' && pull !== 'never') return fail(`invalid pull policy "${pull}": use always, missing or never`)
  if (values['stop-signal'] !== undefined) normalizeSignal(values['stop-signal'])

  const envFile = (values['env-file'] ?? []).flatMap((file) => {
    let text: string
    try {
      text = context.readFile(file)
    } catch {
      return fail(`open ${file}: no such file or directory`)
    }
    return parseEnvFile(text)
  })
  const mounts: UserMount[] = [
    ...(values.volume ?? []).map((value) => parseVolumeSpec(value, cwd)),
    ...(values.mount ?? []).map((value) => parseMount(value, cwd)),
    ...(values.tmpfs ?? []).map(parseTmpfs),
  ]
  const networks = [...(values.network ?? []), ...(values.net ?? [])]
  const primaryNetwork = networks[0] ?? 'bridge'

  const options: RunOptions = {command: context.command, tty: values.tty ?? false}
  const set = <K extends keyof RunOptions>(key: K, value: RunOptions[K] | undefined): void => {
    if (value !== undefined) options[key] = value
  }
  set('entrypoint', values.entrypoint)
  if (values.env?.length) options.env = values.env
  if (envFile.length > 0) options.envFile = envFile
  set('workdir', values.workdir)
  set('user', values.user)
  if (values['group-add']?.length) options.groupAdd = values['group-add']
  set('hostname', values.hostname)
  set('domainname', values.domainname)
  if (values.privileged) options.privileged = true
  if (values['cap-add']?.length) options.capAdd = values['cap-add']
  if (values['cap-drop']?.length) options.capDrop = values['cap-drop']
  if (values['security-opt']?.length) options.security = parseSecurityOpts(values['security-opt'])
  if (values['read-only']) options.readOnly = true
  if (mounts.length > 0) options.mounts = mounts
  set('shmSize', bytesFlag(values['shm-size'], 'shm-size'))
  if (values.ulimit?.length) options.ulimits = values.ulimit.map(parseUlimit)
  if (values.sysctl?.length) options.sysctls = Object.fromEntries(values.sysctl.map(parseSysctl))
  if (values.device?.length) options.devices = values.device.map(parseDevice)
  set('memory', bytesFlag(values.memory, 'memory'))
  if (values['memory-swap'] !== undefined) options.memorySwap = parseSwapBytes(values['memory-swap'])
  set('memoryReservation', bytesFlag(values['memory-reservation'], 'memory-reservation'))
  set('memorySwappiness', values['memory-swappiness'])
  if (values['oom-kill-disable']) options.oomKillDisable = true
  set('oomScoreAdj', values['oom-score-adj'])
  if (values.cpus !== undefined) options.nanoCpus = parseCpus(values.cpus)
  set('cpuShares', values['cpu-shares'])
  set('cpusetCpus', values['cpuset-cpus'])
  set('cpusetMems', values['cpuset-mems'])
  set('cpuQuota', values['cpu-quota'])
  set('cpuPeriod', values['cpu-period'])
  set('pidsLimit', values['pids-limit'])
  set('blkioWeight', values['blkio-weight'])
  set('cgroupParent', values['cgroup-parent'])
  if (values.cgroupns !== undefined) set('cgroupns', parseCgroupnsMode(values.cgroupns))
  if (values.pid !== undefined) options.pid = parsePidMode(values.pid)
  if (values.ipc !== undefined) options.ipc = parseIpcMode(values.ipc)
  if (values.uts !== undefined) options.uts = parseUtsMode(values.uts)
  options.network = networkNamespace(primaryNetwork)
  if (values.init) options.init = true
  if (values.annotation?.length) options.annotations = keyValues(values.annotation, 'annotation')
  set('stopSignal', values['stop-signal'])
  set('stopTimeout', values['stop-timeout'])
  set('runtime', values.runtime)
  set('platform', values.platform)

  const request: CreateRequest = {
    image: context.image,
    options,
    interactive: values.interactive ?? false,
    tty: values.tty ?? false,
    attach,
    detach: values.detach ?? false,
    autoRemove: values.rm ?? false,
    restart,
    logConfig: {Type: driver, Config: logOptions},
    pull,
    labels: parseLabels(values.label ?? [], values['label-file'] ?? [], context.readFile),
    network: {
      networks: networks.length > 0 ? networks : ['bridge'],
      publish: values.publish ?? [],
      publishAll: values['publish-all'] ?? false,
      expose: values.expose ?? [],
      dns: values.dns ?? [],
      dnsSearch: values['dns-search'] ?? [],
      dnsOptions: [...(values['dns-option'] ?? []), ...(values['dns-opt'] ?? [])],
      addHosts: values['add-host'] ?? [],
      aliases: values['network-alias'] ?? [],
      ...(values.ip ? {ip: values.ip} : {}),
      ...(values.ip6 ? {ip6: values.ip6} : {}),
      ...(values['mac-address'] ? {macAddress: values['mac-address']} : {}),
    },
  }
  if (values.name !== undefined) request.name = values.name
  if (values.cidfile !== undefined) request.cidfile = values.cidfile
  return request
}

function namespaceModeText(mode: {kind: string; container?: string} | undefined, fallback = ''): string {
  if (!mode || mode.kind === 'private') return fallback
  return mode.kind === 'container' ? `container:${mode.container}` : mode.kind
}

/** Env with the user's entries replacing the image's of the same name, in docker's order. */
function mergedEnv(image: readonly string[], user: readonly string[]): string[] {
  const result = [...image]
  for (const entry of user) {
    const key = entry.split('=', 1)[0]
    const index = result.findIndex((existing) => existing.split('=', 1)[0] === key)
    if (index >= 0) result[index] = entry
    else result.push(entry)
  }
  return result
}

/** docker's inspect `Config` and `HostConfig` for a request and the image it runs. */
export function dockerConfigFor(request: CreateRequest, image: ImageConfig, environment: Record<string, string | undefined> = {}): {Config: DockerConfig; HostConfig: DockerHostConfig} {
  const {options} = request
  const userEnv = [...(options.envFile ?? []), ...(options.env ?? [])].flatMap((entry) => {
    if (entry.includes('=')) return [entry]
    const value = environment[entry]
    return value === undefined ? [] : [`${entry}=${value}`]
  })
  const entrypoint = options.entrypoint === undefined ? (image.Entrypoint ?? null) : options.entrypoint === '' ? null : [options.entrypoint]
  const cmd = options.command && options.command.length > 0 ? options.command : options.entrypoint === undefined ? (image.Cmd ?? null) : null
  const Config: DockerConfig = {
    Hostname: options.hostname ?? '',
    Domainname: options.domainname ?? '',
    User: options.user ?? image.User ?? '',
    AttachStdin: request.interactive && !request.detach,
    AttachStdout: !request.detach,
    AttachStderr: !request.detach,
    Tty: request.tty,
    OpenStdin: request.interactive,
    StdinOnce: request.interactive && !request.detach,
    Env: mergedEnv(image.Env ?? [], userEnv),
    Cmd: cmd,
    Image: request.image,
    Volumes: image.Volumes ?? null,
    WorkingDir: options.workdir ?? image.WorkingDir ?? '',
    Entrypoint: entrypoint,
    Labels: {...image.Labels, ...request.labels},
  }
  const stopSignal = options.stopSignal ?? image.StopSignal
  if (stopSignal) Config.StopSignal = stopSignal
  if (options.stopTimeout !== undefined) Config.StopTimeout = options.stopTimeout
  if (image.ExposedPorts && Object.keys(image.ExposedPorts).length > 0) Config.ExposedPorts = image.ExposedPorts
  const binds = (options.mounts ?? []).flatMap((mount) =>
    mount.type === 'bind' ? [`${mount.source}:${mount.target}${mount.readonly ? ':ro' : ''}`] : mount.type === 'volume' && mount.name ? [`${mount.name}:${mount.target}${mount.readonly ? ':ro' : ''}`] : [],
  )
  const tmpfs = Object.fromEntries((options.mounts ?? []).flatMap((mount) => (mount.type === 'tmpfs' ? [[mount.target, mount.options.join(',')]] : [])))
  const HostConfig: DockerHostConfig = {
    Binds: binds.length > 0 ? binds : null,
    NetworkMode: request.network.networks[0] === 'bridge' ? 'bridge' : request.network.networks[0]!,
    PortBindings: {},
    RestartPolicy: request.restart,
    AutoRemove: request.autoRemove,
    LogConfig: request.logConfig,
    Privileged: options.privileged ?? false,
    ReadonlyRootfs: options.readOnly ?? false,
    CapAdd: options.capAdd ?? null,
    CapDrop: options.capDrop ?? null,
    Dns: request.network.dns,
    DnsOptions: request.network.dnsOptions,
    DnsSearch: request.network.dnsSearch,
    ExtraHosts: request.network.addHosts.length > 0 ? request.network.addHosts : null,
    GroupAdd: options.groupAdd ?? null,
    IpcMode: namespaceModeText(options.ipc, 'private'),
    PidMode: namespaceModeText(options.pid),
    UTSMode: options.uts === 'host' ? 'host' : '',
    CgroupnsMode: options.cgroupns ?? '',
    SecurityOpt: null,
    Tmpfs: Object.keys(tmpfs).length > 0 ? tmpfs : null,
    ShmSize: options.shmSize ?? 64 * 1024 * 1024,
    Runtime: options.runtime ?? 'io.containerd.runc.v2',
    Init: options.init ? true : null,
    Sysctls: options.sysctls ?? null,
    Ulimits: options.ulimits?.map((ulimit) => ({Name: ulimit.name, Soft: Number(ulimit.soft), Hard: Number(ulimit.hard)})) ?? null,
    Devices: options.devices?.map((device) => ({PathOnHost: device.hostPath, PathInContainer: device.containerPath, CgroupPermissions: device.permissions})) ?? null,
    Memory: options.memory ?? 0,
    MemorySwap: options.memorySwap ?? 0,
    MemoryReservation: options.memoryReservation ?? 0,
    NanoCpus: options.nanoCpus ?? 0,
    CpuShares: options.cpuShares ?? 0,
    CpuPeriod: options.cpuPeriod ?? 0,
    CpuQuota: options.cpuQuota ?? 0,
    CpusetCpus: options.cpusetCpus ?? '',
    CpusetMems: options.cpusetMems ?? '',
    PidsLimit: options.pidsLimit ?? null,
    OomKillDisable: options.oomKillDisable ?? false,
    CgroupParent: options.cgroupParent ?? '',
    Annotations: options.annotations ?? null,
  }
  return {Config, HostConfig}
}
