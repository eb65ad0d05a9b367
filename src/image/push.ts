/**
 * Pushing an image from containerd's content store to a registry: blobs first (skipped when the
 * repository has them, mounted from another repository of the same registry when the blob's
 * `distribution.source` label names one, else streamed from the content store), then the
 * manifests by digest, then the root under the tag.
 */
import {createHash} from 'node:crypto'
import type {ContainerdClient} from '../containerd/index.ts'
import {NerdError} from '../errors.ts'
import {publishEvent} from '../system/nerd-events.ts'
import {eventImage, referenceEvent} from './events.ts'
import {distributionSourceKey, isConfigMediaType, distributionSourceLabel, distributionSources, isNonDistributable, parseConfig, parseIndex, parseManifest, shortDigest} from './manifest.ts'
import type {Descriptor, ImageIndex} from './manifest.ts'
import {configPlatform, formatPlatform, localPlatformMatcher, parsePlatform, platformNotProvided, rankByPlatform, strictPlatform} from './platform.ts'
import type {ProgressKind, ProgressListener} from './progress.ts'
import {familiarName, normalizedName, parseReference, repository as repositoryName} from './reference.ts'
import type {Reference} from './reference.ts'
import {registryClientFor, type RegistryAccessOptions} from './registry-access.ts'
import {RegistryClient, deniedWithoutCredentials, digestOf, isIndexMediaType, isManifestMediaType} from './registry/index.ts'
import {addBlobLabels, getImage, heldBlobLabels, listImages, manifestContentPresent, presentIndexTree, readBlob} from './store.ts'
import {compareStrings} from '../format/index.ts'

export const DEFAULT_MAX_CONCURRENT_UPLOADS = 3

export interface PushOptions extends RegistryAccessOptions {
  /** Push only these platforms of a multi-platform image: one gives its manifest alone, several a reduced index. */
  platforms?: readonly string[]
  /** Push every platform; all their content must be present. */
  allPlatforms?: boolean
  maxConcurrentUploads?: number
  onProgress?: ProgressListener
  signal?: AbortSignal
  hooks?: PushHooks
}

/** The push hooks of the plugins (the command runs `nerd:image:push` and `nerd:image:pushed`). */
export interface PushHooks {
  /** Before anything is uploaded: may refuse (throws) or return annotations for the pushed root. */
  push?: (payload: {name: string; descriptor: Descriptor; platforms: readonly string[]}) => Promise<Record<string, string>>
  /** Once the registry has the root: e.g. sign its digest. */
  pushed?: (payload: {name: string; descriptor: Descriptor}) => Promise<void>
}

export interface PushResult {
  /** The reference pushed to, normalised. */
  name: string
  /** What the tag now points at in the registry. */
  descriptor: Descriptor
  /** The local index whose platforms were not all here: the one manifest present went instead (docker notes it). */
  incompleteIndex?: Descriptor
}

/** What goes to the registry: the root (as stored, or a reduced index) and the documents under it. */
interface PushPlan {
  root: {descriptor: Descriptor; bytes: Uint8Array}
  /** Manifests, and the indexes inside the root after what they list: pushed in this order. */
  documents: Array<{descriptor: Descriptor; bytes: Uint8Array}>
  /** Set when a manifest goes in place of the index, whose content is not all here. */
  incompleteIndex?: Descriptor
}

/**
 * Pushes a local image to the registry its name points at. Without platform options an index goes
 * whole when every manifest of it is present with its config and layers, else the host platform's
 * manifest alone (another platform's when the host's is not here), as docker's containerd store.
 */
export async function pushImage(client: ContainerdClient, reference: string, options: PushOptions = {}): Promise<PushResult> {
  const target = parseReference(reference)
  const name = normalizedName(target)
  const image = await getImage(client, name)
  // docker's containerd store (pushRef): whether or not the repository has other tags.
  if (!image) throw new NerdError(`tag does not exist: ${familiarName(target)}`)
  // Under a lease that holds each blob the plan counts on: the garbage collector cannot take one
  // (left over from an image removed) between the plan and its upload.
  const {descriptor, incompleteIndex} = await client.withLease((leased) => pushPlanned(leased, target, name, image.target, options)).catch((error: unknown) => {
    throw deniedWithoutCredentials(error, 'push access denied')
  })
  await publishEvent(client, referenceEvent('push', name, await eventImage(client, image.target)))
  return {name, descriptor, ...(incompleteIndex ? {incompleteIndex} : {})}
}

async function pushPlanned(client: ContainerdClient, target: Reference, name: string, root: Descriptor, options: PushOptions): Promise<Omit<PushResult, 'name'>> {
  const plan = await planPush(client, root, options, familiarName(target))
  const annotations = (await options.hooks?.push?.({name, descriptor: plan.root.descriptor, platforms: options.platforms ?? []})) ?? {}
  if (Object.keys(annotations).length > 0) plan.root = annotatedRoot(plan.root, annotations)

  const registry = registryClientFor(options)
  const progress = options.onProgress ?? (() => undefined)
  const blobs = new Map<string, Descriptor>()
  for (const {descriptor, bytes} of plan.documents) {
    if (!isManifestMediaType(descriptor.mediaType)) continue
    const manifest = parseManifest(bytes, `manifest ${descriptor.digest}`)
    for (const blob of [manifest.config, ...manifest.layers]) {
      if (!isNonDistributable(blob.mediaType) && !blobs.has(blob.digest)) blobs.set(blob.digest, blob)
    }
  }
  for (const blob of blobs.values()) progress({id: shortDigest(blob.digest), kind: blobKind(blob), digest: blob.digest, status: 'preparing'})

  const abort = new AbortController()
  const signal = options.signal ? AbortSignal.any([options.signal, abort.signal]) : abort.signal
  const queue = [...blobs.values()]
  const worker = async (): Promise<void> => {
    for (let blob = queue.shift(); blob !== undefined; blob = queue.shift()) await pushBlob(client, registry, target, blob, progress, signal)
  }
  const workers = Array.from({length: Math.min(queue.length, Math.max(1, options.maxConcurrentUploads ?? DEFAULT_MAX_CONCURRENT_UPLOADS))}, worker)
  try {
    await Promise.all(workers)
  } catch (error) {
    abort.abort(error)
    await Promise.allSettled(workers)
    throw error
  }

  for (const document of plan.documents) {
    if (document.descriptor.digest === plan.root.descriptor.digest) continue
    await registry.pushManifest(target, {mediaType: document.descriptor.mediaType, bytes: document.bytes}, {target: document.descriptor.digest, signal})
  }
  const pushed = await registry.pushManifest(target, {mediaType: plan.root.descriptor.mediaType, bytes: plan.root.bytes}, {signal})
  await options.hooks?.pushed?.({name, descriptor: pushed})
  return {descriptor: pushed, ...(plan.incompleteIndex ? {incompleteIndex: plan.incompleteIndex} : {})}
}

/**
 * The local tags of `repository`, which docker's `push --all-tags` pushes, by name; docker's error
 * when there is none.
 */
export async function localTags(client: ContainerdClient, repository: Reference): Promise<Reference[]> {
  const tags: Reference[] = []
  for (const record of await listImages(client)) {
    if (!record.name.startsWith(`${repositoryName(repository)}:`)) continue
    const reference = parseReference(record.name)
    if (reference.digest === undefined) tags.push(reference)
  }
  if (tags.length === 0) throw new NerdError(`An image does not exist locally with the tag: ${familiarName(repository)}`)
  return tags.sort((a, b) => compareStrings(a.tag ?? '', b.tag ?? ''))
}

/** The root document with the plugins' annotations merged in: new bytes, so a new digest. */
function annotatedRoot(root: PushPlan['root'], annotations: Record<string, string>): PushPlan['root'] {
  const document = JSON.parse(Buffer.from(root.bytes).toString('utf8')) as {annotations?: Record<string, string>}
  document.annotations = {...document.annotations, ...annotations}
  const bytes = Buffer.from(JSON.stringify(document))
  return {descriptor: {mediaType: root.descriptor.mediaType, digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}`, size: bytes.length}, bytes}
}

function blobKind(descriptor: Descriptor): ProgressKind {
  return isConfigMediaType(descriptor.mediaType) ? 'config' : 'layer'
}

async function pushBlob(
  client: ContainerdClient,
  registry: RegistryClient,
  target: Reference,
  blob: Descriptor,
  progress: ProgressListener,
  signal: AbortSignal,
): Promise<void> {
  const event = {id: shortDigest(blob.digest), kind: blobKind(blob), digest: blob.digest}
  const labels = await heldBlobLabels(client, blob.digest)
  if (labels === undefined) throw new NerdError(`cannot push ${blob.digest}: it is not in the content store`)
  const mountFrom = distributionSources(labels[distributionSourceKey(target.domain)]).filter((repository) => repository !== target.path)
  let sent = 0
  const stream = async function* (): AsyncIterable<Uint8Array> {
    sent = 0
    progress({...event, status: 'pushing', current: 0, total: blob.size})
    for await (const chunk of client.content.read(blob.digest, {signal})) {
      sent += chunk.length
      progress({...event, status: 'pushing', current: sent, total: blob.size})
      yield chunk
    }
  }
  const pushed = await registry.pushBlob(target, blob, stream, {mountFrom, signal})
  if (pushed.outcome === 'exists') progress({...event, status: 'already pushed'})
  else if (pushed.outcome === 'mounted') progress({...event, status: 'mounted', from: pushed.from})
  else progress({...event, status: 'pushed'})
  // The blob is now in the target repository too: a later push elsewhere on that registry can mount it.
  const label = distributionSourceLabel(labels, target.domain, target.path)
  if (label) await addBlobLabels(client, blob.digest, {[label[0]]: label[1]}, labels)
}

async function planPush(client: ContainerdClient, root: Descriptor, options: PushOptions, what: string): Promise<PushPlan> {
  await heldBlobLabels(client, root.digest)
  const rootBytes = await readBlob(client, root.digest)
  const wanted = (options.platforms ?? []).map(parsePlatform)
  if (isManifestMediaType(root.mediaType)) {
    // As docker's daemon (getPushDescriptor): a platform asked for must be the image's own, exactly.
    if (wanted.length > 0) {
      const config = parseConfig(await readBlob(client, parseManifest(rootBytes, `manifest ${root.digest}`).config.digest), `config of ${what}`)
      const missing = wanted.find((platform) => !strictPlatform(platform).match(configPlatform(config)))
      if (missing) throw platformNotProvided(what, missing)
    }
    return {root: {descriptor: root, bytes: rootBytes}, documents: [{descriptor: root, bytes: rootBytes}]}
  }
  if (!isIndexMediaType(root.mediaType)) throw new NerdError(`cannot push ${what}: unsupported media type ${root.mediaType}`)

  const index = parseIndex(rootBytes, `index ${root.digest}`)
  const present = new Map<string, Uint8Array>()
  const tree = await presentIndexTree(client, index, present)
  // A manifest counts as present with all it pushes: a load keeps every manifest of an index but
  // the configs and layers of the platforms it loads only.
  for (const child of tree.manifests) {
    if (await manifestContentPresent(client, child)) present.set(child.digest, await readBlob(client, child.digest))
  }
  const withBytes = (descriptor: Descriptor) => ({descriptor, bytes: present.get(descriptor.digest) as Uint8Array})
  const missing = [...tree.unread, ...tree.manifests.filter((child) => !present.has(child.digest))]
  const available = tree.manifests.filter((child) => present.has(child.digest))

  if (options.allPlatforms || (wanted.length === 0 && missing.length === 0)) {
    if (missing.length > 0) {
      throw new NerdError(`cannot push all platforms of ${what}: the content of ${missing.map(describeChild).join(', ')} is missing (pull the image with --all-platforms, or load it without --platform)`)
    }
    return {root: {descriptor: root, bytes: rootBytes}, documents: [...available, ...tree.indexes].map(withBytes)}
  }

  const chosen = new Map<string, Descriptor>()
  if (wanted.length === 0) {
    // As docker's containerd store: the host's manifest alone, or when it is not here the best one that is.
    const [best] = rankByPlatform(available, (child) => child.platform, localPlatformMatcher())
    if (!best) throw platformNotProvided(what)
    chosen.set(best.digest, best)
  }
  for (const platform of wanted) {
    const [best] = rankByPlatform(available, (child) => child.platform, strictPlatform(platform))
    if (!best) throw platformNotProvided(what, platform)
    chosen.set(best.digest, best)
  }
  const documents = [...chosen.values()].map(withBytes)
  if (wanted.length === 0) return {root: documents[0], documents, incompleteIndex: root}
  if (documents.length === 1) return {root: documents[0], documents}
  const reduced: ImageIndex = {...index, manifests: [...chosen.values()]}
  const bytes = Buffer.from(JSON.stringify(reduced))
  return {root: {descriptor: {mediaType: root.mediaType, digest: digestOf(bytes), size: bytes.length}, bytes}, documents}
}

function describeChild(child: Descriptor): string {
  return child.platform ? formatPlatform(child.platform) : child.digest
}
