/** OCI and docker media types, and the descriptor that points at content by digest. */

export const MEDIA_TYPE_OCI_INDEX = 'application/vnd.oci.image.index.v1+json'
export const MEDIA_TYPE_OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json'
export const MEDIA_TYPE_OCI_CONFIG = 'application/vnd.oci.image.config.v1+json'
export const MEDIA_TYPE_OCI_LAYER = 'application/vnd.oci.image.layer.v1.tar'
export const MEDIA_TYPE_OCI_LAYER_GZIP = 'application/vnd.oci.image.layer.v1.tar+gzip'
export const MEDIA_TYPE_DOCKER_MANIFEST_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json'
export const MEDIA_TYPE_DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json'
export const MEDIA_TYPE_DOCKER_CONFIG = 'application/vnd.docker.container.image.v1+json'
export const MEDIA_TYPE_DOCKER_LAYER_GZIP = 'application/vnd.docker.image.rootfs.diff.tar.gzip'
export const MEDIA_TYPE_DOCKER_SCHEMA1_MANIFEST = 'application/vnd.docker.distribution.manifest.v1+json'
export const MEDIA_TYPE_DOCKER_SCHEMA1_SIGNED_MANIFEST = 'application/vnd.docker.distribution.manifest.v1+prettyjws'

/** What resolving and fetching manifests accepts, in containerd's order. */
export const MANIFEST_ACCEPT = [
  MEDIA_TYPE_DOCKER_MANIFEST,
  MEDIA_TYPE_DOCKER_MANIFEST_LIST,
  MEDIA_TYPE_OCI_MANIFEST,
  MEDIA_TYPE_OCI_INDEX,
  '*/*',
].join(', ')

// The OCI descriptor and platform shapes are the ones plugins see through the hook API.
export type {Descriptor, Platform} from '../../hooks/types.ts'

export function isIndexMediaType(mediaType: string): boolean {
  return mediaType === MEDIA_TYPE_OCI_INDEX || mediaType === MEDIA_TYPE_DOCKER_MANIFEST_LIST
}

export function isManifestMediaType(mediaType: string): boolean {
  return mediaType === MEDIA_TYPE_OCI_MANIFEST || mediaType === MEDIA_TYPE_DOCKER_MANIFEST
}

export function isSchema1MediaType(mediaType: string): boolean {
  return mediaType === MEDIA_TYPE_DOCKER_SCHEMA1_MANIFEST || mediaType === MEDIA_TYPE_DOCKER_SCHEMA1_SIGNED_MANIFEST
}

/** docker's refusal of a schema 1 manifest (DeprecatedSchema1ImageError), naming the image when known (normalised). */
export function schema1Removed(name?: string): string {
  const suggestion = name === undefined ? '' : ` Suggest the author of ${name} to upgrade the image to the OCI Format or Docker Image manifest v2, schema 2.`
  return `Docker Image Format v1 and Docker Image manifest version 2, schema 1 support has been removed.${suggestion} More information at https://docs.docker.com/go/deprecated-image-specs/`
}

/**
 * The media type of a manifest body whose Content-Type said nothing useful (`application/json`,
 * `text/plain`): its own `mediaType` field, else what its shape implies, else undefined.
 */
export function detectManifestMediaType(body: Uint8Array): string | undefined {
  let document: unknown
  try {
    document = JSON.parse(Buffer.from(body).toString('utf8'))
  } catch {
    return undefined
  }
  if (typeof document !== 'object' || document === null) return undefined
  const fields = document as Record<string, unknown>
  if (typeof fields.mediaType === 'string' && fields.mediaType !== '') return fields.mediaType
  if (fields.schemaVersion === 1) {
    return 'signatures' in fields ? MEDIA_TYPE_DOCKER_SCHEMA1_SIGNED_MANIFEST : MEDIA_TYPE_DOCKER_SCHEMA1_MANIFEST
  }
  if (Array.isArray(fields.manifests)) return MEDIA_TYPE_OCI_INDEX
  if (typeof fields.config === 'object' && Array.isArray(fields.layers)) return MEDIA_TYPE_OCI_MANIFEST
  return undefined
}
