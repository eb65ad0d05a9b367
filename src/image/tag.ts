/** docker's tag: a new name for the image another name, an ID or an ID prefix names. */
import type {ContainerdClient} from '../containerd/index.ts'
import {NerdError} from '../errors.ts'
import {goQuote} from '../format/index.ts'
import {publishEvent} from '../system/nerd-events.ts'
import {imageEvent} from './events.ts'
import {findImages, noSuchImage, summarizeImages} from './list.ts'
import {checkAnyReference, familiarName, familiarRepository, InvalidReferenceError, newTagName, parseReference} from './reference.ts'
import {moveImageName} from './records.ts'

/**
 * Names the image `source` names `target`; docker refuses an invalid source or target (in its
 * client's words, the source first), a digest in the target or `sha256` as its name before looking
 * for the image.
 */
export async function tagImage(client: ContainerdClient, source: string, target: string): Promise<void> {
  checkedForTag(source, checkAnyReference)
  const reference = checkedForTag(target, parseReference)
  const name = newTagName(reference)
  // docker's daemon refuses the name of the digest algorithm, which reads as an image ID's prefix (image_routes.go postImagesTag).
  if (familiarRepository(reference) === 'sha256') throw new NerdError('refusing to create an ambiguous tag using digest algorithm as name')
  const [image] = findImages(await summarizeImages(client), source)
  if (!image) throw noSuchImage(source)
  await moveImageName(client, {name, target: image.record.target, labels: image.record.labels})
  await publishEvent(client, imageEvent('tag', image, familiarName(reference)))
}

/** `parse(text)`, its refusal in the words of docker's client (client/image_tag.go). */
function checkedForTag<T>(text: string, parse: (text: string) => T): T {
  try {
    return parse(text)
  } catch (error) {
    if (!(error instanceof InvalidReferenceError)) throw error
    throw new InvalidReferenceError(`Error parsing reference: ${goQuote(text)} is not a valid repository/tag: ${error.message}`)
  }
}
