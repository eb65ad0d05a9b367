/**
 * `events`: a namespace's event stream as docker's events, with docker's filters and text. Two
 * sources make it:
 * - containerd's own events, where docker has a counterpart: containers create, start, die (the
 *   container's process, with how long it ran) and exec_die (an exec'd one), pause, unpause, oom,
 *   destroy;
 * - nerd's own (nerd-events.ts), which the commands publish for what containerd never sees or cannot
 *   tell as docker does: containers attach, detach, resize, kill, stop, restart, rename, commit,
 *   update, top, export, archive-path, extract-to-dir, exec_create, exec_start (with the command) and
 *   exec_detach, health_status;
 *   images pull, push, tag, untag, delete, save, load, import (by the image ID docker shows, where
 *   containerd knows only names); volumes create, destroy, mount, unmount; networks create, destroy,
 *   connect and disconnect.
 * containerd sends only live events: `--since` in the past cannot be replayed, and `--until` ends the
 * stream at that time.
 */
import type {ContainerdEvent, Timestamp} from '../containerd/index.ts'
import {NerdError} from '../errors.ts'
import type {FilterTerm} from '../filter-terms.ts'
import {GO_JSON} from '../format/go-json.ts'
import {literalTemplate, type LiteralOutput} from '../format/index.ts'
import {goLocalRFC3339} from '../format/go-time.ts'
import {asGoStruct, compareStrings, GoNamedInt} from '../format/go-values.ts'
import {containerPaths, readRecord, readState} from '../container/store.ts'
import {familiarRepository, parseReference} from '../image/reference.ts'
import {DETAILED_ACTIONS, nerdEventOf, REMOVING_ACTION, TASK_ENDED_ACTION} from './nerd-events.ts'

export type DockerEventType = 'container' | 'image' | 'volume' | 'network'

/**
 * docker's events.Message: what templates see (`{{.ID}}`, `{{.TimeNano}}`). Its JSON (`{{json .}}`,
 * `--format json`) has the struct's json tags instead, see eventJson.
 */
export interface DockerEvent {
  /** The action again, for containers and images only (deprecated in docker's API, still sent). */
  Status: string
  /** The actor's ID, for containers and images only (likewise). */
  ID: string
  /** A container's image (likewise). */
  From: string
  Type: DockerEventType
  Action: string
  Actor: {ID: string; Attributes: Record<string, string>}
  Scope: 'local'
  Time: number
  /** Nanoseconds since the epoch: past a Number's exact integers. */
  TimeNano: bigint
}

const CONTAINER_ACTIONS: Record<string, string> = {
  '/containers/create': 'create',
  '/containers/delete': 'destroy',
  '/tasks/start': 'start',
  '/tasks/paused': 'pause',
  '/tasks/resumed': 'unpause',
  '/tasks/oom': 'oom',
}

interface ContainerFact {
  name: string
  image: string
  labels: Record<string, string>
}

/**
 * What nerd knows of the containers an event names: their name, image and labels, kept until their
 * destroy (told by nerd's mark before the removal, REMOVING_ACTION, else read from their record), and
 * when their process started.
 */
export class ContainerFacts {
  readonly #dataRoot: string
  readonly #namespace: string
  readonly #known = new Map<string, ContainerFact>()
  /** The times (ns) of the starts seen, until the die that ends each. */
  readonly #starts = new Map<string, bigint>()

  constructor(dataRoot: string, namespace: string) {
    this.#dataRoot = dataRoot
    this.#namespace = namespace
  }

  async of(id: string): Promise<ContainerFact> {
    const known = this.#known.get(id)
    if (known) return known
    const record = await readRecord(containerPaths(this.#dataRoot, this.#namespace, id)).catch(() => undefined)
    const facts = {name: record?.Name ?? id.slice(0, 12), image: record?.Config.Image ?? '', labels: record?.Config.Labels ?? {}}
    if (record) this.#known.set(id, facts)
    return facts
  }

  /** The facts nerd's mark before the container's removal carries (removingEvent), which its destroy tells. */
  removing(id: string, attributes: Record<string, string>): void {
    let labels: Record<string, string> = {}
    try {
      labels = JSON.parse(attributes.labels ?? '{}') as Record<string, string>
    } catch {
      // A mark nerd did not make: the destroy tells the container without its labels.
    }
    this.#known.set(id, {name: attributes.name ?? id.slice(0, 12), image: attributes.image ?? '', labels})
  }

  /** Reads the container's record again at the next event (it has a new name). */
  forget(id: string): void {
    this.#known.delete(id)
  }

  /** The container is destroyed: a long `nerd events` keeps nothing of it. */
  destroyed(id: string): void {
    this.#known.delete(id)
    this.#starts.delete(id)
  }

  /** The container's process started at `at` (ns). */
  started(id: string, at: bigint): void {
    this.#starts.set(id, at)
  }

  /**
   * Whole seconds the container's process ran until `exitedAt` (ns), docker's execDuration: from the
   * start seen, else (it started before this stream did) from the StartedAt of its state.
   */
  async ranSeconds(id: string, exitedAt: bigint): Promise<number> {
    const started = this.#starts.get(id)
    this.#starts.delete(id)
    if (started !== undefined) return wholeSeconds(started, exitedAt)
    const state = await readState(containerPaths(this.#dataRoot, this.#namespace, id)).catch(() => undefined)
    return secondsSince(state?.StartedAt ?? '', exitedAt)
  }
}

const NANOS_PER_SECOND = 1_000_000_000n

/** Whole seconds from `startedAt` (RFC 3339; 0 when empty) to `exitedAt` (ns). */
function secondsSince(startedAt: string, exitedAt: bigint): number {
  const millis = Date.parse(startedAt)
  if (Number.isNaN(millis)) return 0
  return wholeSeconds(BigInt(millis) * 1_000_000n, exitedAt)
}

/** Whole seconds from `started` to `exitedAt` (both ns); 0 when it did not end after it started. */
function wholeSeconds(started: bigint, exitedAt: bigint): number {
  return exitedAt > started ? Number((exitedAt - started) / NANOS_PER_SECOND) : 0
}

/** When the process of a /tasks/exit ended (ns): containerd's exitedAt, else the event's time. */
function exitedAt(event: ContainerdEvent): bigint {
  const exited = event.payload?.exitedAt as Timestamp | undefined
  return eventTime(exited ?? event.timestamp).TimeNano
}

/** docker's event for a containerd one or one of nerd's own; undefined for events docker has no counterpart for. */
export async function dockerEvent(event: ContainerdEvent, facts: ContainerFacts): Promise<DockerEvent | undefined> {
  const at = eventTime(event.timestamp)
  const own = nerdEventOf(event)
  if (own) {
    // A container prune names no container: nothing to tell of one.
    if (own.type !== 'container' || own.id === '') return message(own.type, own.action, {ID: own.id, Attributes: own.attributes}, at)
    if (own.action === REMOVING_ACTION) {
      facts.removing(own.id, own.attributes)
      return undefined
    }
    if (own.action === 'rename') facts.forget(own.id)
    if (DETAILED_ACTIONS.includes(own.action)) {
      const {[own.action]: detail, ...attributes} = own.attributes
      return containerEvent(`${own.action}: ${detail ?? ''}`, own.id, attributes, facts, at)
    }
    return containerEvent(own.action, own.id, own.attributes, facts, at)
  }
  const payload = event.payload ?? {}
  if (event.topic === '/tasks/exit') {
    const id = String(payload.containerId ?? '')
    const processId = String(payload.id ?? '')
    const exitCode = String(payload.exitStatus ?? 0)
    // The container's own process has the container's ID; an exec'd one has its exec ID.
    if (processId !== '' && processId !== id) return containerEvent('exec_die', id, {execID: processId, exitCode}, facts, at)
    return containerEvent('die', id, {execDuration: String(await facts.ranSeconds(id, exitedAt(event))), exitCode}, facts, at)
  }
  const containerAction = CONTAINER_ACTIONS[event.topic]
  if (!containerAction) return undefined
  const id = String(payload.containerId ?? payload.id ?? '')
  if (containerAction === 'start') facts.started(id, at.TimeNano)
  const told = await containerEvent(containerAction, id, {}, facts, at)
  if (containerAction === 'destroy') facts.destroyed(id)
  return told
}

/** How long a container's die waits for nerd's mark of its task's end before it goes out alone (nobody deleted the task). */
const DIE_HOLD_MS = 5000

/**
 * The docker events of containerd's stream, in docker's order. containerd reports a process's exit
 * as it happens; nerd deletes the task after (the exit handler, stop, rm -f), reporting the
 * networks and volumes let go and then its mark (TASK_ENDED_ACTION, task-events.ts), while docker's
 * monitor lets them go first and logs die after. So a container's die is held back until that mark
 * (it goes out in its place, at its time, with its execDuration counted from the run's StartedAt
 * the mark gives, as docker's monitor counts it), until another event of the
 * container's (a start by containerd's restart monitor, which deletes the task itself, its
 * destroy), or for DIE_HOLD_MS. An OOM, which docker logs apart from the exit, does not end the wait.
 */
export async function* dockerEvents(source: AsyncIterable<ContainerdEvent>, facts: ContainerFacts, holdMs = DIE_HOLD_MS): AsyncGenerator<DockerEvent> {
  const held = new Map<string, {die: DockerEvent; exitedAt: bigint; due: number}>()
  const iterator = source[Symbol.asyncIterator]()
  let next = iterator.next()
  try {
    for (;;) {
      let result: IteratorResult<ContainerdEvent> | undefined
      try {
        result = await nextOrDue(next, Math.min(...[...held.values()].map((entry) => entry.due)))
      } catch (error) {
        // The stream ended (--until, a signal, containerd gone): the dies held back happened before.
        for (const {die} of held.values()) yield die
        throw error
      }
      if (result === undefined) {
        for (const [id, {die, due}] of held) {
          if (due > Date.now()) continue
          held.delete(id)
          yield die
        }
        continue
      }
      if (result.done) {
        for (const {die} of held.values()) yield die
        return
      }
      next = iterator.next()
      const event = await dockerEvent(result.value, facts)
      if (!event) continue
      const id = event.Type === 'container' ? event.Actor.ID : event.Actor.Attributes.container
      const waiting = id === undefined ? undefined : held.get(id)
      if (event.Type === 'container' && event.Action === TASK_ENDED_ACTION) {
        if (!waiting) continue
        held.delete(id!)
        const {startedAt} = event.Actor.Attributes
        // A die has its execDuration already: replacing it keeps the attributes in message()'s key order.
        const actor = startedAt === undefined ? waiting.die.Actor : {...waiting.die.Actor, Attributes: {...waiting.die.Actor.Attributes, execDuration: String(secondsSince(startedAt, waiting.exitedAt))}}
        yield {...waiting.die, Time: event.Time, TimeNano: event.TimeNano, Actor: actor}
        continue
      }
      if (waiting && !endsAlongside(event)) {
        held.delete(id!)
        yield waiting.die
      }
      if (event.Type === 'container' && event.Action === 'die') held.set(id!, {die: event, exitedAt: exitedAt(result.value), due: Date.now() + holdMs})
      else yield event
    }
  } finally {
    // Left early (the caller's failure), the stream has a read under way, which ends with the
    // subscription (the caller's abort): unawaited, and its failure nobody's.
    next.catch(() => undefined)
    iterator.return?.().catch(() => undefined)
  }
}

/** What docker's daemon reports of a container whose process ended before its die: its networks and volumes let go, an OOM kill. */
function endsAlongside(event: DockerEvent): boolean {
  return (event.Type === 'network' && event.Action === 'disconnect') || (event.Type === 'volume' && event.Action === 'unmount') || (event.Type === 'container' && event.Action === 'oom')
}

/** The next event of the stream, or undefined at `due` (ms since the epoch) if it comes no sooner. */
async function nextOrDue<T>(next: Promise<T>, due: number): Promise<T | undefined> {
  if (due === Infinity) return next
  let timer: NodeJS.Timeout | undefined
  try {
    return await Promise.race([next, new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), Math.max(0, due - Date.now()))))])
  } finally {
    clearTimeout(timer)
  }
}

/** docker's attributes of a container event: the action's, then the container's labels, image and name. */
async function containerEvent(action: string, id: string, attributes: Record<string, string>, facts: ContainerFacts, at: EventTime): Promise<DockerEvent | undefined> {
  if (!id) return undefined
  const {name, image, labels} = await facts.of(id)
  return message('container', action, {ID: id, Attributes: {...attributes, ...labels, ...(image ? {image} : {}), name}}, at)
}

interface EventTime {
  Time: number
  TimeNano: bigint
}

function eventTime(timestamp: Timestamp | null | undefined): EventTime {
  const seconds = timestamp ? BigInt(timestamp.seconds) : BigInt(Math.floor(Date.now() / 1000))
  return {Time: Number(seconds), TimeNano: seconds * 1_000_000_000n + BigInt(timestamp?.nanos ?? 0)}
}

function message(type: DockerEventType, action: string, actor: DockerEvent['Actor'], at: EventTime): DockerEvent {
  // As docker, the deprecated fields are filled for containers and images only.
  const legacy = type === 'container' || type === 'image'
  return {
    Status: legacy ? action : '',
    ID: legacy ? actor.ID : '',
    From: type === 'container' ? (actor.Attributes.image ?? '') : '',
    Type: type,
    Action: action,
    // In key order, as Go marshals a map: for `{{json .Actor.Attributes}}` too.
    Actor: {ID: actor.ID, Attributes: Object.fromEntries(Object.entries(actor.Attributes).sort(([a], [b]) => compareStrings(a, b)))},
    Scope: 'local',
    ...at,
  }
}

/** The repository without tag or digest (`busybox:1` → `busybox`), docker's stripTag for the image filter. */
function imageRepository(name: string): string {
  try {
    return familiarRepository(parseReference(name, {defaultTag: false}))
  } catch {
    return name
  }
}

/**
 * The message as templates see it, a Go struct (a field it lacks is an error), whose JSON is docker's: the json tags of events.Message
 * (`status`, `id`, `from`, `scope`, `time`, `timeNano`, the empty ones left out), the attributes in
 * key order (message puts them so), and timeNano exact.
 */
export function eventTemplateData(event: DockerEvent): Omit<DockerEvent, 'Time'> & {Time: GoNamedInt; [GO_JSON](): unknown} {
  const actor = asGoStruct({...event.Actor}, 'events.Actor')
  // Time is an int64 to `%T`, as docker's (a Number would be Go's int).
  return asGoStruct({...event, Time: new GoNamedInt(event.Time, 'int64'), Actor: actor, [GO_JSON]: () => eventJson(event)}, 'events.Message')
}

/**
 * What each event prints: docker's line without `--format`, else the template over the event's
 * message, taken as it is (docker's events know no `table`), or `json` for `{{json .}}`. A format
 * that does not parse, or fails on an empty message, fails before any event, exit 64.
 */
export function eventRenderer(format: string | undefined): (event: DockerEvent) => LiteralOutput {
  if (format === undefined) return (event) => ({text: eventLine(event)})
  const render = literalTemplate(format, {parseFailurePrefix: BAD_FORMAT})
  // As docker's CLI, the template runs on an empty message first: one naming a field events.Message lacks fails before any event.
  const {failure} = render(asGoStruct({...EMPTY_MESSAGE, Actor: asGoStruct({ID: '', Attributes: {}}, 'events.Actor')}, '*events.Message'))
  if (failure) throw new NerdError(`${BAD_FORMAT}${failure.message}`, {exitCode: 64, cause: failure})
  return (event) => render(eventTemplateData(event))
}

/** How docker's events report a format that does not parse or run on an empty message. */
const BAD_FORMAT = 'Error parsing format: '

const EMPTY_MESSAGE = {Status: '', ID: '', From: '', Type: '', Action: '', Scope: '', Time: 0, TimeNano: 0}

function eventJson(event: DockerEvent): Record<string, unknown> {
  return {
    ...(event.Status ? {status: event.Status} : {}),
    ...(event.ID ? {id: event.ID} : {}),
    ...(event.From ? {from: event.From} : {}),
    Type: event.Type,
    Action: event.Action,
    Actor: event.Actor,
    scope: event.Scope,
    time: event.Time,
    timeNano: event.TimeNano,
  }
}

/** The keys docker's daemon matches against a prefix of the actor's ID or name, whatever the event's type. */
const ACTOR_KEYS = ['container', 'volume', 'network', 'daemon', 'plugin', 'node', 'service', 'secret', 'config']

/**
 * docker's rules (daemon/events/filter.go): values of one key widen the match, different keys narrow
 * it, except labels, which must all match. The ACTOR_KEYS (`container=`, ...) take a prefix of the
 * actor's ID or name; `image=` an image name, or its repository; `scope=` local; other keys nothing.
 */
export function eventMatches(event: DockerEvent, filters: readonly FilterTerm[]): boolean {
  const values = (key: string) => filters.filter((filter) => filter.key === key).map((filter) => filter.value)
  const {ID: id, Attributes: attributes} = event.Actor
  const imageName = event.Type === 'image' ? attributes.name : attributes.image
  const images = [id, imageName, imageRepository(id), imageName === undefined ? undefined : imageRepository(imageName)]
  const actorNamed = (value: string) => id.startsWith(value) || (attributes.name?.startsWith(value) ?? false)
  // docker's daemon: with health_status, exec_create or exec_start among them (which match those with
  // their `: ...`), every event value matches as a prefix of the action (`d`: die, destroy, detach, disconnect).
  const eventPrefixes = values('event').some((value) => DETAILED_ACTIONS.includes(value))
  const checks: [string, (value: string) => boolean][] = [
    ['event', (value) => value === event.Action || (eventPrefixes && event.Action.startsWith(value))],
    ['type', (value) => value === event.Type],
    ['scope', (value) => value === event.Scope],
    ['image', (value) => images.includes(value)],
    ...ACTOR_KEYS.map((key): [string, (value: string) => boolean] => [key, actorNamed]),
  ]
  const labelsMatch = values('label').every((value) => {
    const equals = value.indexOf('=')
    return equals === -1 ? value in attributes : attributes[value.slice(0, equals)] === value.slice(equals + 1)
  })
  return (
    labelsMatch &&
    checks.every(([key, check]) => {
      const wanted = values(key)
      return wanted.length === 0 || wanted.some(check)
    })
  )
}

/** docker's line, its time in the local zone: `2026-11-23T07:00:00.123456789+01:00 container start <id> (image=…, name=…)`. */
export function eventLine(event: DockerEvent): string {
  const time = goLocalRFC3339(new Date(event.Time * 1000), {nanosecond: Number(event.TimeNano % NANOS_PER_SECOND), fixed: true})
  const attributes = Object.entries(event.Actor.Attributes)
    .map(([key, value]) => `${key}=${value}`)
    .join(', ')
  return `${time} ${event.Type} ${event.Action} ${event.Actor.ID}${attributes ? ` (${attributes})` : ''}`
}
