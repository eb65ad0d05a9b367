/** docker's tag: a new name for the image another name, an ID or an ID prefix names. */
import type {ContainerdClient} from '../containerd/index.ts'
import {NerdError} from '../errors.ts'
import {goQuote} from '../format/index.ts'
import {publishEvent} from '../system/nerd-events.ts'
import {imageEvent} from './events.ts'
import {findImages, noSuchImage, summarizeImages} from './list.ts'
import {familiarName, InvalidReferenceError, normalizedName, parseReference} from './reference.ts'
import type {Reference} from './reference.ts'
import {moveImageName} from './records.ts'

/**
 * Names the image `source` names `target`; docker refuses an invalid target (in its client's words)
 * or a digest in it before looking for the image.
 */
export async function tagImage(client: ContainerdClient, source: string, target: string): Promise<void> {
  let reference: Reference
  try {
    reference = parseReference(target)
  } catch (error) {
    if (!(error instanceof InvalidReferenceError)) throw error
    throw new InvalidReferenceError(`error parsing reference: ${goQuote(target)} is not a valid repository/tag: ${error.message}`)
  }
  if (reference.digest !== undefined) throw new NerdError('refusing to create a tag with a digest reference')
  const [image] = findImages(await summarizeImages(client), source)
  if (!image) throw noSuchImage(source)
  await moveImageName(client, {name: normalizedName(reference), target: image.record.target, labels: image.record.labels})
  await publishEvent(client, imageEvent('tag', image, familiarName(reference)))
}
