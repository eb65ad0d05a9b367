/**
 * Which containers use which volumes, from the container store: a container uses every volume its
 * record's Mounts name (type `volume`), running or not, as docker counts references.
 */
import {containerPaths, listContainerIds, readRecord} from '../container/store.ts'
import type {VolumeScope} from './model.ts'

/** Container IDs by the name of each volume they mount, IDs in order. */
export async function volumeUsers(scope: VolumeScope): Promise<Map<string, string[]>> {
  const users = new Map<string, string[]>()
  for (const id of (await listContainerIds(scope.dataRoot, scope.namespace)).sort()) {
    // A container whose record is not written yet (being created) or is gone (being removed) mounts nothing yet.
    const record = await readRecord(containerPaths(scope.dataRoot, scope.namespace, id)).catch(() => undefined)
    for (const mount of record?.Mounts ?? []) {
      if (mount.Type !== 'volume' || !mount.Name) continue
      const ids = users.get(mount.Name) ?? []
      if (!ids.includes(id)) ids.push(id)
      users.set(mount.Name, ids)
    }
  }
  return users
}

/** The IDs of the containers using the volume `name`: the `inUseBy` that removeVolume and pruneVolumes take. */
export async function containersUsingVolume(scope: VolumeScope, name: string): Promise<string[]> {
  return (await volumeUsers(scope)).get(name) ?? []
}
