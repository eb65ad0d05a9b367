/**
 * Image references, parsed and normalised the way docker does (distribution/reference grammar):
 * `busybox` is `docker.io/library/busybox:latest`, a first path component holding `.` or `:`, equal
 * to `localhost` or not lowercase names a registry host, a digest pins the content.
 */
import {NerdError} from '../errors.ts'

export interface Reference {
  /** Registry host as the user names it, with port: `docker.io`, `localhost:5000`. */
  readonly domain: string
  /** Repository path inside the registry: `library/busybox`. */
  readonly path: string
  readonly tag?: string
  /** `algorithm:hex`; when present it decides what is fetched, whatever the tag says. */
  readonly digest?: string
}

export const DEFAULT_DOMAIN = 'docker.io'
const LEGACY_DEFAULT_DOMAIN = 'index.docker.io'
const OFFICIAL_REPO_PREFIX = 'library/'
const DEFAULT_TAG = 'latest'
const NAME_TOTAL_LENGTH_MAX = 255

const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*'
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])'
const DOMAIN_AND_PORT = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?`
const TAG = '[\\w][\\w.-]{0,127}'
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}'
const NAME = `(?:${DOMAIN_AND_PORT}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*`

const REFERENCE_PATTERN = new RegExp(`^(${NAME})(?::(${TAG}))?(?:@(${DIGEST}))?$`)
const ANCHORED_NAME_PATTERN = new RegExp(`^(?:(${DOMAIN_AND_PORT})/)?(${PATH_COMPONENT}(?:/${PATH_COMPONENT})*)$`)
const TAG_PATTERN = new RegExp(`^${TAG}$`)
const IDENTIFIER_PATTERN = /^[a-f0-9]{64}$/
const DIGEST_PATTERN = new RegExp(`^${DIGEST}$`)

/** Hex length of each digest algorithm docker accepts. */
const DIGEST_HEX_LENGTHS: Readonly<Record<string, number>> = {sha256: 64, sha384: 96, sha512: 128}

const INVALID_FORMAT = 'invalid reference format'

/** A word that is no image reference (or digest): lookups that try several kinds of object take it as naming no image. */
export class InvalidReferenceError extends NerdError {}

function invalidReference(message: string): NerdError {
  return new InvalidReferenceError(message)
}

/**
 * Checks `algorithm:hex` as go-digest does and returns it; throws docker's messages
 * (`invalid checksum digest format`, `... length`, `unsupported digest algorithm`).
 */
export function parseDigest(text: string): string {
  const colon = text.indexOf(':')
  if (colon <= 0 || colon + 1 === text.length) throw invalidReference('invalid checksum digest format')
  const algorithm = text.slice(0, colon)
  const hex = text.slice(colon + 1)
  const hexLength = DIGEST_HEX_LENGTHS[algorithm]
  if (hexLength === undefined) {
    throw invalidReference(DIGEST_PATTERN.test(text) ? 'unsupported digest algorithm' : 'invalid checksum digest format')
  }
  if (hex.length !== hexLength) throw invalidReference('invalid checksum digest length')
  if (!/^[a-f0-9]+$/.test(hex)) throw invalidReference('invalid checksum digest format')
  return text
}

export interface ParseReferenceOptions {
  /** Add `:latest` when the text names neither a tag nor a digest (default true). */
  defaultTag?: boolean
}

/** Parses what a user types (`busybox`, `host:5000/a/b:tag`, `name@sha256:…`) into a normalised reference. */
export function parseReference(text: string, options: ParseReferenceOptions = {}): Reference {
  if (IDENTIFIER_PATTERN.test(text)) {
    throw invalidReference(`invalid repository name (${text}), cannot specify 64-byte hexadecimal strings`)
  }
  const [domain, remainder] = splitDockerDomain(text)
  const tagSeparator = remainder.indexOf(':')
  const remote = tagSeparator > -1 ? remainder.slice(0, tagSeparator) : remainder
  if (remote.toLowerCase() !== remote) {
    throw invalidReference(`${INVALID_FORMAT}: repository name (${remote}) must be lowercase`)
  }

  const match = REFERENCE_PATTERN.exec(`${domain}/${remainder}`)
  if (!match) throw invalidReference(INVALID_FORMAT)
  const [, name, tag, digest] = match
  if (name.length > NAME_TOTAL_LENGTH_MAX) {
    throw invalidReference(`repository name must not be more than ${NAME_TOTAL_LENGTH_MAX} characters`)
  }
  const nameMatch = ANCHORED_NAME_PATTERN.exec(name)
  if (!nameMatch) throw invalidReference(INVALID_FORMAT)
  const reference: {domain: string; path: string; tag?: string; digest?: string} = {
    domain: nameMatch[1],
    path: nameMatch[2],
  }
  if (tag !== undefined) reference.tag = tag
  if (digest !== undefined) reference.digest = parseDigest(digest)
  if (tag === undefined && digest === undefined && (options.defaultTag ?? true)) reference.tag = DEFAULT_TAG
  return reference
}

/** Checks `text` as docker's ParseAnyReference: an image ID (64 hex digits), or a reference parseReference takes. */
export function checkAnyReference(text: string): void {
  if (!IDENTIFIER_PATTERN.test(text)) parseReference(text)
}

/** The repository docker's `--all-tags` pulls or pushes: a name alone, as docker insists. */
export function allTagsRepository(text: string): Reference {
  const reference = parseReference(text, {defaultTag: false})
  if (reference.tag !== undefined || reference.digest !== undefined) throw new NerdError("tag can't be used with --all-tags/-a")
  return reference
}

function splitDockerDomain(text: string): [domain: string, remainder: string] {
  const slash = text.indexOf('/')
  if (slash === -1) return [DEFAULT_DOMAIN, OFFICIAL_REPO_PREFIX + text]
  const first = text.slice(0, slash)
  const rest = text.slice(slash + 1)
  let domain: string
  let remainder: string
  if (first === LEGACY_DEFAULT_DOMAIN) {
    domain = DEFAULT_DOMAIN
    remainder = rest
  } else if (first === 'localhost' || /[.:]/.test(first) || first.toLowerCase() !== first) {
    domain = first
    remainder = rest
  } else {
    domain = DEFAULT_DOMAIN
    remainder = text
  }
  if (domain === DEFAULT_DOMAIN && !remainder.includes('/')) remainder = OFFICIAL_REPO_PREFIX + remainder
  return [domain, remainder]
}

function withSuffixes(name: string, reference: Reference): string {
  let text = name
  if (reference.tag !== undefined) text += `:${reference.tag}`
  if (reference.digest !== undefined) text += `@${reference.digest}`
  return text
}

/** `docker.io/library/busybox`: the repository, fully qualified. */
export function repository(reference: Reference): string {
  return `${reference.domain}/${reference.path}`
}

/** `busybox`, `user/app`, `localhost:5000/app`: the repository as docker displays it. */
export function familiarRepository(reference: Reference): string {
  if (reference.domain !== DEFAULT_DOMAIN) return repository(reference)
  if (reference.path.startsWith(OFFICIAL_REPO_PREFIX)) {
    const short = reference.path.slice(OFFICIAL_REPO_PREFIX.length)
    if (!short.includes('/')) return short
  }
  return reference.path
}

/** `docker.io/library/busybox:latest`: the name containerd image records carry (as nerdctl names them). */
export function normalizedName(reference: Reference): string {
  return withSuffixes(repository(reference), reference)
}

/** The name a new tag (tag, commit) gives its image: docker's clients refuse one with a digest. */
export function newTagName(reference: Reference): string {
  if (reference.digest !== undefined) throw new NerdError('refusing to create a tag with a digest reference')
  return normalizedName(reference)
}

/** `busybox:latest`: the name docker shows. */
export function familiarName(reference: Reference): string {
  return withSuffixes(familiarRepository(reference), reference)
}

/** Host to send HTTP requests to for a registry domain: Docker Hub is served by `registry-1.docker.io`. */
export function registryHost(reference: Pick<Reference, 'domain'>): string {
  return reference.domain === DEFAULT_DOMAIN ? 'registry-1.docker.io' : reference.domain
}

/** The same repository with another tag; a digest stays, as with docker's WithTag. */
export function withTag(reference: Reference, tag: string): Reference {
  if (!TAG_PATTERN.test(tag)) throw invalidReference('invalid tag format')
  return {...reference, tag}
}

/** The same repository pinned to a digest; a tag stays, as with docker's WithDigest. */
export function withDigest(reference: Reference, digest: string): Reference {
  if (!DIGEST_PATTERN.test(digest)) throw invalidReference('invalid digest format')
  return {...reference, digest: parseDigest(digest)}
}

const SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i

/** The scheme of a reference like `ipfs://...`, which only a plugin's resolve hook knows (lower case); undefined for a registry reference. */
export function referenceScheme(reference: string): string | undefined {
  return SCHEME.exec(reference)?.[1]?.toLowerCase()
}
