/**
 * `load`: images from a docker or OCI archive (plain, gzip or zstd) into containerd. The archive is
 * read once, as a stream: every file goes into the content store as it passes (containerd checks
 * the digest a `blobs/sha256/<hex>` name promises; other files are hashed on the way). Then the
 * images it describes are checked for the platforms wanted, labelled for the garbage collector,
 * unpacked, and only then named — all under one lease, so an archive that fails half-way (cut
 * short, a blob missing) leaves no image and nothing the garbage collector keeps. As docker 28's
 * containerd store, every platform the archive has is loaded (those it lacks are skipped) and the
 * host's is unpacked; with `--platform`, only that one, and images read in full that lack it are
 * named but not unpacked, and the load fails.
 */
import {createHash, randomBytes} from 'node:crypto'
import {posix} from 'node:path'
import {Readable, addAbortSignal} from 'node:stream'
import type {ContainerdClient} from '../../containerd/index.ts'
import {isFailedPrecondition} from '../../containerd/index.ts'
import {NerdError} from '../../errors.ts'
import {publishEvent} from '../../system/nerd-events.ts'
import {eventImage, imageEvent} from '../events.ts'
import {childGcLabels, isAttestation, parseConfig, parseIndex, parseManifest} from '../manifest.ts'
import type {Descriptor, ImageManifest} from '../manifest.ts'
import {configPlatform, defaultPlatformMatcher, formatPlatform, parsePlatform, preferringPlatforms, rankByPlatform, strictPlatform} from '../platform.ts'
import type {Platform, PlatformMatcher} from '../platform.ts'
import {isIndexMediaType, isManifestMediaType} from '../registry/media-types.ts'
import {addBlobLabels, blobPresent, readBlob, writeBlob} from '../store.ts'
import {unpackImage} from '../unpack.ts'
import {MAGIC_BYTES, decompress, detectCompression} from './compression.ts'
import {DOCKER_MANIFEST_FILE, DOCKER_REPOSITORIES_FILE, dockerLayerMediaType, parseDockerManifest, synthesizeManifest} from './docker-archive.ts'
import {OCI_INDEX_FILE, OCI_LAYOUT_FILE, checkLayoutVersion, cleanArchivePath, digestOfBlobPath} from './layout.ts'
import {ANNOTATION_IMAGE_NAME, ANNOTATION_REF_NAME, familiarImageName, imageDisplayName, nameFromAnnotations, normalizeImageName} from './names.ts'
import {nameImage} from '../records.ts'
import type {ImageToName, LoadedImage} from '../records.ts'
import {ByteBudget, ChunkChannel} from './read-ahead.ts'
import {readTar} from './tar-reader.ts'
import type {TarEntry} from './tar-reader.ts'

/** Files read into memory rather than the content store: the archive's table of contents. */
const METADATA_FILES = new Set([OCI_LAYOUT_FILE, OCI_INDEX_FILE, DOCKER_MANIFEST_FILE, DOCKER_REPOSITORIES_FILE])
const MAX_METADATA_BYTES = 32 << 20
/** Memory for reading ahead of the content writes, and how many of them run at once. */
const READ_AHEAD_BYTES = 32 << 20
const CONCURRENT_WRITES = 3
/** Symbolic links followed before a layer path is declared unresolvable (a loop). */
const MAX_LINK_HOPS = 16

export interface LoadOptions {
  /** Of a multi-platform image, load (and unpack) only this platform; default every platform the archive has, the host's unpacked. */
  platform?: string
  /** Default: the namespace's default snapshotter, else overlayfs. */
  snapshotter?: string
  /** Called as each image record is written. */
  onImage?: (image: LoadedImage) => void
  signal?: AbortSignal
}

interface StoredFile {
  digest: string
  size: number
}

/** What reading the archive left: files in the content store by path, and its table of contents. */
class ArchiveContents {
  readonly files = new Map<string, StoredFile>()
  readonly links = new Map<string, string>()
  readonly metadata = new Map<string, Buffer>()
  entries = 0

  /** The file at `path`, following the links docker writes for repeated layers. */
  file(path: string): StoredFile | undefined {
    let current = cleanArchivePath(path)
    for (let hop = 0; current !== undefined && hop <= MAX_LINK_HOPS; hop++) {
      const file = this.files.get(current)
      if (file) return file
      current = this.links.get(current)
    }
    return undefined
  }
}

/** A manifest chosen for loading, with the platform its index gave it. */
interface SelectedManifest {
  descriptor: Descriptor
  manifest: ImageManifest
}

/** `--platform`: only it, exactly (containerd's OnlyStrict, as docker matches it), and every image must provide it. */
interface PlatformSelection {
  requested: Platform
  matcher: PlatformMatcher
}

/**
 * Loads the images of a docker or OCI archive; returns the names of the image records written, in
 * archive order. The input is read once, front to back.
 */
export async function loadImages(client: ContainerdClient, input: AsyncIterable<Uint8Array>, options: LoadOptions = {}): Promise<string[]> {
  const selection = platformSelection(options.platform)
  return client.withLease(async (leased) => {
    const contents = await readArchive(leased, input, options.signal)
    const images = contents.metadata.has(OCI_INDEX_FILE) ? ociImages(contents) : await dockerImages(leased, contents)
    if (images.length === 0) throw new NerdError('the archive holds no images')
    const prepared = []
    for (const image of images) prepared.push({image, selected: await prepareImage(leased, image, selection)})
    const requested = selection?.requested
    const lacking = requested === undefined ? [] : await imagesLacking(leased, prepared, requested)
    if (requested !== undefined && lacking.length > 0) {
      // As docker's containerd store: the archive's images are loaded, nothing unpacked, and the load fails.
      for (const {image} of prepared) await nameImage(leased, image, undefined)
      throw platformNotLoaded(lacking.flatMap(imageNames), requested)
    }
    const unpackMatcher = selection?.matcher ?? defaultPlatformMatcher()
    const configs = new Map<string, string | undefined>()
    for (const {image, selected} of prepared) {
      // A plain manifest is unpacked whatever its platform; of an index, the platform asked for.
      const toUnpack = isManifestMediaType(image.target.mediaType) ? selected[0] : rankByPlatform(selected, (chosen) => chosen.descriptor.platform, unpackMatcher)[0]
      if (toUnpack !== undefined) {
        options.signal?.throwIfAborted()
        await unpackImage(leased, {name: imageDisplayName(image), target: toUnpack.descriptor, snapshotter: options.snapshotter, signal: options.signal})
      }
      // The ID of an image none of whose platforms is unpacked: the one its listing shows.
      const shown = toUnpack ?? rankByPlatform(selected, (chosen) => chosen.descriptor.platform, preferringPlatforms(unpackMatcher))[0]
      configs.set(image.target.digest, shown?.manifest.config.digest)
    }
    const loaded: string[] = []
    for (const image of images) {
      for (const event of await nameImage(leased, image, configs.get(image.target.digest))) {
        loaded.push(event.name)
        options.onImage?.(event)
      }
      await publishEvent(leased, imageEvent('load', await eventImage(leased, image.target)))
    }
    return loaded
  })
}

function platformSelection(platform: string | undefined): PlatformSelection | undefined {
  if (platform === undefined) return undefined
  const requested = parsePlatform(platform)
  return {requested, matcher: strictPlatform(requested)}
}

function isRegularFile(entry: TarEntry): boolean {
  return entry.type === 'File' || entry.type === 'OldFile' || entry.type === 'ContiguousFile'
}

/**
 * Reads the archive once, front to back: its table of contents into memory, every other file into
 * the content store, several at a time (see read-ahead.ts). A failure anywhere stops every write
 * and drops their ingests.
 */
async function readArchive(client: ContainerdClient, input: AsyncIterable<Uint8Array>, signal: AbortSignal | undefined): Promise<ArchiveContents> {
  const contents = new ArchiveContents()
  // Ingest refs of this load alone: no waiting on another writer's lock, nothing to resume.
  const refPrefix = `nerd-load-${Date.now()}-${randomBytes(4).toString('hex')}`
  const budget = new ByteBudget(READ_AHEAD_BYTES)
  const writes = new Set<Promise<void>>()
  const channels = new Set<ChunkChannel>()
  let written = 0
  let failure: Error | undefined
  // A write never rejects: its failure is kept here and stops the reading at the next chunk.
  const startWrite = (path: string, size: number): ChunkChannel => {
    const channel = new ChunkChannel(budget)
    channels.add(channel)
    const write = storeFile(client, channel, {path, size, ref: `${refPrefix}-${written++}`, signal})
      .then(
        (file) => {
          contents.files.set(path, file)
        },
        (error: unknown) => {
          failure ??= error as Error
          budget.fail(failure)
        },
      )
      .finally(() => {
        channel.close()
        channels.delete(channel)
        writes.delete(write)
      })
    writes.add(write)
    return channel
  }
  // A stream waiting for bytes that may never come (a stalled pipe) ends with the signal.
  if (signal && input instanceof Readable) addAbortSignal(signal, input)
  try {
    for await (const entry of readTar(decompress(input, 'the archive'))) {
      signal?.throwIfAborted()
      contents.entries++
      const path = cleanArchivePath(entry.path)
      if (path === undefined) continue
      if (entry.type === 'SymbolicLink' && entry.linkpath) {
        const target = cleanArchivePath(entry.linkpath.startsWith('/') ? entry.linkpath : posix.join(posix.dirname(path), entry.linkpath))
        if (target !== undefined) contents.links.set(path, target)
      } else if (entry.type === 'Link' && entry.linkpath) {
        const target = cleanArchivePath(entry.linkpath)
        if (target !== undefined) contents.links.set(path, target)
      } else if (isRegularFile(entry)) {
        if (METADATA_FILES.has(path)) {
          contents.metadata.set(path, await readSmallFile(entry, path))
          continue
        }
        while (writes.size >= CONCURRENT_WRITES) await Promise.race(writes)
        if (failure) throw failure
        const channel = startWrite(path, entry.size)
        for await (const chunk of entry.body) {
          await budget.acquire(chunk.length)
          channel.push(chunk)
        }
        channel.end()
      }
    }
    await Promise.all(writes)
    if (failure) throw failure
  } catch (error) {
    budget.fail(error as Error)
    for (const channel of channels) channel.fail(error as Error)
    await Promise.all(writes)
    throw error
  }
  if (contents.entries === 0) throw new NerdError('unrecognized image format: the archive is empty')
  return contents
}

async function readSmallFile(entry: TarEntry, path: string): Promise<Buffer> {
  if (entry.size > MAX_METADATA_BYTES) throw new NerdError(`${path} in the archive is too large (${entry.size} bytes)`)
  const chunks: Buffer[] = []
  for await (const chunk of entry.body) chunks.push(chunk)
  return Buffer.concat(chunks)
}

/**
 * Streams an archive member into the content store. A `blobs/sha256/<hex>` member is committed
 * under that digest (containerd verifies it; one the namespace has is not sent again); any other
 * member's digest is computed on the way.
 */
async function storeFile(
  client: ContainerdClient,
  bytes: AsyncIterable<Buffer>,
  file: {path: string; size: number; ref: string; signal: AbortSignal | undefined},
): Promise<StoredFile> {
  const expected = digestOfBlobPath(file.path)
  const hash = expected === undefined ? createHash('sha256') : undefined
  async function* hashed(): AsyncGenerator<Buffer, void, undefined> {
    for await (const chunk of bytes) {
      hash?.update(chunk)
      yield chunk
    }
  }
  try {
    // An empty `expected` leaves the digest to containerd: it commits whatever arrived.
    await client.content.write(file.ref, () => hashed(), {expected: expected ?? '', total: file.size, signal: file.signal})
  } catch (error) {
    await client.content.abort(file.ref).catch(() => undefined)
    if (isFailedPrecondition(error)) throw new NerdError(`${file.path} in the archive does not match its digest: ${(error as Error).message}`, {cause: error})
    throw error
  }
  return {digest: expected ?? `sha256:${hash?.digest('hex')}`, size: file.size}
}

/** The images of an OCI layout: one per index.json entry, named by its annotations. */
function ociImages(contents: ArchiveContents): ImageToName[] {
  const layout = contents.metadata.get(OCI_LAYOUT_FILE)
  if (layout !== undefined) checkLayoutVersion(layout)
  const index = parseIndex(contents.metadata.get(OCI_INDEX_FILE) as Buffer, `${OCI_INDEX_FILE} of the archive`)
  const byDigest = new Map<string, ImageToName>()
  for (const entry of index.manifests) {
    const name = nameFromAnnotations(entry.annotations, `${OCI_INDEX_FILE} of the archive`)
    let image = byDigest.get(entry.digest)
    if (!image) {
      image = {names: [], target: recordTarget(entry)}
      byDigest.set(entry.digest, image)
    }
    if (name !== undefined && !image.names.includes(name)) image.names.push(name)
  }
  return [...byDigest.values()]
}

/** An index.json entry as an image record's target: the naming annotations stay in index.json. */
function recordTarget(entry: Descriptor): Descriptor {
  const target: Descriptor = {mediaType: entry.mediaType, digest: entry.digest, size: entry.size}
  const annotations = Object.entries(entry.annotations ?? {}).filter(([key]) => key !== ANNOTATION_IMAGE_NAME && key !== ANNOTATION_REF_NAME)
  if (annotations.length > 0) target.annotations = Object.fromEntries(annotations)
  if (entry.platform) target.platform = entry.platform
  return target
}

/**
 * The images of a docker archive: for each manifest.json entry a docker schema 2 manifest is
 * written, pointing at the config and layer files as they were stored (layers keep their
 * compression), and labelled so the garbage collector follows it.
 */
async function dockerImages(client: ContainerdClient, contents: ArchiveContents): Promise<ImageToName[]> {
  const manifestFile = contents.metadata.get(DOCKER_MANIFEST_FILE)
  if (manifestFile === undefined) throw new NerdError(`unrecognized image format: the archive has neither ${OCI_INDEX_FILE} (OCI) nor ${DOCKER_MANIFEST_FILE} (docker)`)
  const images: ImageToName[] = []
  for (const entry of parseDockerManifest(manifestFile)) {
    const names = (entry.RepoTags ?? []).map((tag) => normalizeImageName(tag, DOCKER_MANIFEST_FILE))
    const what = names.length > 0 ? familiarImageName(names[0]) : `image ${entry.Config}`
    const config = contents.file(entry.Config)
    if (!config) throw new NerdError(`${what}: its config ${entry.Config} is missing from the archive`)
    const diffIds = parseConfig(await readBlob(client, config.digest), `config ${entry.Config} of the archive`).rootfs.diff_ids
    if (diffIds.length !== entry.Layers.length) {
      throw new NerdError(`${what}: ${DOCKER_MANIFEST_FILE} lists ${entry.Layers.length} layers, its config ${diffIds.length}`)
    }
    const layers: Descriptor[] = []
    for (const path of entry.Layers) {
      const layer = contents.file(path)
      if (!layer) throw new NerdError(`${what}: its layer ${path} is missing from the archive`)
      const head = layer.size === 0 ? Buffer.alloc(0) : await client.content.readAll(layer.digest, {size: Math.min(MAGIC_BYTES, layer.size)})
      layers.push({mediaType: dockerLayerMediaType(detectCompression(head)), digest: layer.digest, size: layer.size})
    }
    const {manifest, bytes, descriptor} = synthesizeManifest(config, layers)
    await writeBlob(client, descriptor, bytes, {labels: childGcLabels(descriptor.mediaType, manifest)})
    images.push({names, target: descriptor})
  }
  return images
}

/** Whether the blob arrived; one missing fails the load unless `skipMissing`. */
async function arrived(client: ContainerdClient, descriptor: Descriptor, what: string, skipMissing: boolean): Promise<boolean> {
  if (await blobPresent(client, descriptor.digest)) return true
  if (skipMissing) return false
  throw new NerdError(`${what}: blob ${descriptor.digest} (${descriptor.mediaType}) is missing from the archive`)
}

/**
 * Walks an image from its root to the manifests of the platforms selected, checking that every
 * blob they need arrived, and labels each index and manifest with its children for the garbage
 * collector. Returns the manifests chosen. Without `--platform`, an index's children the archive
 * lacks (in part or whole) are skipped, as containerd's import WithSkipMissing that docker uses.
 */
async function prepareImage(client: ContainerdClient, image: ImageToName, selection: PlatformSelection | undefined): Promise<SelectedManifest[]> {
  const what = imageDisplayName(image)
  const selected: SelectedManifest[] = []
  const visit = async (descriptor: Descriptor, skipMissing: boolean): Promise<void> => {
    if (!(await arrived(client, descriptor, what, skipMissing))) return
    const bytes = await readBlob(client, descriptor.digest)
    if (isIndexMediaType(descriptor.mediaType)) {
      const index = parseIndex(bytes, `index ${descriptor.digest} of ${what}`)
      await addBlobLabels(client, descriptor.digest, childGcLabels(descriptor.mediaType, index))
      for (const child of await chooseChildren(client, index.manifests, selection)) await visit(child, selection === undefined)
    } else if (isManifestMediaType(descriptor.mediaType)) {
      const manifest = parseManifest(bytes, `manifest ${descriptor.digest} of ${what}`)
      const blobs = [manifest.config, ...manifest.layers]
      for (const blob of blobs) if (!(await arrived(client, blob, what, skipMissing))) return
      await addBlobLabels(client, descriptor.digest, childGcLabels(descriptor.mediaType, manifest))
      selected.push({descriptor, manifest})
    } else {
      throw new NerdError(`${what}: unsupported media type ${descriptor.mediaType}`)
    }
  }
  await visit(image.target, false)
  if (selected.length === 0 && selection === undefined) throw new NerdError(`${what}: the archive has none of the manifests of its index ${image.target.digest}`)
  return selected
}

/** The children of an index to load: all of them, or the best present one for `--platform`. */
async function chooseChildren(client: ContainerdClient, children: readonly Descriptor[], selection: PlatformSelection | undefined): Promise<Descriptor[]> {
  const images = children.filter((child) => isManifestMediaType(child.mediaType) || isIndexMediaType(child.mediaType))
  if (selection === undefined) return images
  for (const candidate of rankByPlatform(images.filter((child) => !isAttestation(child)), (child) => child.platform, selection.matcher)) {
    if (await blobPresent(client, candidate.digest)) return [candidate]
  }
  // The platform asked for is checked once every image is read (imagesLacking).
  return []
}

/** The images none of whose manifests chosen has a config of `platform` (docker's verifyImagesProvidePlatform). */
async function imagesLacking(client: ContainerdClient, prepared: ReadonlyArray<{image: ImageToName; selected: SelectedManifest[]}>, platform: Platform): Promise<ImageToName[]> {
  const matcher = strictPlatform(platform)
  const lacking: ImageToName[] = []
  for (const {image, selected} of prepared) {
    const platforms = []
    for (const {manifest} of selected) platforms.push(configPlatform(parseConfig(await readBlob(client, manifest.config.digest), `config ${manifest.config.digest} of ${imageDisplayName(image)}`)))
    if (!platforms.some((each) => matcher.match(each))) lacking.push(image)
  }
  return lacking
}

/** How docker names a loaded image in messages: each of its names, familiar, or its digest. */
function imageNames(image: ImageToName): string[] {
  return image.names.length > 0 ? image.names.map(familiarImageName) : [image.target.digest]
}

function platformNotLoaded(names: readonly string[], platform: Platform): NerdError {
  const wanted = formatPlatform(platform)
  if (names.length === 1) return new NerdError(`image ${names[0]} was loaded, but doesn't provide the requested platform (${wanted})`)
  return new NerdError(`images [${names.join(', ')}] were loaded, but don't provide the requested platform (${wanted})`)
}
