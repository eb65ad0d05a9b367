/**
 * Images as docker's image commands show them: one summary per image record (repository, tag, ID
 * = config digest of the host's platform, creation time, platform, size), docker's `--filter`
 * keys, and finding the records a user's word names (a reference, or an image ID or its prefix).
 */
import type {ContainerdClient} from '../containerd/index.ts'
import {isNotFound} from '../containerd/index.ts'
import {parseLogTime} from '../container/logs/read.ts'
import {NerdError} from '../errors.ts'
import {booleanFilter, filterTerms} from '../filter-terms.ts'
import {compareStrings, goLocalTimeString, goUnixTime, humanSize, timeAgo, truncateId} from '../format/index.ts'
import type {ImageConfig} from './manifest.ts'
import {configPlatform, defaultPlatformMatcher, formatPlatform, onlyPlatform} from './platform.ts'
import {familiarName, familiarRepository, normalizedName, parseReference, withDigest} from './reference.ts'
import type {Reference} from './reference.ts'
import type {ManifestCache} from './manifest-cache.ts'
import {chainIds, imageSize, isDanglingImageName, listImages, PARENT_IMAGE_LABEL, recordsByDigest, resolveImageConfig} from './store.ts'
import type {ImageRecord, ResolvedImageConfig} from './store.ts'

export const NONE = '<none>'

/** An image record with what docker's listing shows of it. */
export interface ImageSummary {
  record: ImageRecord
  /** Familiar repository (`busybox`, `127.0.0.1:5000/x`), `<none>` for a dangling image. */
  repository: string
  /** The tag, `<none>` when the name has none. */
  tag: string
  /** The root descriptor's digest (what a registry knows the image by). */
  digest: string
  /** The config digest of the host's platform; the root digest when no platform's config is present. */
  id: string
  created?: Date
  /** `linux/amd64`; empty when no config is present. */
  platform: string
  size: number
  config?: ImageConfig
}

/** `busybox:1` → [`busybox`, `1`]; a dangling record → [`<none>`, `<none>`]. */
export function repositoryAndTag(name: string): [repository: string, tag: string] {
  if (isDanglingImageName(name)) return [NONE, NONE]
  try {
    const reference = parseReference(name, {defaultTag: false})
    return [familiarRepository(reference), reference.tag ?? NONE]
  } catch {
    // A record another client named outside docker's grammar is still listed, as it is.
    return [name, NONE]
  }
}

export interface SummarizeOptions {
  /**
   * Report the size docker reports, the unpacked layers' disk usage in this snapshotter, where the
   * image is unpacked there (else the content's compressed size). Costs a walk of the layers' files.
   */
  unpackedIn?: string
  /** Where manifests and configs read before are kept (they are read from containerd otherwise). */
  manifestCache?: ManifestCache
}

/** Disk usage of one unpacked layer, its snapshot's (named by its chain ID); undefined when it is not unpacked in `snapshotter`. */
export async function unpackedLayerSize(client: ContainerdClient, snapshotter: string, chainId: string): Promise<number | undefined> {
  try {
    return Number((await client.snapshots.usage(snapshotter, chainId)).size)
  } catch (error) {
    if (isNotFound(error)) return undefined
    throw error
  }
}

/** Disk usage of an image's unpacked layers, or undefined when a layer is not unpacked in `snapshotter`. */
export async function unpackedSize(client: ContainerdClient, config: ImageConfig, snapshotter: string): Promise<number | undefined> {
  let total = 0
  for (const chainId of chainIds(config.rootfs.diff_ids)) {
    const size = await unpackedLayerSize(client, snapshotter, chainId)
    if (size === undefined) return undefined
    total += size
  }
  return total
}

/**
 * The summary of one record, as the platform it is used as without --platform: the host's, else
 * another present (resolveImageConfig). Nothing of any platform present leaves the ID as the root digest.
 */
export async function summarizeImage(client: ContainerdClient, record: ImageRecord, options: SummarizeOptions = {}): Promise<ImageSummary> {
  const [repository, tag] = repositoryAndTag(record.name)
  const summary: ImageSummary = {record, repository, tag, digest: record.target.digest, id: record.target.digest, platform: '', size: 0}
  try {
    return await withResolvedPlatform(client, summary, await resolveImageConfig(client, record, undefined, options.manifestCache), options)
  } catch (error) {
    if (!(error instanceof NerdError)) throw error
  }
  return summary
}

/**
 * `summary` as the image of one platform, `resolved` (`--platform`, or the default one): that
 * platform's ID, config, creation time and size.
 */
export async function withResolvedPlatform(client: ContainerdClient, summary: ImageSummary, resolved: ResolvedImageConfig, options: Pick<SummarizeOptions, 'unpackedIn'> = {}): Promise<ImageSummary> {
  const {config} = resolved
  const platform = configPlatform(config)
  const result: ImageSummary = {...summary, config, id: resolved.configDescriptor.digest, platform: formatPlatform(platform)}
  delete result.created
  if (config.created) result.created = new Date(config.created)
  // The content size counts the manifests of the platform: the host's (and what it also runs) when it is one of them.
  const sized = resolved.index === undefined || defaultPlatformMatcher().match(platform) ? undefined : onlyPlatform(platform)
  result.size = (options.unpackedIn ? await unpackedSize(client, config, options.unpackedIn) : undefined) ?? (await imageSize(client, summary.record, sized))
  return result
}

/** Every image of the namespace, newest first (docker's order). */
export async function summarizeImages(client: ContainerdClient, options: SummarizeOptions = {}): Promise<ImageSummary[]> {
  const summaries = await Promise.all((await listImages(client)).map((record) => summarizeImage(client, record, options)))
  return summaries.sort((a, b) => (b.created?.getTime() ?? 0) - (a.created?.getTime() ?? 0) || compareStrings(a.record.name, b.record.name))
}

/** The subcommands of docker's `image` and their aliases, which `images WORD` is likely a mistake for. */
const IMAGE_SUBCOMMANDS = ['build', 'history', 'import', 'inspect', 'list', 'load', 'ls', 'prune', 'pull', 'push', 'rm', 'save', 'tag']

/**
 * docker's hint when `images ls` (which lists the repository `ls`) found nothing, for its stderr;
 * undefined for a repository that is no such word.
 */
export function subcommandTakenForRepositoryHint(repository: string): string | undefined {
  return IMAGE_SUBCOMMANDS.includes(repository) ? `\nNo images found matching "${repository}": did you mean "nerd image ${repository}"?\n` : undefined
}

/**
 * The rows of `images`: a `name@digest` record's row is left out when the same image has a tag in
 * that repository, as docker's formatter does (the tag's row shows the digest with --digests).
 */
export function listedImages(summaries: readonly ImageSummary[]): ImageSummary[] {
  const tagged = new Set(summaries.filter((summary) => summary.tag !== NONE).map((summary) => `${summary.repository} ${summary.id}`))
  return summaries.filter((summary) => !(summary.record.name.includes('@') && tagged.has(`${summary.repository} ${summary.id}`)))
}

/**
 * docker's checkTruncatedID: a word that can name an image by its ID is 4 to 64 hex digits, with
 * or without `sha256:`; its hex, else undefined.
 */
export function truncatedImageId(text: string): string | undefined {
  return /^(?:sha256:)?([a-f0-9]{4,64})$/.exec(text)?.[1]
}

/**
 * The items whose image ID (`idOf`) begins with `hex` (truncatedImageId's); docker's words when
 * they are of more than one image, which its client counts as not found (`rmi -f` goes on).
 */
export function withIdPrefix<T>(items: readonly T[], hex: string, idOf: (item: T) => string): T[] {
  const found = items.filter((item) => idOf(item).startsWith(`sha256:${hex}`))
  if (new Set(found.map(idOf)).size > 1) throw new NoSuchImageError('ambiguous reference')
  return found
}

/** How a user's word found its images: a record's own name, a repository digest, or the image ID. */
export type ImageLookup = {by: 'name' | 'digest' | 'id'; found: ImageSummary[]}

/**
 * The images a user's word names: a reference (`busybox`, `busybox:1`, `x@sha256:…`) names its
 * record, and a `name@digest` the records of that repository whose root is that digest (its
 * RepoDigests), its own record first when there is one; otherwise an image ID or a prefix of its
 * hex (truncatedImageId) names every record with that ID. Nothing found when nothing matches; an
 * ambiguous prefix is an error.
 */
export function lookupImages(summaries: readonly ImageSummary[], text: string): ImageLookup {
  const hex = truncatedImageId(text)
  let reference: Reference | undefined
  try {
    reference = parseReference(text)
  } catch (error) {
    if (hex === undefined) throw error
  }
  if (reference !== undefined) {
    const name = normalizedName(reference)
    const records = summaries.map((summary) => summary.record)
    const byName = summaries.filter((summary) => summary.record.name === name)
    if (byName.length > 0) {
      if (reference.digest === undefined) return {by: 'name', found: byName}
      // As docker's getSameReferences, the tags of the repository with that root come along.
      const same = recordsByDigest(records, withDigest(reference, byName[0].record.target.digest))
      return {by: 'name', found: [...byName, ...summaries.filter((summary) => same.includes(summary.record) && !byName.includes(summary))]}
    }
    const byDigest = recordsByDigest(records, reference)
    if (byDigest.length > 0) return {by: 'digest', found: summaries.filter((summary) => byDigest.includes(summary.record))}
    if (hex === undefined) return {by: 'name', found: []}
  }
  return {by: 'id', found: withIdPrefix(summaries, hex as string, (summary) => summary.id)}
}

/**
 * The list without its intermediate images, as docker's `images` without -a (image_list.go
 * hideIntermediate): the dangling records of the images others were committed from.
 */
export function withoutIntermediates(summaries: readonly ImageSummary[]): ImageSummary[] {
  const parents = new Set(imageParents(summaries).values())
  return summaries.filter((summary) => !(isDanglingImageName(summary.record.name) && parents.has(summary.id)))
}

/** The ID of the image each committed image (by its ID) was committed from, as its records' parent label names it. */
export function imageParents(summaries: readonly ImageSummary[]): Map<string, string> {
  const parentOf = new Map<string, string>()
  for (const summary of summaries) {
    const parent = summary.record.labels[PARENT_IMAGE_LABEL]
    if (parent) parentOf.set(summary.id, parent)
  }
  return parentOf
}

/** The IDs of the images committed from an image, by its ID: those whose records name it their parent (docker's Children). */
export function imageChildren(summaries: readonly ImageSummary[]): (id: string) => string[] {
  const children = new Map<string, Set<string>>()
  for (const summary of summaries) {
    const parent = summary.record.labels[PARENT_IMAGE_LABEL]
    if (parent !== undefined) children.set(parent, (children.get(parent) ?? new Set()).add(summary.id))
  }
  return (id) => [...(children.get(id) ?? [])]
}

/**
 * The IDs of the images `image` was committed from, its parent first, as docker's containerd store
 * walks them for history (image_history.go): up to an image with no parent, or whose parent is gone.
 */
export function imageAncestors(summaries: readonly ImageSummary[], image: ImageSummary): string[] {
  const parentOf = imageParents(summaries)
  const present = new Set(summaries.map((summary) => summary.id))
  const ancestors: string[] = []
  for (let parent: string | undefined = image.record.labels[PARENT_IMAGE_LABEL]; parent !== undefined && present.has(parent) && !ancestors.includes(parent); parent = parentOf.get(parent)) {
    ancestors.push(parent)
  }
  return ancestors
}

/** The images a user's word names (see lookupImages). */
export function findImages(summaries: readonly ImageSummary[], text: string): ImageSummary[] {
  return lookupImages(summaries, text).found
}

/** A word that names no image, or no platform of it `rmi --platform` asks for (`rmi -f` reports it and goes on, as docker's). */
export class NoSuchImageError extends NerdError {}

/**
 * docker's error for a word that names no image, with the reference as docker normalises it:
 * `nosuch` is `nosuch:latest`, a bare 64-hex ID `sha256:…`.
 */
export function noSuchImage(text: string): NoSuchImageError {
  let shown = text
  if (/^[a-f0-9]{64}$/.test(text)) shown = `sha256:${text}`
  else {
    try {
      shown = familiarName(parseReference(text))
    } catch {
      // Not a reference: docker names it as typed.
    }
  }
  return new NoSuchImageError(`No such image: ${shown}`)
}

export interface ImageFilter {
  key: 'reference' | 'dangling' | 'before' | 'since' | 'until' | 'label' | 'label!'
  value: string
}

/** The keys docker's containerd image store lists images by. */
const FILTER_KEYS: readonly string[] = ['reference', 'dangling', 'before', 'since', 'until', 'label', 'label!']

/**
 * Parses `--filter key=value` values, with docker's messages for an unknown key, a dangling value
 * that is not 0, 1, true or false (or both at once), and an until that is neither a time nor a duration.
 */
export function parseImageFilters(texts: readonly string[], now = new Date()): ImageFilter[] {
  const filters = filterTerms(texts).map(({key, value}) => {
    if (!FILTER_KEYS.includes(key)) throw new NerdError(`invalid filter '${key}'`)
    // Refused in parseLogTime's words alone, as docker's containerd store refuses it.
    if (key === 'until') parseLogTime(value, now)
    return {key: key as ImageFilter['key'], value}
  })
  danglingWanted(filters)
  return filters
}

/** Whether the filters want dangling images (true) or named ones (false); undefined: either. */
function danglingWanted(filters: readonly ImageFilter[]): boolean | undefined {
  return booleanFilter('dangling', filters.filter((filter) => filter.key === 'dangling').map((filter) => filter.value))
}

/** Go's path.Match for the `*`, `?` and `[...]` patterns of reference filters (`*` stops at `/`). */
export function globMatches(pattern: string, text: string): boolean {
  let source = '^'
  for (let index = 0; index < pattern.length; index++) {
    const char = pattern[index]
    if (char === '*') source += '[^/]*'
    else if (char === '?') source += '[^/]'
    else if (char === '[') {
      const end = pattern.indexOf(']', index + 1)
      if (end === -1) return false
      let set = pattern.slice(index + 1, end)
      if (set.startsWith('^')) set = `!${set.slice(1)}`
      source += `[${set.startsWith('!') ? `^${set.slice(1)}` : set}]`
      index = end
    } else source += char.replace(/[.+^${}()|\\]/g, '\\$&')
  }
  return new RegExp(`${source}$`).test(text)
}

/** docker's reference filter: the pattern against the familiar repository, or against `repository:tag`. */
function matchesReference(summary: ImageSummary, pattern: string): boolean {
  if (summary.repository === NONE) return false
  if (globMatches(pattern, summary.repository)) return true
  return summary.tag !== NONE && globMatches(pattern, `${summary.repository}:${summary.tag}`)
}

/**
 * docker's label checks on the image config: `label=key` (set), `label=key=value`, and their
 * negations `label!=...`; a key written `key!` flips the check, as in docker.
 */
function labelCheck(filter: ImageFilter): (labels: Record<string, string>) => boolean {
  const equals = filter.value.indexOf('=')
  let key = equals === -1 ? filter.value : filter.value.slice(0, equals)
  const value = equals === -1 ? undefined : filter.value.slice(equals + 1)
  let negate = filter.key === 'label!'
  if (key.endsWith('!')) {
    key = key.slice(0, -1)
    negate = !negate
  }
  return (labels) => (Object.hasOwn(labels, key) && (value === undefined || labels[key] === value)) !== negate
}

/**
 * The time an `until=` filter compares, in `images` and `image prune` alike: when containerd
 * recorded the image (pulled, loaded, tagged), as docker's containerd store compares, not when its
 * config says it was built; that one for a record that has no time.
 */
export function untilComparedTime(summary: ImageSummary): Date | undefined {
  return summary.record.createdAt ?? summary.created
}

/**
 * Keeps the summaries all filter keys accept, as docker does: any of the reference patterns, every
 * label check; before/since name an image whose creation time bounds the list (docker's
 * containerd store: one without a creation time bounds nothing, and the bounds leave out the images
 * without one), looked up among `everyImage` (the intermediate images too); until keeps the images
 * recorded before that time (untilComparedTime).
 */
export function filterImages(summaries: readonly ImageSummary[], filters: readonly ImageFilter[], options: {now?: Date; everyImage?: readonly ImageSummary[]} = {}): ImageSummary[] {
  const {now = new Date(), everyImage = summaries} = options
  const anchorTime = (text: string): number[] => {
    const [anchor] = findImages(everyImage, text)
    if (!anchor) throw new NerdError(`No such image: ${text}`)
    return anchor.created ? [anchor.created.getTime()] : []
  }
  const values = (key: ImageFilter['key']) => filters.filter((filter) => filter.key === key).map((filter) => filter.value)
  const references = values('reference')
  const labelChecks = filters.filter((filter) => filter.key === 'label' || filter.key === 'label!').map(labelCheck)
  const dangling = danglingWanted(filters)
  const before = values('before').flatMap(anchorTime)
  const since = values('since').flatMap(anchorTime)
  const until = values('until').map((value) => parseLogTime(value, now).getTime())
  return summaries.filter((summary) => {
    const created = summary.created?.getTime() ?? Number.NaN
    const recorded = untilComparedTime(summary)?.getTime() ?? 0
    if (references.length > 0 && !references.some((pattern) => matchesReference(summary, pattern))) return false
    const labels = summary.config?.config?.Labels ?? {}
    if (!labelChecks.every((check) => check(labels))) return false
    if (dangling !== undefined && dangling !== (summary.repository === NONE)) return false
    if (!before.every((time) => created < time)) return false
    if (!since.every((time) => created > time)) return false
    if (!until.every((time) => recorded < time)) return false
    return true
  })
}

/** One line of `images`, as templates see it (docker's field names). */
export interface ImageRow {
  Repository: string
  Tag: string
  Digest: string
  ID: string
  CreatedSince: string
  CreatedAt: string
  Platform: string
  Size: string
  Containers: string
  SharedSize: string
  UniqueSize: string
  VirtualSize: string
}

/** The Go type docker's `images` templates run on (named in their errors). */
export const IMAGE_CONTEXT = '*formatter.imageContext'

/** docker's `raw` format of `images` (with the digest for --digests). */
export function imageRawFormat(digest: boolean): string {
  return `repository: {{ .Repository }}\ntag: {{.Tag}}\n${digest ? 'digest: {{.Digest}}\n' : ''}image_id: {{.ID}}\ncreated_at: {{.CreatedAt}}\nvirtual_size: {{.Size}}\n`
}

/** What `system df` knows of an image besides `images`: its containers and the size it shares with other images. */
export interface ImageUsage {
  size: number
  shared: number
  containers: number
}

/**
 * docker's Digest of an `images` row: `<none>` for a dangling image; for a tag, the digest only with
 * --digests or a format that has `{{.Digest}}` as written (needDigest), else `<none>`; for a name by
 * digest alone, the digest with --digests, else nothing.
 */
export function listingDigest(summary: ImageSummary, options: {digests: boolean; format: string}): string {
  if (isDanglingImageName(summary.record.name)) return NONE
  if (summary.tag !== NONE) return options.digests || options.format.includes('{{.Digest}}') ? summary.digest : NONE
  return options.digests ? summary.digest : ''
}

/**
 * The fields of docker's imageContext: `.CreatedAt` as Go prints `time.Unix(created, 0)` in the local
 * zone (an image without a creation time is docker's 0: 1970, decades ago), usage `N/A` unless given
 * (then SharedSize and UniqueSize with 4 digits, as docker's). `.Platform` is nerd's, kept out of
 * `{{json .}}` (docker's has no such key). `digest` is the listing's to decide.
 */
export function imageRow(summary: ImageSummary, options: {noTrunc: boolean; digest: string; now?: Date; usage?: ImageUsage}): ImageRow {
  const {usage} = options
  const size = usage?.size ?? summary.size
  const created = goUnixTime(summary.created?.getTime() ?? 0)
  const row: ImageRow = {
    Repository: summary.repository,
    Tag: summary.tag,
    Digest: options.digest,
    ID: truncateId(summary.id, options.noTrunc),
    CreatedSince: timeAgo(created, options.now),
    CreatedAt: goLocalTimeString(created),
    Platform: summary.platform,
    Size: humanSize(size),
    Containers: usage ? String(usage.containers) : 'N/A',
    SharedSize: usage ? humanSize(usage.shared, 4) : 'N/A',
    UniqueSize: usage ? humanSize(size - usage.shared, 4) : 'N/A',
    VirtualSize: humanSize(size, 4),
  }
  return Object.defineProperty(row, 'Platform', {enumerable: false})
}
