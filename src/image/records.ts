/**
 * Image records as docker keeps them: a name that moves to another image (pull, tag, load, import,
 * commit) leaves the image it named dangling (`<none>`) unless another name still holds it, and an
 * image that gets a name is no longer listed as dangling. Images that arrive without a name (load,
 * import, commit) get a dangling record unless they are here already.
 */
import type {ContainerdClient, Labels} from '../containerd/index.ts'
import {NerdError} from '../errors.ts'
import type {Descriptor} from './manifest.ts'
import {danglingImageName, deleteImage, getImage, listImages, putImage, resolveImageConfig} from './store.ts'
import type {ImageRecord} from './store.ts'
import {familiarImageName} from './archive/names.ts'

/** An image to record: its root and its names, normalised (none: dangling), and its records' labels. */
export interface ImageToName {
  names: string[]
  target: Descriptor
  labels?: Labels
}

/** One image record written. */
export interface LoadedImage {
  /** The record's name: normalised (`docker.io/library/busybox:latest`), or the dangling name. */
  name: string
  /** `busybox:latest`; undefined for an image that came without a name. */
  familiarName?: string
  /** The root descriptor the record points at (an index or a manifest). */
  target: Descriptor
  /** The image ID docker shows: the config digest of the platform unpacked. */
  configDigest?: string
  /** The name pointed at another image before: that image's root digest (kept as a dangling image). */
  replaced?: string
}

/**
 * Writes the image's records: one per name, or a dangling one when it has no name and no record
 * holds the image yet (by its root, or by its ID under another manifest). A name taken by another
 * image moves; that image stays as a dangling one, as docker keeps it, unless another name still
 * holds it.
 */
export async function nameImage(client: ContainerdClient, image: ImageToName, configDigest: string | undefined): Promise<LoadedImage[]> {
  const {target, labels} = image
  const base = {target, ...(configDigest === undefined ? {} : {configDigest})}
  if (image.names.length === 0) {
    const [existing] = await listImages(client, [`target.digest==${target.digest}`])
    const same = existing ?? (configDigest === undefined ? undefined : await recordOfImageId(client, configDigest))
    if (same) return [{name: same.name, ...base, target: same.target}]
    const name = danglingImageName(target.digest)
    await putImage(client, {name, target, ...(labels ? {labels} : {})})
    return [{name, ...base}]
  }
  const events: LoadedImage[] = []
  for (const name of image.names) {
    const replaced = await moveImageName(client, {name, target, ...(labels ? {labels} : {})})
    events.push({name, familiarName: familiarImageName(name), ...base, ...(replaced === undefined ? {} : {replaced})})
  }
  return events
}

/**
 * Points `name` at `target` (with `labels`), as docker's tag and pull do: the image the name
 * pointed at before stays as a dangling one unless another name holds it, and the target's own
 * dangling record goes. Returns the root digest of the image the name pointed at before, if another.
 */
export async function moveImageName(client: ContainerdClient, image: {name: string; target: Descriptor; labels?: Labels}): Promise<string | undefined> {
  const replaced = await keepReplacedImage(client, image.name, image.target)
  await putImage(client, image)
  await deleteImage(client, danglingImageName(image.target.digest))
  return replaced
}

/**
 * A record of the image whose ID (config digest) is `configDigest`, under whatever manifest: docker
 * knows an image by its ID, so a nameless copy of one that is here already adds nothing.
 */
async function recordOfImageId(client: ContainerdClient, configDigest: string): Promise<ImageRecord | undefined> {
  for (const record of await listImages(client)) {
    try {
      if ((await resolveImageConfig(client, record)).configDescriptor.digest === configDigest) return record
    } catch (error) {
      // Content missing for the host's platform: not this image.
      if (!(error instanceof NerdError)) throw error
    }
  }
  return undefined
}

/** Before `name` moves to `target`: its current image, when no other name holds it, becomes dangling. */
async function keepReplacedImage(client: ContainerdClient, name: string, target: Descriptor): Promise<string | undefined> {
  const current = await getImage(client, name)
  if (!current || current.target.digest === target.digest) return undefined
  const holders = await listImages(client, [`target.digest==${current.target.digest}`])
  if (!holders.some((holder) => holder.name !== name)) {
    await putImage(client, {name: danglingImageName(current.target.digest), target: current.target, labels: current.labels})
  }
  return current.target.digest
}
