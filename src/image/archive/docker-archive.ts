/**
 * Docker's archive format (`docker save`): `manifest.json` lists each image as its config file,
 * its tags and its layer files in order; `repositories` maps repository → tag → top layer ID for
 * readers older than manifest.json. Docker 25 and later store every file as `blobs/sha256/<hex>`
 * inside an OCI layout; earlier versions wrote `<id>.json` configs and `<id>/layer.tar` layers,
 * sometimes as symbolic links to an identical layer. A docker archive holds no manifest: loading
 * one writes a docker schema 2 manifest for each image.
 */
import {createHash} from 'node:crypto'
import {NerdError} from '../../errors.ts'
import type {Descriptor, ImageManifest} from '../manifest.ts'
import {MEDIA_TYPE_DOCKER_LAYER} from '../manifest.ts'
import {MEDIA_TYPE_DOCKER_CONFIG, MEDIA_TYPE_DOCKER_LAYER_GZIP, MEDIA_TYPE_DOCKER_MANIFEST} from '../registry/media-types.ts'
import type {Compression} from './compression.ts'
import {blobPath} from './layout.ts'

export const DOCKER_MANIFEST_FILE = 'manifest.json'
export const DOCKER_REPOSITORIES_FILE = 'repositories'

/** One image of manifest.json. */
export interface DockerManifestEntry {
  Config: string
  RepoTags: string[] | null
  Layers: string[]
}

/** Parses manifest.json, checked enough to be walked. */
export function parseDockerManifest(bytes: Uint8Array): DockerManifestEntry[] {
  let document: unknown
  try {
    document = JSON.parse(Buffer.from(bytes).toString('utf8'))
  } catch (error) {
    throw new NerdError(`invalid ${DOCKER_MANIFEST_FILE} in the archive: ${(error as Error).message}`)
  }
  const isStrings = (value: unknown): value is string[] => Array.isArray(value) && value.every((item) => typeof item === 'string')
  if (!Array.isArray(document) || !document.every((entry: Partial<Record<keyof DockerManifestEntry, unknown>>) =>
    typeof entry === 'object' && entry !== null && typeof entry.Config === 'string' && isStrings(entry.Layers)
    && (entry.RepoTags === undefined || entry.RepoTags === null || isStrings(entry.RepoTags)))) {
    throw new NerdError(`invalid ${DOCKER_MANIFEST_FILE} in the archive: expected a list of {Config, RepoTags, Layers}`)
  }
  return (document as DockerManifestEntry[]).map((entry) => ({Config: entry.Config, RepoTags: entry.RepoTags ?? null, Layers: entry.Layers}))
}

/** The manifest.json entry of a saved image: its files are the OCI layout's blobs. */
export function dockerManifestEntry(config: Descriptor, layers: readonly Descriptor[], repoTags: readonly string[]): DockerManifestEntry {
  return {Config: blobPath(config.digest), RepoTags: repoTags.length > 0 ? [...repoTags] : null, Layers: layers.map((layer) => blobPath(layer.digest))}
}

/**
 * The `repositories` file: familiar repository → tag → hex of the image's top layer (what docker
 * writes since layers lost their v1 IDs). `images` pairs familiar tags with their top layer.
 */
export function repositoriesFile(images: ReadonlyArray<{familiarTags: readonly string[]; topLayer: string | undefined}>): Record<string, Record<string, string>> {
  const repositories: Record<string, Record<string, string>> = {}
  for (const {familiarTags, topLayer} of images) {
    if (topLayer === undefined) continue
    for (const tagged of familiarTags) {
      const colon = tagged.lastIndexOf(':')
      if (colon <= tagged.lastIndexOf('/')) continue
      const repository = tagged.slice(0, colon)
      repositories[repository] ??= {}
      repositories[repository][tagged.slice(colon + 1)] = topLayer.slice(topLayer.indexOf(':') + 1)
    }
  }
  return repositories
}

/**
 * The docker media type of a layer file stored as is. As containerd's importer
 * (detectLayerMediaType), every compressed layer is labelled gzip: applying it detects zstd too,
 * and docker 28 saves zstd layers into manifest.json as they are.
 */
export function dockerLayerMediaType(compression: Compression): string {
  return compression === 'none' ? MEDIA_TYPE_DOCKER_LAYER : MEDIA_TYPE_DOCKER_LAYER_GZIP
}

/** A docker schema 2 manifest for an image of a docker archive, with its bytes and descriptor. */
export function synthesizeManifest(config: Pick<Descriptor, 'digest' | 'size'>, layers: ReadonlyArray<Pick<Descriptor, 'mediaType' | 'digest' | 'size'>>): {
  manifest: ImageManifest
  bytes: Buffer
  descriptor: Descriptor
} {
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: MEDIA_TYPE_DOCKER_MANIFEST,
    config: {mediaType: MEDIA_TYPE_DOCKER_CONFIG, digest: config.digest, size: config.size},
    layers: layers.map((layer) => ({mediaType: layer.mediaType, digest: layer.digest, size: layer.size})),
  }
  const bytes = Buffer.from(JSON.stringify(manifest))
  const descriptor: Descriptor = {mediaType: MEDIA_TYPE_DOCKER_MANIFEST, digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}`, size: bytes.length}
  return {manifest, bytes, descriptor}
}
