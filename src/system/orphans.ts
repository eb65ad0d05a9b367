/**
 * What nerds killed outright (SIGKILL: the OOM killer, a CI job's time limit) left that only they
 * would have removed, found by the process each names (owner.ts) or the lock it no longer holds:
 * their leases in the namespace, with what those kept from garbage collection, the root filesystems
 * they mounted for cp or export, their FIFO directories, the temporary copies of a layer commit
 * rewrote or a tarball import spooled, what a create left half-made (a state
 * directory without a record, a name's temporary file, a lock), and the containerd shims a killed
 * task creation or deletion left serving nothing (shims.ts). The prune commands and `namespace rm` sweep
 * them first, so that what they held is reclaimed with the rest; what belongs to a nerd still running
 * is left alone.
 */
import {removeOrphanedLayerDirs} from '../container/commit.ts'
import {removeOrphanedFifos} from '../container/io.ts'
import type {ContainerScope} from '../container/lifecycle.ts'
import {removeOrphanedRootfsMounts} from '../container/rootfs-mount.ts'
import {removeOrphanedContainerFiles} from '../container/store.ts'
import type {ContainerdClient} from '../containerd/index.ts'
import {removeOrphanedSpoolDirs} from '../image/archive/import.ts'
import {removeOrphanedShims} from './shims.ts'

export async function removeOrphans(scope: ContainerScope): Promise<void> {
  await Promise.all([
    scope.client.deleteOrphanedLeases({sync: true}).catch(() => undefined),
    removeOrphanedRootfsMounts(),
    removeOrphanedFifos(scope.dataRoot),
    removeOrphanedLayerDirs(),
    removeOrphanedSpoolDirs(),
    removeOrphanedCreates(scope.client, scope.dataRoot),
    removeOrphanedShims(scope.client).catch(() => undefined),
  ])
}

/** What killed creates left in the namespace of `client`'s directories of the data root. */
export async function removeOrphanedCreates(client: ContainerdClient, dataRoot: string): Promise<void> {
  const containers = await client.containers.list().catch(() => undefined)
  // Without containerd's list, no directory can be told to be nobody's.
  if (!containers) return
  await removeOrphanedContainerFiles(dataRoot, client.namespace, new Set(containers.map((container) => container.id)))
}
