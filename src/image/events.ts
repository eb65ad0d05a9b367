/**
 * docker's image events, which the image commands publish (system/nerd-events.ts) rather than leave
 * to containerd's: containerd knows an image by its names, docker's events by the ID `images` shows
 * (the config digest), and docker reports what a command did (a pull, an untag, a load), not each
 * record it wrote. As docker's daemon does, an event carries the image's labels while it exists, and
 * a `name`: the tag for tag and untag, the ID itself for delete, save, load and import; a pull is
 * or a push is named by the reference pulled or pushed.
 */
import type {ContainerdClient} from '../containerd/index.ts'
import type {NerdEvent} from '../system/nerd-events.ts'
import type {Descriptor, ImageConfig} from './manifest.ts'
import {familiarName, familiarRepository, parseReference} from './reference.ts'
import {resolveImageConfig} from './store.ts'

export type ImageAction = 'pull' | 'push' | 'tag' | 'untag' | 'delete' | 'save' | 'load' | 'import'

/** An image as its events name it: its ID and, while it exists, its config (for the labels). */
export interface EventImage {
  id: string
  config?: ImageConfig
}

export function imageEvent(action: ImageAction, image: EventImage, name: string = image.id): NerdEvent {
  return {type: 'image', action, id: image.id, attributes: {...image.config?.config?.Labels, name}}
}

/** The image a root descriptor makes, as events name it; the root digest when its config is not there (as `images` shows it). */
export async function eventImage(client: ContainerdClient, target: Descriptor): Promise<EventImage> {
  return resolveImageConfig(client, target).then(
    (resolved) => ({id: resolved.configDescriptor.digest, config: resolved.config}),
    () => ({id: target.digest}),
  )
}

/**
 * docker's pull and push events: the reference pulled or pushed (`busybox:latest`) and its repository
 * (`busybox`) as the name (moby's LogImageEvent with FamiliarString and FamiliarName).
 */
export function referenceEvent(action: 'pull' | 'push', name: string, image: EventImage): NerdEvent {
  let id = name
  let repository = name
  try {
    const reference = parseReference(name)
    id = familiarName(reference)
    repository = familiarRepository(reference)
  } catch {
    // A name a plugin gave outside docker's grammar stays as it is.
  }
  return {type: 'image', action, id, attributes: {...image.config?.config?.Labels, name: repository}}
}
