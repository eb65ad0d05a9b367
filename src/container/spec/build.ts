/**
 * `buildSpec`: the OCI runtime spec of a `nerd run`/`create` container. It starts from what containerd's
 * `oci.GenerateSpec` produces, applies the docker deltas nerdctl also applies (no default rlimits, new
 * privileges allowed, cgroupfs mounted, no /run tmpfs, /etc files from the state directory), merges the
 * image config with docker's precedence, and applies the flags. Pure: whatever it needs from the host
 * comes in as facts or callbacks.
 */
import {posix} from 'node:path'
import type {Hook, Mount, Namespace, Spec} from './oci.ts'
import type {BuiltSpec, DeviceMapping, DeviceThrottleKind, HostDevice, IpcMode, JoinedContainer, NamespaceMode, OciHookCommand, RunOptions, SpecInput} from './types.ts'
import {KNOWN_CAPABILITIES, containerCapabilities} from './capabilities.ts'
import {specError} from './errors.ts'
import {cleanPath, isIpcSysctl} from './flags.ts'
import {
  DEFAULT_SHM_SIZE,
  INIT_PATH,
  assembleMounts,
  defaultMounts,
  etcFileMounts,
  initMount,
  shmBindMount,
  userMounts,
} from './mounts.ts'
import type {UserMounts} from './mounts.ts'
import {resourceLimits, supportedBlkio} from './resources.ts'
import {defaultSeccompProfile, seccompForSpec} from './seccomp.ts'
import type {SeccompProfile} from './seccomp.ts'
import {parseSeccompProfile} from './seccomp-profile.ts'
import {normalizeSignal} from './signals.ts'
import {resolveUser} from './user.ts'
import type {ResolvedUser} from './user.ts'
import {NerdError} from '../../errors.ts'
import {defaultMaskedPaths, READONLY_PATHS} from './system-paths.ts'

/** containerd 1.6's runtime-spec version, which runc 1.1 reads. */
const OCI_VERSION = '1.0.2-dev'
const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
/** The AppArmor profile nerd loads for its containers (loading it is the caller's business). */
export const DEFAULT_APPARMOR_PROFILE = 'nerd-default'
/** The prefix of systemd scope names: `nerd-<id>.scope`. */
const SYSTEMD_SCOPE_PREFIX = 'nerd'

/** containerd's `WithDefaultUnixDevices`: null, random, full, tty, zero, urandom, console, pts, ptmx. */
const DEFAULT_DEVICE_RULES: [major: number, minor?: number][] = [[1, 3], [1, 8], [1, 7], [5, 0], [1, 5], [1, 9], [5, 1], [136], [5, 2]]

const PRIVATE: NamespaceMode = {kind: 'private'}

export function buildSpec(input: SpecInput): BuiltSpec {
  const {options, host, image} = input
  const warnings: string[] = []
  const privileged = options.privileged ?? false
  const security = options.security ?? {}
  const network = options.network ?? PRIVATE
  const pid = options.pid ?? PRIVATE
  const ipc = options.ipc ?? PRIVATE
  const uts = options.uts ?? 'private'

  const joined = new Map<string, JoinedContainer>()
  const join: Join = (container) => {
    let found = joined.get(container)
    if (!found) {
      if (!input.joinContainer) throw new Error('buildSpec needs the joinContainer callback for this container')
      found = input.joinContainer(container)
      joined.set(container, found)
    }
    return found
  }
  const hostname = containerHostname(input, network, uts, join)
  const capabilities = containerCapabilities(
    {add: options.capAdd, drop: options.capDrop, privileged},
    host.capabilities ?? KNOWN_CAPABILITIES,
  )
  const {user, userError} = specUser(input)
  const cwd = workingDirectory(options.workdir ?? image.WorkingDir)
  const withInit = (options.init ?? false) && pid.kind === 'private'
  const args = processArgs(input)
  if (withInit && !host.initPath) throw specError('--init needs an init binary on the host (tini), and none was found')

  const spec: Spec = {
    ociVersion: OCI_VERSION,
    process: {
      terminal: options.tty ?? false,
      user: {uid: user.uid, gid: user.gid, additionalGids: user.additionalGids},
      args: withInit ? [INIT_PATH, '--', ...args] : args,
      env: environment(input, hostname, user.home),
      cwd,
      capabilities: {bounding: capabilities, effective: [...capabilities], permitted: [...capabilities]},
      noNewPrivileges: security.noNewPrivileges ?? false,
      oomScoreAdj: oomScoreAdj(options),
    },
    root: options.readOnly ? {path: 'rootfs', readonly: true} : {path: 'rootfs'},
    ...(uts === 'private' && hostname !== undefined ? {hostname} : {}),
    mounts: [],
    linux: {
      resources: {devices: []},
      cgroupsPath: cgroupsPath(input),
      namespaces: containerNamespaces(input, join),
    },
  }
  if (options.ulimits?.length) {
    spec.process.rlimits = options.ulimits.map((limit) => ({type: `RLIMIT_${limit.name.toUpperCase()}`, hard: limit.hard, soft: limit.soft}))
  }

  const apparmor = apparmorProfile(input, warnings)
  if (apparmor) spec.process.apparmorProfile = apparmor

  const seccompProfile = containerSeccompProfile(input)
  if (seccompProfile) spec.linux.seccomp = seccompForSpec(seccompProfile, {arch: host.arch, capabilities, kernelVersion: host.kernelVersion})
  if (!privileged && !security.unconfinedSystemPaths) {
    spec.linux.maskedPaths = defaultMaskedPaths(host.thermalThrottlePaths)
    spec.linux.readonlyPaths = [...READONLY_PATHS]
  }

  const mounts = containerMounts(input, join, withInit)
  spec.mounts = mounts.mounts
  if (mounts.rootfsPropagation) spec.linux.rootfsPropagation = mounts.rootfsPropagation

  Object.assign(spec.linux.resources, resourceLimits(options, host, warnings))
  // docker's daemon's check after the resources' (daemon/daemon_unix.go, verifyPlatformContainerSettings): a --shm-size past int64 reads as negative (parseBytes).
  if ((options.shmSize ?? 0) < 0) throw specError('SHM size can not be less than 0')
  applyDevices(spec, input)

  const sysctl = sysctls(options, network, ipc)
  if (options.domainname) {
    if (uts === 'host') throw specError('conflicting options: domainname and the UTS mode')
    // runc 1.1 ignores the spec's `domainname`; this sysctl is setdomainname(2) in the UTS namespace.
    sysctl['kernel.domainname'] = options.domainname
  }
  if (Object.keys(sysctl).length > 0) spec.linux.sysctl = sysctl

  if (input.ociHook) {
    const points = input.ociHook.points ?? ['createRuntime', 'postStop']
    spec.hooks = {}
    if (points.includes('createRuntime')) spec.hooks.createRuntime = [hook(input.ociHook, 'createRuntime')]
    if (points.includes('postStop')) spec.hooks.poststop = [hook(input.ociHook, 'postStop')]
  }
  const annotations = specAnnotations(input)
  if (annotations) spec.annotations = annotations

  const built: BuiltSpec = {
    spec,
    stopSignal: normalizeSignal(options.stopSignal || image.StopSignal || 'SIGTERM'),
    warnings,
  }
  if (userError !== undefined) built.userError = userError
  if (options.stopTimeout !== undefined) built.stopTimeout = options.stopTimeout
  if (options.runtime !== undefined) built.runtime = containerdRuntime(options.runtime)
  if (options.platform !== undefined) built.platform = options.platform
  return built
}

type Join = (container: string) => JoinedContainer

/**
 * Who stays in the spec while a user the image's files lack waits for the start that resolves it
 * again (`userResolvedAtStart`): nobody, should anything start the container regardless.
 */
const UNRESOLVED_USER: ResolvedUser = {uid: 65534, gid: 65534, additionalGids: [65534], home: '/'}

/** `-u`, else the image's USER (an empty `-u` too, as docker's), resolved with the image's files. */
function specUser({options, image, passwd, group, userResolvedAtStart}: SpecInput): {user: ResolvedUser; userError?: string} {
  try {
    return {user: resolveUser(options.user || image.User || '', {passwd, group}, options.groupAdd)}
  } catch (error) {
    if (!userResolvedAtStart || !(error instanceof NerdError)) throw error
    return {user: UNRESOLVED_USER, userError: error.message}
  }
}

/** Namespaces in containerd's order: new ones, none for the host's, a path for another container's. */
function containerNamespaces({options, host}: SpecInput, join: Join): Namespace[] {
  const namespaces: Namespace[] = []
  const add = (type: Namespace['type'], mode: NamespaceMode | IpcMode | {kind: 'private' | 'host'}, file: string = type) => {
    if (mode.kind === 'host') return
    namespaces.push(mode.kind === 'container' ? {type, path: `/proc/${join(mode.container).pid}/ns/${file}`} : {type})
  }
  add('pid', options.pid ?? PRIVATE)
  add('ipc', options.ipc ?? PRIVATE)
  add('uts', {kind: options.uts ?? 'private'})
  add('mount', PRIVATE)
  add('network', options.network ?? PRIVATE, 'net')
  add('cgroup', {kind: options.cgroupns ?? (host.cgroupVersion === 2 ? 'private' : 'host')})
  return namespaces
}

/** Default mounts, the /etc files, /dev/shm per IPC mode, the init binary and the user's mounts. */
function containerMounts(input: SpecInput, join: Join, withInit: boolean): UserMounts {
  const {options, host} = input
  const ipc = options.ipc ?? PRIVATE
  const own: Mount[] = etcFileMounts(input.etcFiles, options.readOnly ?? false)
  const shmSource =
    ipc.kind === 'host'
      ? '/dev/shm'
      : ipc.kind === 'container'
        ? join(ipc.container).shmPath
        : ipc.kind === 'shareable'
          ? input.shmPath
          : undefined
  if (shmSource) own.push(shmBindMount(shmSource))
  if (withInit && host.initPath) own.push(initMount(host.initPath))
  const user = userMounts(input.image, options, {volumePaths: input.volumePaths ?? {}, imageMounts: input.imageMounts, pathExists: input.pathExists, recursiveReadOnly: input.recursiveReadOnly})
  const privileged = options.privileged ?? false
  const defaults = defaultMounts({
    shmSize: ipc.kind === 'none' ? undefined : options.shmSize || DEFAULT_SHM_SIZE,
    readOnly: options.readOnly ?? false,
    writableSysfs: privileged,
    // docker: an explicit writable-cgroups wins over privileged's default
    writableCgroups: options.security?.writableCgroups ?? privileged,
  })
  return {...user, mounts: assembleMounts(defaults, own, user.mounts)}
}

/**
 * docker's rules: `--entrypoint` replaces the image's entrypoint and drops its Cmd (`''` leaves no
 * entrypoint); arguments after the image replace Cmd.
 */
function processArgs({image, options}: SpecInput): string[] {
  const entrypoint = options.entrypoint === undefined ? (image.Entrypoint ?? []) : options.entrypoint === '' ? [] : [options.entrypoint]
  const cmd = options.command?.length ? options.command : options.entrypoint === undefined ? (image.Cmd ?? []) : []
  const args = [...entrypoint, ...cmd]
  if (args.length === 0) throw specError('no command specified')
  return args
}

function workingDirectory(workdir: string | undefined): string {
  if (!workdir) return '/'
  if (!posix.isAbsolute(workdir)) throw specError(`the working directory '${workdir}' is invalid, it needs to be an absolute path`)
  return cleanPath(workdir)
}

function containerHostname(
  {id, options, host}: SpecInput,
  network: NamespaceMode,
  uts: 'host' | 'private',
  join: Join,
): string | undefined {
  if (options.hostname) {
    if (uts === 'host') throw specError('conflicting options: hostname and the UTS mode')
    if (network.kind === 'container') throw specError('conflicting options: hostname and the network mode')
    return options.hostname
  }
  if (network.kind === 'container') return join(network.container).hostname
  if (network.kind === 'host') return host.hostname
  // With the host's UTS namespace the spec sets no hostname, but HOSTNAME and the /etc files still
  // name the container (docker's Config.Hostname).
  return id.slice(0, 12)
}

/** The key of a `NAME=value` entry. */
export const envKey = (entry: string): string => {
  const separator = entry.indexOf('=')
  return separator === -1 ? entry : entry.slice(0, separator)
}

/**
 * The process environment in docker's order: docker's daemon environment (daemonEnvironment) of the
 * container's variables (`--env-file` then `-e`, then the image's that they do not set), HOME from
 * passwd last when nothing set it. A `NAME` without a value takes nerd's own variable, or removes
 * NAME when nerd has none.
 */
function environment(input: SpecInput, hostname: string | undefined, home: string): string[] {
  const {image, options} = input
  const userEnv = [...(options.envFile ?? []), ...(options.env ?? [])].map((entry) => {
    if (entry.includes('=')) return entry
    const value = input.environment?.[entry]
    return value === undefined ? entry : `${entry}=${value}`
  })
  const userKeys = new Set(userEnv.map(envKey))
  const containerEnv = [...userEnv, ...(image.Env ?? []).filter((entry) => !userKeys.has(envKey(entry)))]

  const result = daemonEnvironment({hostname, tty: options.tty ?? false, linkEnv: []}, containerEnv)
  if (!result.some((entry) => envKey(entry) === 'HOME')) result.push(`HOME=${home}`)
  return result
}

/**
 * docker's CreateDaemonEnvironment, a container's and each exec's: PATH, HOSTNAME, TERM for a
 * terminal, the links' variables, then the container's variables (Config.Env), each replacing an
 * earlier one of the same name in place.
 */
export function daemonEnvironment(facts: {hostname: string | undefined; tty: boolean; linkEnv: readonly string[]}, containerEnv: readonly string[]): string[] {
  const env = [DEFAULT_PATH]
  if (facts.hostname !== undefined) env.push(`HOSTNAME=${facts.hostname}`)
  if (facts.tty) env.push('TERM=xterm')
  return replaceOrAppendEnv([...env, ...facts.linkEnv], containerEnv)
}

/**
 * `overrides` merged into `defaults` as docker's ReplaceOrAppendEnvValues: a `NAME=value` replaces
 * NAME's entry in place or is appended, a bare `NAME` removes NAME.
 */
export function replaceOrAppendEnv(defaults: readonly string[], overrides: readonly string[]): string[] {
  const env = [...defaults]
  const index = new Map(env.map((entry, position) => [envKey(entry), position]))
  const removed = new Set<number>()
  for (const entry of overrides) {
    const key = envKey(entry)
    const position = index.get(key)
    if (!entry.includes('=')) {
      if (position !== undefined) removed.add(position)
    } else if (position !== undefined) {
      env[position] = entry
      removed.delete(position)
    } else {
      index.set(key, env.length)
      env.push(entry)
    }
  }
  return env.filter((_entry, position) => !removed.has(position))
}

function oomScoreAdj(options: RunOptions): number {
  const score = options.oomScoreAdj ?? 0
  if (score < -1000 || score > 1000) throw specError(`Invalid value ${score}, range for oom score adj is [-1000, 1000]`)
  return score
}

/**
 * The containerd runtime of `--runtime`, as docker's daemon takes the name: its stock `runc`, or one
 * containerd finds a shim on its PATH for (`io.containerd.runsc.v1`: a prefix and a `.`), never a path
 * to a binary.
 */
function containerdRuntime(name: string): string {
  if (name === 'runc') return 'io.containerd.runc.v2'
  if (name.includes('/') || name.indexOf('.') <= 0) throw specError(`unknown or invalid runtime name: ${name}`)
  return name
}

function cgroupsPath({id, namespace, options, host}: SpecInput): string {
  if (host.cgroupManager === 'systemd') {
    const slice = options.cgroupParent || 'system.slice'
    if (!slice.endsWith('.slice')) throw specError('cgroup-parent for systemd cgroup should be a valid slice named as "xxx.slice"')
    return `${slice}:${SYSTEMD_SCOPE_PREFIX}:${id}`
  }
  return posix.join(options.cgroupParent || `/${namespace}`, id)
}

function apparmorProfile({options, host}: SpecInput, warnings: string[]): string | undefined {
  const requested = options.security?.apparmor
  if (!host.apparmor) {
    if (requested && requested !== 'unconfined') warnings.push(`AppArmor is not enabled on this host: ignoring profile ${requested}`)
    return undefined
  }
  if (requested) return requested
  return options.privileged ? undefined : DEFAULT_APPARMOR_PROFILE
}

/**
 * docker's (>= 28) WithSeccomp: a profile file applies to any container, privileged too; the default
 * profile only to one neither privileged nor `seccomp=unconfined`.
 */
function containerSeccompProfile(input: SpecInput): SeccompProfile | undefined {
  const seccomp = input.options.security?.seccomp
  if (seccomp?.kind === 'file') return parseSeccompProfile(readProfile(input, seccomp.path))
  return input.options.privileged || seccomp?.kind === 'unconfined' ? undefined : defaultSeccompProfile()
}

function readProfile(input: SpecInput, path: string): string {
  if (!input.readFile) throw new Error('buildSpec needs the readFile callback for a seccomp profile file')
  try {
    return input.readFile(path)
  } catch (error) {
    throw specError(`opening seccomp profile (${path}) failed: ${(error as Error).message}`)
  }
}

/**
 * `--device` nodes and their cgroup rules; a privileged container gets the host's devices and may use
 * any device.
 */
function applyDevices(spec: Spec, input: SpecInput): void {
  const {options, host} = input
  const devices = spec.linux.resources.devices
  if (options.privileged) {
    devices.push({allow: true, access: 'rwm'})
  } else {
    devices.push({allow: false, access: 'rwm'})
    for (const [major, minor] of DEFAULT_DEVICE_RULES) {
      devices.push(minor === undefined ? {allow: true, type: 'c', major, access: 'rwm'} : {allow: true, type: 'c', major, minor, access: 'rwm'})
    }
  }
  const nodes = options.privileged
    ? (host.devices ?? []).map(({path, type, major, minor, fileMode, uid, gid}) => ({path, type, major, minor, fileMode: fileMode & 0o7777, uid, gid}))
    : []
  for (const mapping of options.devices ?? []) {
    // A privileged container already has the host's node at the same path.
    if (options.privileged && mapping.hostPath === mapping.containerPath) continue
    for (const {type, major, minor, fileMode, uid, gid, path} of mappedDevices(input, mapping)) {
      nodes.push({path, type, major, minor, fileMode: fileMode & 0o7777, uid, gid})
      if (!options.privileged) devices.push({allow: true, type, major, minor, access: mapping.permissions})
    }
  }
  if (nodes.length > 0) spec.linux.devices = nodes
  if (!options.privileged) {
    for (const rule of options.deviceCgroupRules ?? []) {
      devices.push({allow: true, type: rule.type, ...(rule.major !== undefined ? {major: rule.major} : {}), ...(rule.minor !== undefined ? {minor: rule.minor} : {}), access: rule.access})
    }
  }
  blockDeviceLimits(input, spec.linux.resources)
}

/**
 * docker's DevicesFromPath: the node at a `--device` host path, or where it is a directory the nodes under
 * it, at the container path.
 */
function mappedDevices(input: SpecInput, mapping: DeviceMapping): HostDevice[] {
  if (!input.statDevice) throw new Error('buildSpec needs the statDevice callback for --device')
  const node = input.statDevice(mapping.hostPath)
  if (typeof node === 'object') return [{...node, path: mapping.containerPath}]
  const under = node === 'not-a-device' ? (input.devicesUnder?.(mapping.hostPath) ?? []) : []
  // By the path below the directory: the host path may be typed with a trailing slash.
  if (under.length > 0) return under.map((device) => ({...device, path: posix.join(mapping.containerPath, posix.relative(mapping.hostPath, device.path))}))
  const reason = node === 'missing' ? 'no such file or directory' : 'not a device node'
  throw specError(`error gathering device information while adding custom device ${JSON.stringify(mapping.hostPath)}: ${reason}`)
}

const THROTTLE_FIELDS = {readBps: 'throttleReadBpsDevice', writeBps: 'throttleWriteBpsDevice', readIops: 'throttleReadIOPSDevice', writeIops: 'throttleWriteIOPSDevice'} as const

/** `--blkio-weight-device` and `--device-read-bps` and the like, for the host devices' numbers. */
function blockDeviceLimits(input: SpecInput, resources: NonNullable<NonNullable<Spec['linux']>['resources']>): void {
  // Those the host cannot apply are gone, docker's warnings given with the other resources'.
  const options = supportedBlkio(input.options, input.host).settings
  const numbers = (path: string): {major: number; minor: number} => {
    const node = input.statDevice?.(path)
    if (node === undefined || node === 'missing' || node === 'not-a-device') throw specError(`stat ${path}: ${node === 'not-a-device' ? 'not a device node' : 'no such file or directory'}`)
    return {major: node.major, minor: node.minor}
  }
  const weights = (options.blkioWeightDevices ?? []).map(({path, weight}) => ({...numbers(path), weight}))
  if (weights.length > 0) resources.blockIO = {...resources.blockIO, weightDevice: weights}
  for (const [kind, field] of Object.entries(THROTTLE_FIELDS) as [DeviceThrottleKind, (typeof THROTTLE_FIELDS)[DeviceThrottleKind]][]) {
    const rates = (options.deviceThrottles?.[kind] ?? []).map(({path, rate}) => ({...numbers(path), rate}))
    if (rates.length > 0) resources.blockIO = {...resources.blockIO, [field]: rates}
  }
}

/**
 * docker's default sysctls for a container with its own network namespace (ping and ports below 1024
 * without capabilities), then `--sysctl`, refusing those that would change the host's namespaces.
 */
function sysctls(options: RunOptions, network: NamespaceMode, ipc: IpcMode): Record<string, string> {
  const sysctl: Record<string, string> = {}
  if (network.kind === 'private') {
    sysctl['net.ipv4.ip_unprivileged_port_start'] = '0'
    sysctl['net.ipv4.ping_group_range'] = '0 2147483647'
  }
  for (const [key, value] of Object.entries(options.sysctls ?? {})) {
    if (key.startsWith('net.') && network.kind === 'host') throw specError(`sysctl ${JSON.stringify(key)} not allowed in host network namespace`)
    if (isIpcSysctl(key) && ipc.kind === 'host') throw specError(`sysctl ${JSON.stringify(key)} is not allowed in the hosts ipc namespace`)
    sysctl[key] = value
  }
  return sysctl
}

function hook(command: OciHookCommand, event: string): Hook {
  const entry: Hook = {path: command.path, args: [...command.args, event], env: [...command.env]}
  if (command.timeout !== undefined) entry.timeout = command.timeout
  return entry
}

function specAnnotations({options, annotations}: SpecInput): Record<string, string> | undefined {
  const merged: Record<string, string> = {...options.annotations}
  for (const [key, value] of Object.entries(annotations ?? {})) {
    if (options.annotations && key in options.annotations) throw specError(`annotation ${JSON.stringify(key)} is reserved for nerd`)
    merged[key] = value
  }
  return Object.keys(merged).length > 0 ? merged : undefined
}
