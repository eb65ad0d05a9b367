/**
 * `save`: images into one tar stream that both kinds of readers take — an OCI image layout
 * (`oci-layout`, `index.json` naming each image, `blobs/sha256/<hex>`) and, over the same blobs,
 * docker's `manifest.json` and `repositories` (the shape docker 25 writes). Blobs stream from the
 * content store into the archive chunk by chunk; nothing is written before every blob has been
 * found, so a missing layer fails the save before the output holds half an archive.
 */
import type {Writable} from 'node:stream'
import {pipeline} from 'node:stream/promises'
import type {ContainerdClient} from '../../containerd/index.ts'
import {isNotFound} from '../../containerd/index.ts'
import {NerdError} from '../../errors.ts'
import {publishEvent} from '../../system/nerd-events.ts'
import {eventImage, imageEvent} from '../events.ts'
import {truncatedImageId, withIdPrefix} from '../list.ts'
import {isAttestation, parseConfig, parseIndex, parseManifest} from '../manifest.ts'
import type {Descriptor, ImageManifest} from '../manifest.ts'
import {configPlatform, defaultPlatformMatcher, formatPlatform, parsePlatform, platformNotProvided, rankByPlatform, strictPlatform} from '../platform.ts'
import type {Platform, PlatformMatcher} from '../platform.ts'
import {normalizedName, parseReference, repository} from '../reference.ts'
import {MEDIA_TYPE_OCI_INDEX, isIndexMediaType, isManifestMediaType} from '../registry/media-types.ts'
import {blobPresent, getImage, isDanglingImageName, listImages, presentManifests, readBlob, recordsByDigest, resolveImageConfig} from '../store.ts'
import type {ImageRecord} from '../store.ts'
import {DOCKER_MANIFEST_FILE, DOCKER_REPOSITORIES_FILE, dockerManifestEntry, repositoriesFile} from './docker-archive.ts'
import type {DockerManifestEntry} from './docker-archive.ts'
import {OCI_INDEX_FILE, OCI_LAYOUT_FILE, OCI_LAYOUT_VERSION, blobPath} from './layout.ts'
import {annotationsForName, familiarImageName, imageDisplayName} from './names.ts'
import {tarEnd, tarFile, tarHeader, tarPadding} from './tar-writer.ts'

export interface SaveOptions {
  /** Save each image's manifest for this platform alone (an image without one is refused); default: every platform of multi-platform images that is here, as docker 28's containerd store. */
  platform?: string
  /** Save every platform of multi-platform images (all must be in the content store). */
  allPlatforms?: boolean
  signal?: AbortSignal
}

/** An image to save: its root, and the names it is saved under (none: saved by ID). */
export interface SavedImage {
  target: Descriptor
  names: string[]
}

/**
 * Finds the images `references` name, as docker's save does: `name:tag` or `name@digest` one
 * image; a bare repository (`busybox`) every tag of it; an image ID (config digest, or a unique
 * prefix of its hex) that image, without names.
 */
export async function findImagesToSave(client: ContainerdClient, references: readonly string[]): Promise<SavedImage[]> {
  const byTarget = new Map<string, SavedImage>()
  const add = (target: Descriptor, name: string | undefined): void => {
    let image = byTarget.get(target.digest)
    if (!image) {
      image = {target, names: []}
      byTarget.set(target.digest, image)
    }
    if (name !== undefined && !isDanglingImageName(name) && !image.names.includes(name)) image.names.push(name)
  }
  let records: ImageRecord[] | undefined
  const allRecords = async (): Promise<ImageRecord[]> => (records ??= await listImages(client))
  for (const text of references) {
    // `sha256:…` would parse as a repository named sha256 with a tag: it is an ID.
    let reference
    if (!text.startsWith('sha256:')) {
      try {
        reference = parseReference(text, {defaultTag: false})
      } catch (error) {
        if (truncatedImageId(text) === undefined) throw error
      }
    }
    if (reference && (reference.tag !== undefined || reference.digest !== undefined)) {
      const record = await getImage(client, normalizedName(reference))
      if (record) {
        add(record.target, record.name)
        continue
      }
      // One of an image's RepoDigests: docker saves the image under none of its names then.
      const [byDigest] = recordsByDigest(await allRecords(), reference)
      if (!byDigest) throw new NerdError(`No such image: ${text}`)
      add(byDigest.target, undefined)
      continue
    }
    if (reference) {
      const prefix = repository(reference)
      const tagged = (await allRecords()).filter((record) => record.name.startsWith(`${prefix}:`) || record.name.startsWith(`${prefix}@`))
      if (tagged.length > 0) {
        for (const record of tagged) add(record.target, record.name)
        continue
      }
    }
    const hex = truncatedImageId(text)
    const byId = hex === undefined ? undefined : await findById(client, await allRecords(), hex)
    if (!byId) throw new NerdError(`No such image: ${text}`)
    add(byId.target, undefined)
  }
  return [...byTarget.values()]
}

/** The image whose ID (config digest for the host platform) begins with `hex` (withIdPrefix). */
async function findById(client: ContainerdClient, records: readonly ImageRecord[], hex: string): Promise<ImageRecord | undefined> {
  const identified: {record: ImageRecord; id: string}[] = []
  for (const record of records) {
    try {
      identified.push({record, id: (await resolveImageConfig(client, record)).configDescriptor.digest})
    } catch {
      // Nothing of the platform here: no ID to match.
    }
  }
  return withIdPrefix(identified, hex, (image) => image.id)[0]?.record
}

interface PlatformChoice {
  /** Undefined: every platform. */
  matcher: PlatformMatcher | undefined
  /** Every platform: those not in the content store in full are left out (containerd's exporter WithSkipMissing, as docker's) rather than refused. */
  skipMissing?: boolean
  /** `--platform`: that platform's manifest alone is saved (see manifestForPlatform). */
  requested: Platform | undefined
  description: string
  /** Picks the manifest manifest.json describes. */
  preferred: PlatformMatcher
}

function platformChoice(options: SaveOptions): PlatformChoice {
  const requested = options.platform === undefined ? undefined : parsePlatform(options.platform)
  const preferred = requested === undefined ? defaultPlatformMatcher() : strictPlatform(requested)
  if (options.allPlatforms) return {matcher: undefined, requested: undefined, description: 'every platform', preferred}
  if (requested !== undefined) return {matcher: preferred, requested, description: formatPlatform(requested), preferred}
  return {matcher: undefined, skipMissing: true, requested: undefined, description: 'any platform', preferred}
}

/** The blobs one image contributes, root first, and the manifest docker's manifest.json gets. */
interface ImageBlobs {
  blobs: Descriptor[]
  dockerManifest: ImageManifest | undefined
}

/**
 * Whether a manifest and everything it points at are in the content store (an index's other
 * platforms usually are not: pull fetches one). An index counts as present; its children are
 * checked when it is walked.
 */
async function isComplete(client: ContainerdClient, descriptor: Descriptor): Promise<boolean> {
  if (!(await blobPresent(client, descriptor.digest))) return false
  if (!isManifestMediaType(descriptor.mediaType)) return true
  const manifest = parseManifest(await readBlob(client, descriptor.digest), `manifest ${descriptor.digest}`)
  for (const child of [manifest.config, ...manifest.layers]) {
    if (!(await blobPresent(client, child.digest))) return false
  }
  return true
}

/**
 * Walks an image for the platforms chosen: the root, every index and manifest on the way, their
 * configs and layers. Without `--platform` an index is saved whole even when only some of its
 * manifests are (as containerd's exporter does), so the image keeps its digest through save and load.
 */
async function collectBlobs(client: ContainerdClient, image: SavedImage, choice: PlatformChoice): Promise<ImageBlobs> {
  const what = imageDisplayName(image)
  const blobs: Descriptor[] = []
  const manifests: Array<{manifest: ImageManifest; platform: Descriptor['platform']}> = []
  const visit = async (descriptor: Descriptor): Promise<void> => {
    blobs.push(descriptor)
    if (isIndexMediaType(descriptor.mediaType)) {
      const index = parseIndex(await readBlob(client, descriptor.digest), `index ${descriptor.digest} of ${what}`)
      const children = index.manifests.filter((child) => isManifestMediaType(child.mediaType) || isIndexMediaType(child.mediaType))
      if (choice.matcher === undefined) {
        let saved = 0
        for (const child of children) {
          if (!(await isComplete(client, child))) {
            if (choice.skipMissing) continue
            throw new NerdError(`${what}: its ${child.platform ? formatPlatform(child.platform) : child.digest} image is not in the content store in full (pull the image with --all-platforms)`)
          }
          await visit(child)
          saved++
        }
        if (saved === 0) throw new NerdError(`${what}: no image for ${choice.description} is in the content store`)
        return
      }
      for (const candidate of rankByPlatform(children.filter((child) => !isAttestation(child)), (child) => child.platform, choice.matcher)) {
        if (await isComplete(client, candidate)) return visit(candidate)
      }
      throw new NerdError(`${what}: no image for ${choice.description} is in the content store`)
    }
    if (!isManifestMediaType(descriptor.mediaType)) throw new NerdError(`${what}: unsupported media type ${descriptor.mediaType}`)
    const manifest = parseManifest(await readBlob(client, descriptor.digest), `manifest ${descriptor.digest} of ${what}`)
    blobs.push(manifest.config, ...manifest.layers)
    manifests.push({manifest, platform: descriptor.platform})
  }
  await visit(image.target)
  const [preferred] = rankByPlatform(manifests, (entry) => entry.platform, choice.preferred)
  return {blobs, dockerManifest: (preferred ?? manifests[0])?.manifest}
}

/**
 * The manifest of `image` for the platform asked for, which docker's containerd store saves in the
 * image's place (image_exporter.go, getPushDescriptor): the one present manifest whose config is
 * for exactly that platform, attestations left out; an image that has none, or several, is refused.
 */
async function manifestForPlatform(client: ContainerdClient, image: SavedImage, platform: Platform): Promise<Descriptor> {
  const what = imageDisplayName(image)
  const matcher = strictPlatform(platform)
  const matching: Descriptor[] = []
  for (const descriptor of await presentManifests(client, image.target)) {
    if (isAttestation(descriptor) || !(await isComplete(client, descriptor))) continue
    const manifest = parseManifest(await readBlob(client, descriptor.digest), `manifest ${descriptor.digest} of ${what}`)
    const config = parseConfig(await readBlob(client, manifest.config.digest), `config ${manifest.config.digest} of ${what}`)
    if (matcher.match(configPlatform(config))) matching.push(descriptor)
  }
  if (matching.length > 1) throw new NerdError(`no suitable export target found: multiple manifests found for platform ${formatPlatform(platform)}`)
  if (matching.length === 0) throw new NerdError(`no suitable export target found: ${platformNotProvided(what, platform).message}`)
  return matching[0]
}

/** What the archive holds, computed before its first byte is written. */
export interface ArchivePlan {
  blobs: Descriptor[]
  index: {schemaVersion: 2; mediaType: string; manifests: Descriptor[]}
  dockerManifest: DockerManifestEntry[]
  repositories: Record<string, Record<string, string>>
}

/** The archive's table of contents for `images` and the blobs they contribute. */
export function archivePlan(images: ReadonlyArray<SavedImage & ImageBlobs>): ArchivePlan {
  const blobs = new Map<string, Descriptor>()
  const manifests: Descriptor[] = []
  const dockerManifest: DockerManifestEntry[] = []
  const repositories: Array<{familiarTags: string[]; topLayer: string | undefined}> = []
  for (const image of images) {
    for (const blob of image.blobs) if (!blobs.has(blob.digest)) blobs.set(blob.digest, blob)
    const root = {mediaType: image.target.mediaType, digest: image.target.digest, size: image.target.size}
    if (image.names.length === 0) manifests.push(root)
    for (const name of image.names) manifests.push({...root, annotations: annotationsForName(name)})
    if (image.dockerManifest) {
      // docker's RepoTags name tags only: a name pinned by digest is left out.
      const familiarTags = image.names.filter((name) => parseReference(name).tag !== undefined && parseReference(name).digest === undefined).map(familiarImageName)
      dockerManifest.push(dockerManifestEntry(image.dockerManifest.config, image.dockerManifest.layers, familiarTags))
      repositories.push({familiarTags, topLayer: image.dockerManifest.layers.at(-1)?.digest})
    }
  }
  return {
    blobs: [...blobs.values()],
    index: {schemaVersion: 2, mediaType: MEDIA_TYPE_OCI_INDEX, manifests},
    dockerManifest,
    repositories: repositoriesFile(repositories),
  }
}

/** Checks that every blob is in the content store with the size its descriptor says. */
async function checkBlobs(client: ContainerdClient, blobs: readonly Descriptor[]): Promise<void> {
  for (const blob of blobs) {
    let size: number
    try {
      size = Number((await client.content.info(blob.digest)).size)
    } catch (error) {
      if (isNotFound(error)) throw new NerdError(`blob ${blob.digest} (${blob.mediaType}) is not in the content store`, {cause: error})
      throw error
    }
    if (size !== blob.size) throw new NerdError(`blob ${blob.digest} has ${size} bytes in the content store, its descriptor says ${blob.size}`)
  }
}

async function* archiveChunks(client: ContainerdClient, plan: ArchivePlan, signal: AbortSignal | undefined): AsyncGenerator<Buffer, void, undefined> {
  const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value))
  yield* tarFile(OCI_LAYOUT_FILE, json({imageLayoutVersion: OCI_LAYOUT_VERSION}))
  yield* tarFile(OCI_INDEX_FILE, json(plan.index))
  yield* tarFile(DOCKER_MANIFEST_FILE, json(plan.dockerManifest))
  yield* tarFile(DOCKER_REPOSITORIES_FILE, json(plan.repositories))
  const directories = new Set<string>()
  for (const blob of plan.blobs) {
    const path = blobPath(blob.digest)
    for (const directory of ['blobs/', `${path.slice(0, path.lastIndexOf('/'))}/`]) {
      if (directories.has(directory)) continue
      directories.add(directory)
      yield tarHeader(directory, 0)
    }
    yield tarHeader(path, blob.size)
    let written = 0
    for await (const chunk of client.content.read(blob.digest, {signal})) {
      written += chunk.length
      yield chunk
    }
    if (written !== blob.size) throw new NerdError(`blob ${blob.digest}: read ${written} bytes from the content store, expected ${blob.size}`)
    yield tarPadding(blob.size)
  }
  yield tarEnd()
}

/**
 * Writes the images `references` name to `output` as one archive, and ends `output`. Of
 * multi-platform images the host's platform is saved unless told otherwise.
 */
export async function saveImages(client: ContainerdClient, references: readonly string[], output: Writable, options: SaveOptions = {}): Promise<void> {
  if (references.length === 0) throw new NerdError('save: name at least one image')
  const choice = platformChoice(options)
  const images = []
  for (const found of await findImagesToSave(client, references)) {
    const image = choice.requested === undefined ? found : {...found, target: await manifestForPlatform(client, found, choice.requested)}
    images.push({...image, ...(await collectBlobs(client, image, choice))})
  }
  const plan = archivePlan(images)
  await checkBlobs(client, plan.blobs)
  await pipeline(archiveChunks(client, plan, options.signal), output, {signal: options.signal})
  for (const image of images) await publishEvent(client, imageEvent('save', await eventImage(client, image.target)))
}
