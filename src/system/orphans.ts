/**
 * What nerds killed outright (SIGKILL: the OOM killer, a CI job's time limit) left that only they
 * would have removed, found by the process each names (owner.ts): their leases in the namespace,
 * with what those kept from garbage collection, the root filesystems they mounted for cp or export,
 * their FIFO directories. The prune commands sweep them first, so that what they held is reclaimed
 * with the rest; what belongs to a nerd still running is left alone.
 */
import {removeOrphanedFifos} from '../container/io.ts'
import type {ContainerScope} from '../container/lifecycle.ts'
import {removeOrphanedRootfsMounts} from '../container/rootfs-mount.ts'

export async function removeOrphans(scope: ContainerScope): Promise<void> {
  await Promise.all([
    scope.client.deleteOrphanedLeases({sync: true}).catch(() => undefined),
    removeOrphanedRootfsMounts(),
    removeOrphanedFifos(scope.dataRoot),
  ])
}
