/**
 * The `run`/`create` flags, as oclif parsed them (strings, see src/container-flags.ts), turned into a
 * create request: the spec builder's RunOptions plus what nerd itself does with a container (name,
 * stdio, policies, logging, networking). Checks follow docker's CLI, in its order and with its
 * messages: a value a flag's type refuses reads `invalid argument "x" for "--flag" flag: …` as
 * pflag writes it. Also docker's inspect Config/HostConfig for a request, as docker's daemon
 * records them.
 */
import {isIP} from 'node:net'
import {posix} from 'node:path'
import {EXIT_NERD_FAILED, FlagValueError, NerdError, invalidFlagArgument} from '../errors.ts'
import {compareStrings} from '../format/go-values.ts'
import {parseBytes} from '../format/byte-sizes.ts'
import {openFailure} from '../files.ts'
import {checkLabel, parseMapOption} from '../labels.ts'
import {requireContentTrustDisabled} from '../image/content-trust.ts'
import {goDurationError, parseGoDuration} from '../format/go-duration.ts'
import {goJSONCompactError} from '../format/go-json-decode.ts'
import {checkExposeFlag, parseExpose, parsePublish, portBindings} from '../network/ports.ts'
import {parseNetworkValue} from '../network/plan.ts'
import type {PlannedAttachment} from '../network/attach.ts'
import {checkLogConfig} from './logs/index.ts'
import {CONTAINER_MODE, joinedContainer} from './model.ts'
import type {DockerConfig, DockerHostConfig, DockerMount, HealthConfig, LogConfig, RestartPolicy} from './model.ts'
import {mergeHealthcheck} from './health.ts'
import {cleanPath} from './spec/flags.ts'
import {parseVolumesFrom, requestedCapabilities, supportedBlkio} from './spec/index.ts'
import {hostsNameProblem} from './etc-files.ts'
import {parseLink} from './links.ts'
import type {LinkRequest} from './links.ts'
import {
  checkVolumeSpec,
  DEFAULT_SHM_SIZE,
  defaultMemorySwap,
  networkNamespace,
  normalizeSignal,
  parseCgroupnsMode,
  parseCpus,
  parseDevice,
  parseEnvFile,
  parseGpuRequest,
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
  checkMount,
} from './spec/index.ts'
import {systemPaths} from './spec/system-paths.ts'
import type {DeviceThrottleKind, HostFacts, ImageConfig, IpcMode, RunOptions, Ulimit, Uint64, UserMount} from './spec/index.ts'

/** The parsed flags of CREATE_FLAGS/RUN_FLAGS (src/container-flags.ts). */
export interface CreateFlagValues {
  'disable-content-trust'?: boolean
  'health-cmd'?: string
  'health-interval'?: string
  'health-timeout'?: string
  'health-start-period'?: string
  'health-start-interval'?: string
  'health-retries'?: string
  'no-healthcheck'?: boolean
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
  label?: string[]
  'label-file'?: string[]
  annotation?: string[]
  'read-only'?: boolean
  restart?: string
  'stop-signal'?: string
  'stop-timeout'?: string
  sysctl?: string[]
  ulimit?: string[]
  device?: string[]
  init?: boolean
  cidfile?: string
  platform?: string
  pull?: string
  quiet?: boolean
  runtime?: string
  privileged?: boolean
  'cap-add'?: string[]
  'cap-drop'?: string[]
  'security-opt'?: string[]
  cgroupns?: string
  volume?: string[]
  mount?: string[]
  'volume-driver'?: string
  'volumes-from'?: string[]
  tmpfs?: string[]
  'log-driver'?: string
  'log-opt'?: string[]
  memory?: string
  'memory-swap'?: string
  'memory-reservation'?: string
  'memory-swappiness'?: string
  'oom-kill-disable'?: boolean
  'oom-score-adj'?: string
  cpus?: string
  'cpu-shares'?: string
  'cpu-period'?: string
  'cpu-quota'?: string
  'cpuset-cpus'?: string
  'cpuset-mems'?: string
  'pids-limit'?: string
  'blkio-weight'?: string
  'blkio-weight-device'?: string[]
  'device-read-bps'?: string[]
  'device-write-bps'?: string[]
  'device-read-iops'?: string[]
  'device-write-iops'?: string[]
  'device-cgroup-rule'?: string[]
  'kernel-memory'?: string
  isolation?: string
  userns?: string
  gpus?: string[]
  'storage-opt'?: string[]
  'use-api-socket'?: boolean
  'cpu-rt-period'?: string
  'cpu-rt-runtime'?: string
  'shm-size'?: string
  'cgroup-parent'?: string
  pid?: string
  ipc?: string
  uts?: string
  network?: string[]
  net?: string[]
  publish?: string[]
  'publish-all'?: boolean
  expose?: string[]
  ip?: string
  ip6?: string
  'mac-address'?: string
  'link-local-ip'?: string[]
  dns?: string[]
  'dns-search'?: string[]
  'dns-option'?: string[]
  'dns-opt'?: string[]
  'add-host'?: string[]
  link?: string[]
  'network-alias'?: string[]
  'net-alias'?: string[]
}

export interface CreateContext {
  /** The user's environment (context.ts, userEnvironment): `-e NAME` and a bare `NAME` line of an --env-file take their value from it. */
  environment: Record<string, string | undefined>
  /** Reads --env-file, --label-file and seccomp profile files, as bytes; throws Node's errors. */
  readFile: (path: string) => Uint8Array
  /** The arguments after the image. */
  command: string[]
  /** The image as typed. */
  image: string
  /** Where `-v ./dir:/x` and `--mount src=./dir` start from; the process's working directory by default. */
  cwd?: string
}

export type AttachStream = 'stdin' | 'stdout' | 'stderr'
export type PullPolicy = 'always' | 'missing' | 'never'

/** What the networking flags asked for; the networking code reads the values it owns from here. */
export interface NetworkRequest {
  /** docker's NetworkMode: the network of the first --network, `bridge` by default. */
  mode: string
  /** Every --network/--net value, as docker's CLI reads it (its `name=x,alias=y` form included); empty when none. */
  networks: PlannedAttachment[]
  /** -p values as typed. */
  publish: string[]
  publishAll: boolean
  /** --expose values as typed. */
  expose: string[]
  ip?: string
  ip6?: string
  macAddress?: string
  /** --link-local-ip values, for the first network. */
  linkLocalIps: string[]
  dns: string[]
  /** Without a trailing dot; `.` for the empty domain. */
  dnsSearch: string[]
  dnsOptions: string[]
  /** --add-host entries as docker records them: `host:ip`. */
  extraHosts: string[]
  aliases: string[]
  /** --link values, each `container:alias`. */
  links: LinkRequest[]
}

/** What docker's inspect shows of the storage and security flags: the user's text rather than its meaning. */
export interface TypedStorageAndSecurity {
  /** `-v` values with a source (binds and named volumes); relative sources made absolute. */
  binds: string[]
  /** `-v` values without a source: anonymous volumes, by target as typed. */
  anonymousVolumes: string[]
  /** --tmpfs values: target → options as typed. */
  tmpfs: Record<string, string>
  /** --mount values, as docker's CLI sends them. */
  mounts: DockerMount[]
  /** --volume-driver as typed. */
  volumeDriver: string
  /** --security-opt values, a seccomp profile file replaced by its compacted JSON, `systempaths=unconfined` left out. */
  securityOpt: string[]
}

export interface CreateRequest {
  /** The image as typed. */
  image: string
  name?: string
  options: RunOptions
  /** -i: stdin kept open. */
  interactive: boolean
  tty: boolean
  /** The streams a foreground run attaches: -a's (stdout and stderr by default), stdin with -i; none with -d. */
  attach: AttachStream[]
  detach: boolean
  autoRemove: boolean
  restart: RestartPolicy
  logConfig: LogConfig
  pull: PullPolicy
  /** -q: no pull progress. */
  quietPull: boolean
  cidfile?: string
  /** --label-file entries, then -l ones; later ones win. */
  labels: Record<string, string>
  network: NetworkRequest
  typed: TypedStorageAndSecurity
  /** `--volumes-from`: containers whose mounts this one takes, each `name[:ro|:rw]`. */
  volumesFrom: string[]
  /** The health check the flags ask for (`--no-healthcheck`: `NONE`), the image's filling in the rest. */
  healthcheck?: HealthConfig
}

/** A user error before anything is created: exit 125, as docker's CLI. */
function usageError(message: string): NerdError {
  return new NerdError(message, {exitCode: EXIT_NERD_FAILED})
}

function fail(message: string): never {
  throw usageError(message)
}

/**
 * A value docker's CLI refuses as it parses the flags (runCreate's parse(), before the daemon is
 * asked): 125 for `create` as well, whose daemon-side refusals are 1.
 */
function parseFail(message: string): never {
  throw new FlagValueError(message)
}

/** `parse`, with a refusal of its value made a parseFail. */
function parsedValue<T>(parse: () => T): T {
  try {
    return parse()
  } catch (error) {
    if (error instanceof NerdError && !(error instanceof FlagValueError)) parseFail(error.message)
    throw error
  }
}

/** Go's `%q` for the strings flags carry. */
const quote = (text: string) => JSON.stringify(text)

/** Parses a flag's value, reporting the parser's refusal the way pflag does. */
function flagValue<T>(value: string, flag: string, parse: (value: string) => T): T {
  try {
    return parse(value)
  } catch (error) {
    throw invalidFlagArgument(value, flag, (error as Error).message)
  }
}

/** Go's strconv.ParseInt/ParseUint with base 0 (`10`, `0x1f`, `0o17`, `017`, `0b101`), as pflag's integer flags. */
function goInteger(text: string, options: {unsigned?: boolean; bits?: number} = {}): number {
  const unsigned = options.unsigned ?? false
  const bits = options.bits ?? 64
  const name = unsigned ? 'ParseUint' : 'ParseInt'
  const match = /^([+-]?)(?:0[xX]([0-9a-fA-F]+)|0[oO]([0-7]+)|0[bB]([01]+)|0([0-7]*)|([1-9]\d*))$/.exec(text)
  if (!match || (unsigned && match[1] !== '')) throw new Error(`strconv.${name}: parsing ${quote(text)}: invalid syntax`)
  const [, sign, hex, octal, binary, legacyOctal, decimal] = match
  const magnitude =
    hex !== undefined ? BigInt(`0x${hex}`)
    : octal !== undefined ? BigInt(`0o${octal}`)
    : binary !== undefined ? BigInt(`0b${binary}`)
    : legacyOctal !== undefined ? BigInt(`0o${legacyOctal || '0'}`)
    : BigInt(decimal!)
  const value = sign === '-' ? -magnitude : magnitude
  const [min, max] = unsigned ? [0n, 2n ** BigInt(bits) - 1n] : [-(2n ** BigInt(bits - 1)), 2n ** BigInt(bits - 1) - 1n]
  if (value < min || value > max) throw new Error(`strconv.${name}: parsing ${quote(text)}: value out of range`)
  return Number(value)
}

const integerFlag = (value: string | undefined, flag: string, options?: {unsigned?: boolean; bits?: number}) =>
  value === undefined ? undefined : flagValue(value, flag, (text) => goInteger(text, options))

/** A pflag duration flag's value in milliseconds (Go's time.ParseDuration). */
const durationFlag = (value: string | undefined, flag: string) =>
  value === undefined
    ? undefined
    : flagValue(value, flag, (text) => {
        const ms = parseGoDuration(text)
        if (ms === undefined) throw new Error(goDurationError(text))
        return ms
      })

/**
 * The health check of `--health-*` and `--no-healthcheck`, with docker's CLI's checks and then its
 * daemon's (durations of at least 1ms), in nanoseconds; undefined when no such flag was given.
 */
function healthcheckFromFlags(values: CreateFlagValues): HealthConfig | undefined {
  const command = values['health-cmd'] ?? ''
  const durations = {
    Interval: durationFlag(values['health-interval'], '--health-interval') ?? 0,
    Timeout: durationFlag(values['health-timeout'], '--health-timeout') ?? 0,
    StartPeriod: durationFlag(values['health-start-period'], '--health-start-period') ?? 0,
    StartInterval: durationFlag(values['health-start-interval'], '--health-start-interval') ?? 0,
  }
  // docker's Go int (64 bits), as far as a number holds it exactly: beyond 2^53 is out of range, as integer-flag.ts refuses it.
  const retries = integerFlag(values['health-retries'], '--health-retries', {bits: 54}) ?? 0
  const given = command !== '' || retries !== 0 || Object.values(durations).some((ms) => ms !== 0)
  if (values['no-healthcheck']) {
    if (given) parseFail('--no-healthcheck conflicts with --health-* options')
    return {Test: ['NONE']}
  }
  if (!given) return undefined
  // In docker's CLI's order.
  const negative = [['interval', durations.Interval], ['timeout', durations.Timeout], ['retries', retries], ['start-period', durations.StartPeriod], ['start-interval', durations.StartInterval]] as const
  for (const [name, value] of negative) if (value < 0) parseFail(`--health-${name} cannot be negative`)
  for (const [field, ms] of Object.entries(durations)) if (ms !== 0 && ms < 1) fail(`${field} in Healthcheck cannot be less than 1ms`)
  // docker's JSON leaves out what is not set.
  const config: HealthConfig = command !== '' ? {Test: ['CMD-SHELL', command]} : {}
  for (const [field, ms] of Object.entries(durations)) if (ms !== 0) config[field as keyof typeof durations] = Math.round(ms * 1e6)
  if (retries !== 0) config.Retries = retries
  return config
}

/** docker's `<device-path>:<value>` of the block IO flags: the path (under /dev/) and the value's text. */
function devicePathValue(text: string): [string, string] {
  const colon = text.indexOf(':')
  if (colon <= 0) throw new Error(`bad format: ${text}`)
  const path = text.slice(0, colon)
  if (!path.startsWith('/dev/')) throw new Error(`bad format for device path: ${text}`)
  return [path, text.slice(colon + 1)]
}

/** `--blkio-weight-device /dev/sda:200`: a weight from 10 to 1000, or 0. */
function weightDevice(text: string): {path: string; weight: number} {
  const [path, value] = devicePathValue(text)
  const weight = /^\d+$/.test(value) ? Number(value) : NaN
  if (!(weight <= 65535) || (weight > 0 && (weight < 10 || weight > 1000))) throw new Error(`invalid weight for device: ${text}`)
  return {path, weight}
}

/** `--device-read-bps /dev/sda:1mb` (a size) and `--device-read-iops /dev/sda:100` (a count). */
function deviceRate(text: string, unit: 'bytes' | 'operations'): {path: string; rate: number} {
  const [path, value] = devicePathValue(text)
  let rate = NaN
  try {
    rate = unit === 'bytes' ? parseBytes(value) : /^\d+$/.test(value) ? Number(value) : NaN
  } catch {
    // reported below, as docker does
  }
  if (!(rate >= 0)) {
    const format = unit === 'bytes' ? '<device-path>:<number>[<unit>]. Number must be a positive integer. Unit is optional and can be kb, mb, or gb' : '<device-path>:<number>. Number must be a positive integer'
    throw new Error(`invalid rate for device: ${text}. The correct format is ${format}`)
  }
  return {path, rate}
}

/** `--device-cgroup-rule 'c 1:3 mr'`: a device type, major and minor numbers (or `*`) and access. */
function deviceCgroupRule(text: string): NonNullable<RunOptions['deviceCgroupRules']>[number] {
  const rule = /^([acb]) ([0-9]+|\*):([0-9]+|\*) ([rwm]{1,3})$/.exec(text)
  if (!rule) throw new Error(`invalid device cgroup format '${text}'`)
  const number = (value: string) => (value === '*' ? undefined : Number(value))
  const major = number(rule[2]!)
  const minor = number(rule[3]!)
  return {type: rule[1] as 'a' | 'b' | 'c', ...(major !== undefined ? {major} : {}), ...(minor !== undefined ? {minor} : {}), access: rule[4]!}
}

const bytesFlag = (value: string | undefined, flag: string) => (value === undefined ? undefined : flagValue(value, flag, parseBytes))

/**
 * docker's restart policies: `no`, `always`, `unless-stopped`, `on-failure[:max-retries]`. The
 * syntax is docker's CLI's (ParseRestartPolicy), the name and count its daemon's
 * (ValidateRestartPolicy): `create` fails with 125 for the one and 1 for the other.
 */
export function parseRestartPolicy(value: string): RestartPolicy {
  return validRestartPolicy(parsedValue(() => restartPolicySyntax(value)))
}

function restartPolicySyntax(value: string): RestartPolicy {
  if (value === '') return {Name: 'no', MaximumRetryCount: 0}
  const separator = value.indexOf(':')
  const name = separator === -1 ? value : value.slice(0, separator)
  const count = separator === -1 ? '' : value.slice(separator + 1)
  if (separator !== -1 && name === '') fail('invalid restart policy format: no policy provided before colon')
  if (count !== '' && !/^[+-]?\d+$/.test(count)) fail('invalid restart policy format: maximum retry count must be an integer')
  return {Name: name, MaximumRetryCount: count === '' ? 0 : Number(count)}
}

function validRestartPolicy(policy: RestartPolicy): RestartPolicy {
  const {Name: name, MaximumRetryCount: retries} = policy
  switch (name) {
    case 'no':
    case 'always':
    case 'unless-stopped':
      if (retries !== 0) fail(`invalid restart policy: maximum retry count can only be used with 'on-failure'${retries < 0 ? ' and cannot be negative' : ''}`)
      break
    case 'on-failure':
      if (retries < 0) fail('invalid restart policy: maximum retry count cannot be negative')
      break
    default:
      fail(`invalid restart policy: unknown policy '${name}'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'`)
  }
  return policy
}

/** `-a` streams, lower-cased as docker takes them. */
function attachStream(value: string): AttachStream {
  const stream = value.toLowerCase()
  if (stream !== 'stdin' && stream !== 'stdout' && stream !== 'stderr') {
    throw invalidFlagArgument(value, '-a, --attach', 'valid streams are STDIN, STDOUT and STDERR')
  }
  return stream
}

/** `-e NAME=value` as typed; `-e NAME` takes the user's NAME, and stays a bare NAME (which unsets it) when the user has none. */
export function environmentEntry(value: string, environment: CreateContext['environment']): string {
  const separator = value.indexOf('=')
  const name = separator === -1 ? value : value.slice(0, separator)
  if (name === '') throw invalidFlagArgument(value, '-e, --env', `invalid environment variable: ${value}`)
  if (separator !== -1) return value
  const found = environment[name]
  return found === undefined ? value : `${name}=${found}`
}

/**
 * The `KEY=value` entries of docker's key/value files (--env-file, --label-file): a bare `KEY` takes
 * `lookup`'s value, and is left out when there is none.
 */
function keyValueFile(path: string, context: Pick<CreateContext, 'readFile'>, lookup: (name: string) => string | undefined): string[] {
  let bytes: Uint8Array
  try {
    bytes = context.readFile(path)
  } catch (error) {
    // docker's kvfile.Parse: os.Open's words alone; a file it opens but cannot read (a directory) is an invalid env file.
    const failure = openFailure(path, error)
    throw new FlagValueError((error as NodeJS.ErrnoException).code === 'EISDIR' ? `invalid env file (${path}): ${failure}` : failure)
  }
  let entries: string[]
  try {
    entries = parseEnvFile(bytes)
  } catch (error) {
    // docker's words, for a --label-file too.
    throw new FlagValueError(`invalid env file (${path}): ${(error as Error).message}`)
  }
  return entries.flatMap((entry) => {
    if (entry.includes('=')) return [entry]
    const value = lookup(entry)
    return value === undefined ? [] : [`${entry}=${value}`]
  })
}

/** The entries of `--env-file` files, for run, create and exec (a bare NAME takes the user's value). */
export function envFileEntries(paths: string[], context: Pick<CreateContext, 'environment' | 'readFile'>): string[] {
  return paths.flatMap((path) => keyValueFile(path, context, (name) => context.environment[name]))
}

/** `--ulimit` values, the last of each name winning, sorted by name as docker keeps them. */
function ulimits(values: readonly string[]): Ulimit[] {
  const byName = new Map<string, Ulimit>()
  for (const value of values) {
    const limit = flagValue(value, '--ulimit', parseUlimit)
    byName.set(limit.name, limit)
  }
  return [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
}

/** Removes the whitespace of a JSON document outside its strings (Go's json.Compact), after checking it parses. */
function compactJson(text: string): string {
  const error = goJSONCompactError(text)
  if (error) throw new Error(error)
  let result = ''
  let inString = false
  for (let index = 0; index < text.length; index++) {
    const char = text[index]!
    if (inString) {
      result += char
      if (char === '\\') result += text[++index] ?? ''
      else if (char === '"') inString = false
    } else if (char === '"') {
      inString = true
      result += char
    } else if (!' \t\n\r'.includes(char)) {
      result += char
    }
  }
  return result
}

/** --security-opt values as docker's CLI sends them (see TypedStorageAndSecurity.securityOpt). */
function typedSecurityOptions(values: readonly string[], context: CreateContext): string[] {
  return values.flatMap((option) => {
    if (option === 'systempaths=unconfined') return []
    let separator = option.indexOf('=')
    if (separator === -1 && option !== 'no-new-privileges') separator = option.indexOf(':')
    const key = separator === -1 ? option : option.slice(0, separator)
    const value = separator === -1 ? '' : option.slice(separator + 1)
    if (value === '' && key !== 'no-new-privileges') fail(`Invalid --security-opt: ${quote(option)}`)
    if (key !== 'seccomp' || value === 'builtin' || value === 'unconfined') return [option]
    let profile: string
    try {
      // A byte order mark stays, for Go's json.Compact to refuse as docker's CLI does.
      profile = new TextDecoder('utf-8', {ignoreBOM: true}).decode(context.readFile(value))
    } catch (error) {
      return fail(`opening seccomp profile (${value}) failed: ${openFailure(value, error)}`)
    }
    try {
      return [`seccomp=${compactJson(profile)}`]
    } catch (error) {
      return fail(`compacting json for seccomp profile (${value}) failed: ${(error as Error).message}`)
    }
  })
}

/** The `-v` value docker records in Binds: a source starting with a dot made absolute. */
function bindText(value: string, cwd: string): string {
  const separator = value.indexOf(':')
  const source = value.slice(0, separator)
  return source.startsWith('.') ? `${posix.resolve(cwd, source)}${value.slice(separator)}` : value
}

/** A parsed `--mount` in docker's HostConfig.Mounts shape. */
function dockerMount(mount: UserMount): DockerMount {
  const base = {
    Type: mount.type,
    ...(mount.type === 'tmpfs' ? {} : mount.type === 'bind' || mount.type === 'image' ? {Source: mount.source} : mount.name === undefined ? {} : {Source: mount.name}),
    Target: mount.target,
  }
  switch (mount.type) {
    case 'bind': {
      const options = {
        ...(mount.propagation ? {Propagation: mount.propagation} : {}),
        ...(mount.nonRecursive ? {NonRecursive: true} : {}),
        ...(mount.submounts === 'writable' ? {ReadOnlyNonRecursive: true} : mount.submounts === 'readonly' ? {ReadOnlyForceRecursive: true} : {}),
      }
      return {...base, ...(mount.readonly ? {ReadOnly: true} : {}), ...(Object.keys(options).length > 0 ? {BindOptions: options} : {})}
    }
    case 'volume': {
      const options = {
        ...(mount.noCopy ? {NoCopy: true} : {}),
        ...(mount.labels ? {Labels: mount.labels} : {}),
        ...(mount.subpath ? {Subpath: mount.subpath} : {}),
        ...(mount.driver || mount.driverOptions ? {DriverConfig: {...(mount.driver ? {Name: mount.driver} : {}), ...(mount.driverOptions ? {Options: mount.driverOptions} : {})}} : {}),
      }
      return {...base, ...(mount.readonly ? {ReadOnly: true} : {}), ...(Object.keys(options).length > 0 ? {VolumeOptions: options} : {})}
    }
    case 'tmpfs': {
      const option = (name: string) => mount.options.find((text) => text.startsWith(`${name}=`))?.slice(name.length + 1)
      const size = option('size')
      const mode = option('mode')
      const options = {...(size ? {SizeBytes: parseBytes(size)} : {}), ...(mode ? {Mode: Number.parseInt(mode, 8)} : {})}
      return {...base, ...(mount.options.includes('ro') ? {ReadOnly: true} : {}), ...(Object.keys(options).length > 0 ? {TmpfsOptions: options} : {})}
    }
    case 'image':
      // The CLI makes ImageOptions for any `image-subpath`, an empty one too (omitted in it, as Go's omitempty).
      return {...base, ...(mount.readonly ? {ReadOnly: true} : {}), ...(mount.subpath !== undefined ? {ImageOptions: mount.subpath ? {Subpath: mount.subpath} : {}} : {})}
  }
}

/** Go's net.ParseMAC forms: 6, 8 or 20 bytes as `xx:xx…`, `xx-xx…` or `xxxx.xxxx…`. */
function isMacAddress(text: string): boolean {
  const byteCounts = [6, 8, 20]
  const separated = /^[0-9a-fA-F]{2}(?:([:-])[0-9a-fA-F]{2})+$/.exec(text)
  if (separated) return byteCounts.includes((text.length + 1) / 3) && text.split(separated[1]!).length === (text.length + 1) / 3
  return /^[0-9a-fA-F]{4}(?:\.[0-9a-fA-F]{4})+$/.test(text) && byteCounts.includes(((text.length + 1) / 5) * 2)
}

/** A --network (or --net) value as docker's CLI parses it, a bad one refused as its flag parser does. */
function networkAttachment(flag: '--network' | '--net', value: string): PlannedAttachment {
  try {
    return parseNetworkValue(value)
  } catch (error) {
    throw invalidFlagArgument(value, flag, (error as Error).message)
  }
}

/** Networks docker creates itself and containers sharing another's stack: no user-defined network. */
export function isUserDefinedNetwork(target: string): boolean {
  return !['default', 'bridge', 'host', 'none'].includes(target) && !target.startsWith(CONTAINER_MODE)
}

// docker's pattern, `(:?` (an optional colon) and all; its first group is the domain without a trailing dot.
const DOMAIN = /^(:?(?::?[a-zA-Z0-9]|(?::?[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))(?::?\.(?::?[a-zA-Z0-9]|(?::?[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])))*)\.?\s*$/

/** docker's ValidateDNSSearch: `.` or a domain, returned without its trailing dot. */
function dnsSearchDomain(value: string): string {
  const trimmed = value.replace(/^ +| +$/g, '')
  if (trimmed === '.') return trimmed
  const match = /[a-zA-Z]/.test(trimmed) ? DOMAIN.exec(trimmed) : null
  if (!match || match[1]!.length >= 255) throw invalidFlagArgument(value, '--dns-search', `${trimmed} is not a valid domain`)
  return match[1]!
}

/** docker's ValidateExtraHost: `host:ip`, `host=ip`, `host:[v6]`, `host:host-gateway`, recorded as `host:ip`. */
function extraHost(value: string): string {
  let separator = value.indexOf('=')
  if (separator === -1) separator = value.indexOf(':')
  const host = separator === -1 ? '' : value.slice(0, separator)
  let address = value.slice(separator + 1)
  // A control character (a newline) in the name would write a line of its own into /etc/hosts.
  if (host === '' || host.includes(':') || /\p{Cc}/u.test(host)) throw invalidFlagArgument(value, '--add-host', `bad format for add-host: ${quote(value)}`)
  if (address !== 'host-gateway') {
    if (address.length > 2 && address.startsWith('[') && address.endsWith(']')) address = address.slice(1, -1)
    if (isIP(address.trim()) === 0) throw invalidFlagArgument(value, '--add-host', `invalid IP address in add-host: ${quote(address)}`)
  }
  return `${host}:${address}`
}

/** The kernel's HOST_NAME_MAX, which sethostname and setdomainname refuse to go beyond. */
const HOST_NAME_MAX = 64

/**
 * `--hostname` and `--domainname`, which name the container in its own /etc/hosts and (the hostname)
 * in its peers' on a user-defined network: as docker (since 1.13) only what cannot work is refused.
 */
function etcHostsName(flag: 'hostname' | 'domainname', value: string): string {
  const problem = hostsNameProblem(value) ?? (Buffer.byteLength(value) > HOST_NAME_MAX ? `the kernel takes at most ${HOST_NAME_MAX} bytes` : undefined)
  if (problem) parseFail(`invalid ${flag} ${JSON.stringify(value)}: ${problem}`)
  return value
}

function networkRequest(values: CreateFlagValues): NetworkRequest {
  const macAddress = values['mac-address']
  if (macAddress && !isMacAddress(macAddress.trim())) parseFail(`${macAddress} is not a valid mac address`)
  const address = (flag: string, value: string | undefined) => {
    if (value && isIP(value.trim()) === 0) throw invalidFlagArgument(value, flag, `failed to parse IP: ${quote(value)}`)
    return value ? value.trim() : undefined
  }
  const ip = address('--ip', values.ip)
  const ip6 = address('--ip6', values.ip6)
  const dns = (values.dns ?? []).map((server) => {
    if (isIP(server.trim()) === 0) throw invalidFlagArgument(server, '--dns', `IP address is not correctly formatted: ${server}`)
    return server.trim()
  })
  const dnsSearch = (values['dns-search'] ?? []).map(dnsSearchDomain)
  const extraHosts = (values['add-host'] ?? []).map(extraHost)
  const links = (values.link ?? []).map((value) => {
    try {
      return parseLink(value)
    } catch (error) {
      throw invalidFlagArgument(value, '--link', (error as Error).message)
    }
  })
  const attachments = [
    ...(values.network ?? []).map((value) => networkAttachment('--network', value)),
    ...(values.net ?? []).map((value) => networkAttachment('--net', value)),
  ]
  const targets = attachments.map((attachment) => attachment.network)
  const aliases = [...(values['network-alias'] ?? []), ...(values['net-alias'] ?? [])]
  for (const alias of [...aliases, ...attachments.flatMap((attachment) => attachment.aliases)]) {
    const problem = hostsNameProblem(alias)
    if (problem) parseFail(`invalid network alias ${JSON.stringify(alias)}: ${problem}`)
  }
  // docker's CLI gives the first network the flags of the older syntax (applyContainerOptions), then checks each.
  const checked: PlannedAttachment[] = attachments.length > 0 ? attachments : [{network: 'default', aliases: []}]
  const first = checked[0]!
  if (first.aliases.length > 0 && aliases.length > 0) parseFail('conflicting options: cannot specify both --network-alias and per-network alias')
  if (first.ip && ip !== undefined) parseFail('conflicting options: cannot specify both --ip and per-network IPv4 address')
  if (first.ip6 && ip6 !== undefined) parseFail('conflicting options: cannot specify both --ip6 and per-network IPv6 address')
  if (first.mac && macAddress) parseFail('conflicting options: cannot specify both --mac-address and per-network MAC address')
  const linkLocalIps = values['link-local-ip'] ?? []
  if (first.linkLocalIps && linkLocalIps.length > 0) parseFail('conflicting options: cannot specify both --link-local-ip and per-network link-local IP addresses')
  for (const [index, attachment] of checked.entries()) {
    if (attachment.network.trim() === '') parseFail('no name set for network')
    const named = index === 0 ? [...attachment.aliases, ...aliases] : attachment.aliases
    if (named.length > 0 && !isUserDefinedNetwork(attachment.network)) parseFail('network-scoped aliases are only supported for user-defined networks')
    if (checked.findIndex((other) => other.network === attachment.network) !== index) parseFail(`network ${quote(attachment.network)} is specified multiple times`)
  }
  if ((ip !== undefined || ip6 !== undefined) && !isUserDefinedNetwork(targets[0] ?? 'default')) {
    fail('user specified IP address is supported on user defined networks only')
  }
  if (targets.some(isUserDefinedNetwork) && !targets.every(isUserDefinedNetwork)) {
    parseFail('conflicting options: cannot attach both user-defined and non-user-defined network-modes')
  }
  // Checked now, so that a bad one fails before anything is created.
  for (const spec of values.publish ?? []) parsedValue(() => parsePublish(spec))
  for (const spec of values.expose ?? []) {
    parsedValue(() => {
      checkExposeFlag(spec)
      parseExpose(spec)
    })
  }
  const mode = targets[0] === undefined || targets[0] === 'default' ? 'bridge' : targets[0]
  if (links.length > 0 && mode === 'host') fail("conflicting options: host type networking can't be used with links. This would result in undefined behavior")
  if (links.length > 0 && mode.startsWith(CONTAINER_MODE)) fail("conflicting options: container type network can't be used with links. This would result in undefined behavior")
  if (mode.startsWith(CONTAINER_MODE)) {
    // docker's daemon refuses what a container sharing another's network stack cannot have of its own.
    if (dns.length > 0) fail('conflicting options: dns and the network mode')
    if (extraHosts.length > 0) fail('conflicting options: custom host-to-IP mapping and the network mode')
    if ((values.publish ?? []).length > 0 || values['publish-all']) fail('conflicting options: port publishing and the container type network mode')
    if ((values.expose ?? []).length > 0) fail('conflicting options: port exposing and the container type network mode')
  }
  if (macAddress && !isUserDefinedNetwork(mode) && mode !== 'bridge') fail('conflicting options: mac-address and the network mode')
  const request: NetworkRequest = {
    mode,
    networks: attachments,
    publish: values.publish ?? [],
    publishAll: values['publish-all'] ?? false,
    expose: values.expose ?? [],
    dns,
    dnsSearch,
    dnsOptions: [...(values['dns-option'] ?? []), ...(values['dns-opt'] ?? [])],
    extraHosts,
    aliases,
    links,
    linkLocalIps,
  }
  if (ip !== undefined) request.ip = ip
  if (ip6 !== undefined) request.ip6 = ip6
  if (macAddress) request.macAddress = macAddress
  return request
}

function logConfig(values: CreateFlagValues): LogConfig {
  const options = values['log-opt'] ?? []
  const driver = values['log-driver'] || 'json-file'
  if (driver === 'none' && options.length > 0) parseFail('invalid logging opts for driver none')
  const config = parseMapOption(options)
  try {
    checkLogConfig(driver, config)
  } catch (error) {
    fail((error as Error).message)
  }
  return {Type: driver, Config: config}
}

function pullPolicy(value: string | undefined): PullPolicy {
  if (value === undefined || value === '') return 'missing'
  if (value === 'always' || value === 'missing' || value === 'never') return value
  return parseFail(`invalid pull option: '${value}': must be one of "always", "missing" or "never"`)
}

/** What `update` changes: resource settings as RunOptions names them, and the restart policy. */
export interface UpdateRequest {
  resources: Pick<
    RunOptions,
    'memory' | 'memorySwap' | 'memoryReservation' | 'nanoCpus' | 'cpuShares' | 'cpuPeriod' | 'cpuQuota' | 'cpuRealtimePeriod' | 'cpuRealtimeRuntime' | 'cpusetCpus' | 'cpusetMems' | 'pidsLimit' | 'blkioWeight'
  >
  restart?: RestartPolicy
}

/** `update`'s flags, read as `create` reads them. */
export function updateRequestFromFlags(
  values: Pick<CreateFlagValues, 'memory' | 'memory-swap' | 'memory-reservation' | 'cpus' | 'cpu-shares' | 'cpu-period' | 'cpu-quota' | 'cpu-rt-period' | 'cpu-rt-runtime' | 'cpuset-cpus' | 'cpuset-mems' | 'pids-limit' | 'blkio-weight' | 'kernel-memory' | 'restart'>,
): UpdateRequest {
  const resources: UpdateRequest['resources'] = {
    memory: bytesFlag(values.memory, '-m, --memory'),
    memorySwap: values['memory-swap'] === undefined ? undefined : flagValue(values['memory-swap'], '--memory-swap', parseSwapBytes),
    memoryReservation: bytesFlag(values['memory-reservation'], '--memory-reservation'),
    nanoCpus: values.cpus === undefined ? undefined : flagValue(values.cpus, '--cpus', parseCpus),
    cpuShares: integerFlag(values['cpu-shares'], '-c, --cpu-shares'),
    cpuPeriod: integerFlag(values['cpu-period'], '--cpu-period'),
    cpuQuota: integerFlag(values['cpu-quota'], '--cpu-quota'),
    cpuRealtimePeriod: integerFlag(values['cpu-rt-period'], '--cpu-rt-period'),
    cpuRealtimeRuntime: integerFlag(values['cpu-rt-runtime'], '--cpu-rt-runtime'),
    cpusetCpus: values['cpuset-cpus'],
    cpusetMems: values['cpuset-mems'],
    pidsLimit: integerFlag(values['pids-limit'], '--pids-limit'),
    blkioWeight: integerFlag(values['blkio-weight'], '--blkio-weight', {unsigned: true, bits: 16}),
  }
  // Read as docker's CLI reads it, then dropped: its daemon ignores a kernel memory limit from API 1.42 on.
  const kernelMemory = bytesFlag(values['kernel-memory'], '--kernel-memory')
  const request: UpdateRequest = {resources: Object.fromEntries(Object.entries(resources).filter(([, value]) => value !== undefined))}
  if (values.restart !== undefined) request.restart = parseRestartPolicy(values.restart)
  if (Object.keys(request.resources).length === 0 && !request.restart && kernelMemory === undefined) fail('you must provide one or more flags when using this command')
  return request
}

/** The create request for parsed `run`/`create` flags; throws docker's message for the first value it refuses. */
export function createRequestFromFlags(values: CreateFlagValues, context: CreateContext): CreateRequest {
  const cwd = context.cwd ?? process.cwd()
  // docker's CLI checks --pull before it parses the other flags.
  const pull = pullPolicy(values.pull)
  // Values their flag's type or validator checks as pflag reads them.
  const attachFlags = (values.attach ?? []).map(attachStream)
  const env = (values.env ?? []).map((value) => environmentEntry(value, context.environment))
  const labelValues = (values.label ?? []).map((value) => checkLabel(value, '-l, --label'))
  const memory = bytesFlag(values.memory, '-m, --memory')
  const memoryReservation = bytesFlag(values['memory-reservation'], '--memory-reservation')
  const memorySwap = values['memory-swap'] === undefined ? undefined : flagValue(values['memory-swap'], '--memory-swap', parseSwapBytes)
  const shmSize = bytesFlag(values['shm-size'], '--shm-size')
  const nanoCpus = values.cpus === undefined ? undefined : flagValue(values.cpus, '--cpus', parseCpus)
  const swappiness = integerFlag(values['memory-swappiness'], '--memory-swappiness') ?? -1
  const oomScoreAdj = integerFlag(values['oom-score-adj'], '--oom-score-adj')
  const cpuShares = integerFlag(values['cpu-shares'], '-c, --cpu-shares')
  const cpuQuota = integerFlag(values['cpu-quota'], '--cpu-quota')
  const cpuPeriod = integerFlag(values['cpu-period'], '--cpu-period')
  const pidsLimit = integerFlag(values['pids-limit'], '--pids-limit')
  const blkioWeight = integerFlag(values['blkio-weight'], '--blkio-weight', {unsigned: true, bits: 16})
  const blkioWeightDevices = (values['blkio-weight-device'] ?? []).map((value) => flagValue(value, '--blkio-weight-device', weightDevice))
  const throttle = (flag: 'device-read-bps' | 'device-write-bps' | 'device-read-iops' | 'device-write-iops', unit: 'bytes' | 'operations') =>
    (values[flag] ?? []).map((value) => flagValue(value, `--${flag}`, (text) => deviceRate(text, unit)))
  const deviceThrottles = {readBps: throttle('device-read-bps', 'bytes'), writeBps: throttle('device-write-bps', 'bytes'), readIops: throttle('device-read-iops', 'operations'), writeIops: throttle('device-write-iops', 'operations')}
  const deviceCgroupRules = (values['device-cgroup-rule'] ?? []).map((value) => flagValue(value, '--device-cgroup-rule', deviceCgroupRule))
  const cpuRealtimePeriod = integerFlag(values['cpu-rt-period'], '--cpu-rt-period')
  const cpuRealtimeRuntime = integerFlag(values['cpu-rt-runtime'], '--cpu-rt-runtime')
  const stopTimeout = integerFlag(values['stop-timeout'], '--stop-timeout')
  const sysctls = Object.fromEntries((values.sysctl ?? []).map((value) => flagValue(value, '--sysctl', parseSysctl)))
  const limits = ulimits(values.ulimit ?? [])
  const mountFlags = (values.mount ?? []).map((value) => flagValue(value, '--mount', (text) => parseMount(text, cwd)))
  const gpus = (values.gpus ?? []).map((value) => flagValue(value, '--gpus', parseGpuRequest))
  const annotations = parseMapOption(values.annotation ?? [])

  // What docker's CLI checks once every flag has its value, in its order.
  if (swappiness !== -1 && (swappiness < 0 || swappiness > 100)) parseFail(`invalid value: ${swappiness}. Valid memory swappiness range is 0-100`)
  for (const value of values.volume ?? []) parsedValue(() => checkVolumeSpec(value))
  const volumeDriver = values['volume-driver'] ?? ''
  // docker's daemon makes the volumes of `-v` and the image's VOLUMEs with --volume-driver (not those of --mount).
  const flagMounts = mountFlags.map(checkMount)
  const volumes = (values.volume ?? []).map((value) => parseVolumeSpec(value, cwd)).map((volume) => (volume.type === 'volume' && volumeDriver ? {...volume, driver: volumeDriver} : volume))
  const binds: string[] = []
  const anonymousVolumes: string[] = []
  for (const [index, volume] of volumes.entries()) {
    const value = values.volume![index]!
    if (volume.type === 'volume' && volume.name === undefined) anonymousVolumes.push(value)
    else binds.push(volume.type === 'bind' ? bindText(value, cwd) : value)
  }
  const devices = (values.device ?? []).map((value) => parsedValue(() => parseDevice(value)))
  const envFile = envFileEntries(values['env-file'] ?? [], context)
  const labelFile = (values['label-file'] ?? []).flatMap((path) => keyValueFile(path, context, () => undefined))
  const pid = values.pid === undefined ? undefined : parsedValue(() => parsePidMode(values.pid!))
  const uts = values.uts === undefined ? undefined : parsedValue(() => parseUtsMode(values.uts!))
  const cgroupns = values.cgroupns === undefined ? undefined : parsedValue(() => parseCgroupnsMode(values.cgroupns!))
  const restart = parseRestartPolicy(values.restart ?? 'no')
  const log = logConfig(values)
  const securityOpt = parsedValue(() => typedSecurityOptions(values['security-opt'] ?? [], context))
  if ((values['storage-opt'] ?? []).some((option) => !option.includes('='))) parseFail('invalid storage option')
  if (values.rm && restart.Name !== 'no') parseFail('conflicting options: cannot specify both --restart and --rm')
  const network = networkRequest(values)
  // Flags of docker's that nerd takes for what they mean on Linux, or refuses as docker's daemon would here.
  // docker's CLI reads --kernel-memory's size (refusing a bad one); its daemon (API 1.42 on) drops it without a word.
  bytesFlag(values['kernel-memory'], '--kernel-memory')
  if (values.userns !== undefined && !['', 'host'].includes(values.userns)) parseFail('--userns: invalid USER mode')
  if (values.isolation !== undefined && !['', 'default'].includes(values.isolation)) fail(`Invalid isolation: ${quote(values.isolation)} - linux only supports 'default'`)
  // docker's daemon without a driver for the first request (daemon/devices.go, handleDevice).
  if (gpus[0]) fail(`could not select device driver ${quote(gpus[0].driver)} with capabilities: [${gpus[0].capabilities.map((set) => `[${set.join(' ')}]`).join(' ')}]`)
  if ((values['storage-opt'] ?? []).length > 0) fail("--storage-opt is supported only for overlay over xfs with 'pquota' mount option")
  const healthcheck = healthcheckFromFlags(values)
  requireContentTrustDisabled(values['disable-content-trust'], EXIT_NERD_FAILED)
  const ipc = values.ipc === undefined ? undefined : parseIpcMode(values.ipc)
  if (values['stop-signal']) normalizeSignal(values['stop-signal'])
  if (Object.hasOwn(annotations, '')) fail('invalid Annotations: the empty string is not permitted as an annotation key')
  // docker's CLI bind-mounts its daemon's socket (and its credentials) for the container to drive docker.
  if (values['use-api-socket']) fail('--use-api-socket is not supported: nerd has no Docker API socket to mount')

  const options: RunOptions = {command: context.command, network: networkNamespace(network.mode)}
  const set = <K extends keyof RunOptions>(key: K, value: RunOptions[K] | undefined): void => {
    if (value !== undefined) options[key] = value
  }
  set('entrypoint', values.entrypoint)
  if (env.length > 0) options.env = env
  if (envFile.length > 0) options.envFile = envFile
  set('workdir', values.workdir)
  set('user', values.user)
  if (values['group-add']?.length) options.groupAdd = values['group-add']
  set('tty', values.tty)
  set('hostname', values.hostname && etcHostsName('hostname', values.hostname))
  set('domainname', values.domainname && etcHostsName('domainname', values.domainname))
  set('privileged', values.privileged)
  if (values['cap-add']?.length) options.capAdd = requestedCapabilities(values['cap-add'])
  if (values['cap-drop']?.length) options.capDrop = requestedCapabilities(values['cap-drop'])
  if (values['security-opt']?.length) options.security = parseSecurityOpts(values['security-opt'])
  set('readOnly', values['read-only'])
  const mounts: UserMount[] = [...volumes, ...flagMounts, ...(values.tmpfs ?? []).map(parseTmpfs)]
  if (mounts.length > 0) options.mounts = mounts
  if (volumeDriver) options.volumeDriver = volumeDriver
  set('shmSize', shmSize)
  if (limits.length > 0) options.ulimits = limits
  if (Object.keys(sysctls).length > 0) options.sysctls = sysctls
  if (devices.length > 0) options.devices = devices
  set('memory', memory)
  set('memorySwap', memorySwap)
  set('memoryReservation', memoryReservation)
  if (swappiness !== -1) options.memorySwappiness = swappiness
  set('oomKillDisable', values['oom-kill-disable'])
  set('oomScoreAdj', oomScoreAdj)
  set('nanoCpus', nanoCpus)
  set('cpuShares', cpuShares)
  set('cpusetCpus', values['cpuset-cpus'])
  set('cpusetMems', values['cpuset-mems'])
  set('cpuQuota', cpuQuota)
  set('cpuPeriod', cpuPeriod)
  set('pidsLimit', pidsLimit)
  set('blkioWeight', blkioWeight)
  if (blkioWeightDevices.length > 0) options.blkioWeightDevices = blkioWeightDevices
  const throttles = Object.fromEntries(Object.entries(deviceThrottles).filter(([, rates]) => rates.length > 0))
  if (Object.keys(throttles).length > 0) options.deviceThrottles = throttles
  if (deviceCgroupRules.length > 0) options.deviceCgroupRules = deviceCgroupRules
  set('cpuRealtimePeriod', cpuRealtimePeriod)
  set('cpuRealtimeRuntime', cpuRealtimeRuntime)
  set('cgroupParent', values['cgroup-parent'])
  set('cgroupns', cgroupns)
  set('pid', pid)
  set('ipc', ipc)
  set('uts', uts)
  set('init', values.init)
  if (Object.keys(annotations).length > 0) options.annotations = annotations
  set('stopSignal', values['stop-signal'] || undefined)
  set('stopTimeout', stopTimeout)
  set('runtime', values.runtime || undefined)
  set('platform', values.platform || undefined)

  const interactive = values.interactive ?? false
  const detach = values.detach ?? false
  const streams = new Set<AttachStream>(attachFlags.length > 0 ? attachFlags : ['stdout', 'stderr'])
  if (interactive) streams.add('stdin')
  const request: CreateRequest = {
    image: context.image,
    options,
    interactive,
    tty: values.tty ?? false,
    attach: detach ? [] : (['stdin', 'stdout', 'stderr'] as const).filter((stream) => streams.has(stream)),
    detach,
    autoRemove: values.rm ?? false,
    restart,
    logConfig: log,
    pull,
    quietPull: values.quiet ?? false,
    labels: parseMapOption([...labelFile, ...labelValues]),
    network,
    typed: {binds, anonymousVolumes, tmpfs: parseMapOption(values.tmpfs ?? [], ':'), mounts: flagMounts.map(dockerMount), volumeDriver, securityOpt},
    volumesFrom: (values['volumes-from'] ?? []).map((value) => {
      parseVolumesFrom(value)
      return value
    }),
  }
  // docker's empty --name is no name: one is generated (scripts pass --name "$NAME").
  if (values.name) request.name = values.name
  if (values.cidfile) request.cidfile = values.cidfile
  if (healthcheck) request.healthcheck = healthcheck
  return request
}

/** docker's HostConfig rates of a block IO flag. */
function deviceRates(options: Pick<RunOptions, 'deviceThrottles'>, kind: DeviceThrottleKind): {Path: string; Rate: number}[] {
  return (options.deviceThrottles?.[kind] ?? []).map(({path, rate}) => ({Path: path, Rate: rate}))
}

/** What docker's daemon adds to a container's config, which the client cannot know. */
export interface DaemonFacts extends Pick<HostFacts, 'cgroupVersion' | 'hostname' | 'swapLimit' | 'thermalThrottlePaths' | 'blkio'> {
  /** The container's ID: docker's default hostname is its first 12 characters. */
  id: string
  /** The full IDs of the containers the `container:<name|id>` modes name, by the name or ID given. */
  joinedIds?: ReadonlyMap<string, string>
}


/** A map with its keys in Go's order: encoding/json writes map keys sorted. */
export function sortedMap<T>(map: Readonly<Record<string, T>>): Record<string, T> {
  return Object.fromEntries(Object.entries(map).sort(([a], [b]) => compareStrings(a, b)))
}

const envKey = (entry: string) => entry.split('=', 1)[0]!

/** docker's signed view of a ulimit: unlimited (2^64-1) is -1. */
const signedLimit = (value: Uint64) => (typeof value === 'bigint' ? Number(BigInt.asIntN(64, value)) : value)

/**
 * docker's inspect `Config` and `HostConfig` for a request and the image it runs: the image's
 * config merged in as docker's daemon merges it (user env first, then the image's variables it does
 * not set; the image's Cmd only without a user command or entrypoint; labels and volumes added to the
 * user's), then the daemon's defaults. Without `facts` the defaults that depend on the container or
 * the host (Hostname, CgroupnsMode) stay as the request has them.
 */
export function dockerConfigFor(request: CreateRequest, image: ImageConfig, facts?: DaemonFacts): {Config: DockerConfig; HostConfig: DockerHostConfig} {
  const {options, network, typed} = request
  const userEnv = [...(options.envFile ?? []), ...(options.env ?? [])]
  const userKeys = new Set(userEnv.map(envKey))
  let entrypoint: string[] | null = options.entrypoint === undefined ? null : [options.entrypoint]
  let cmd: string[] | null = options.command?.length ? [...options.command] : null
  if (entrypoint === null) {
    cmd ??= image.Cmd ?? null
    entrypoint = image.Entrypoint ?? null
  }
  // `--entrypoint ''` clears the image's entrypoint and, having been given, its Cmd too.
  if (entrypoint?.length === 1 && entrypoint[0] === '') entrypoint = null
  const volumes = {...Object.fromEntries(typed.anonymousVolumes.map((target) => [target, {}])), ...image.Volumes}
  const hostNetwork = network.mode === 'host'

  const Config: DockerConfig = {
    Hostname: options.hostname || (facts ? (hostNetwork ? (facts.hostname ?? '') : facts.id.slice(0, 12)) : ''),
    Domainname: options.domainname ?? '',
    User: options.user || image.User || '',
    AttachStdin: request.attach.includes('stdin'),
    AttachStdout: request.attach.includes('stdout'),
    AttachStderr: request.attach.includes('stderr'),
    Tty: request.tty,
    OpenStdin: request.interactive,
    StdinOnce: request.interactive && request.attach.includes('stdin'),
    Env: [...userEnv, ...(image.Env ?? []).filter((entry) => !userKeys.has(envKey(entry)))],
    Cmd: cmd,
    Image: request.image,
    Volumes: Object.keys(volumes).length > 0 ? sortedMap(volumes) : null,
    WorkingDir: options.workdir ? (posix.isAbsolute(options.workdir) ? cleanPath(options.workdir) : options.workdir) : (image.WorkingDir ?? ''),
    Entrypoint: entrypoint,
    Labels: sortedMap({...image.Labels, ...request.labels}),
  }
  const stopSignal = options.stopSignal || image.StopSignal
  if (stopSignal) Config.StopSignal = stopSignal
  if (options.stopTimeout !== undefined) Config.StopTimeout = options.stopTimeout
  const bindings = portBindings(network.publish, false, [])
  const exposed = {
    ...image.ExposedPorts,
    ...Object.fromEntries([...network.expose.flatMap(parseExpose), ...Object.keys(bindings)].map((port) => [port, {}])),
  }
  if (Object.keys(exposed).length > 0) Config.ExposedPorts = sortedMap(exposed)
  const healthcheck = mergeHealthcheck(request.healthcheck, image.Healthcheck)
  if (healthcheck) Config.Healthcheck = healthcheck

  const privileged = options.privileged ?? false
  const ipcMode = joinedById(namespaceText(options.ipc, 'private'), facts)
  const pidMode = joinedById(namespaceText(options.pid, ''), facts)
  // docker disables SELinux labelling where the container shares the host's namespaces, unless told otherwise.
  const securityOpt = [...typed.securityOpt]
  const labelled = securityOpt.some((option) => option.split('=', 1)[0] === 'label')
  if (!labelled && (privileged || ipcMode === 'host' || pidMode === 'host')) securityOpt.push('label=disable')
  const memory = options.memory ?? 0
  const cgroupV2 = facts?.cgroupVersion === 2
  // docker records the block I/O settings the host cannot apply as dropped.
  const blkio = supportedBlkio(options, facts ?? {}).settings
  let memorySwap = options.memorySwap ?? 0
  if (memory > 0 && memorySwap !== -1 && facts?.swapLimit === false) memorySwap = -1
  else if (memory > 0 && memorySwap === 0) memorySwap = defaultMemorySwap(memory)
  const cgroupnsMode = options.cgroupns ?? (facts ? (facts.cgroupVersion === 2 ? 'private' : 'host') : '')

  const HostConfig: DockerHostConfig = {
    Binds: typed.binds.length > 0 ? typed.binds : null,
    VolumesFrom: request.volumesFrom.length > 0 ? request.volumesFrom : null,
    ...(typed.mounts.length > 0 ? {Mounts: typed.mounts} : {}),
    VolumeDriver: typed.volumeDriver,
    ContainerIDFile: request.cidfile ?? '',
    NetworkMode: joinedById(network.mode, facts),
    PortBindings: bindings,
    RestartPolicy: request.restart,
    AutoRemove: request.autoRemove,
    LogConfig: {Type: request.logConfig.Type, Config: sortedMap(request.logConfig.Config)},
    Privileged: privileged,
    PublishAllPorts: network.publishAll,
    ReadonlyRootfs: options.readOnly ?? false,
    CapAdd: options.capAdd ?? null,
    CapDrop: options.capDrop ?? null,
    Dns: network.dns,
    DnsOptions: network.dnsOptions,
    DnsSearch: network.dnsSearch,
    ExtraHosts: network.extraHosts.length > 0 ? network.extraHosts : null,
    GroupAdd: options.groupAdd ?? null,
    IpcMode: ipcMode,
    OomScoreAdj: options.oomScoreAdj ?? 0,
    PidMode: pidMode,
    UTSMode: options.uts === 'host' ? 'host' : '',
    CgroupnsMode: cgroupnsMode,
    SecurityOpt: securityOpt.length > 0 ? securityOpt : null,
    Tmpfs: Object.keys(typed.tmpfs).length > 0 ? sortedMap(typed.tmpfs) : null,
    ShmSize: options.shmSize || DEFAULT_SHM_SIZE,
    Runtime: options.runtime ?? 'io.containerd.runc.v2',
    Init: options.init ? true : null,
    Sysctls: options.sysctls ? sortedMap(options.sysctls) : null,
    Ulimits: (options.ulimits ?? []).map((limit) => ({Name: limit.name, Soft: signedLimit(limit.soft), Hard: signedLimit(limit.hard)})),
    Devices: (options.devices ?? []).map((device) => ({PathOnHost: device.hostPath, PathInContainer: device.containerPath, CgroupPermissions: device.permissions})),
    Memory: memory,
    MemorySwap: memorySwap,
    MemoryReservation: options.memoryReservation ?? 0,
    MemorySwappiness: options.memorySwappiness === undefined || cgroupV2 ? null : options.memorySwappiness,
    NanoCpus: options.nanoCpus ?? 0,
    CpuShares: options.cpuShares ?? 0,
    CpuPeriod: options.cpuPeriod ?? 0,
    CpuQuota: options.cpuQuota ?? 0,
    CpusetCpus: options.cpusetCpus ?? '',
    CpusetMems: options.cpusetMems ?? '',
    PidsLimit: options.pidsLimit !== undefined && options.pidsLimit > 0 ? options.pidsLimit : null,
    BlkioWeight: blkio.blkioWeight ?? 0,
    BlkioWeightDevice: (blkio.blkioWeightDevices ?? []).map(({path, weight}) => ({Path: path, Weight: weight})),
    BlkioDeviceReadBps: deviceRates(blkio, 'readBps'),
    BlkioDeviceWriteBps: deviceRates(blkio, 'writeBps'),
    BlkioDeviceReadIOps: deviceRates(blkio, 'readIops'),
    BlkioDeviceWriteIOps: deviceRates(blkio, 'writeIops'),
    CpuRealtimePeriod: options.cpuRealtimePeriod ?? 0,
    CpuRealtimeRuntime: options.cpuRealtimeRuntime ?? 0,
    DeviceCgroupRules: options.deviceCgroupRules?.map(({type, major, minor, access}) => `${type} ${major ?? '*'}:${minor ?? '*'} ${access}`) ?? null,
    OomKillDisable: (options.oomKillDisable ?? false) && !cgroupV2,
    CgroupParent: options.cgroupParent ?? '',
    Annotations: options.annotations ? sortedMap(options.annotations) : null,
    ...systemPaths(privileged, options.security?.unconfinedSystemPaths ?? false, facts?.thermalThrottlePaths),
  }
  return {Config, HostConfig}
}

/**
 * A `container:<name|id>` mode as docker's daemon records it: `container:<full ID>`, so that the
 * joiner's later starts find that container whatever it is renamed to.
 */
function joinedById(mode: string, facts: DaemonFacts | undefined): string {
  const reference = joinedContainer(mode)
  return reference === undefined ? mode : `${CONTAINER_MODE}${facts?.joinedIds?.get(reference) ?? reference}`
}

/** `--pid`/`--ipc` as docker records them: `host`, `container:<x>`, the IPC mode's name; `privateText` for a namespace of its own. */
function namespaceText(mode: IpcMode | undefined, privateText: string): string {
  if (mode === undefined || mode.kind === 'private') return privateText
  return mode.kind === 'container' ? `${CONTAINER_MODE}${mode.container}` : mode.kind
}
