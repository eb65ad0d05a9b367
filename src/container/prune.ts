/** docker's container prune: every container not running, paused or restarting, within the filters. */
import {withinPruneFilter} from '../prune-filter.ts'
import type {PruneFilter} from '../prune-filter.ts'
import {getTask, listContainerViews, loadContainer, removeContainer, removeContainerRemains} from './lifecycle.ts'
import type {ContainerScope} from './lifecycle.ts'
import type {ContainerView} from './model.ts'
import {writableSize} from './inspect.ts'
import {NoSuchContainerError} from './store.ts'

export function prunable(view: ContainerView, filter: PruneFilter): boolean {
  if (view.status === 'running' || view.status === 'paused' || view.status === 'restarting') return false
  // docker's labels (Config.Labels): containerd keeps no label without a value (`--label key`).
  return withinPruneFilter(filter, new Date(view.record.Created), view.record.Config.Labels ?? {})
}

export async function pruneContainers(scope: ContainerScope, filter: PruneFilter): Promise<{removed: string[]; reclaimed: number}> {
  const removed: string[] = []
  let reclaimed = 0
  for (const view of (await listContainerViews(scope)).filter((candidate) => prunable(candidate, filter))) {
    const rw = await writableSize(scope, view.record.Snapshotter, view.record.Id).catch(() => 0)
    try {
      if (view.remains) await removeContainerRemains(scope, view.record.Id, view.record.Snapshotter)
      else await removeContainer(scope, await loadContainer(scope, view.record.Id))
    } catch (error) {
      // As docker's daemon, one container does not stop the prune: one started or removed since
      // the listing is no longer the prune's, and any other failure is said and passed over.
      if (!(error instanceof NoSuchContainerError) && !(await startedSince(scope, view.record.Id))) {
        process.stderr.write(`WARNING: failed to prune container ${view.record.Id}: ${(error as Error).message}\n`)
      }
      continue
    }
    removed.push(view.record.Id)
    reclaimed += rw
  }
  return {removed, reclaimed}
}

async function startedSince(scope: ContainerScope, id: string): Promise<boolean> {
  const task = await getTask(scope, id).catch(() => undefined)
  return task !== undefined && task.status !== 'STOPPED'
}
