/**
 * How archived images are named. An OCI layout names an entry of its index.json by annotations;
 * docker's manifest.json by RepoTags. An image that arrives without any name (docker's `<none>`)
 * still needs an image record to exist in containerd (see danglingImageName in ../store.ts).
 */
import {NerdError} from '../../errors.ts'
import {familiarName, normalizedName, parseReference} from '../reference.ts'

/** Annotation containerd's exporter and importer use for the full image name. */
export const ANNOTATION_IMAGE_NAME = 'io.containerd.image.name'
/** The OCI annotation naming an index.json entry; nerd, containerd and docker write the tag there. */
export const ANNOTATION_REF_NAME = 'org.opencontainers.image.ref.name'

/** `busybox:latest` → `docker.io/library/busybox:latest`; the error says where the name came from. */
export function normalizeImageName(name: string, source: string): string {
  try {
    return normalizedName(parseReference(name))
  } catch (error) {
    throw new NerdError(`${source}: invalid image name "${name}": ${(error as Error).message}`, {cause: error})
  }
}

/** `docker.io/library/busybox:latest` → `busybox:latest`, as docker shows names. */
export function familiarImageName(name: string): string {
  return familiarName(parseReference(name))
}

/** How an archive's image is named in messages: its first name as docker shows it, else its digest. */
export function imageDisplayName(image: {names: readonly string[]; target: {digest: string}}): string {
  return image.names.length > 0 ? familiarImageName(image.names[0]!) : image.target.digest
}

/**
 * The name of an index.json entry: `io.containerd.image.name`; else a ref.name that is a whole
 * reference (`busybox:latest`, `docker.io/x/y:1`). A ref.name that is only a tag (`latest`, as
 * containerd and docker write beside the full name) names nothing on its own.
 */
export function nameFromAnnotations(annotations: Readonly<Record<string, string>> | undefined, source: string): string | undefined {
  const full = annotations?.[ANNOTATION_IMAGE_NAME]
  if (full) return normalizeImageName(full, source)
  const reference = annotations?.[ANNOTATION_REF_NAME]
  if (reference && /[:/]/.test(reference)) return normalizeImageName(reference, source)
  return undefined
}

/** The annotations nerd writes on an index.json entry of `name` (normalised, with a tag). */
export function annotationsForName(name: string): Record<string, string> {
  const reference = parseReference(name)
  const annotations: Record<string, string> = {[ANNOTATION_IMAGE_NAME]: name}
  if (reference.tag !== undefined) annotations[ANNOTATION_REF_NAME] = reference.tag
  return annotations
}
