/** docker's container prune: every container not running, paused or restarting, within the filters. */
import {withinPruneFilter} from '../prune-filter.ts'
import type {PruneFilter} from '../prune-filter.ts'
import {listContainerViews, loadContainer, removeContainer, removeContainerRemains} from './lifecycle.ts'
import type {ContainerScope} from './lifecycle.ts'
import type {ContainerView} from './model.ts'
import {containerSize} from './inspect.ts'

export function prunable(view: ContainerView, filter: PruneFilter): boolean {
  if (view.status === 'running' || view.status === 'paused' || view.status === 'restarting') return false
  // docker's labels (Config.Labels): containerd keeps no label without a value (`--label key`).
  return withinPruneFilter(filter, new Date(view.record.Created), view.record.Config.Labels ?? {})
}

export async function pruneContainers(scope: ContainerScope, filter: PruneFilter): Promise<{removed: string[]; reclaimed: number}> {
  const removed: string[] = []
  let reclaimed = 0
  for (const view of (await listContainerViews(scope)).filter((candidate) => prunable(candidate, filter))) {
    const size = await containerSize(scope, view.record.Snapshotter, view.record.Id).catch(() => ({rw: 0}))
    if (view.remains) await removeContainerRemains(scope, view.record.Id, view.record.Snapshotter)
    else await removeContainer(scope, await loadContainer(scope, view.record.Id))
    removed.push(view.record.Id)
    reclaimed += size.rw
  }
  return {removed, reclaimed}
}
