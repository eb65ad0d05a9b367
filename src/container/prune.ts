/** docker's container prune: every container not running, paused or restarting, within the filters. */
import {NerdError} from '../errors.ts'
import {parseLogTime} from './logs/index.ts'
import {listContainerViews, loadContainer, removeContainer} from './lifecycle.ts'
import type {ContainerScope} from './lifecycle.ts'
import type {ContainerView} from './model.ts'
import {containerSize} from './inspect.ts'

interface PruneFilter {
  until?: Date
  labels: {key: string; value?: string; negate: boolean}[]
}

export function parsePruneFilters(values: string[], now = new Date()): PruneFilter {
  const filter: PruneFilter = {labels: []}
  for (const value of values) {
    const separator = value.indexOf('=')
    if (separator < 0) throw new NerdError(`bad format of filter (expected name=value)`)
    const key = value.slice(0, separator)
    const argument = value.slice(separator + 1)
    if (key === 'until') filter.until = parseLogTime(argument, now)
    else if (key === 'label' || key === 'label!') {
      const equals = argument.indexOf('=')
      filter.labels.push(equals < 0 ? {key: argument, negate: key === 'label!'} : {key: argument.slice(0, equals), value: argument.slice(equals + 1), negate: key === 'label!'})
    } else throw new NerdError(`invalid filter '${key}'`)
  }
  return filter
}

export function prunable(view: ContainerView, filter: PruneFilter): boolean {
  if (view.status === 'running' || view.status === 'paused' || view.status === 'restarting') return false
  if (filter.until && new Date(view.record.Created) >= filter.until) return false
  return filter.labels.every(({key, value, negate}) => {
    const matches = key in view.labels && (value === undefined || view.labels[key] === value)
    return negate ? !matches : matches
  })
}

export async function pruneContainers(scope: ContainerScope, filterValues: string[]): Promise<{removed: string[]; reclaimed: number}> {
  const filter = parsePruneFilters(filterValues)
  const removed: string[] = []
  let reclaimed = 0
  for (const view of (await listContainerViews(scope)).filter((candidate) => prunable(candidate, filter))) {
    const size = await containerSize(scope, view.record.Snapshotter, view.record.Id).catch(() => ({rw: 0}))
    await removeContainer(scope, await loadContainer(scope, view.record.Id))
    removed.push(view.record.Id)
    reclaimed += size.rw
  }
  return {removed, reclaimed}
}
