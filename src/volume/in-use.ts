/**
 * Which containers use which volumes, from the container store: a container uses every volume its
 * record's Mounts name (type `volume`), running or not, as docker counts references; a create under
 * way uses those it has claimed, from before it looks them up until its record names them, as
 * docker's create takes its references on the volumes it resolves.
 */
import {isLocked, readJsonIfExists} from '../files.ts'
import {containerPaths, listContainerIds, readRecord} from '../container/store.ts'
import type {ContainerPaths} from '../container/store.ts'
import type {VolumeScope} from './model.ts'

/** Container IDs by the name of each volume they mount, IDs in order. */
export async function volumeUsers(scope: VolumeScope): Promise<Map<string, string[]>> {
  const users = new Map<string, string[]>()
  for (const id of (await listContainerIds(scope.dataRoot, scope.namespace)).sort()) {
    const paths = containerPaths(scope.dataRoot, scope.namespace, id)
    // A container whose record is not written yet (being created) or is gone (being removed) mounts what it claimed, if anything.
    const record = await readRecord(paths).catch(() => undefined)
    const names = record ? record.Mounts.flatMap((mount) => (mount.Type === 'volume' && mount.Name ? [mount.Name] : [])) : await claimedVolumes(paths)
    for (const name of names) {
      const ids = users.get(name) ?? []
      if (!ids.includes(id)) ids.push(id)
      users.set(name, ids)
    }
  }
  return users
}

/** The volumes a create under way has claimed; none for a create that was killed (nobody holds its lock). */
async function claimedVolumes(paths: ContainerPaths): Promise<string[]> {
  const names = await readJsonIfExists<unknown>(paths.volumeClaims).catch(() => undefined)
  if (!Array.isArray(names) || !(await isLocked(paths.lifecycle))) return []
  return names.filter((name): name is string => typeof name === 'string')
}

/** The IDs of the containers using the volume `name`: the `inUseBy` that removeVolume and pruneVolumes take. */
export async function containersUsingVolume(scope: VolumeScope, name: string): Promise<string[]> {
  return (await volumeUsers(scope)).get(name) ?? []
}
