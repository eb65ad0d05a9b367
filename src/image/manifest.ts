/**
 * OCI and docker image documents (index, manifest, config): parsing them from bytes, what points
 * where, and the labels containerd keeps on blobs so its garbage collector follows an image from
 * its root to every blob and snapshot.
 */
import {createHash} from 'node:crypto'
import {NerdError} from '../errors.ts'
import type {ImageConfig, ImageIndex, ImageManifest} from '../hooks/types.ts'
import {
  MEDIA_TYPE_DOCKER_CONFIG,
  isIndexMediaType,
  isManifestMediaType,
  isSchema1MediaType,
  schema1Removed,
} from './registry/media-types.ts'
import type {Descriptor} from './registry/media-types.ts'

export type {ImageConfig, ImageIndex, ImageManifest} from '../hooks/types.ts'
export type {Descriptor} from './registry/media-types.ts'

/** An uncompressed docker layer (the registry module names the gzip one). */
export const MEDIA_TYPE_DOCKER_LAYER = 'application/vnd.docker.image.rootfs.diff.tar'

const OCI_LAYER_PREFIX = 'application/vnd.oci.image.layer.'
const DOCKER_LAYER_PREFIX = 'application/vnd.docker.image.rootfs.'

/** Annotation buildkit puts on the index entries of attestation manifests (SBOM, provenance). */
export const ANNOTATION_DOCKER_REFERENCE_TYPE = 'vnd.docker.reference.type'
const ATTESTATION_MANIFEST = 'attestation-manifest'

/** What docker's puller takes as a config or layer: these types, and those under these prefixes (followed by a dot). */
const SUPPORTED_MEDIA_TYPE_PREFIXES = ['application/vnd.oci.image', 'application/vnd.docker']
const SUPPORTED_MEDIA_TYPES = [...SUPPORTED_MEDIA_TYPE_PREFIXES, 'application/octet-stream', 'application/json', 'text/html', '']
/** docker's model runner's artifacts: under the docker prefix, yet refused first, in words of their own. */
const AI_MODEL_MEDIA_TYPE_PREFIX = 'application/vnd.docker.ai.'

/** Labels containerd's garbage collector and its clients read (metadata/gc.go, remotes, unpacker). */
export const LABEL_GC_REF_CONTENT = 'containerd.io/gc.ref.content'
export const LABEL_GC_REF_SNAPSHOT = 'containerd.io/gc.ref.snapshot'
export const LABEL_DISTRIBUTION_SOURCE = 'containerd.io/distribution.source'
export const LABEL_UNCOMPRESSED = 'containerd.io/uncompressed'
export const LABEL_SNAPSHOT_REF = 'containerd.io/snapshot.ref'
/** containerd refuses a label whose key and value together exceed this many bytes. */
export const MAX_LABEL_BYTES = 4096

export function isLayerMediaType(mediaType: string): boolean {
  return mediaType.startsWith(OCI_LAYER_PREFIX) || mediaType.startsWith(DOCKER_LAYER_PREFIX)
}

export function isConfigMediaType(mediaType: string): boolean {
  return mediaType === MEDIA_TYPE_DOCKER_CONFIG || mediaType === 'application/vnd.oci.image.config.v1+json'
}

/** Layers registries may refuse to store (foreign, non-distributable): push leaves them out, as docker does. */
export function isNonDistributable(mediaType: string): boolean {
  return mediaType.includes('.nondistributable.') || mediaType.includes('.foreign.')
}

/** An index entry that is no image: buildkit's attestations (platform `unknown/unknown`). */
export function isAttestation(descriptor: Descriptor): boolean {
  return descriptor.annotations?.[ANNOTATION_DOCKER_REFERENCE_TYPE] === ATTESTATION_MANIFEST
    || (descriptor.platform?.os === 'unknown' && descriptor.platform.architecture === 'unknown')
}

/**
 * The ingest name containerd's fetcher gives a blob while it is written: the same for every pull of
 * that blob in a namespace, so an interrupted pull's partial data is found and continued.
 */
export function ingestRef(descriptor: Pick<Descriptor, 'mediaType' | 'digest'>): string {
  const {mediaType, digest} = descriptor
  if (isManifestMediaType(mediaType)) return `manifest-${digest}`
  if (isIndexMediaType(mediaType)) return `index-${digest}`
  if (isLayerMediaType(mediaType)) return `layer-${digest}`
  if (isConfigMediaType(mediaType)) return `config-${digest}`
  return `unknown-${digest}`
}

function invalidDocument(what: string, why: string): NerdError {
  return new NerdError(`invalid ${what}: ${why}`)
}

function parseJson(bytes: Uint8Array, what: string): Record<string, unknown> {
  let document: unknown
  try {
    document = JSON.parse(Buffer.from(bytes).toString('utf8'))
  } catch (error) {
    throw invalidDocument(what, (error as Error).message)
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document)) throw invalidDocument(what, 'not a JSON object')
  return document as Record<string, unknown>
}

function isDescriptor(value: unknown): value is Descriptor {
  if (typeof value !== 'object' || value === null) return false
  const {mediaType, digest, size} = value as Record<string, unknown>
  return typeof mediaType === 'string' && typeof digest === 'string' && /^[a-z0-9]+:[a-f0-9]+$/.test(digest) && Number.isSafeInteger(size) && (size as number) >= 0
}

/** An index or manifest list, checked enough that walking it cannot go astray. */
export function parseIndex(bytes: Uint8Array, what = 'image index'): ImageIndex {
  const document = parseJson(bytes, what)
  if (!Array.isArray(document.manifests) || !document.manifests.every(isDescriptor)) {
    throw invalidDocument(what, 'manifests must be a list of descriptors')
  }
  return document as unknown as ImageIndex
}

/** An image manifest: a config descriptor and layer descriptors. */
export function parseManifest(bytes: Uint8Array, what = 'image manifest'): ImageManifest {
  const document = parseJson(bytes, what)
  if (typeof document.mediaType === 'string' && isSchema1MediaType(document.mediaType) || document.schemaVersion === 1) {
    throw new NerdError(schema1Removed())
  }
  if (!isDescriptor(document.config)) throw invalidDocument(what, 'config must be a descriptor')
  if (!Array.isArray(document.layers) || !document.layers.every(isDescriptor)) throw invalidDocument(what, 'layers must be a list of descriptors')
  return document as unknown as ImageManifest
}

/** An image config; `rootfs.diff_ids` is what unpacking needs. */
export function parseConfig(bytes: Uint8Array, what = 'image config'): ImageConfig {
  const document = parseJson(bytes, what)
  const rootfs = document.rootfs as {diff_ids?: unknown} | undefined
  if (typeof rootfs !== 'object' || rootfs === null || !Array.isArray(rootfs.diff_ids) || !rootfs.diff_ids.every((id) => typeof id === 'string')) {
    throw invalidDocument(what, 'rootfs.diff_ids must be a list of digests')
  }
  return document as unknown as ImageConfig
}

/** The manifests an index leads to, and the indexes inside it on the way (each after those it holds). */
export interface IndexTree {
  manifests: Descriptor[]
  indexes: Descriptor[]
  /** The indexes inside it that were not read (not here): what they lead to is not listed. */
  unread: Descriptor[]
}

/**
 * Follows an index to its manifests, through the indexes it lists (OCI allows an index inside an
 * index, and containerd's images.Manifest follows them): the manifests in the order met, depth
 * first. `readIndex` gives a child index, or undefined to leave it out (not here); entries that are
 * neither manifests nor indexes are left out.
 */
export async function indexTree(index: ImageIndex, readIndex: (descriptor: Descriptor) => Promise<ImageIndex | undefined>): Promise<IndexTree> {
  const tree: IndexTree = {manifests: [], indexes: [], unread: []}
  const walk = async (children: readonly Descriptor[]): Promise<void> => {
    for (const child of children) {
      if (isManifestMediaType(child.mediaType)) {
        tree.manifests.push(child)
      } else if (isIndexMediaType(child.mediaType)) {
        const nested = await readIndex(child)
        if (nested === undefined) {
          tree.unread.push(child)
          continue
        }
        await walk(nested.manifests)
        tree.indexes.push(child)
      }
    }
  }
  await walk(index.manifests)
  return tree
}

/**
 * docker's refusal of content that is no image (an OCI artifact: an empty or other config, blobs
 * of other types), before anything of it is fetched: the media types its puller takes
 * (distribution/pull_v2.go checkSupportedMediaType, registry.go supportedMediaTypes, errors.go
 * AIModelNotSupportedError). docker 28's containerd store would store such a manifest as an image
 * that nothing can run or list.
 */
export function refuseUnsupportedMediaTypes(manifest: ImageManifest): void {
  for (const descriptor of [manifest.config, ...manifest.layers]) {
    const mediaType = descriptor.mediaType.toLowerCase()
    if (mediaType.startsWith(AI_MODEL_MEDIA_TYPE_PREFIX)) throw new NerdError('AI models are not yet supported by the Engine, please use "docker model pull/run" instead')
    const supported = SUPPORTED_MEDIA_TYPES.some((type) => mediaType === type) || SUPPORTED_MEDIA_TYPE_PREFIXES.some((prefix) => mediaType.startsWith(`${prefix}.`))
    if (!supported) throw new NerdError(`unsupported media type ${descriptor.mediaType}`)
  }
}

/** The blobs a manifest or index points at (config first, then layers; or the index's manifests). */
export function childrenOf(mediaType: string, document: ImageIndex | ImageManifest): Descriptor[] {
  if (isIndexMediaType(mediaType)) return [...(document as ImageIndex).manifests]
  if (isManifestMediaType(mediaType)) {
    const manifest = document as ImageManifest
    return [manifest.config, ...manifest.layers]
  }
  return []
}

/**
 * The GC labels a manifest or index blob carries for its children, as containerd's fetcher writes
 * them: `…content.m.<i>` for every manifest of an index (all platforms, fetched or not),
 * `…content.config` and `…content.l.<i>` for a manifest.
 */
export function childGcLabels(mediaType: string, document: ImageIndex | ImageManifest): Record<string, string> {
  const labels: Record<string, string> = {}
  if (isIndexMediaType(mediaType)) {
    ;(document as ImageIndex).manifests.forEach((child, index) => (labels[`${LABEL_GC_REF_CONTENT}.m.${index}`] = child.digest))
  } else if (isManifestMediaType(mediaType)) {
    const manifest = document as ImageManifest
    labels[`${LABEL_GC_REF_CONTENT}.config`] = manifest.config.digest
    manifest.layers.forEach((layer, index) => (labels[`${LABEL_GC_REF_CONTENT}.l.${index}`] = layer.digest))
  }
  return labels
}

/** `containerd.io/distribution.source.<host>`: the key names the registry host without its port. */
export function distributionSourceKey(domain: string): string {
  const host = domain.startsWith('[') ? domain.slice(0, domain.indexOf(']') + 1) : domain.split(':')[0]
  return `${LABEL_DISTRIBUTION_SOURCE}.${host}`
}

/** The repositories a distribution.source label value lists. */
export function distributionSources(value: string | undefined): string[] {
  return value === undefined || value === '' ? [] : value.split(',').filter((repository) => repository !== '')
}

/**
 * The distribution.source label after a blob was fetched from `repository` of `domain`: the
 * existing list plus `repository`, sorted and without duplicates; undefined when nothing changes or
 * the label would be too long for containerd.
 */
export function distributionSourceLabel(existing: Record<string, string>, domain: string, repository: string): [key: string, value: string] | undefined {
  const key = distributionSourceKey(domain)
  const current = distributionSources(existing[key])
  if (current.includes(repository)) return undefined
  const value = [...new Set([...current, repository])].sort().join(',')
  if (Buffer.byteLength(key) + Buffer.byteLength(value) > MAX_LABEL_BYTES) return undefined
  return [key, value]
}

/**
 * chainIDs of an image's layers: `chain[0] = diffIds[0]`, `chain[i] = sha256(chain[i-1] + " " +
 * diffIds[i])`. The unpacked snapshot of layer i is named chain[i].
 */
export function chainIds(diffIds: readonly string[]): string[] {
  const chain: string[] = []
  for (const diffId of diffIds) {
    const parent = chain.at(-1)
    chain.push(parent === undefined ? diffId : `sha256:${createHash('sha256').update(`${parent} ${diffId}`).digest('hex')}`)
  }
  return chain
}

/** `sha256:0123456789ab…` → `0123456789ab`: how docker names a layer in progress output. */
export function shortDigest(digest: string): string {
  return digest.slice(digest.indexOf(':') + 1, digest.indexOf(':') + 13)
}
