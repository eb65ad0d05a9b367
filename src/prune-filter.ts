/**
 * docker's `--filter` of container, image, network and system prune: `until=` (a time, or a duration ago)
 * keeps what was created since, `label=` and `label!=` (a key, or key=value) what has or lacks a label.
 */
import {parseLogTime} from './container/logs/index.ts'
import {NerdError} from './errors.ts'
import {filterTerms} from './filter-flag.ts'

export interface PruneFilter {
  until?: Date
  labels: {key: string; value?: string; negate: boolean}[]
}

/** Parses the filters; docker's messages for a malformed one or another key. */
export function parsePruneFilters(values: readonly string[], now = new Date()): PruneFilter {
  const filter: PruneFilter = {labels: []}
  for (const {key, value: argument} of filterTerms(values)) {
    if (key === 'until') filter.until = parseLogTime(argument, now)
    else if (key === 'label' || key === 'label!') {
      const equals = argument.indexOf('=')
      filter.labels.push(equals < 0 ? {key: argument, negate: key === 'label!'} : {key: argument.slice(0, equals), value: argument.slice(equals + 1), negate: key === 'label!'})
    } else throw new NerdError(`invalid filter '${key}'`)
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
