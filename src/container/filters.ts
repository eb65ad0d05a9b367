/**
 * Which containers `ps` lists, as docker's daemon decides it: `--filter key=value` (values of one
 * key widen the match, except labels which must all match; different keys narrow it), the
 * newest-first order, and `-a`, `-n`/`-l`.
 *
 * Use them in that order: `selectContainers(filterContainers(every container, filters, …), {all, last, filters})`,
 * since before/since name any container, stopped ones too.
 */
import {NerdError} from '../errors.ts'
import {booleanFilter, filterTerms} from '../filter-terms.ts'
import type {ContainerView} from './model.ts'
import {NoSuchContainerError} from './store.ts'
import {isRunning, networkNames} from './view.ts'
import {goAtoi, goFilterMatcher} from '../format/go-values.ts'
import {parseExpose, splitPort} from '../network/ports.ts'

const FILTER_KEYS = ['ancestor', 'before', 'exited', 'expose', 'health', 'id', 'is-task', 'isolation', 'label', 'name', 'network', 'publish', 'since', 'status', 'volume'] as const

export type PsFilterKey = (typeof FILTER_KEYS)[number]

export interface PsFilter {
  key: PsFilterKey
  value: string
}

const STATES = ['created', 'running', 'paused', 'restarting', 'removing', 'exited', 'dead']
const HEALTHS = ['none', 'starting', 'healthy', 'unhealthy']

/** Go's strconv.Atoi with its own error text (strconv.Atoi: parsing "x": invalid syntax). */
function parseGoInt(text: string): number {
  return goAtoi(text, `strconv.Atoi: parsing "${text}"`)
}

function valuesOf(filters: readonly PsFilter[], key: PsFilterKey): string[] {
  return filters.filter((filter) => filter.key === key).map((filter) => filter.value)
}

/**
 * Parses `--filter` values (`key=value`, the key case-insensitive, both trimmed, repeats dropped)
 * and checks them with docker's messages: an unknown key, an exit code that is not a number, a
 * status or health docker does not know.
 */
export function parsePsFilters(texts: readonly string[]): PsFilter[] {
  const filters: PsFilter[] = []
  for (const {key, value} of filterTerms(texts)) {
    if (!(FILTER_KEYS as readonly string[]).includes(key)) throw new NerdError(`invalid filter '${key}'`)
    if (!filters.some((filter) => filter.key === key && filter.value === value)) filters.push({key: key as PsFilterKey, value})
  }
  for (const value of valuesOf(filters, 'exited')) {
    try {
      parseGoInt(value)
    } catch (error) {
      throw new NerdError(`invalid filter 'exited=${value}': ${(error as Error).message}`)
    }
  }
  for (const value of valuesOf(filters, 'status')) {
    if (!STATES.includes(value)) throw new NerdError(`invalid filter 'status=${value}': invalid value for state (${value}): must be one of ${STATES.join(', ')}`)
  }
  booleanFilter('is-task', valuesOf(filters, 'is-task'))
  for (const value of valuesOf(filters, 'health')) {
    if (!HEALTHS.includes(value)) throw new NerdError(`invalid filter 'health=${value}': invalid value for health (${value}): must be one of ${HEALTHS.join(', ')}`)
  }
  return filters
}

/** The ports `publish=` (host ports) or `expose=` (container ports) values name: `80` (tcp), `53/udp`, `8000-8080/tcp`. */
function filteredPorts(filters: readonly PsFilter[], key: 'publish' | 'expose'): Set<string> {
  const ports = new Set<string>()
  for (const value of valuesOf(filters, key)) {
    if (value.includes(':')) throw new NerdError(`filter for '${key}' should not contain ':': ${value}`)
    try {
      for (const port of parseExpose(value)) ports.add(port)
    } catch (error) {
      throw new NerdError(`error while looking up for ${key} ${value}: ${(error as Error).message}`)
    }
  }
  return ports
}

/**
 * The ports docker's list API gives a container (its Ports, from NetworkSettings.Ports), as
 * `port/protocol` texts: one for each host binding (its host port public, the container port private)
 * and one for each port exposed without one (public port 0). None unless it runs: docker drops them
 * when the network goes.
 */
function listedPorts(view: ContainerView): {public: string; private: string}[] {
  if (view.status !== 'running' && view.status !== 'paused') return []
  const ports: {public: string; private: string}[] = []
  for (const [key, bindings] of Object.entries(view.ports ?? {})) {
    const {protocol} = splitPort(key)
    if (bindings.length === 0) ports.push({public: `0/${protocol}`, private: key})
    for (const binding of bindings) ports.push({public: `${Number(binding.HostPort)}/${protocol}`, private: key})
  }
  return ports
}

/** The creation time in nanoseconds, for docker's newest-first order. */
function createdNanos(view: ContainerView): bigint {
  const created = view.record.Created
  const fraction = /\.(\d+)/.exec(created)?.[1] ?? ''
  const seconds = Math.floor(Date.parse(created) / 1000)
  return BigInt(seconds) * 1_000_000_000n + BigInt(fraction.slice(0, 9).padEnd(9, '0'))
}

/** Newest first, as docker lists containers. */
export function newestFirst(views: readonly ContainerView[]): ContainerView[] {
  const keyed = views.map((view) => ({view, created: createdNanos(view)}))
  keyed.sort((a, b) => (a.created === b.created ? (a.view.record.Id < b.view.record.Id ? -1 : 1) : a.created > b.created ? -1 : 1))
  return keyed.map(({view}) => view)
}

/**
 * The container a before/since value names: its full ID, its name, or (beyond docker, which takes
 * only those two) a unique ID prefix.
 */
function anchorOf(views: readonly ContainerView[], text: string): ContainerView {
  const name = text.startsWith('/') ? text.slice(1) : text
  const found =
    views.find((view) => view.record.Id === text) ??
    views.find((view) => view.record.Name === name) ??
    uniqueByPrefix(views, text)
  if (!found) throw new NoSuchContainerError(text)
  return found
}

function uniqueByPrefix(views: readonly ContainerView[], prefix: string): ContainerView | undefined {
  if (prefix === '') return undefined
  const matches = views.filter((view) => view.record.Id.startsWith(prefix))
  return matches.length === 1 ? matches[0] : undefined
}

/** docker's label match: every `key` must be set and every `key=value` must hold. */
function matchesLabels(wanted: readonly string[], labels: Record<string, string>): boolean {
  return wanted.every((label) => {
    const equals = label.indexOf('=')
    const key = equals === -1 ? label : label.slice(0, equals)
    return Object.hasOwn(labels, key) && (equals === -1 || labels[key] === label.slice(equals + 1))
  })
}

function mountsAny(view: ContainerView, values: readonly string[]): boolean {
  return view.record.Mounts.some((mount) => values.includes(mount.Destination) || values.includes(mount.Name || mount.Source))
}

export interface FilterContext {
  /**
   * The image IDs (`sha256:…`) an ancestor value names, as docker resolves an image: a reference
   * (`busybox` being `busybox:latest`), an image ID or a unique prefix of one; empty when it names none.
   */
  resolve: (image: string) => readonly string[]
  /** The IDs of the images committed from image `id` (their records name it their parent); none when not given. */
  children?: (id: string) => readonly string[]
  /** The name of the network a `network=` value names (a name, an ID or a unique ID prefix); the value itself when none. */
  networkName?: (network: string) => string
}

/**
 * The images an ancestor names, and those committed from them, down the generations, as docker walks
 * them (populateImageFilterByParents); like docker, a lookup that fails (an invalid reference, an
 * ambiguous ID) names none.
 */
function imagesOf(context: FilterContext, ancestor: string): Set<string> {
  const found = new Set<string>()
  const walk = (id: string): void => {
    if (found.has(id)) return
    found.add(id)
    for (const child of context.children?.(id) ?? []) walk(child)
  }
  try {
    context.resolve(ancestor).forEach(walk)
  } catch (error) {
    if (!(error instanceof NerdError)) throw error
  }
  return found
}

/**
 * The containers every filter accepts, newest first. before/since keep the containers created
 * before/after the one they name (No such container otherwise); an ancestor that names no image is
 * skipped, as docker skips it, and when none names one nothing matches.
 */
export function filterContainers(views: readonly ContainerView[], filters: readonly PsFilter[], context: FilterContext): ContainerView[] {
  const sorted = newestFirst(views)
  const values = (key: PsFilterKey) => valuesOf(filters, key)

  let first = 0
  let end = sorted.length
  const before = values('before').at(-1)
  if (before !== undefined) first = sorted.indexOf(anchorOf(sorted, before)) + 1
  const since = values('since').at(-1)
  if (since !== undefined) end = sorted.indexOf(anchorOf(sorted, since))
  // docker walks the list once: a since container already passed while skipping to the before one no longer stops it.
  if (end < first) end = sorted.length

  const health = values('health')
  // nerd has no swarm: no container is a task.
  if (booleanFilter('is-task', values('is-task'))) return []

  const ids = values('id')
  const idMatches = new Set(ids.map((prefix) => uniqueByPrefix(sorted, prefix)?.record.Id))
  const names = values('name')
  const nameMatches = goFilterMatcher(names)
  const labels = values('label')
  const exited = values('exited').map(parseGoInt)
  const statuses = values('status')
  const volumes = values('volume')
  const networks = values('network').map((network) => context.networkName?.(network) ?? network)
  const ancestors = values('ancestor')
  const ancestorIds = new Set(ancestors.flatMap((ancestor) => [...imagesOf(context, ancestor)]))
  const published = filteredPorts(filters, 'publish')
  const exposed = filteredPorts(filters, 'expose')

  return sorted.slice(first, end).filter((view) => {
    const {record} = view
    if (ids.length > 0 && !idMatches.has(record.Id)) return false
    if (names.length > 0 && !nameMatches(`/${record.Name}`) && !nameMatches(record.Name)) return false
    if (!matchesLabels(labels, record.Config.Labels ?? {})) return false
    if (exited.length > 0 && (isRunning(view) || view.state.StartedAt === '' || !exited.includes(view.exitCode))) return false
    if (statuses.length > 0 && !statuses.includes(view.status)) return false
    if (health.length > 0 && !health.includes(view.health?.Status ?? 'none')) return false
    if (volumes.length > 0 && !mountsAny(view, volumes)) return false
    if (ancestors.length > 0 && !ancestorIds.has(record.Image)) return false
    if (networks.length > 0 && !networkNames(view).some((name) => networks.includes(name))) return false
    if ((published.size > 0 || exposed.size > 0) && !listedPorts(view).some((port) => published.has(port.public) || exposed.has(port.private))) return false
    return true
  })
}

export interface SelectOptions {
  /** `-a`: stopped containers too. */
  all?: boolean
  /** `-n N` (`-l` is 1): the N newest, stopped ones included; 0 or less for no limit. */
  last?: number
  /** The filters in use: a status filter shows stopped containers too, as in docker. */
  filters: readonly PsFilter[]
}

/** What `ps` shows of the (filtered) containers: newest first, running ones unless -a, -n or a status filter. */
export function selectContainers(views: readonly ContainerView[], options: SelectOptions): ContainerView[] {
  const last = options.last ?? 0
  const all = options.all === true || last > 0 || options.filters.some((filter) => filter.key === 'status')
  const shown = newestFirst(views).filter((view) => all || isRunning(view))
  return last > 0 ? shown.slice(0, last) : shown
}
