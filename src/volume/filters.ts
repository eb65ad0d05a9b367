/**
 * `--filter` for `volume ls` and `volume prune`, as docker's daemon reads them: `key=value` with the
 * key case-insensitive and both trimmed; values of one key widen the match (labels must all
 * match), different keys narrow it.
 */
import {NerdError} from '../errors.ts'
import {booleanFilter, filterTerms} from '../filter-terms.ts'
import {ANONYMOUS_LABEL} from './model.ts'
import type {Volume} from './model.ts'
import {goFilterMatcher, goParseBool, goParseBoolError} from '../format/go-values.ts'

const LIST_KEYS = ['dangling', 'driver', 'label', 'name']
const PRUNE_KEYS = ['all', 'label', 'label!']

type FilterValues = Map<string, string[]>

function parseFilterArgs(texts: readonly string[], accepted: readonly string[]): FilterValues {
  const filters: FilterValues = new Map()
  for (const {key, value} of filterTerms(texts)) {
    if (!accepted.includes(key)) throw new NerdError(`invalid filter '${key}'`)
    const values = filters.get(key) ?? []
    if (!values.includes(value)) values.push(value)
    filters.set(key, values)
  }
  return filters
}

/** Go's fmt `%s` of a string slice, which docker's filter errors print. */
function goList(values: readonly string[]): string {
  return `[${values.join(' ')}]`
}

export interface LabelFilters {
  /** `label=key` or `label=key=value`: every one must hold. */
  labels: string[]
  /** `label!=…`: the volume is left out when every one holds. */
  notLabels: string[]
}

export interface VolumeListFilters extends LabelFilters {
  names: string[]
  drivers: string[]
  /** true: only volumes no container uses; false: only used ones. */
  dangling?: boolean
}

export function parseListFilters(texts: readonly string[]): VolumeListFilters {
  const filters = parseFilterArgs(texts, LIST_KEYS)
  const result: VolumeListFilters = {names: filters.get('name') ?? [], drivers: filters.get('driver') ?? [], labels: filters.get('label') ?? [], notLabels: []}
  const dangling = booleanFilter('dangling', filters.get('dangling') ?? [])
  if (dangling !== undefined) result.dangling = dangling
  return result
}

/** What a volume prune keeps to: without `-a` or `--filter all=true`, the anonymous label among its labels. */
export type VolumePruneFilters = LabelFilters

/** `volume prune --filter …` with `-a` (`all`): without it, only anonymous volumes are candidates. */
export function parsePruneFilters(texts: readonly string[], all: boolean): VolumePruneFilters {
  const filters = parseFilterArgs(texts, PRUNE_KEYS)
  const allValues = filters.get('all')
  let pruneAll = all
  if (allValues) {
    if (all) throw new NerdError('conflicting options: cannot specify both --all and --filter all=1')
    if (allValues.length > 1) throw new NerdError(`invalid filter 'all=${goList(allValues)}': only one value is expected`)
    const value = goParseBool(allValues[0]!)
    if (value === undefined) throw new NerdError(`invalid filter 'all': ${goParseBoolError(allValues[0]!)}`)
    pruneAll = value
  }
  const labels = filters.get('label') ?? []
  return {labels: pruneAll ? labels : [...labels, ANONYMOUS_LABEL], notLabels: filters.get('label!') ?? []}
}

/** docker's MatchKVList: every `key` is set and every `key=value` holds. */
function allLabelsMatch(wanted: readonly string[], labels: Record<string, string> | null): boolean {
  return wanted.every((label) => {
    if (labels === null) return false
    const equals = label.indexOf('=')
    const key = equals === -1 ? label : label.slice(0, equals)
    return Object.hasOwn(labels, key) && (equals === -1 || labels[key] === label.slice(equals + 1))
  })
}

export function matchesLabelFilters(volume: Pick<Volume, 'Labels'>, filters: LabelFilters): boolean {
  if (filters.labels.length > 0 && !allLabelsMatch(filters.labels, volume.Labels)) return false
  return filters.notLabels.length === 0 || !allLabelsMatch(filters.notLabels, volume.Labels)
}

/** `refCount` is the number of containers using the volume, needed only for `dangling`. */
export function matchesListFilters(volume: Volume, refCount: number, filters: VolumeListFilters): boolean {
  if (filters.drivers.length > 0 && !filters.drivers.includes(volume.Driver)) return false
  if (filters.names.length > 0 && !goFilterMatcher(filters.names)(volume.Name)) return false
  if (!matchesLabelFilters(volume, filters)) return false
  return filters.dangling === undefined || filters.dangling === (refCount === 0)
}
