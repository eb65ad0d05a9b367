/**
 * `events`: containerd's event stream of a namespace, as docker's events where docker has one
 * (containers: create, start, die, pause, unpause, oom, exec_create, exec_start, update, destroy;
 * images: tag, delete), with docker's filters and text. containerd sends only live events: `--since`
 * in the past cannot be replayed, and `--until` ends the stream at that time.
 */
import type {ContainerdEvent} from '../containerd/index.ts'
import {NerdError} from '../errors.ts'
import {compareStrings} from '../format/go-values.ts'
import {containerPaths, readRecord} from '../container/store.ts'

export interface DockerEvent {
  status?: string
  id?: string
  from?: string
  Type: 'container' | 'image'
  Action: string
  Actor: {ID: string; Attributes: Record<string, string>}
  scope: 'local'
  time: number
  timeNano: number
}

const CONTAINER_ACTIONS: Record<string, string> = {
  '/containers/create': 'create',
  '/containers/update': 'update',
  '/containers/delete': 'destroy',
  '/tasks/start': 'start',
  '/tasks/exit': 'die',
  '/tasks/paused': 'pause',
  '/tasks/resumed': 'unpause',
  '/tasks/oom': 'oom',
  '/tasks/exec-added': 'exec_create',
  '/tasks/exec-started': 'exec_start',
}

const IMAGE_ACTIONS: Record<string, string> = {
  '/images/create': 'tag',
  '/images/update': 'tag',
  '/images/delete': 'delete',
}

export interface EventFilter {
  key: 'event' | 'type' | 'container' | 'image' | 'label'
  value: string
}

const FILTER_KEYS = ['event', 'type', 'container', 'image', 'label']

export function parseEventFilters(texts: readonly string[]): EventFilter[] {
  return texts.map((text) => {
    const equals = text.indexOf('=')
    if (equals === -1) throw new NerdError('bad format of filter (expected name=value)')
    const key = text.slice(0, equals).trim().toLowerCase()
    if (!FILTER_KEYS.includes(key)) throw new NerdError(`invalid filter '${key}'`)
    return {key: key as EventFilter['key'], value: text.slice(equals + 1).trim()}
  })
}

/** What nerd knows of the containers an event names: their name, image and labels, kept after they are gone. */
export class ContainerFacts {
  readonly #dataRoot: string
  readonly #namespace: string
  readonly #known = new Map<string, {name: string; image: string; labels: Record<string, string>}>()

  constructor(dataRoot: string, namespace: string) {
    this.#dataRoot = dataRoot
    this.#namespace = namespace
  }

  async of(id: string): Promise<{name: string; image: string; labels: Record<string, string>}> {
    const known = this.#known.get(id)
    if (known) return known
    const record = await readRecord(containerPaths(this.#dataRoot, this.#namespace, id)).catch(() => undefined)
    const facts = {name: record?.Name ?? id.slice(0, 12), image: record?.Config.Image ?? '', labels: record?.Config.Labels ?? {}}
    if (record) this.#known.set(id, facts)
    return facts
  }
}

/** docker's event for a containerd one; undefined for events docker has no counterpart for. */
export async function dockerEvent(event: ContainerdEvent, facts: ContainerFacts): Promise<DockerEvent | undefined> {
  const seconds = Number(event.timestamp?.seconds ?? Math.floor(Date.now() / 1000))
  const nanos = Number(event.timestamp?.nanos ?? 0)
  const time = {time: seconds, timeNano: seconds * 1e9 + nanos}
  const payload = (event.payload ?? {}) as Record<string, unknown>
  const containerAction = CONTAINER_ACTIONS[event.topic]
  if (containerAction) {
    const id = String(payload.containerId ?? payload.id ?? '')
    if (!id) return undefined
    const {name, image, labels} = await facts.of(id)
    const attributes: Record<string, string> = {...labels, image, name}
    if (containerAction === 'die') attributes.exitCode = String(payload.exitStatus ?? 0)
    if (containerAction === 'exec_create' || containerAction === 'exec_start') attributes.execID = String(payload.execId ?? '')
    return {status: containerAction, id, from: image, Type: 'container', Action: containerAction, Actor: {ID: id, Attributes: attributes}, scope: 'local', ...time}
  }
  const imageAction = IMAGE_ACTIONS[event.topic]
  if (imageAction) {
    const name = String(payload.name ?? '')
    return {status: imageAction, id: name, Type: 'image', Action: imageAction, Actor: {ID: name, Attributes: {name}}, scope: 'local', ...time}
  }
  return undefined
}

/** docker's rules: values of one key widen the match, different keys narrow it. */
export function eventMatches(event: DockerEvent, filters: readonly EventFilter[]): boolean {
  const values = (key: EventFilter['key']) => filters.filter((filter) => filter.key === key).map((filter) => filter.value)
  const checks: [EventFilter['key'], (value: string) => boolean][] = [
    ['event', (value) => value === event.Action],
    ['type', (value) => value === event.Type],
    ['container', (value) => event.Type === 'container' && (event.Actor.ID.startsWith(value) || event.Actor.Attributes.name === value)],
    ['image', (value) => event.Actor.Attributes.image === value || (event.Type === 'image' && event.Actor.ID === value)],
    [
      'label',
      (value) => {
        const equals = value.indexOf('=')
        return equals === -1 ? value in event.Actor.Attributes : event.Actor.Attributes[value.slice(0, equals)] === value.slice(equals + 1)
      },
    ],
  ]
  return checks.every(([key, check]) => {
    const wanted = values(key)
    return wanted.length === 0 || wanted.some(check)
  })
}

/** docker's line: `2026-11-23T06:00:00.123456789Z container start <id> (image=…, name=…)`. */
export function eventLine(event: DockerEvent): string {
  const date = new Date(event.time * 1000).toISOString().replace(/\.\d{3}Z$/, '')
  // timeNano is past Number's integer precision: its sub-second part is good to about 256 ns.
  const nanos = String(Math.max(0, event.timeNano - event.time * 1e9)).padStart(9, '0').slice(0, 9)
  const attributes = Object.entries(event.Actor.Attributes)
    .sort(([a], [b]) => compareStrings(a, b))
    .map(([key, value]) => `${key}=${value}`)
    .join(', ')
  return `${date}.${nanos}Z ${event.Type} ${event.Action} ${event.Actor.ID}${attributes ? ` (${attributes})` : ''}`
}
