/**
 * Events of nerd's own: the actions docker reports that containerd never sees, because nerd does them
 * without containerd (volumes, networks, a rename) or containerd sees only their effects (a kill, a
 * stop, an image's names). The command that acts publishes one through containerd's Events service
 * under the topic `/nerd/<type>/<action>`, with a nerd.events.v1.Actor payload
 * (proto/nerd/events/v1/actor.proto), so that every `nerd events` of the namespace receives it live
 * among containerd's own (see events.ts).
 */
import type {ContainerdClient, ContainerdEvent} from '../containerd/index.ts'
import {packAny} from '../containerd/index.ts'
import type {ContainerRecord} from '../container/model.ts'

const ACTOR_TYPE = 'nerd.events.v1.Actor'
const TOPIC_PREFIX = '/nerd/'
/** The action is done by then: a publish is not worth holding the command up longer. */
const PUBLISH_TIMEOUT_MS = 5_000

/** The action of nerd's event for a health check's new status (container/health-monitor.ts). */
export const HEALTH_STATUS_ACTION = 'health_status'

/**
 * The action of nerd's mark that a container's task is gone and what docker's daemon lets go of
 * first (networks, volumes) reported, with the run's StartedAt (`startedAt`), from which docker's
 * monitor counts a die's execDuration: `nerd events` shows the container's die there, and never the
 * mark (events.ts).
 */
export const TASK_ENDED_ACTION = 'task_ended'

/**
 * The action of nerd's mark, published just before it deletes a container from containerd, that
 * carries what docker's destroy tells of it (its `name`, `image`, and `labels` as JSON): containerd's
 * /containers/delete carries only the ID, and nerd's record of the container may be gone by the
 * time a `nerd events` reads it. `nerd events` keeps them for that destroy, and never shows the mark.
 */
export const REMOVING_ACTION = 'removing'

/** The mark that the container is about to be deleted, with what its destroy tells of it (REMOVING_ACTION). */
export function removingEvent(record: Pick<ContainerRecord, 'Id' | 'Name'> & {Config: Pick<ContainerRecord['Config'], 'Image' | 'Labels'>}): NerdEvent {
  return {type: 'container', action: REMOVING_ACTION, id: record.Id, attributes: {name: record.Name, image: record.Config.Image, labels: JSON.stringify(record.Config.Labels)}}
}

/**
 * docker's actions whose text goes on after a colon (`health_status: healthy`, `exec_start: ls -l`),
 * which a topic cannot carry: that detail travels as the attribute named after the action.
 */
export const DETAILED_ACTIONS: readonly string[] = [HEALTH_STATUS_ACTION, 'exec_create', 'exec_start']

export const NERD_EVENT_TYPES = ['container', 'image', 'volume', 'network'] as const
export type NerdEventType = (typeof NERD_EVENT_TYPES)[number]

export interface NerdEvent {
  type: NerdEventType
  /** docker's action: kill, stop, rename, create, connect, ... (an identifier: it is part of the topic). */
  action: string
  /** A container, image or network ID, a volume name. */
  id: string
  /** docker's attributes of that action; `nerd events` adds a container's name, image and labels. */
  attributes: Record<string, string>
}

/**
 * Publishes the event in the client's namespace. It never fails: as docker's event log, it reports an
 * action that is done, which a missing daemon or a late answer must not turn into a failure.
 */
export async function publishEvent(client: ContainerdClient, event: NerdEvent): Promise<void> {
  try {
    const payload = packAny(ACTOR_TYPE, {id: event.id, attributes: event.attributes})
    await client.events.publish(`${TOPIC_PREFIX}${event.type}/${event.action}`, payload, {timeoutMs: PUBLISH_TIMEOUT_MS})
  } catch {
    // Nobody to tell: the command's output and exit status are the action's.
  }
}

/**
 * docker's event at the end of a prune of containers, images, networks or volumes: of no one
 * thing (no actor ID), with the bytes it freed (moby daemon/prune.go, volume/service/service.go,
 * daemon/images/image_prune.go; a network prune frees none).
 */
export function pruneEvent(type: NerdEventType, reclaimed: number): NerdEvent {
  return {type, action: 'prune', id: '', attributes: {reclaimed: String(reclaimed)}}
}

/** Publishes the events one after the other: subscribers see them in this order. */
export async function publishEvents(client: ContainerdClient, events: readonly NerdEvent[]): Promise<void> {
  for (const event of events) await publishEvent(client, event)
}

/** The nerd event that an event of containerd's stream carries; undefined for every other event. */
export function nerdEventOf(event: ContainerdEvent): NerdEvent | undefined {
  if (!event.topic.startsWith(TOPIC_PREFIX) || event.event?.typeUrl !== ACTOR_TYPE || !event.payload) return undefined
  const [type, action, ...rest] = event.topic.slice(TOPIC_PREFIX.length).split('/')
  if (!isNerdEventType(type) || !action || rest.length > 0) return undefined
  const {id, attributes} = event.payload as {id: string; attributes: Record<string, string>}
  return {type, action, id, attributes: {...attributes}}
}

function isNerdEventType(type: string | undefined): type is NerdEventType {
  return (NERD_EVENT_TYPES as readonly (string | undefined)[]).includes(type)
}
