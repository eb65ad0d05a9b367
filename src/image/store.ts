/**
 * Images and their blobs in containerd: the content store (blobs by digest, with labels) and the
 * image store (names pointing at a root descriptor), plus walking an image from its root to the
 * manifest and config of a platform.
 */
import {createHash} from 'node:crypto'
import type {ContainerdClient, Descriptor as ContainerdDescriptor, DescriptorInput, Image, Labels} from '../containerd/index.ts'
import {isAlreadyExists, isNotFound, toDate} from '../containerd/index.ts'
import {NerdError} from '../errors.ts'
import {
  chainIds,
  childrenOf,
  indexTree,
  ingestRef,
  isNonDistributable,
  LABEL_GC_REF_CONTENT,
  parseConfig,
  parseIndex,
  parseManifest,
} from './manifest.ts'
import type {Descriptor, ImageConfig, ImageIndex, ImageManifest, IndexTree} from './manifest.ts'
import {defaultPlatformMatcher, formatPlatform, localPlatformMatcher, normalizePlatform, onlyPlatform, parsePlatform, rankByPlatform} from './platform.ts'
import type {Platform, PlatformMatcher} from './platform.ts'
import type {ManifestCache} from './manifest-cache.ts'
import {isIndexMediaType, isManifestMediaType} from './registry/media-types.ts'
import {parseReference, repository} from './reference.ts'
import type {Reference} from './reference.ts'

export {chainIds} from './manifest.ts'

const DANGLING_PREFIX = 'nerd-dangling@'

/**
 * The record name of an image that has no name (docker's `<none>`): containerd keys image records
 * by name, so nerd names it `nerd-dangling@<digest of its root>`, the convention docker's containerd
 * image store uses with `moby-dangling@`. Listings show it as `<none>:<none>`; a tag names it later.
 */
export function danglingImageName(digest: string): string {
  return `${DANGLING_PREFIX}${digest}`
}

export function isDanglingImageName(name: string): boolean {
  return name.startsWith(DANGLING_PREFIX)
}

/**
 * The label a committed image's records carry: the image ID (config digest) of the image it was
 * committed from, as docker's containerd image store records it (`docker image inspect`'s Parent,
 * and the images `ps -f ancestor=` walks down to).
 */
export const PARENT_IMAGE_LABEL = 'org.mobyproject.image.parent'

/** An image record: a name and the root descriptor (index or manifest) it points at. */
export interface ImageRecord {
  name: string
  target: Descriptor
  labels: Labels
  createdAt?: Date
  updatedAt?: Date
}

/** Blob content for writeBlob: the bytes, a stream, or a function streaming from an offset (resumable). */
export type BlobData = Uint8Array | AsyncIterable<Uint8Array> | ((offset: number) => AsyncIterable<Uint8Array>)

export interface WriteBlobOptions {
  /** Set on the blob when it is committed, or added to an existing blob's labels. */
  labels?: Labels
  /** Ingest name; containerd's convention (`layer-<digest>`, …) by default. */
  ref?: string
  signal?: AbortSignal
}

export interface WriteBlobResult {
  /** The blob was already in this namespace: nothing was written (its labels were updated). */
  existed: boolean
}

/** The image platform's documents, found from an image's root. */
/** An index without a manifest (pulled) for the platform asked for. */
export class NoPlatformManifestError extends NerdError {}

export interface ResolvedImageConfig {
  manifestDescriptor: Descriptor
  manifest: ImageManifest
  configDescriptor: Descriptor
  config: ImageConfig
  /** The index the manifest was chosen from, when the root is one. */
  index?: ImageIndex
}

export function toDescriptor(descriptor: ContainerdDescriptor): Descriptor {
  const result: Descriptor = {mediaType: descriptor.mediaType, digest: descriptor.digest, size: Number(descriptor.size)}
  if (descriptor.annotations && Object.keys(descriptor.annotations).length > 0) result.annotations = {...descriptor.annotations}
  return result
}

export function toDescriptorInput(descriptor: Descriptor): DescriptorInput {
  return {mediaType: descriptor.mediaType, digest: descriptor.digest, size: descriptor.size, annotations: descriptor.annotations ?? {}}
}

function toRecord(image: Image): ImageRecord {
  if (!image.target) throw new NerdError(`image ${image.name} has no target`)
  const record: ImageRecord = {name: image.name, target: toDescriptor(image.target), labels: image.labels}
  const createdAt = toDate(image.createdAt)
  const updatedAt = toDate(image.updatedAt)
  if (createdAt) record.createdAt = createdAt
  if (updatedAt) record.updatedAt = updatedAt
  return record
}

/** A blob's bytes, whole. For manifests, indexes and configs; stream layers with client.content.read. */
export async function readBlob(client: ContainerdClient, digest: string): Promise<Buffer> {
  try {
    return await client.content.readAll(digest)
  } catch (error) {
    if (isNotFound(error)) throw new NerdError(`content ${digest} not found in namespace ${client.namespace}`, {cause: error})
    throw error
  }
}

/** A JSON blob (manifest, index, config), parsed; its size must be the descriptor's. */
export async function readJson<T>(client: ContainerdClient, descriptor: Pick<Descriptor, 'digest' | 'size'>): Promise<T> {
  const bytes = await readBlob(client, descriptor.digest)
  if (bytes.length !== descriptor.size) throw new NerdError(`content ${descriptor.digest} has ${bytes.length} bytes, its descriptor says ${descriptor.size}`)
  try {
    return JSON.parse(bytes.toString('utf8')) as T
  } catch (error) {
    throw new NerdError(`content ${descriptor.digest} is not valid JSON: ${(error as Error).message}`)
  }
}

/** Whether the blob is committed in this namespace. */
export async function blobPresent(client: ContainerdClient, digest: string): Promise<boolean> {
  return (await blobLabels(client, digest)) !== undefined
}

/** Whether the blob is committed in this namespace; its labels if so. */
export async function blobLabels(client: ContainerdClient, digest: string): Promise<Labels | undefined> {
  try {
    return (await client.content.info(digest)).labels
  } catch (error) {
    if (isNotFound(error)) return undefined
    throw error
  }
}

/**
 * Like blobLabels, for work under a lease that goes on to rely on the blob. A blob found is added to
 * the lease and looked up again: one nothing references any more (left by a failed pull) is still
 * listed until the garbage collector runs, and held by the lease it cannot vanish halfway through
 * this work. A blob not found is not added: writing it under the lease holds it, and a fresh pull
 * saves a database transaction per blob.
 */
export async function heldBlobLabels(client: ContainerdClient, digest: string): Promise<Labels | undefined> {
  const found = await blobLabels(client, digest)
  if (found === undefined || client.lease === undefined) return found
  await client.leases.addResource(client.lease, {id: digest, type: 'content'})
  return blobLabels(client, digest)
}

/** Sets the labels of `wanted` that differ on a blob, one field-mask path per label, leaving the others. */
export async function addBlobLabels(client: ContainerdClient, digest: string, wanted: Labels, existing?: Labels): Promise<void> {
  const changed = Object.entries(wanted).filter(([key, value]) => existing?.[key] !== value)
  if (changed.length === 0) return
  await client.content.update({digest, labels: Object.fromEntries(changed)}, changed.map(([key]) => `labels.${key}`))
}

function resumable(data: BlobData): Uint8Array | ((offset: number) => AsyncIterable<Uint8Array>) {
  if (data instanceof Uint8Array || typeof data === 'function') return data
  // A stream cannot be rewound: an ingest already holding its start is continued by skipping.
  return (offset) => skipBytes(data, offset)
}

async function* skipBytes(source: AsyncIterable<Uint8Array>, count: number): AsyncIterable<Uint8Array> {
  let skip = count
  for await (const chunk of source) {
    if (skip >= chunk.length) {
      skip -= chunk.length
      continue
    }
    yield skip > 0 ? chunk.subarray(skip) : chunk
    skip = 0
  }
}

/** A JSON document as a blob: its bytes and its descriptor. */
export function jsonBlob(value: unknown, mediaType: string): {bytes: Buffer; descriptor: Descriptor} {
  const bytes = Buffer.from(JSON.stringify(value))
  return {bytes, descriptor: {mediaType, digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}`, size: bytes.length}}
}

/**
 * Writes a blob into the content store and commits it with `labels` (containerd verifies its size
 * and digest). A blob the namespace already has is not written again; its labels are updated.
 */
export async function writeBlob(client: ContainerdClient, descriptor: Descriptor, data: BlobData, options: WriteBlobOptions = {}): Promise<WriteBlobResult> {
  const labels = options.labels ?? {}
  const existing = await heldBlobLabels(client, descriptor.digest)
  if (existing !== undefined) {
    await addBlobLabels(client, descriptor.digest, labels, existing)
    return {existed: true}
  }
  const result = await client.content.write(options.ref ?? ingestRef(descriptor), resumable(data), {
    expected: descriptor.digest,
    total: descriptor.size,
    labels,
    signal: options.signal,
  })
  if (result.existed) await addBlobLabels(client, descriptor.digest, labels, await heldBlobLabels(client, descriptor.digest))
  return {existed: result.existed}
}

/** The image record of `name` (normalised, `docker.io/library/busybox:latest`); undefined when there is none. */
export async function getImage(client: ContainerdClient, name: string): Promise<ImageRecord | undefined> {
  try {
    return toRecord(await client.images.get(name))
  } catch (error) {
    if (isNotFound(error)) return undefined
    throw error
  }
}

/**
 * The records of `repository` whose root is `digest`: what `repository@digest` names when the image
 * was pulled by a tag, as its RepoDigests show it.
 */
export function recordsByDigest<T extends {name: string; target: {digest: string}}>(records: readonly T[], reference: Reference): T[] {
  if (reference.digest === undefined) return []
  return records.filter((record) => {
    if (record.target.digest !== reference.digest) return false
    try {
      return repository(parseReference(record.name)) === repository(reference)
    } catch {
      return false
    }
  })
}

/** Image records, all or those matching containerd filters (`name==…`, `labels.<k>`, `target.digest==…`; several are ORed). */
export async function listImages(client: ContainerdClient, filters: string[] = []): Promise<ImageRecord[]> {
  return (await client.images.list(filters)).filter((image) => image.target !== null).map(toRecord)
}

/**
 * How many times putImage goes round when other commands delete and make the name between its
 * calls: each round is lost only to another command's change, so a few are plenty.
 */
const PUT_IMAGE_ROUNDS = 10

/**
 * Creates the image record, or points an existing one at `target` with `labels` (replacing both).
 * The record can be deleted between the create that found it and the update (a racing rmi, or a
 * pull moving a dangling name away), and made again before the next create: both are tried again,
 * as docker's reference store overwrites whatever is there.
 */
export async function putImage(client: ContainerdClient, image: {name: string; target: Descriptor; labels?: Labels}): Promise<ImageRecord> {
  const input = {name: image.name, target: toDescriptorInput(image.target), labels: image.labels ?? {}}
  for (let round = 1; ; round++) {
    try {
      return toRecord(await client.images.create(input))
    } catch (error) {
      if (!isAlreadyExists(error)) throw error
    }
    try {
      return toRecord(await client.images.update(input))
    } catch (error) {
      if (!isNotFound(error) || round === PUT_IMAGE_ROUNDS) throw error
    }
  }
}

/**
 * Deletes an image record; its blobs and snapshots go with the garbage collection that follows
 * (awaited with `sync`). Returns false when there was no such image.
 */
export async function deleteImage(client: ContainerdClient, name: string, options: {sync?: boolean} = {}): Promise<boolean> {
  try {
    await client.images.delete(name, {sync: options.sync ?? false})
    return true
  } catch (error) {
    if (isNotFound(error)) return false
    throw error
  }
}

function matcherFor(platform: Platform | PlatformMatcher | string | undefined, fallback: () => PlatformMatcher = defaultPlatformMatcher): PlatformMatcher {
  if (platform === undefined) return fallback()
  if (typeof platform === 'string') return onlyPlatform(parsePlatform(platform))
  if ('match' in platform) return platform
  return onlyPlatform(platform)
}

function describePlatform(platform: Platform | PlatformMatcher | string | undefined): string {
  if (platform === undefined) return 'the host platform'
  if (typeof platform === 'string') return formatPlatform(parsePlatform(platform))
  if ('match' in platform) return 'the requested platform'
  return formatPlatform(normalizePlatform(platform))
}

async function imageTarget(client: ContainerdClient, image: ImageRecord | Descriptor | string): Promise<{target: Descriptor; name: string}> {
  if (typeof image !== 'string') return 'target' in image ? {target: image.target, name: image.name} : {target: image, name: image.digest}
  const record = await getImage(client, image)
  if (!record) throw new NerdError(`No such image: ${image}`)
  return {target: record.target, name: record.name}
}

/**
 * Whether a manifest and what a push of it sends (its config and distributable layers) are all in
 * the content store and kept there for it: an index's other platforms often are not, or only their
 * manifests (a load keeps every manifest of an index and the content of the platforms it loads).
 * A blob the manifest's garbage-collection labels do not name is left over (from an image removed,
 * or a load's other platforms) and goes whenever the collector runs, so it does not count. Under a
 * lease, what is found is added to it (heldBlobLabels) and cannot go while the caller relies on it.
 */
export async function manifestContentPresent(client: ContainerdClient, descriptor: Descriptor): Promise<boolean> {
  const labels = await heldBlobLabels(client, descriptor.digest)
  if (labels === undefined) return false
  const kept = new Set(Object.entries(labels).filter(([key]) => key.startsWith(`${LABEL_GC_REF_CONTENT}.`)).map(([, digest]) => digest))
  const manifest = parseManifest(await readBlob(client, descriptor.digest), `manifest ${descriptor.digest}`)
  for (const blob of [manifest.config, ...manifest.layers]) {
    if (isNonDistributable(blob.mediaType)) continue
    if (!kept.has(blob.digest) || (await heldBlobLabels(client, blob.digest)) === undefined) return false
  }
  return true
}

/**
 * The manifests an index leads to through the indexes inside it that are in the content store;
 * `indexBytes` collects the bytes of those read, for a caller that sends them on (push).
 */
export function presentIndexTree(client: ContainerdClient, index: ImageIndex, indexBytes?: Map<string, Uint8Array>): Promise<IndexTree> {
  return indexTree(index, async (child) => {
    if (!(await blobPresent(client, child.digest))) return undefined
    const bytes = await readBlob(client, child.digest)
    indexBytes?.set(child.digest, bytes)
    return parseIndex(bytes, `index ${child.digest}`)
  })
}

/** The manifests an image's root leads to: itself when a manifest, else presentIndexTree's (none when the index is not here). */
export async function presentManifests(client: ContainerdClient, root: Descriptor): Promise<Descriptor[]> {
  if (isManifestMediaType(root.mediaType)) return [root]
  if (!isIndexMediaType(root.mediaType) || !(await blobPresent(client, root.digest))) return []
  return (await presentIndexTree(client, parseIndex(await readBlob(client, root.digest), `index ${root.digest}`))).manifests
}

/**
 * The manifest and config an image (record, name or root descriptor) uses on `platform`. Of an
 * index's matching manifests the best one whose manifest and config are present wins; with no
 * platform given, the host's when present, else another platform that is (localPlatformMatcher).
 */
export async function resolveImageConfig(
  client: ContainerdClient,
  image: ImageRecord | Descriptor | string,
  platform?: Platform | PlatformMatcher | string,
  cache?: ManifestCache,
): Promise<ResolvedImageConfig> {
  const {target, name} = await imageTarget(client, image)
  let manifestDescriptor = target
  let index: ImageIndex | undefined
  if (isIndexMediaType(target.mediaType)) {
    index = parseIndex(await readBlob(client, target.digest), `index ${target.digest}`)
    const {manifests} = await presentIndexTree(client, index)
    const candidates = rankByPlatform(manifests, (child) => child.platform, matcherFor(platform, localPlatformMatcher))
    let found: Descriptor | undefined
    for (const candidate of candidates) {
      if (await manifestAndConfigPresent(client, candidate, cache)) {
        found = candidate
        break
      }
    }
    if (!found) {
      throw new NoPlatformManifestError(`image ${name}: no manifest for ${describePlatform(platform)}${candidates.length > 0 ? ' was pulled' : ' in its index'}`)
    }
    manifestDescriptor = found
  } else if (!isManifestMediaType(target.mediaType)) {
    throw new NerdError(`image ${name}: unsupported media type ${target.mediaType}`)
  }
  const cached = cache?.read(manifestDescriptor.digest)
  const manifestBytes = cached?.manifest ?? (await readBlob(client, manifestDescriptor.digest))
  const manifest = parseManifest(manifestBytes, `manifest ${manifestDescriptor.digest}`)
  const configBytes = cached?.config ?? (await readBlob(client, manifest.config.digest))
  const config = parseConfig(configBytes, `config ${manifest.config.digest}`)
  if (cache && !cached) await cache.write(manifestDescriptor.digest, {manifest: manifestBytes, config: configBytes})
  const resolved: ResolvedImageConfig = {manifestDescriptor, manifest, configDescriptor: manifest.config, config}
  if (index) resolved.index = index
  return resolved
}

/**
 * Whether a manifest and its config are in this namespace's content store (a load keeps an index's
 * manifests, not every config). The cache only spares reading the manifest: it is shared by every
 * namespace of the data root and outlives the content, so an entry says nothing of presence here.
 */
async function manifestAndConfigPresent(client: ContainerdClient, descriptor: Descriptor, cache: ManifestCache | undefined): Promise<boolean> {
  const cached = cache?.read(descriptor.digest)
  if (cached) {
    const configDigest = parseManifest(cached.manifest, `manifest ${descriptor.digest}`).config.digest
    return (await Promise.all([blobPresent(client, descriptor.digest), blobPresent(client, configDigest)])).every(Boolean)
  }
  if (!(await blobPresent(client, descriptor.digest))) return false
  const manifest = parseManifest(await readBlob(client, descriptor.digest), `manifest ${descriptor.digest}`)
  return blobPresent(client, manifest.config.digest)
}

/**
 * Bytes the image takes for `platform` (default the host's; `'all'` for every platform pulled): the
 * root, the matching manifests present, their configs and layers, as containerd's image Size counts them.
 */
export async function imageSize(client: ContainerdClient, image: ImageRecord | Descriptor | string, platform?: Platform | PlatformMatcher | string | 'all'): Promise<number> {
  const {target} = await imageTarget(client, image)
  const matcher = platform === 'all' ? undefined : matcherFor(platform)
  let total = 0
  const walk = async (descriptor: Descriptor): Promise<void> => {
    total += descriptor.size
    if (isIndexMediaType(descriptor.mediaType)) {
      const children = parseIndex(await readBlob(client, descriptor.digest)).manifests
      for (const child of children) {
        if (matcher && child.platform && !matcher.match(child.platform)) continue
        if (!(await blobPresent(client, child.digest))) continue
        await walk(child)
      }
    } else if (isManifestMediaType(descriptor.mediaType)) {
      for (const child of childrenOf(descriptor.mediaType, parseManifest(await readBlob(client, descriptor.digest)))) total += child.size
    }
  }
  await walk(target)
  return total
}

/** The snapshot name (top chainID) of an image config's layers. */
export function topChainId(config: ImageConfig): string | undefined {
  return chainIds(config.rootfs.diff_ids).at(-1)
}
