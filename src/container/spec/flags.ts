/**
 * Parsers for the `run`/`create` flag values that shape the spec, with docker's formats and messages:
 * `--ulimit`, `--device`, `--tmpfs`, `--mount`, `-v`, `--security-opt`, `--sysctl`, `--pid`, `--ipc`,
 * `--uts`, `--network`, `--cgroupns` and `--env-file` contents; and `--gpus`, which nerd has no driver for.
 */
import {posix} from 'node:path'
import type {Uint64} from './oci.ts'
import type {
  BindMount,
  DeviceMapping,
  IpcMode,
  NamespaceMode,
  Propagation,
  SecurityOptions,
  TmpfsMount,
  Ulimit,
  UserMount,
  VolumeMount,
} from './types.ts'
import {goParseBool, goParseInt64} from '../../format/go-values.ts'
import {parseBytes} from '../../format/byte-sizes.ts'
import {validateVolumeName} from '../../volume/model.ts'
import {CONTAINER_MODE, joinedContainer} from '../model.ts'
import {specError} from './errors.ts'
import {formatTmpfsSize} from './units.ts'

const ULIMIT_NAMES = new Set([
  'core', 'cpu', 'data', 'fsize', 'locks', 'memlock', 'msgqueue', 'nice', 'nofile', 'nproc', 'rss', 'rtprio', 'rttime',
  'sigpending', 'stack',
])
const UNLIMITED = 2n ** 64n - 1n

/** `nofile=1024:2048`, `nproc=512`, `memlock=-1` (unlimited). */
export function parseUlimit(value: string): Ulimit {
  const separator = value.indexOf('=')
  if (separator === -1) throw specError(`invalid ulimit argument: ${value}`)
  const name = value.slice(0, separator)
  if (!ULIMIT_NAMES.has(name)) throw specError(`invalid ulimit type: ${name}`)
  const limits = value.slice(separator + 1)
  const parts = limits.split(':')
  if (parts.length > 2) {
    throw specError(`too many limit value arguments - ${limits}, can only have up to two, \`soft[:hard]\``)
  }
  const soft = parseInt64(parts[0])
  const hard = parts.length === 2 ? parseInt64(parts[1]) : soft
  if (hard !== -1n) {
    // Unlimited (-1) is the highest soft limit of all, though the lowest number.
    if (soft === -1n) throw specError(`ulimit soft limit must be less than or equal to hard limit: soft: -1 (unlimited), hard: ${hard}`)
    if (soft > hard) throw specError(`ulimit soft limit must be less than or equal to hard limit: ${soft} > ${hard}`)
  }
  return {name, soft: rlimitValue(soft), hard: rlimitValue(hard)}
}

function parseInt64(text: string): bigint {
  try {
    return goParseInt64(text, `strconv.ParseInt: parsing ${JSON.stringify(text)}`)
  } catch (error) {
    throw specError((error as Error).message)
  }
}

/** The kernel's unsigned view of a docker ulimit: negative numbers wrap, -1 being unlimited. */
function rlimitValue(value: bigint): Uint64 {
  const unsigned = value < 0n ? UNLIMITED + 1n + value : value
  return unsigned <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(unsigned) : unsigned
}

function isDevicePermissions(mode: string): boolean {
  return mode !== '' && mode.length <= 3 && [...mode].every((char, index) => 'rwm'.includes(char) && mode.indexOf(char) === index)
}

/** `/dev/fuse`, `/dev/sda:/dev/xvda`, `/dev/sda:rw`, `/dev/sda:/dev/xvda:rwm`. */
export function parseDevice(value: string): DeviceMapping {
  const parts = value.split(':')
  if (parts.length > 3 || parts[0] === '') throw specError(`bad format for path: ${value}`)
  const hostPath = parts[0]
  let containerPath = hostPath
  let permissions = 'rwm'
  if (parts.length === 2) {
    if (isDevicePermissions(parts[1])) permissions = parts[1]
    else containerPath = parts[1]
  } else if (parts.length === 3) {
    containerPath = parts[1]
    permissions = parts[2]
    if (!isDevicePermissions(permissions)) throw specError(`bad mode specified: ${permissions}`)
  }
  if (!posix.isAbsolute(containerPath)) throw specError(`${containerPath} is not an absolute path`)
  return {hostPath, containerPath: cleanPath(containerPath), permissions}
}

/** Go's path.Clean for the paths nerd handles: normalised, without a trailing slash. */
export function cleanPath(path: string): string {
  const clean = posix.normalize(path)
  return clean.length > 1 && clean.endsWith('/') ? clean.slice(0, -1) : clean
}

function checkTarget(target: string): string {
  if (!posix.isAbsolute(target)) throw new Error(`invalid mount path: '${target}' mount path must be absolute`)
  const clean = cleanPath(target)
  if (clean === '/') throw new Error("invalid specification: destination can't be '/'")
  return clean
}

/** Mount data a tmpfs accepts besides mount flags. */
const TMPFS_DATA = new Set(['size', 'mode', 'uid', 'gid', 'nr_inodes', 'nr_blocks', 'mpol'])

/**
 * Mount flags, grouped so that the later of two options in a group wins (`exec` after the default
 * `noexec`): the same grouping as the kernel flag each pair sets or clears.
 */
const MOUNT_FLAG_GROUPS: string[][] = [
  ['ro', 'rw'], ['suid', 'nosuid'], ['dev', 'nodev'], ['exec', 'noexec'], ['sync', 'async'], ['dirsync'], ['remount'],
  ['mand', 'nomand'], ['atime', 'noatime'], ['diratime', 'nodiratime'], ['relatime', 'norelatime'],
  ['strictatime', 'nostrictatime'],
  // moby/sys/mount's propagationFlags: one of them only, bind and rbind too (`rbind,rslave` leaves rslave).
  ['bind', 'rbind', 'unbindable', 'runbindable', 'private', 'rprivate', 'shared', 'rshared', 'slave', 'rslave'],
]
const FLAG_GROUP = new Map(MOUNT_FLAG_GROUPS.flatMap((group, index) => group.map((flag) => [flag, index] as const)))

/**
 * Merges tmpfs options the way docker does: for each flag group and each data key the last occurrence
 * wins and keeps its place; `defaults` is dropped. Unknown options are an error.
 */
export function mergeTmpfsOptions(options: readonly string[]): string[] {
  const seenFlags = new Set<number>()
  const seenData = new Set<string>()
  const merged: string[] = []
  for (let index = options.length - 1; index >= 0; index--) {
    const option = options[index]
    if (option === 'defaults') continue
    const group = FLAG_GROUP.get(option)
    if (group !== undefined) {
      if (!seenFlags.has(group)) merged.unshift(option)
      seenFlags.add(group)
      continue
    }
    const separator = option.indexOf('=')
    const key = separator === -1 ? option : option.slice(0, separator)
    if (separator === -1 || !TMPFS_DATA.has(key)) throw specError(`invalid tmpfs option ${JSON.stringify([option])}`)
    if (!seenData.has(key)) merged.unshift(option)
    seenData.add(key)
  }
  return merged
}

/** `--tmpfs /run`, `--tmpfs /run:rw,size=64m,exec`. */
export function parseTmpfs(value: string): TmpfsMount {
  const separator = value.indexOf(':')
  const target = separator === -1 ? value : value.slice(0, separator)
  const data = separator === -1 ? '' : value.slice(separator + 1)
  let clean: string
  try {
    clean = checkTarget(target)
  } catch (error) {
    throw specError(`invalid mount config for type "tmpfs": ${(error as Error).message}`)
  }
  const options = data === '' ? [] : data.split(',')
  mergeTmpfsOptions(options)
  return {type: 'tmpfs', target: clean, options}
}

const PROPAGATIONS = new Set<string>(['private', 'rprivate', 'shared', 'rshared', 'slave', 'rslave'])
/** The volume store's rule and messages (`create NAME: ...`), as docker's daemon reports them at create: exit 125. */
function checkVolumeName(name: string): void {
  try {
    validateVolumeName(name)
  } catch (error) {
    throw specError((error as Error).message)
  }
}

/**
 * Splits one CSV record as Go's encoding/csv reads it (docker's --mount and --gpus): commas separate
 * fields, double quotes protect them (`""` is a quote), with its errors for a quote out of place
 * (columns count bytes) and `EOF` for nothing at all.
 */
function csvFields(value: string): string[] {
  if (value === '') throw specError('EOF')
  const parseError = (index: number, reason: string) =>
    specError(`parse error on line 1, column ${Buffer.byteLength(value.slice(0, index)) + 1}: ${reason}`)
  const fields: string[] = []
  for (let index = 0; ; index++) {
    let field = ''
    if (value[index] === '"') {
      for (index++; ; ) {
        const quote = value.indexOf('"', index)
        if (quote === -1) throw parseError(value.length, 'extraneous or missing " in quoted-field')
        field += value.slice(index, quote)
        index = quote + 1
        if (value[index] === '"') {
          field += '"'
          index++
        } else if (index === value.length || value[index] === ',') break
        else throw parseError(quote, 'extraneous or missing " in quoted-field')
      }
    } else {
      const comma = value.indexOf(',', index)
      field = value.slice(index, comma === -1 ? value.length : comma)
      if (field.includes('"')) throw parseError(index + field.indexOf('"'), 'bare " in non-quoted-field')
      index += field.length
    }
    fields.push(field)
    if (index >= value.length) return fields
  }
}

/** What a `--gpus` value asks a device driver for (docker's DeviceRequest, the part its refusal names). */
export interface GpuRequest {
  driver: string
  capabilities: string[][]
}

/** docker's parseCount: `all` or a Go int (strconv.Atoi), in its words. */
function checkGpuCount(text: string): void {
  if (text === 'all') return
  const reason = !/^[+-]?\d+$/.test(text) ? 'invalid syntax' : BigInt(text) < -(2n ** 63n) || BigInt(text) >= 2n ** 63n ? 'value out of range' : undefined
  if (reason) throw specError(`invalid count (${text}): value must be either "all" or an integer: ${reason}`)
}

/**
 * `--gpus all`, `--gpus 2`, `--gpus driver=nvidia,count=1,capabilities=compute,device=0,options=k=v`,
 * read as docker's CLI reads it (opts/gpus.go, GpuOpts.Set), with its messages: a bare value is the
 * count, each key once.
 */
export function parseGpuRequest(value: string): GpuRequest {
  const request: GpuRequest = {driver: '', capabilities: [['gpu']]}
  const seen = new Set<string>()
  for (const field of csvFields(value)) {
    const separator = field.indexOf('=')
    const key = separator === -1 ? field : field.slice(0, separator)
    const text = field.slice(separator + 1)
    if (seen.has(key)) throw specError(`gpu request key '${key}' can be specified only once`)
    seen.add(key)
    if (separator === -1) {
      seen.add('count')
      checkGpuCount(key)
      continue
    }
    switch (key) {
      case 'driver':
        request.driver = text
        break
      case 'count':
        checkGpuCount(text)
        break
      case 'device':
        break
      case 'capabilities':
        request.capabilities = [[...text.split(','), 'gpu']]
        break
      case 'options':
        try {
          csvFields(text)
        } catch (error) {
          throw specError(`failed to read gpu options: ${(error as Error).message}`)
        }
        break
      default:
        throw specError(`unexpected key '${key}' in '${field}'`)
    }
  }
  return request
}

/** Go's filepath.IsLocal: relative, not empty, and inside its base once cleaned. */
export function isLocalPath(path: string): boolean {
  if (path === '' || posix.isAbsolute(path)) return false
  const clean = posix.normalize(path)
  return clean !== '..' && !clean.startsWith('../')
}

/** `--mount` sources `.` and `./x` are relative to the working directory (docker's CLI). */
function resolveMountSource(source: string, cwd: string): string {
  return source === '.' || source.startsWith('./') ? posix.resolve(cwd, source) : source
}

/** `--mount`'s value as docker's CLI hands it to its daemon (mount.Mount): checked for its syntax only. */
export interface MountFlag {
  type: string
  source: string
  target: string
  readonly: boolean
  propagation?: string | undefined
  nonRecursive?: boolean | undefined
  submounts?: BindMount['submounts']
  noCopy?: boolean | undefined
  volumeLabels?: Record<string, string> | undefined
  volumeDriver?: string | undefined
  volumeOptions?: Record<string, string> | undefined
  volumeSubpath?: string | undefined
  imageSubpath?: string | undefined
  tmpfsSize?: number | undefined
  tmpfsMode?: number | undefined
}

/**
 * `--mount type=bind,source=/a,target=/b,readonly`, `type=volume,src=data,dst=/data`, `type=tmpfs,dst=/t,tmpfs-size=64m`,
 * read as docker's CLI reads it (opts/mount.go), refusing what it refuses: a flag error. What its
 * daemon refuses is checkMount's. A source starting with `.` is relative to `cwd`.
 */
export function parseMount(value: string, cwd: string): MountFlag {
  let type = 'volume'
  let source = ''
  let target = ''
  let readonly = false
  let propagation: string | undefined
  let nonRecursive: boolean | undefined
  let submounts: BindMount['submounts']
  let noCopy: boolean | undefined
  let volumeLabels: Record<string, string> | undefined
  let volumeDriver: string | undefined
  let volumeOptions: Record<string, string> | undefined
  let volumeSubpath: string | undefined
  let imageSubpath: string | undefined
  let tmpfsSize: number | undefined
  let tmpfsMode: number | undefined
  const boolValue = (key: string, text: string) => {
    const parsed = goParseBool(text)
    if (parsed === undefined) throw specError(`invalid value for ${key}: ${text}`)
    return parsed
  }
  const setEntry = (map: Record<string, string>, text: string) => {
    const separator = text.indexOf('=')
    const key = separator === -1 ? text : text.slice(0, separator)
    if (key !== '') map[key] = separator === -1 ? '' : text.slice(separator + 1)
    return map
  }

  for (const field of csvFields(value)) {
    const separator = field.indexOf('=')
    // docker's CLI takes keys in any case (`Target=/x`, `RO`).
    const key = (separator === -1 ? field : field.slice(0, separator)).toLowerCase()
    if (separator === -1) {
      if (key === 'readonly' || key === 'ro') readonly = true
      else if (key === 'volume-nocopy') noCopy = true
      else if (key === 'bind-nonrecursive') nonRecursive = true
      else throw specError(`invalid field '${field}' must be a key=value pair`)
      continue
    }
    const text = field.slice(separator + 1)
    switch (key) {
      case 'type':
        type = text.toLowerCase()
        break
      case 'source':
      case 'src':
        source = resolveMountSource(text, cwd)
        break
      case 'target':
      case 'dst':
      case 'destination':
        target = text
        break
      case 'readonly':
      case 'ro':
        readonly = boolValue(key, text)
        break
      case 'consistency':
        break
      case 'bind-propagation':
        propagation = text.toLowerCase()
        break
      case 'bind-nonrecursive':
        nonRecursive = boolValue(key, text)
        break
      case 'bind-recursive':
        // `enabled` is the default, and no bind option to docker's CLI.
        if (text === 'disabled') nonRecursive = true
        else if (text === 'writable' || text === 'readonly') submounts = text
        else if (text !== 'enabled') throw specError(`invalid value for ${key}: ${text} (must be "enabled", "disabled", "writable", or "readonly")`)
        break
      case 'volume-nocopy':
        noCopy = boolValue(key, text)
        break
      case 'volume-label':
        volumeLabels = setEntry(volumeLabels ?? {}, text)
        break
      case 'volume-driver':
        volumeDriver = text
        break
      case 'volume-subpath':
        volumeSubpath = text
        break
      case 'volume-opt':
        volumeOptions = setEntry(volumeOptions ?? {}, text)
        break
      case 'image-subpath':
        imageSubpath = text
        break
      case 'tmpfs-size':
        try {
          tmpfsSize = parseBytes(text)
        } catch {
          tmpfsSize = NaN
        }
        // A size past int64 reads as negative (parseBytes): a mount no start could make.
        if (!(tmpfsSize >= 0)) throw specError(`invalid value for ${key}: ${text}`)
        break
      case 'tmpfs-mode':
        if (!/^[0-7]+$/.test(text) || parseInt(text, 8) > 0xffffffff) throw specError(`invalid value for ${key}: ${text}`)
        tmpfsMode = parseInt(text, 8)
        break
      default:
        throw specError(`unexpected key '${key}' in '${field}'`)
    }
  }

  if (type === '') throw specError('type is required')
  if (target === '') throw specError('target is required')
  const hasVolumeOptions = noCopy !== undefined || volumeLabels || volumeDriver !== undefined || volumeOptions || volumeSubpath !== undefined
  if (hasVolumeOptions && type !== 'volume') throw specError(`cannot mix 'volume-*' options with mount type '${type}'`)
  if (imageSubpath !== undefined && type !== 'image') throw specError(`cannot mix 'image-*' options with mount type '${type}'`)
  if ((propagation !== undefined || nonRecursive !== undefined || submounts !== undefined) && type !== 'bind') {
    throw specError(`cannot mix 'bind-*' options with mount type '${type}'`)
  }
  if ((tmpfsSize !== undefined || tmpfsMode !== undefined) && type !== 'tmpfs') {
    throw specError(`cannot mix 'tmpfs-*' options with mount type '${type}'`)
  }
  if (submounts !== undefined && !readonly) {
    throw specError(`option 'bind-recursive=${submounts}' requires 'readonly' to be specified in conjunction`)
  }
  // Recursively read-only submounts would not stay so if mounts could propagate into them.
  if (submounts === 'readonly' && propagation !== 'rprivate') {
    throw specError("option 'bind-recursive=readonly' requires 'bind-propagation=rprivate' to be specified in conjunction")
  }
  return {type, source, target, readonly, propagation, nonRecursive, submounts, noCopy, volumeLabels, volumeDriver, volumeOptions, volumeSubpath, imageSubpath, tmpfsSize, tmpfsMode}
}

/** A `--mount` as docker's daemon takes it (moby volume/mounts linux_parser's validateMountConfig), refusing in its words. */
export function checkMount(flag: MountFlag): UserMount {
  const {type, source, target, readonly, propagation, nonRecursive, submounts, noCopy, volumeLabels, volumeDriver, volumeOptions, volumeSubpath, imageSubpath, tmpfsSize, tmpfsMode} = flag
  const invalid = (message: string) => specError(`invalid mount config for type ${JSON.stringify(type)}: ${message}`)
  let cleanTarget: string
  try {
    cleanTarget = checkTarget(target)
  } catch (error) {
    throw invalid((error as Error).message)
  }
  switch (type) {
    case 'bind': {
      if (source === '') throw invalid('field Source must not be empty')
      if (propagation !== undefined && !PROPAGATIONS.has(propagation)) throw invalid(`invalid propagation mode: ${propagation}`)
      if (!posix.isAbsolute(source)) throw invalid(`invalid mount path: '${source}' mount path must be absolute`)
      const bind: BindMount = {type: 'bind', source: cleanPath(source), target: cleanTarget, readonly, createSource: false}
      if (propagation !== undefined) bind.propagation = propagation as Propagation
      if (nonRecursive) bind.nonRecursive = true
      if (submounts) bind.submounts = submounts
      return bind
    }
    case 'volume': {
      if (volumeSubpath) {
        if (source === '') throw invalid('must not set Subpath when using anonymous volumes')
        if (!isLocalPath(volumeSubpath)) throw invalid('subpath must be a relative path within the volume')
      }
      if (source === '' && readonly) throw invalid('must not set ReadOnly mode when using anonymous volumes')
      if (source !== '') checkVolumeName(source)
      // docker's setBindModeIfNull gives a --mount volume, named or anonymous, the mode `z`.
      const volume: VolumeMount = {type: 'volume', target: cleanTarget, readonly, noCopy: noCopy ?? false, mode: 'z'}
      if (source !== '') volume.name = source
      if (volumeSubpath) volume.subpath = volumeSubpath
      if (volumeLabels) volume.labels = volumeLabels
      if (volumeOptions) volume.driverOptions = volumeOptions
      if (volumeDriver) volume.driver = volumeDriver
      return volume
    }
    case 'tmpfs': {
      if (source !== '') throw invalid('field Source must not be specified')
      const options: string[] = []
      if (readonly) options.push('ro')
      if (tmpfsMode !== undefined && tmpfsMode !== 0) options.push(`mode=${tmpfsMode.toString(8)}`)
      if (tmpfsSize !== undefined && tmpfsSize !== 0) options.push(`size=${formatTmpfsSize(tmpfsSize)}`)
      return {type: 'tmpfs', target: cleanTarget, options}
    }
    case 'image': {
      if (source === '') throw invalid('field Source must not be empty')
      if (imageSubpath && !isLocalPath(imageSubpath)) throw invalid('subpath must be a relative path within the volume')
      return {type: 'image', source, target: cleanTarget, readonly, ...(imageSubpath !== undefined ? {subpath: imageSubpath} : {})}
    }
    default:
      throw invalid('mount type unknown')
  }
}

const RW_MODES = new Set(['rw', 'ro'])
const LABEL_MODES = new Set(['z', 'Z'])
const COPY_MODES = new Set(['nocopy'])
const CONSISTENCY_MODES = new Set(['consistent', 'cached', 'delegated'])

/** Whether `ro,rshared` is a valid `-v` mode: known words, at most one of each kind. */
function isVolumeMode(mode: string): boolean {
  if (mode === '') return true
  const counts = [0, 0, 0, 0, 0]
  for (const word of mode.split(',')) {
    const kind = [RW_MODES, LABEL_MODES, PROPAGATIONS, COPY_MODES, CONSISTENCY_MODES].findIndex((set) => set.has(word))
    if (kind === -1) return false
    counts[kind]++
  }
  return counts.every((count) => count <= 1)
}

/**
 * What docker's CLI refuses of a `-v` itself, before its daemon reads it (internal/volumespec.Parse):
 * nothing at all, an empty section, a fourth section. A letter and a colon at the start of a
 * section are a Windows drive, part of the section (`c:/a:/b` has two).
 */
export function checkVolumeSpec(spec: string): void {
  if (spec === '') throw specError('invalid empty volume spec')
  // Go's len: bytes.
  if (Buffer.byteLength(spec) <= 2) return
  const refused = (reason: string) => specError(`invalid spec: ${spec}: ${reason}`)
  let section = ''
  let sections = 0
  for (const char of [...spec, '']) {
    if (char === ':' && [...section].length === 1 && /^\p{L}$/u.test(section)) section += char
    else if (char === ':' || char === '') {
      if (section === '') throw refused('empty section between colons')
      if (++sections === 3 && char === ':') throw refused('too many colons')
      section = ''
    } else section += char
  }
}

/**
 * `-v /host:/ctr:ro`, `-v name:/ctr`, `-v /ctr` (anonymous volume), `-v ./dir:/ctr` (relative to cwd).
 * Sources that are absolute paths are binds, others are volume names.
 */
export function parseVolumeSpec(value: string, cwd: string): BindMount | VolumeMount {
  const invalidSpec = () => specError(`invalid volume specification: '${value}'`)
  const parts = value.split(':')
  if (parts[0] === '' || parts.length > 3) throw invalidSpec()
  let source = ''
  let target: string
  let mode = ''
  if (parts.length === 1) {
    target = parts[0]
  } else if (parts.length === 2) {
    // `/foo:rw` would be a volume with a mode but no name.
    if (isVolumeMode(parts[1])) throw invalidSpec()
    source = parts[0]
    target = parts[1]
  } else {
    source = parts[0]
    target = parts[1]
    mode = parts[2]
  }
  if (!isVolumeMode(mode)) throw specError(`invalid mode: ${mode}`)
  // docker's CLI takes every `-v` source starting with a dot (`./x`, `../x`, `.x`) as a path relative to cwd
  if (source.startsWith('.')) source = posix.resolve(cwd, source)
  const type = posix.isAbsolute(source) ? 'bind' : 'volume'
  const words = mode === '' ? [] : mode.split(',')
  const readonly = words.includes('ro')
  const invalid = (message: string) =>
    specError(`invalid volume specification: '${value}': invalid mount config for type ${JSON.stringify(type)}: ${message}`)
  let cleanTarget: string
  try {
    cleanTarget = checkTarget(target)
  } catch (error) {
    throw invalid((error as Error).message)
  }
  if (type === 'bind') {
    // docker takes a copy mode as VolumeOptions, which a bind cannot have: nothing is copied into a host directory.
    if (words.some((word) => COPY_MODES.has(word))) throw invalid('field VolumeOptions must not be specified')
    const bind: BindMount = {type: 'bind', source: cleanPath(source), target: cleanTarget, readonly, createSource: true, ...(mode ? {mode} : {})}
    const propagation = words.find((word) => PROPAGATIONS.has(word))
    if (propagation) bind.propagation = propagation as Propagation
    return bind
  }
  // docker takes a propagation mode as BindOptions, which a volume cannot have.
  if (words.some((word) => PROPAGATIONS.has(word))) throw invalid('field BindOptions must not be specified')
  if (source !== '') checkVolumeName(source)
  const volume: VolumeMount = {type: 'volume', target: cleanTarget, readonly, noCopy: words.includes('nocopy')}
  if (source !== '') {
    volume.name = source
    volume.mode = mode || 'z'
  }
  return volume
}

/**
 * `--volumes-from CONTAINER[:MODE]`, as docker's ParseVolumesFrom: any `-v` mode (`ro`, `z`, `ro,Z`)
 * but propagation and copy modes, which the mounts keep from the container they come from.
 */
export function parseVolumesFrom(value: string): {container: string; readonly: boolean} {
  if (value === '') throw specError('volumes-from specification cannot be an empty string')
  const colon = value.indexOf(':')
  if (colon === -1) return {container: value, readonly: false}
  const mode = value.slice(colon + 1)
  const words = mode.split(',')
  if (!isVolumeMode(mode) || words.some((word) => PROPAGATIONS.has(word) || COPY_MODES.has(word))) throw specError(`invalid mode: ${mode}`)
  return {container: value.slice(0, colon), readonly: words.includes('ro')}
}

/**
 * `--security-opt` values: `seccomp=unconfined|<profile file>`, `apparmor=<profile>|unconfined`,
 * `no-new-privileges[=bool]`, `systempaths=unconfined`, `writable-cgroups[=bool]`, `label=…`. The
 * legacy `key:value` form is accepted. nerd has no SELinux support: `label` options are ignored, as
 * docker ignores them (unchecked) on a host without SELinux.
 */
export function parseSecurityOpts(values: readonly string[]): SecurityOptions {
  const security: SecurityOptions = {}
  for (const raw of values) {
    const option = raw === 'no-new-privileges' ? 'no-new-privileges=true' : raw === 'writable-cgroups' ? 'writable-cgroups=true' : raw
    const separator = option.includes('=') ? option.indexOf('=') : option.indexOf(':')
    if (separator === -1) throw specError(`Invalid --security-opt: ${JSON.stringify(raw)}`)
    const key = option.slice(0, separator)
    const value = option.slice(separator + 1)
    switch (key) {
      case 'seccomp':
        security.seccomp =
          value === 'unconfined' ? {kind: 'unconfined'} : value === 'builtin' || value === '' ? {kind: 'default'} : {kind: 'file', path: value}
        break
      case 'apparmor':
        security.apparmor = value
        break
      case 'no-new-privileges':
      case 'writable-cgroups': {
        const enabled = goParseBool(value)
        if (enabled === undefined) throw specError(`invalid --security-opt 2: ${JSON.stringify(raw)}`)
        if (key === 'no-new-privileges') security.noNewPrivileges = enabled
        else security.writableCgroups = enabled
        break
      }
      case 'systempaths':
        if (value !== 'unconfined') throw specError(`invalid --security-opt 2: ${JSON.stringify(raw)}`)
        security.unconfinedSystemPaths = true
        break
      case 'label':
        // docker's daemon hands these to go-selinux, which looks at none of them without SELinux.
        break
      default:
        throw specError(`invalid --security-opt 2: ${JSON.stringify(raw)}`)
    }
  }
  return security
}

const NAMESPACED_SYSCTLS = new Set([
  'kernel.msgmax', 'kernel.msgmnb', 'kernel.msgmni', 'kernel.sem', 'kernel.shmall', 'kernel.shmmax', 'kernel.shmmni',
  'kernel.shm_rmid_forced',
])

/** `--sysctl net.ipv4.ip_forward=1`: only sysctls a container's own namespaces scope (IPC and network). */
export function parseSysctl(value: string): [key: string, value: string] {
  const separator = value.indexOf('=')
  const key = separator === -1 ? '' : value.slice(0, separator)
  const allowed = NAMESPACED_SYSCTLS.has(key) || key.startsWith('net.') || key.startsWith('fs.mqueue.')
  if (!allowed) throw specError(`sysctl '${value}' is not allowed`)
  return [key, value.slice(separator + 1)]
}

/** Whether a sysctl belongs to the IPC namespace (the others `parseSysctl` accepts are network ones). */
export function isIpcSysctl(key: string): boolean {
  return NAMESPACED_SYSCTLS.has(key) || key.startsWith('fs.mqueue.')
}

function containerMode(value: string): NamespaceMode | undefined {
  const container = joinedContainer(value)
  return container ? {kind: 'container', container} : undefined
}

/** `--pid`: empty (private), `host`, `container:<name|id>`. */
export function parsePidMode(value: string): NamespaceMode {
  if (value === '') return {kind: 'private'}
  if (value === 'host') return {kind: 'host'}
  const mode = containerMode(value)
  if (!mode) throw specError('--pid: invalid PID mode')
  return mode
}

/** `--ipc`: empty or `private`, `shareable`, `none`, `host`, `container:<name|id>`. */
export function parseIpcMode(value: string): IpcMode {
  if (value === '' || value === 'private') return {kind: 'private'}
  if (value === 'host' || value === 'shareable' || value === 'none') return {kind: value}
  const mode = containerMode(value)
  // docker's daemon checks --ipc (verifyPlatformContainerSettings), not its CLI as for --pid.
  if (!mode) throw specError(`invalid IPC mode: ${value}`)
  return mode
}

/** `--uts`: empty (private) or `host`. */
export function parseUtsMode(value: string): 'host' | 'private' {
  if (value === '') return 'private'
  if (value === 'host') return 'host'
  throw specError('--uts: invalid UTS mode')
}

/** `--cgroupns`: `host` or `private`; empty means the default for the host's cgroup version. */
export function parseCgroupnsMode(value: string): 'host' | 'private' | undefined {
  if (value === '') return undefined
  if (value === 'host' || value === 'private') return value
  throw specError('--cgroupns: invalid CGROUP mode')
}

/**
 * The network namespace a `--network` value implies: `host`, `container:<name|id>`, or a new one for
 * `none`, `bridge` and named networks.
 */
export function networkNamespace(value: string): NamespaceMode {
  if (value === 'host') return {kind: 'host'}
  if (value.startsWith(CONTAINER_MODE)) {
    const mode = containerMode(value)
    if (!mode) throw specError('invalid container format container:<name|id>')
    return mode
  }
  return {kind: 'private'}
}

/** Go's unicode.IsSpace: what docker trims from the start of a key/value file's line. */
const LEADING_SPACE = /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/
const UTF8_BOM = '\uFEFF'
/**
 * docker reads the file with a bufio.Scanner, whose buffer grows to bufio.MaxScanTokenSize (64 KiB):
 * a line (with a CR before its newline, without the newline) of more bytes fills it and is refused.
 */
const MAX_LINE_BYTES = 64 * 1024 - 1

/**
 * The entries of an `--env-file` or `--label-file` (docker's key/value format): `NAME=value` kept
 * verbatim (quotes included), `NAME` alone to copy the user's variable, blank lines and `#` comments
 * skipped, leading whitespace trimmed, lines of at most 64 KiB. The file must be UTF-8 (a UTF-16 file, as some editors write,
 * is refused rather than read as garbage); a UTF-8 byte order mark is dropped.
 */
export function parseEnvFile(bytes: Uint8Array): string[] {
  const decoder = new TextDecoder('utf-8', {fatal: true, ignoreBOM: true})
  const entries: string[] = []
  let start = 0
  for (let number = 1; start < bytes.length; number++) {
    const newline = bytes.indexOf(0x0a, start)
    const lineEnd = newline === -1 ? bytes.length : newline
    if (lineEnd - start > MAX_LINE_BYTES) throw specError('bufio.Scanner: token too long')
    const raw = bytes.subarray(start, lineEnd > start && bytes[lineEnd - 1] === 0x0d ? lineEnd - 1 : lineEnd)
    start = lineEnd + 1
    let text: string
    try {
      text = decoder.decode(raw)
    } catch {
      throw specError(`invalid utf8 bytes at line ${number}: [${raw.join(' ')}]`)
    }
    if (number === 1 && text.startsWith(UTF8_BOM)) text = text.slice(UTF8_BOM.length)
    const line = text.replace(LEADING_SPACE, '')
    if (line === '' || line.startsWith('#')) continue
    const separator = line.indexOf('=')
    const name = separator === -1 ? line : line.slice(0, separator)
    if (name === '') throw specError(`no variable name on line '${line}'`)
    if (/[ \t]/.test(name)) throw specError(`variable '${name}' contains whitespaces`)
    entries.push(separator === -1 ? name : `${name}=${line.slice(separator + 1)}`)
  }
  return entries
}
