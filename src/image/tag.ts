/** docker's tag: a new name for the image another name, an ID or an ID prefix names. */
import type {ContainerdClient} from '../containerd/index.ts'
import {NerdError} from '../errors.ts'
import {publishEvent} from '../system/nerd-events.ts'
import {imageEvent} from './events.ts'
import {findImages, noSuchImage, summarizeImages} from './list.ts'
import {familiarName, normalizedName, parseReference} from './reference.ts'
import {moveImageName} from './records.ts'

/** Names the image `source` names `target`; docker refuses a digest in the new name before looking for the image. */
export async function tagImage(client: ContainerdClient, source: string, target: string): Promise<void> {
  const reference = parseReference(target)
  if (reference.digest !== undefined) throw new NerdError('refusing to create a tag with a digest reference')
  const [image] = findImages(await summarizeImages(client), source)
  if (!image) throw noSuchImage(source)
  await moveImageName(client, {name: normalizedName(reference), target: image.record.target, labels: image.record.labels})
  await publishEvent(client, imageEvent('tag', image, familiarName(reference)))
}
