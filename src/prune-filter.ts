/**
 * docker's `--filter` of container, image, network and system prune: `until=` (a time, or a duration ago)
 * keeps what was created since, `label=` and `label!=` (a key, or key=value) what has or lacks a label;
 * image prune's `dangling=` says what `--all` says (false: every unused image).
 */
import {parseLogTime} from './container/logs/index.ts'
import {NerdError} from './errors.ts'
import {booleanFilter, filterTerms} from './filter-terms.ts'

export interface PruneFilter {
  until?: Date
  labels: {key: string; value?: string; negate: boolean}[]
}

/**
 * Parses the filters, with docker's messages in the daemon's order: another key, then more than one
 * until (the daemon prunes containers and networks by one), then an until neither a time nor a
 * duration. `untilEach`: image prune, whose containerd store keeps to what is older than each until,
 * so the earliest. `all`: image prune's `--all`, which docker's CLI sends as `dangling=false`
 * (`dangling=true` without it) with the filters given: a `dangling=` the same way changes nothing,
 * one the other way is refused as the daemon refuses the pair.
 */
export function parsePruneFilters(values: readonly string[], now = new Date(), options: {untilEach?: boolean; all?: boolean} = {}): PruneFilter {
  const terms = filterTerms(values)
  const images = options.all !== undefined
  const unknown = terms.find(({key}) => !['until', 'label', 'label!', ...(images ? ['dangling'] : [])].includes(key))
  if (unknown) throw new NerdError(`invalid filter '${unknown.key}'`)
  if (images) booleanFilter('dangling', [...terms.filter(({key}) => key === 'dangling').map(({value}) => value), String(!options.all)])
  const untils = new Set(terms.filter(({key}) => key === 'until').map(({value}) => value))
  if (untils.size > 1 && !options.untilEach) throw new NerdError('more than one until filter specified')
  const filter: PruneFilter = {labels: []}
  for (const until of [...untils].map((value) => parseLogTime(value, now))) if (!filter.until || until < filter.until) filter.until = until
  for (const {key, value} of terms.filter((term) => term.key.startsWith('label'))) {
    const equals = value.indexOf('=')
    filter.labels.push(equals < 0 ? {key: value, negate: key === 'label!'} : {key: value.slice(0, equals), value: value.slice(equals + 1), negate: key === 'label!'})
  }
  return filter
}

/** Whether what was created at `created` (unknown: never pruned by time) with `labels` may be pruned. */
export function withinPruneFilter(filter: PruneFilter, created: Date | undefined, labels: Record<string, string>): boolean {
  if (filter.until && (created === undefined || created >= filter.until)) return false
  return filter.labels.every(({key, value, negate}) => {
    const matches = Object.hasOwn(labels, key) && (value === undefined || labels[key] === value)
    return negate ? !matches : matches
  })
}
