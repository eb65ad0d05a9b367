/**
 * Client-side image pull into containerd's content store, the way containerd's Go client does it on
 * 1.6: everything under a lease; the root (index or manifest) first, labelled for the garbage
 * collector with its children, then manifests, configs and layers (layers in parallel, resumable);
 * `distribution.source` labels for later cross-repository pushes; then unpacking, which follows the
 * downloads layer by layer; the image record last, so a failed pull leaves none.
 */
import {createHash} from 'node:crypto'
import type {ContainerdClient, Labels} from '../containerd/index.ts'
import {ContainerdError, GC_EXPIRE_LABEL, isFailedPrecondition, isNotFound, rfc3339Seconds} from '../containerd/index.ts'
import {onEarlyExit} from '../early-exit.ts'
import {NerdError} from '../errors.ts'
import {goQuote} from '../format/index.ts'
import {publishEvent} from '../system/nerd-events.ts'
import type {ImageResolvePayload, ImageVerifyPayload, RegistryAccess, ResolvedSource} from '../hooks/types.ts'
import {
  childGcLabels,
  distributionSourceLabel,
  indexTree,
  ingestRef,
  isAttestation,
  parseConfig,
  parseIndex,
  parseManifest,
  refuseUnsupportedMediaTypes,
  shortDigest,
} from './manifest.ts'
import {eventImage, referenceEvent} from './events.ts'
import type {Descriptor, ImageConfig, ImageIndex, ImageManifest} from './manifest.ts'
import {configPlatform, formatPlatform, hostPlatform, normalizePlatform, onlyPlatform, parsePlatform, platformMismatch, rankByPlatform} from './platform.ts'
import type {Platform} from './platform.ts'
import type {ProgressKind, ProgressListener} from './progress.ts'
import {familiarName, normalizedName, parseReference, referenceScheme, withTag} from './reference.ts'
import type {Reference} from './reference.ts'
import {registryClientFor, type RegistryAccessOptions} from './registry-access.ts'
import {RegistryClient, RegistryError, deniedWithoutCredentials, isIndexMediaType, isManifestMediaType} from './registry/index.ts'
import {moveImageName} from './records.ts'
import {addBlobLabels, getImage, heldBlobLabels, readBlob} from './store.ts'
import {defaultSnapshotter, unpackLayers, unpackPlan} from './unpack.ts'
import type {UnpackHook, UnpackResult} from './unpack.ts'
import {DEFAULT_MAX_CONCURRENT_DOWNLOADS} from './pull-defaults.ts'
import {Limiter} from '../limiter.ts'

/** Lease label naming the pull whose partial downloads the lease keeps (a hash of the image name). */
export const LABEL_PARTIAL_PULL = 'nerd/partial-pull'
const PARTIAL_DOWNLOAD_LIFETIME_MS = 24 * 60 * 60 * 1000

/** The `nerd:image:resolve` payload without the command's flags. */
export type ResolveHookPayload = Omit<ImageResolvePayload, 'flags'>
/** The `nerd:image:verify` payload without the command's flags and required verifiers. */
export type VerifyHookPayload = Omit<ImageVerifyPayload, 'flags' | 'require'>

/** Bridges to the plugin hooks; the command runs the hook runner in them. */
export interface PullHooks {
  /** May redirect the pull to another reference (or name the image differently). */
  resolve?: (payload: ResolveHookPayload) => Promise<ResolvedSource | undefined>
  /**
   * Called once per pulled image manifest (attestations aside) once all content is fetched, before
   * anything is unpacked; a rejection fails the pull and no image record is made.
   */
  verify?: (payload: VerifyHookPayload) => Promise<void>
  unpack?: UnpackHook
}

export interface PullOptions extends RegistryAccessOptions {
  /** `--platform` values; default the host's. Each picks its best manifest of an index. */
  platforms?: readonly string[]
  allPlatforms?: boolean
  /** Default: unpack when one platform is pulled (not with allPlatforms); true with several fails. */
  unpack?: boolean
  /** Default: the namespace's default snapshotter, else overlayfs. */
  snapshotter?: string
  maxConcurrentDownloads?: number
  /** Labels of the image record. */
  labels?: Labels
  onProgress?: ProgressListener
  /**
   * Called once the registry has resolved the reference, before anything it names is fetched:
   * docker says "Pulling from" only then, so a tag the registry lacks gets the error alone.
   */
  onResolved?: () => void
  hooks?: PullHooks
  signal?: AbortSignal
}

export interface PullResult {
  /** The image record's name, normalised (`docker.io/library/busybox:latest`). */
  name: string
  /** The root descriptor the name points at. */
  target: Descriptor
  /** The platforms of the manifests pulled. */
  platforms: Platform[]
  /** Set when the image was unpacked. */
  unpacked?: UnpackResult
  /** Whether the name points at other content than before (or was new): docker's "Downloaded newer image". */
  updated: boolean
  /** docker's warnings (without `WARNING: `): a single-platform image that is not the platform asked for. */
  warnings: string[]
}

/** What a pull session made, before it is compared with what the name pointed at. */
type PulledContent = Omit<PullResult, 'updated'>

interface PullSource {
  reference: Reference
  name: string
  dispose?: () => void | Promise<void>
}

async function resolveSource(reference: string, options: PullOptions): Promise<PullSource> {
  const scheme = referenceScheme(reference)
  const resolved = await options.hooks?.resolve?.({reference, scheme, platforms: options.platforms ?? []})
  if (resolved === undefined) {
    if (scheme !== undefined) throw new NerdError(`cannot pull ${reference}: no plugin handles ${scheme}:// references`)
    const parsed = parseReference(reference)
    return {reference: parsed, name: normalizedName(parsed)}
  }
  const dispose = resolved.dispose?.bind(resolved)
  const parsed = parseReference(resolved.reference)
  // The plugin's name as every command reads what the user types (`app` is docker.io/library/app:latest).
  const name = normalizedName(resolved.name !== undefined ? parseReference(resolved.name) : scheme === undefined ? parseReference(reference) : parsed)
  return {reference: parsed, name, dispose}
}

/**
 * Pulls an image from its registry into the client's namespace and, unless told otherwise, unpacks
 * it. Blobs the namespace has are not fetched again; an interrupted pull continues where it stopped.
 */
export async function pullImage(client: ContainerdClient, reference: string, options: PullOptions = {}): Promise<PullResult> {
  // A bad --platform fails before anything is asked of the registry, whatever the image turns out to be.
  const platforms = options.platforms?.length ? options.platforms.map(parsePlatform) : undefined
  const source = await resolveSource(reference, options)
  try {
    const registry = registryClientFor(options)
    const previous = handled(getImage(client, source.name))
    // The lease is made while the registry answers.
    const resolving = handled(
      registry.resolve(source.reference, {signal: options.signal}).catch((error: unknown) => {
        throw deniedWithoutCredentials(error, `failed to resolve reference ${goQuote(normalizedName(source.reference))}: pull access denied`)
      }),
    )
    const [root, result] = await client.withLease(async (leased) => {
      const resolved = await resolving
      options.onResolved?.()
      return [resolved, await new PullSession(leased, client, registry, source, options, platforms).run(resolved)] as const
    })
    await publishEvent(client, referenceEvent('pull', result.name, await eventImage(client, result.target)))
    return {...result, updated: (await previous)?.target.digest !== root.digest}
  } finally {
    await source.dispose?.()
  }
}

/** A reference for each tag the registry lists for `repository`, in its order: docker's `pull --all-tags`. */
export async function repositoryTags(repository: Reference, options: RegistryAccessOptions & {signal?: AbortSignal} = {}): Promise<Reference[]> {
  return (await registryClientFor(options).listTags(repository, {signal: options.signal})).map((tag) => withTag(repository, tag))
}

async function collect(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Uint8Array[] = []
  for await (const chunk of stream) chunks.push(chunk)
  return Buffer.concat(chunks)
}

/** Marks a promise as handled (its rejection is awaited later) so Node does not report it meanwhile. */
function handled<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined)
  return promise
}

/** `unexpected commit digest sha256:x, expected sha256:y: failed precondition` → sha256:x. */
function committedDigest(error: ContainerdError): string | undefined {
  return /unexpected commit digest (\S+?),/.exec(error.message)?.[1]
}

function kindOf(descriptor: Descriptor): ProgressKind {
  const ref = ingestRef(descriptor)
  return ref.startsWith('layer-') ? 'layer' : ref.startsWith('config-') ? 'config' : ref.startsWith('index-') ? 'index' : 'manifest'
}

interface PulledManifest {
  descriptor: Descriptor
  platform: Platform
  manifest: ImageManifest
  configDescriptor: Descriptor
  /** Undefined for attestation manifests, whose config is no image config. */
  config: ImageConfig | undefined
  layers: Array<Promise<void>>
}

/** A pulled image manifest (not an attestation). */
type PulledImage = PulledManifest & {config: ImageConfig}

function isImage(pulled: PulledManifest): pulled is PulledImage {
  return pulled.config !== undefined
}

/** One pull inside its lease. */
class PullSession {
  readonly #client: ContainerdClient
  /** The same connection without the lease: partial downloads are moved to a lease of their own. */
  readonly #unleased: ContainerdClient
  readonly #registry: RegistryClient
  readonly #reference: Reference
  readonly #name: string
  readonly #options: PullOptions
  /** `--platform` parsed; undefined: the host's. */
  readonly #platforms: Platform[] | undefined
  readonly #abort = new AbortController()
  readonly #signal: AbortSignal
  readonly #limiter: Limiter
  /** Resolved once the blob asked for last has entered the limiter (or needed no download). */
  #admission: Promise<void> = Promise.resolve()
  readonly #progress: ProgressListener
  /** Every blob fetch started, by digest: a blob shared by platforms is fetched once. */
  readonly #blobs = new Map<string, Promise<void>>()
  /** Everything started that may still talk to containerd: a failed pull waits for it before its lease goes. */
  readonly #pending: Array<Promise<unknown>> = []
  /** Indexes and manifests being written to the content store. */
  readonly #documentWrites: Array<Promise<void>> = []
  /** Ingests written to and not (yet) committed. */
  readonly #ingests = new Set<string>()
  /** Layers that will be unpacked: their progress ends with unpacking, not with the download. */
  readonly #unpackedLayers = new Set<string>()
  /** Once asked for (by the failed pull or by nerd ended early), the partial downloads' move. */
  #partialDownloadsKept: Promise<void> | undefined

  constructor(client: ContainerdClient, unleased: ContainerdClient, registry: RegistryClient, source: PullSource, options: PullOptions, platforms: Platform[] | undefined) {
    this.#client = client
    this.#unleased = unleased
    this.#registry = registry
    this.#reference = source.reference
    this.#name = source.name
    this.#options = options
    this.#platforms = platforms
    this.#signal = options.signal ? AbortSignal.any([options.signal, this.#abort.signal]) : this.#abort.signal
    this.#limiter = new Limiter(options.maxConcurrentDownloads ?? DEFAULT_MAX_CONCURRENT_DOWNLOADS)
    this.#progress = options.onProgress ?? (() => undefined)
  }

  async run(root: Descriptor): Promise<PulledContent> {
    // Ended early, nerd deletes the pull's lease without waiting for the work in flight: the partial
    // downloads move to their own lease first.
    const registered = onEarlyExit(() => this.#keepPartialDownloads())
    try {
      const result = await this.#pull(root)
      await this.#forgetPartialDownloads()
      return result
    } catch (error) {
      // Stopped from outside, the pull fails with that reason, not with whichever work in flight
      // noticed first (a download's connection cut reads as "aborted").
      const failure: unknown = this.#options.signal?.aborted ? this.#options.signal.reason : error
      this.#abort.abort(failure)
      await Promise.allSettled(this.#pending)
      await this.#keepPartialDownloads()
      throw failure
    } finally {
      registered()
    }
  }

  /** Registers work that runs alongside the pull (its failure is seen where it is awaited). */
  #track<T>(promise: Promise<T>): Promise<T> {
    this.#pending.push(promise)
    return handled(promise)
  }

  async #pull(root: Descriptor): Promise<PulledContent> {
    const options = this.#options
    const rootDocument = await this.#document(root)
    let index: ImageIndex | undefined
    let selected: Descriptor[]
    if (isIndexMediaType(root.mediaType)) {
      index = rootDocument as ImageIndex
      selected = await this.#select(index)
    } else if (isManifestMediaType(root.mediaType)) {
      selected = [root]
    } else {
      throw new NerdError(`cannot pull ${familiarName(this.#reference)}: unsupported media type ${root.mediaType}`)
    }
    const single = selected.length === 1 && !isAttestation(selected[0])
    const unpack = options.unpack ?? (!options.allPlatforms && single)
    if (unpack && !single) {
      throw new NerdError(`cannot unpack ${selected.length} manifests of ${familiarName(this.#reference)}: pull one platform to unpack it`)
    }
    const pulled = await Promise.all(
      selected.map((descriptor) =>
        this.#track(this.#manifest(descriptor, descriptor === root ? (rootDocument as ImageManifest) : undefined, unpack)),
      ),
    )
    const images = pulled.filter(isImage)

    // Without hooks that must see the content first, unpacking follows the downloads layer by layer.
    const hooks = options.hooks ?? {}
    const snapshotter = unpack ? (options.snapshotter ?? (await defaultSnapshotter(this.#client))) : ''
    let unpacking: Promise<UnpackResult> | undefined
    if (unpack && hooks.verify === undefined && hooks.unpack === undefined) {
      const [image] = images
      unpacking = this.#track(unpackLayers(this.#client, {...this.#unpackInput(image), snapshotter, layerReady: (i) => image.layers[i]}))
    }
    await Promise.all([...this.#documentWrites, ...this.#blobs.values(), unpacking])

    if (hooks.verify) {
      for (const image of images) await hooks.verify(this.#verifyPayload(root, index, image))
    }
    if (unpack && unpacking === undefined) {
      const [image] = images
      const plan = await unpackPlan(this.#client, hooks.unpack, {...image, manifestDescriptor: image.descriptor, name: this.#name, snapshotter})
      unpacking = this.#track(unpackLayers(this.#client, {...this.#unpackInput(image), snapshotter: plan.snapshotter ?? snapshotter, plan}))
    }
    const unpacked = await unpacking
    await moveImageName(this.#client, {name: this.#name, target: root, labels: options.labels})
    const warnings = index === undefined ? this.#platformMismatch(images[0]) : []
    const result: PulledContent = {name: this.#name, target: root, platforms: images.map((image) => image.platform), warnings}
    if (unpacked) result.unpacked = unpacked
    return result
  }

  #unpackInput(image: PulledImage) {
    return {
      name: this.#name,
      manifestDescriptor: image.descriptor,
      manifest: image.manifest,
      configDescriptor: image.configDescriptor,
      config: image.config,
      onProgress: this.#progress,
      signal: this.#signal,
    }
  }

  /**
   * A single-platform image is pulled whatever `--platform` asked for, as docker does for backward
   * compatibility, with docker's warning when it is not that platform. Like docker's, the check
   * accepts a config that names no variant for the requested architecture.
   */
  #platformMismatch(image: PulledImage | undefined): string[] {
    if (image === undefined || this.#platforms === undefined) return []
    const actual = image.platform
    const matches = this.#platforms.some((wanted) =>
      onlyPlatform(wanted).match(actual) || ((actual.variant ?? '') === '' && wanted.os === actual.os && wanted.architecture === actual.architecture),
    )
    if (matches) return []
    const wanted = this.#platforms.map(formatPlatform).join(', ')
    return [platformMismatch(familiarName(this.#reference), actual, wanted)]
  }

  /**
   * The manifests of an index to pull, found through the indexes inside it too: all, or for each
   * requested platform the best one.
   */
  async #select(index: ImageIndex): Promise<Descriptor[]> {
    const {manifests} = await indexTree(index, async (child) => (await this.#document(child)) as ImageIndex)
    if (this.#options.allPlatforms) return manifests
    const images = manifests.filter((child) => !isAttestation(child))
    const chosen = new Map<string, Descriptor>()
    for (const platform of this.#platforms ?? [hostPlatform()]) {
      const [best] = rankByPlatform(images, (child) => child.platform, onlyPlatform(platform))
      // docker's words, with containerd's (images.Manifest) that it wraps.
      if (best === undefined) throw new NerdError(`no matching manifest for ${formatPlatform(platform)} in the manifest list entries: no match for platform in manifest: not found`)
      chosen.set(best.digest, best)
    }
    return [...chosen.values()]
  }

  /**
   * Fetches a manifest (unless given) and its config, and starts fetching its layers. The blobs of
   * an attestation manifest are fetched like layers: its config is no image config.
   */
  async #manifest(descriptor: Descriptor, fetched: ImageManifest | undefined, unpack: boolean): Promise<PulledManifest> {
    const manifest = fetched ?? ((await this.#document(descriptor)) as ImageManifest)
    if (unpack) for (const layer of manifest.layers) this.#unpackedLayers.add(layer.digest)
    const layers = manifest.layers.map((layer) => this.#blob(layer))
    const pulled = {descriptor, manifest, configDescriptor: manifest.config, layers}
    if (isAttestation(descriptor)) {
      await this.#blob(manifest.config)
      return {...pulled, platform: normalizePlatform(descriptor.platform ?? {os: 'unknown', architecture: 'unknown'}), config: undefined}
    }
    const config = parseConfig(await this.#configBytes(manifest.config), `config ${manifest.config.digest}`)
    return {...pulled, platform: descriptor.platform ? normalizePlatform(descriptor.platform) : configPlatform(config), config}
  }

  #distributionLabel(existing: Labels): Labels {
    const label = distributionSourceLabel(existing, this.#reference.domain, this.#reference.path)
    return label === undefined ? {} : {[label[0]]: label[1]}
  }

  /** An index or manifest: from the content store when there, else from the registry; written with its GC labels. */
  async #document(descriptor: Descriptor): Promise<ImageIndex | ImageManifest> {
    const kind = kindOf(descriptor)
    const id = shortDigest(descriptor.digest)
    const existing = await heldBlobLabels(this.#client, descriptor.digest)
    const bytes = existing !== undefined
      ? await readBlob(this.#client, descriptor.digest)
      : (await this.#registry.fetchManifest(this.#reference, descriptor, {signal: this.#signal})).bytes
    const what = `${kind} ${descriptor.digest}`
    const document = isIndexMediaType(descriptor.mediaType) ? parseIndex(bytes, what) : parseManifest(bytes, what)
    // An artifact is refused before anything of it is written.
    if (!isIndexMediaType(descriptor.mediaType) && !isAttestation(descriptor)) refuseUnsupportedMediaTypes(document as ImageManifest)
    const labels = {...childGcLabels(descriptor.mediaType, document), ...this.#distributionLabel(existing ?? {})}
    if (existing !== undefined) {
      await addBlobLabels(this.#client, descriptor.digest, labels, existing)
      this.#progress({id, kind, digest: descriptor.digest, status: 'already exists'})
    } else {
      // Written while what it lists is fetched (the lease keeps it all): the image record and the
      // verify hooks, which read it back, wait for it.
      const written = this.#write(descriptor, Buffer.from(bytes), labels).then(() => this.#progress({id, kind, digest: descriptor.digest, status: 'done'}))
      this.#documentWrites.push(this.#track(written))
    }
    return document
  }

  /** A config's bytes (small: read whole), fetched and written unless the namespace has it. */
  async #configBytes(descriptor: Descriptor): Promise<Buffer> {
    const id = shortDigest(descriptor.digest)
    const existing = await heldBlobLabels(this.#client, descriptor.digest)
    if (existing !== undefined) {
      await addBlobLabels(this.#client, descriptor.digest, this.#distributionLabel(existing), existing)
      this.#progress({id, kind: 'config', digest: descriptor.digest, status: 'already exists'})
      return readBlob(this.#client, descriptor.digest)
    }
    const bytes = await collect(await this.#registry.fetchBlob(this.#reference, descriptor, {signal: this.#signal}))
    await this.#write(descriptor, bytes, this.#distributionLabel({}))
    this.#progress({id, kind: 'config', digest: descriptor.digest, status: 'done'})
    return bytes
  }

  /** Starts fetching a layer or other large blob (once per digest); resolves when it is committed. */
  #blob(descriptor: Descriptor): Promise<void> {
    let fetching = this.#blobs.get(descriptor.digest)
    if (!fetching) {
      fetching = handled(this.#fetchLayer(descriptor))
      this.#blobs.set(descriptor.digest, fetching)
    }
    return fetching
  }

  async #fetchLayer(descriptor: Descriptor): Promise<void> {
    const id = shortDigest(descriptor.digest)
    const kind = kindOf(descriptor)
    const event = {id, kind, digest: descriptor.digest}
    // Blobs queue for the limiter in the order they were asked for (the manifest's layer order),
    // whatever order the existence checks answer in: each layer can then be unpacked while the
    // ones above it still download.
    const turn = this.#admission
    let admitted = (): void => undefined
    this.#admission = new Promise<void>((resolve) => (admitted = resolve))
    let fetching: Promise<void> | undefined
    try {
      const existing = await heldBlobLabels(this.#client, descriptor.digest)
      if (existing !== undefined) {
        await addBlobLabels(this.#client, descriptor.digest, this.#distributionLabel(existing), existing)
        this.#progress({...event, status: 'already exists'})
        return
      }
      this.#progress({...event, status: 'waiting'})
      await turn
      fetching = this.#limiter.run(async () => {
        this.#signal.throwIfAborted()
        const download = (offset: number): AsyncIterable<Uint8Array> => this.#download(descriptor, offset, kind)
        await this.#write(descriptor, download, this.#distributionLabel({}))
      })
    } finally {
      admitted()
    }
    await fetching
    this.#progress({...event, status: this.#unpackedLayers.has(descriptor.digest) ? 'downloaded' : 'done'})
  }

  /** The blob's bytes from `offset` on, from the registry, as they arrive, reporting progress. */
  async *#download(descriptor: Descriptor, offset: number, kind: ProgressKind): AsyncIterable<Uint8Array> {
    const event = {id: shortDigest(descriptor.digest), kind, digest: descriptor.digest, total: descriptor.size}
    let current = offset
    this.#progress({...event, status: 'downloading', current})
    // containerd's commit checks the digest (and #write turns a mismatch into nerd's error).
    const stream = await this.#registry.fetchBlob(this.#reference, descriptor, {offset, verifyDigest: false, signal: this.#signal})
    for await (const chunk of stream as AsyncIterable<Uint8Array>) {
      current += chunk.length
      this.#progress({...event, status: 'downloading', current})
      yield chunk
    }
    this.#progress({...event, status: 'verifying', current})
  }

  /**
   * Writes and commits a blob (containerd checks its size and digest). A commit that fails its
   * digest after resuming an earlier pull's partial data is retried once from the start.
   */
  async #write(descriptor: Descriptor, data: Buffer | ((offset: number) => AsyncIterable<Uint8Array>), labels: Labels): Promise<void> {
    const ref = ingestRef(descriptor)
    const kind = kindOf(descriptor)
    let resumed = false
    const source = typeof data === 'function'
      ? (offset: number) => {
          resumed = offset > 0
          return data(offset)
        }
      : data
    for (let attempt = 1; ; attempt++) {
      this.#ingests.add(ref)
      try {
        const result = await this.#client.content.write(ref, source, {expected: descriptor.digest, total: descriptor.size, labels, signal: this.#signal})
        this.#ingests.delete(ref)
        // Committed by another pull meanwhile: the labels given with the commit were not applied, and
        // the blob is not in this lease yet.
        if (result.existed) await addBlobLabels(this.#client, descriptor.digest, labels, await heldBlobLabels(this.#client, descriptor.digest))
        return
      } catch (error) {
        if (error instanceof RegistryError && error.kind === 'invalid') {
          // The bytes written so far cannot be trusted: never resume from them.
          this.#ingests.delete(ref)
          await this.#client.content.abort(ref).catch(() => undefined)
          throw new NerdError(`failed to verify ${kind} ${descriptor.digest}: ${error.message.replace(`blob ${descriptor.digest}: `, '')}`, {cause: error})
        }
        if (error instanceof ContainerdError && isFailedPrecondition(error)) {
          // containerd refused the commit and dropped the ingest.
          this.#ingests.delete(ref)
          if (resumed && attempt === 1) continue
          const got = committedDigest(error)
          throw new NerdError(`failed to verify ${kind} ${descriptor.digest}: ${got ? `digest mismatch: got ${got}` : error.message}`, {cause: error})
        }
        throw error
      }
    }
  }

  #verifyPayload(root: Descriptor, index: ImageIndex | undefined, image: PulledImage): VerifyHookPayload {
    return {
      name: this.#name,
      descriptor: root,
      index,
      manifest: image.manifest,
      config: image.config,
      readBlob: (digest) => readBlob(this.#client, digest),
      registry: registryAccess(this.#registry, this.#reference),
    }
  }

  /** Lease label value for this image: a hash, so it needs no quoting in lease filters. */
  #partialPullKey(): string {
    return createHash('sha256').update(this.#name).digest('hex').slice(0, 32)
  }

  /**
   * The pull's lease goes when it ends, and with it the partial downloads it holds: move them to a
   * lease of their own that expires in a day, so pulling again continues them.
   */
  #keepPartialDownloads(): Promise<void> {
    this.#partialDownloadsKept ??= this.#movePartialDownloads()
    return this.#partialDownloadsKept
  }

  async #movePartialDownloads(): Promise<void> {
    const partial: string[] = []
    for (const ref of this.#ingests) {
      try {
        if (Number((await this.#client.content.status(ref)).offset) > 0) partial.push(ref)
      } catch (error) {
        if (!isNotFound(error)) return
      }
    }
    if (partial.length === 0) return
    try {
      const expires = rfc3339Seconds(new Date(Date.now() + PARTIAL_DOWNLOAD_LIFETIME_MS))
      const id = `nerd-partial-${Date.now()}-${Math.random().toString(16).slice(2, 10)}`
      await this.#unleased.leases.create({id, labels: {[GC_EXPIRE_LABEL]: expires, [LABEL_PARTIAL_PULL]: this.#partialPullKey()}})
      for (const ref of partial) await this.#unleased.leases.addResource(id, {id: ref, type: 'ingests'})
    } catch {
      // Keeping them is a courtesy: the pull's own error is what the user needs to see.
    }
  }

  /** After a successful pull the partial downloads of earlier attempts are done with. */
  async #forgetPartialDownloads(): Promise<void> {
    const leases = await this.#unleased.leases.list([`labels."${LABEL_PARTIAL_PULL}"==${this.#partialPullKey()}`])
    for (const lease of leases) await this.#unleased.leases.delete(lease.id).catch(() => undefined)
  }
}

/** Read access to the source repository for verify hooks (signatures live next to the image). */
function registryAccess(registry: RegistryClient, reference: Reference): RegistryAccess {
  return {
    repository: `${reference.domain}/${reference.path}`,
    async fetchManifest(target) {
      const pointed: Reference = target.includes(':')
        ? {domain: reference.domain, path: reference.path, digest: target}
        : {domain: reference.domain, path: reference.path, tag: target}
      try {
        const descriptor = await registry.resolve(pointed)
        const fetched = await registry.fetchManifest(pointed, descriptor)
        return {descriptor: fetched.descriptor, bytes: fetched.bytes}
      } catch (error) {
        if (error instanceof RegistryError && error.kind === 'not-found') return undefined
        throw error
      }
    },
    async fetchBlob(descriptor) {
      return collect(await registry.fetchBlob(reference, descriptor))
    },
  }
}
