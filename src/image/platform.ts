/**
 * Image platforms (`linux/amd64`, `linux/arm64/v8`): the host's, parsing `--platform` values, and
 * choosing among the manifests of an index the way containerd's platform matchers do — normalised
 * names (`x86_64` is `amd64`, `aarch64` is `arm64`, arm64's `v8` is no variant), and a host that
 * also runs older variants of its architecture (amd64 runs 386, arm/v7 runs v6 and v5) preferring
 * its own.
 */
import {readFileSync} from 'node:fs'
import {arch, endianness} from 'node:os'
import {NerdError} from '../errors.ts'
import type {ImageConfig} from '../hooks/types.ts'
import type {Platform} from './registry/media-types.ts'

export type {Platform} from './registry/media-types.ts'

/** What OCI indexes use for entries that are no platform at all (buildkit's attestation manifests). */
const UNKNOWN = 'unknown'

const KNOWN_OS = new Set([
  'aix', 'android', 'darwin', 'dragonfly', 'freebsd', 'hurd', 'illumos', 'ios', 'js', 'linux', 'nacl', 'netbsd', 'openbsd', 'plan9',
  'solaris', 'windows', 'zos',
])
const KNOWN_ARCHITECTURES = new Set([
  '386', 'amd64', 'amd64p32', 'arm', 'armbe', 'arm64', 'arm64be', 'ppc64', 'ppc64le', 'loong64', 'mips', 'mipsle', 'mips64', 'mips64le',
  'mips64p32', 'mips64p32le', 'ppc', 'riscv', 'riscv64', 's390', 's390x', 'sparc', 'sparc64', 'wasm',
])
const COMPONENT = /^[A-Za-z0-9_.-]+$/
/** The first component: an os with an optional `(os.version+feature…)`, as containerd's platforms.Parse reads it. */
const OS_COMPONENT = /^([A-Za-z0-9_-]+)(?:\(([A-Za-z0-9_.%-]*)((?:\+[A-Za-z0-9_.%-]+)*)\))?$/

function normalizeOs(os: string): string {
  const lower = os.toLowerCase()
  return lower === 'macos' ? 'darwin' : lower
}

/** Canonical architecture and variant: the variant each architecture implies by default is left out. */
function normalizeArchitecture(architecture: string, variant: string): {architecture: string; variant: string} {
  const name = architecture.toLowerCase()
  const version = variant.toLowerCase()
  switch (name) {
    case 'i386':
      return {architecture: '386', variant: ''}
    case 'x86_64':
    case 'x86-64':
    case 'amd64':
      return {architecture: 'amd64', variant: version === 'v1' ? '' : version}
    case 'aarch64':
    case 'arm64':
      return {architecture: 'arm64', variant: version === '8' || version === 'v8' ? '' : version}
    case 'armhf':
      return {architecture: 'arm', variant: 'v7'}
    case 'armel':
      return {architecture: 'arm', variant: 'v6'}
    case 'arm':
      if (version === '' || version === '7') return {architecture: 'arm', variant: 'v7'}
      return {architecture: 'arm', variant: ['5', '6', '8'].includes(version) ? `v${version}` : version}
    default:
      return {architecture: name, variant: version}
  }
}

/** The canonical form of a platform, as matching compares them. */
export function normalizePlatform(platform: Platform): Platform {
  const {architecture, variant} = normalizeArchitecture(platform.architecture ?? '', platform.variant ?? '')
  const normalized: Platform = {os: normalizeOs(platform.os ?? ''), architecture}
  if (variant !== '') normalized.variant = variant
  if (platform['os.version']) normalized['os.version'] = platform['os.version']
  if (platform['os.features'] && platform['os.features'].length > 0) normalized['os.features'] = [...new Set(platform['os.features'])].sort()
  return normalized
}

/** Node's name for the CPU architecture → the OCI (Go) name. */
function architectureOfNode(nodeArch: string): Platform {
  switch (nodeArch) {
    case 'x64':
      return {os: 'linux', architecture: 'amd64'}
    case 'ia32':
      return {os: 'linux', architecture: '386'}
    case 'arm': {
      const version = (process.config.variables as {arm_version?: string}).arm_version
      return {os: 'linux', architecture: 'arm', variant: version ? `v${version}` : 'v7'}
    }
    case 'ppc64':
      return {os: 'linux', architecture: endianness() === 'LE' ? 'ppc64le' : 'ppc64'}
    case 'mipsel':
      return {os: 'linux', architecture: 'mipsle'}
    case 'mips64el':
      return {os: 'linux', architecture: 'mips64le'}
    default:
      return {os: 'linux', architecture: nodeArch}
  }
}

/** Go's (and OCI's) name for a Node `process.arch`: `x64` → `amd64`, `ia32` → `386`. */
export function goArchitecture(nodeArch: string): string {
  return architectureOfNode(nodeArch).architecture
}

let host: Platform | undefined

/** The platform of this machine, normalised (`linux/amd64`, `linux/arm64` with no variant). */
export function hostPlatform(): Platform {
  host ??= normalizePlatform({...architectureOfNode(arch()), os: process.platform === 'linux' ? 'linux' : normalizeOs(process.platform)})
  return {...host}
}

/** The x86-64 microarchitecture levels by the /proc/cpuinfo flags each adds to the one below. */
const AMD64_LEVELS: ReadonlyArray<readonly string[]> = [
  ['cx16', 'lahf_lm', 'popcnt', 'pni', 'sse4_1', 'sse4_2', 'ssse3'],
  ['abm', 'avx', 'avx2', 'bmi1', 'bmi2', 'f16c', 'fma', 'movbe', 'xsave'],
  ['avx512f', 'avx512bw', 'avx512cd', 'avx512dq', 'avx512vl'],
]

/** `v1`…`v4`: the highest x86-64 level whose CPU features this machine has. */
function amd64Level(cpuinfo: string): string {
  const flags = new Set(/^flags\s*:(.*)$/m.exec(cpuinfo)?.[1]?.trim().split(/\s+/) ?? [])
  let level = 1
  for (const features of AMD64_LEVELS) {
    if (!features.every((feature) => flags.has(feature))) break
    level++
  }
  return `v${level}`
}

/**
 * The host platform as docker's daemon names it in its platform-mismatch warning: with the CPU
 * variant (amd64's microarchitecture level, arm64's `v8`), which matching leaves out.
 */
export function detectedHostPlatform(): string {
  const platform = hostPlatform()
  if (platform.architecture === 'arm64') return formatPlatform({...platform, variant: 'v8'})
  if (platform.architecture !== 'amd64') return formatPlatform(platform)
  let cpuinfo = ''
  try {
    cpuinfo = readFileSync('/proc/cpuinfo', 'utf8')
  } catch {
    return formatPlatform(platform)
  }
  return formatPlatform({...platform, variant: amd64Level(cpuinfo)})
}

/** Go's %q, for the messages containerd words with it. */
function quoted(text: string): string {
  return JSON.stringify(text)
}

/** containerd's errors end with the gRPC code's words, and docker passes them on as they are. */
function invalidPlatform(message: string): NerdError {
  return new NerdError(`${message}: invalid argument`)
}

/** An os version or feature, %-escaped where it holds other characters (Go's url.PathUnescape). */
function decodeOsOption(text: string, specifier: string): string {
  if (!text.includes('%')) return text
  try {
    return decodeURIComponent(text)
  } catch {
    throw invalidPlatform(`${quoted(specifier)} has an invalid OS option ${quoted(text)}`)
  }
}

/**
 * A `--platform` of a command whose docker CLI parses it itself and prefixes the refusal: `invalid
 * platform: ` for save and load (cli/command/image/save.go RunSave, load.go runLoad), push and
 * run/create their own (`Invalid platform X: `, `error parsing specified platform: `).
 */
export function parsePlatformFlag(specifier: string, prefix = 'invalid platform: '): Platform {
  try {
    return parsePlatform(specifier)
  } catch (error) {
    throw error instanceof NerdError ? new NerdError(`${prefix}${error.message}`, {cause: error}) : error
  }
}

/**
 * Parses a `--platform` value as containerd's platforms.Parse does, with its messages:
 * `os[(version+feature…)][/arch[/variant]]`, `os` alone (the host's architecture) or `arch` alone
 * (the host's os). `linux/arm64/v8` and `arm64` are the same platform.
 */
export function parsePlatform(specifier: string): Platform {
  if (specifier.includes('*')) throw invalidPlatform(`${quoted(specifier)}: wildcards not yet supported`)
  // Go's strings.SplitN(specifier, "/", 4): whatever follows a third slash stays in the last part.
  const split = specifier.split('/')
  const parts = split.length > 4 ? [...split.slice(0, 3), split.slice(3).join('/')] : split
  const os = OS_COMPONENT.exec(parts[0])
  if (os === null) {
    throw invalidPlatform(`${quoted(parts[0])} is an invalid OS component of ${quoted(specifier)}: OSAndVersion specifier component must match ${quoted(OS_COMPONENT.source)}`)
  }
  for (const part of parts.slice(1)) {
    if (!COMPONENT.test(part)) {
      throw invalidPlatform(`${quoted(part)} is an invalid component of ${quoted(specifier)}: platform specifier component must match ${quoted(COMPONENT.source)}`)
    }
  }
  const version = os[2] ? decodeOsOption(os[2], specifier) : ''
  const features = (os[3] ?? '').split('+').filter((feature) => feature !== '').map((feature) => decodeOsOption(feature, specifier))
  const osOptions: Partial<Platform> = {...(version === '' ? {} : {'os.version': version}), ...(features.length === 0 ? {} : {'os.features': features})}
  const current = hostPlatform()
  switch (parts.length) {
    case 1: {
      const name = normalizeOs(os[1])
      if (KNOWN_OS.has(name)) return normalizePlatform({os: name, architecture: current.architecture, variant: current.variant, ...osOptions})
      const {architecture, variant} = normalizeArchitecture(parts[0], '')
      if (!KNOWN_ARCHITECTURES.has(architecture)) throw invalidPlatform(`${quoted(specifier)}: unknown operating system or architecture`)
      return normalizePlatform({os: current.os, architecture, variant})
    }
    case 2:
    case 3:
      return normalizePlatform({os: os[1], architecture: parts[1], variant: parts[2] ?? '', ...osOptions})
    default:
      throw invalidPlatform(`${quoted(specifier)}: cannot parse platform specifier`)
  }
}

/** docker's errPlatformNotFound: no manifest of the image present for `platform` (for any, without one). */
export function platformNotProvided(what: string, platform?: Platform): NerdError {
  return new NerdError(`image with reference ${what} was found but does not provide ${platform ? `the specified platform (${formatPlatform(platform)})` : 'any platform'}`)
}

/** The platform an image config says it is for, normalised. */
export function configPlatform(config: Pick<ImageConfig, 'os' | 'architecture' | 'variant'>): Platform {
  return normalizePlatform({os: config.os, architecture: config.architecture, ...(config.variant ? {variant: config.variant} : {})})
}

/** docker's daemon's words for a local image of another platform than the one asked for (daemon/images/image.go). */
export function platformMismatch(name: string, actual: Platform, wanted: string): string {
  return `image with reference ${name} was found but its platform (${formatPlatform(actual)}) does not match the specified platform (${wanted})`
}

/** `linux/arm64`, `linux/arm/v7`: how docker and nerdctl print a platform. */
export function formatPlatform(platform: Platform): string {
  if (!platform.os) return UNKNOWN
  return [platform.os, platform.architecture, platform.variant].filter((part) => part !== undefined && part !== '').join('/')
}

/**
 * The platforms a machine of `platform` runs, best first: itself, then older variants of its
 * architecture (amd64/v3 → v2 → v1, arm/v7 → v6 → v5, arm64/v8.2 → v8.1 → v8, arm64 → arm/v8 …),
 * and 386 on amd64.
 */
export function compatiblePlatforms(platform: Platform): Platform[] {
  const base = normalizePlatform(platform)
  const like = (architecture: string, variant: string): Platform => normalizePlatform({...base, architecture, variant})
  const vector: Platform[] = [base]
  const variant = base.variant ?? ''
  switch (base.architecture) {
    case 'amd64': {
      const level = /^v(\d+)$/.exec(variant)
      for (let version = level ? Number(level[1]) - 1 : 0; version >= 1; version--) vector.push(like('amd64', `v${version}`))
      vector.push(like('386', ''))
      break
    }
    case 'arm': {
      const level = /^v(\d+)$/.exec(variant)
      for (let version = level ? Number(level[1]) - 1 : 0; version >= 5; version--) vector.push(like('arm', `v${version}`))
      break
    }
    case 'arm64': {
      const match = /^v(\d+)(?:\.(\d+))?$/.exec(variant === '' ? 'v8' : variant)
      if (match !== null && Number(match[1]) >= 8) {
        let major = Number(match[1])
        let minor = match[2] === undefined ? 0 : Number(match[2])
        const arm64 = (versionMajor: number, versionMinor: number): Platform =>
          like('arm64', versionMinor === 0 ? `v${versionMajor}` : `v${versionMajor}.${versionMinor}`)
        if (major === 9) {
          for (let lower = minor - 1; lower >= 0; lower--) vector.push(arm64(9, lower))
          // v9.x grew out of v8.(x+5): it runs those too.
          minor += 5
          major = 8
          vector.push(arm64(8, minor))
        }
        for (let lower = minor - 1; lower >= 0; lower--) vector.push(arm64(major, lower))
      }
      vector.push(...compatiblePlatforms({...base, architecture: 'arm', variant: 'v8'}))
      break
    }
  }
  return dedupe(vector)
}

function dedupe(platforms: Platform[]): Platform[] {
  const seen = new Set<string>()
  return platforms.filter((platform) => {
    const key = formatPlatform(platform)
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}

/**
 * Whether `candidate` (from an index) is exactly `wanted`: same os, architecture and variant once
 * normalised; os features of the candidate must all be wanted. `unknown/unknown` never matches.
 */
export function platformEquals(wanted: Platform, candidate: Platform): boolean {
  const a = normalizePlatform(wanted)
  const b = normalizePlatform(candidate)
  if (b.os === UNKNOWN || b.architecture === UNKNOWN) return false
  if (a.os !== b.os || a.architecture !== b.architecture || (a.variant ?? '') !== (b.variant ?? '')) return false
  if (a['os.version'] !== undefined && b['os.version'] !== undefined && a['os.version'] !== b['os.version']) return false
  const features = new Set(a['os.features'] ?? [])
  return (b['os.features'] ?? []).every((feature) => features.has(feature))
}

/** Chooses platforms: `match` says whether one is acceptable, `rank` orders acceptable ones (lower is better). */
export interface PlatformMatcher {
  match(platform: Platform): boolean
  /** Position of the best rule that accepts `platform`; -1 when none does. */
  rank(platform: Platform): number
}

/** Accepts what a machine of `platform` runs, preferring `platform` itself (containerd's `Only`). */
export function onlyPlatform(platform: Platform): PlatformMatcher {
  return orderedPlatforms(compatiblePlatforms(platform))
}

/** Accepts exactly `platform`, nothing older (containerd's `OnlyStrict`). */
export function strictPlatform(platform: Platform): PlatformMatcher {
  return orderedPlatforms([normalizePlatform(platform)])
}

/** Accepts any of `platforms`, preferring earlier ones. */
export function orderedPlatforms(platforms: readonly Platform[]): PlatformMatcher {
  const rank = (candidate: Platform): number => platforms.findIndex((wanted) => platformEquals(wanted, candidate))
  return {rank, match: (candidate) => rank(candidate) !== -1}
}

/** The host's matcher: what `pull` and `run` choose without `--platform`. */
export function defaultPlatformMatcher(): PlatformMatcher {
  return onlyPlatform(hostPlatform())
}

/**
 * Accepts every platform that is one (not `unknown/unknown`), `preferred`'s first in its order, the
 * others after them: how docker's containerd image store picks the platform of a local image when
 * none is asked for (the host's if present, else another that is).
 */
export function preferringPlatforms(preferred: PlatformMatcher): PlatformMatcher {
  const rank = (candidate: Platform): number => {
    const preferredRank = preferred.rank(candidate)
    if (preferredRank !== -1) return preferredRank
    const normalized = normalizePlatform(candidate)
    return normalized.os === UNKNOWN || normalized.architecture === UNKNOWN || normalized.os === '' ? -1 : Number.MAX_SAFE_INTEGER - 1
  }
  return {rank, match: (candidate) => rank(candidate) !== -1}
}

/** The platform a local image is used as when none is asked for (see preferringPlatforms). */
export function localPlatformMatcher(): PlatformMatcher {
  return preferringPlatforms(defaultPlatformMatcher())
}

/**
 * Orders `items` by how well their platform suits `matcher`, dropping those it does not accept.
 * Items without a platform are kept last (an index entry that does not say what it is for).
 */
export function rankByPlatform<T>(items: readonly T[], platformOf: (item: T) => Platform | undefined, matcher: PlatformMatcher): T[] {
  const ranked: Array<{item: T; rank: number; position: number}> = []
  items.forEach((item, position) => {
    const platform = platformOf(item)
    const rank = platform === undefined ? Number.MAX_SAFE_INTEGER : matcher.rank(platform)
    if (rank !== -1) ranked.push({item, rank, position})
  })
  return ranked.sort((a, b) => a.rank - b.rank || a.position - b.position).map(({item}) => item)
}
