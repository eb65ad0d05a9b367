import {readFile, rm, rmdir} from 'node:fs/promises'
import {join} from 'node:path'
import type {ContainerdClient} from '../containerd/index.ts'
import {isFailedPrecondition, isNotFound} from '../containerd/index.ts'
import {containersDir, namesDir, removeOrphanedContainerFiles} from '../container/store.ts'
import {removeOrphanedShims} from './shims.ts'
import {NerdError} from '../errors.ts'
import {mountInfoEntries} from '../mountinfo.ts'
import {parseLabels, sortedByKey} from '../labels.ts'
import {listVolumes, volumeLocksDir, volumesDir} from '../volume/index.ts'

/** One row of `nerd namespace ls`, shaped for `--format` like nerdctl's. */
export interface NamespaceSummary {
  Name: string
  Containers: number
  Images: number
  Volumes: number
  Labels: Record<string, string>
}


export async function listNamespaces(client: ContainerdClient, dataRoot: string): Promise<NamespaceSummary[]> {
  const namespaces = await client.namespaces.list()
  return Promise.all(
    namespaces.map(async (namespace) => {
      const scoped = client.withNamespace(namespace.name)
      const [containers, images, volumes] = await Promise.all([
        scoped.containers.list(),
        scoped.images.list(),
        listVolumes({dataRoot, namespace: namespace.name}),
      ])
      return {Name: namespace.name, Containers: containers.length, Images: images.length, Volumes: volumes.length, Labels: sortedByKey(namespace.labels)}
    }),
  )
}

/**
 * The `--label` values of `namespace create` and `update`: a key alone is set to `true`, as
 * nerdctl's (and ctr's) labelArgs: containerd takes an empty value for "no label", so docker's
 * reading of a key alone would drop it without a word.
 */
export function namespaceLabels(values: readonly string[] = []): Record<string, string> {
  return parseLabels(values.map((value) => (value.includes('=') ? value : `${value}=true`)))
}

export async function createNamespace(client: ContainerdClient, name: string, labels: Record<string, string>): Promise<void> {
  await client.namespaces.create({name, labels})
}

/** The words of `namespace inspect` (docker's for a missing object) for a namespace containerd has not. */
function unlessNoSuchNamespace(name: string): (error: unknown) => never {
  return (error) => {
    throw isNotFound(error) ? new NerdError(`No such namespace: ${name}`, {cause: error}) : error
  }
}

/** Sets the given labels (an empty value removes a label, as `ctr namespaces label` does). */
export async function updateNamespaceLabels(client: ContainerdClient, name: string, labels: Record<string, string>): Promise<void> {
  await client.namespaces.get(name).catch(unlessNoSuchNamespace(name))
  const paths = Object.keys(labels).map((key) => `labels.${key}`)
  if (paths.length === 0) throw new NerdError('nothing to update: pass at least one --label', {usageOf: 'namespace update'})
  await client.namespaces.update({name, labels}, paths)
}

export interface NamespaceDetails {
  Name: string
  Labels: Record<string, string>
}

export async function inspectNamespace(client: ContainerdClient, name: string): Promise<NamespaceDetails> {
  const namespace = await client.namespaces.get(name)
  return {Name: namespace.name, Labels: sortedByKey(namespace.labels)}
}

/**
 * containerd's namespace deletion, which refuses a namespace still holding anything: first the
 * leases of nerds killed in it go (what they kept would make it refuse), and the shims they left
 * serving nothing (shims.ts), and after it nerd's
 * directories of the namespace, with what killed creates left there, when empty (a volume, which containerd knows nothing of, stays),
 * and its cgroup parents.
 */
export async function removeNamespace(client: ContainerdClient, dataRoot: string, name: string): Promise<void> {
  await client.withNamespace(name).deleteOrphanedLeases({sync: true}).catch(() => undefined)
  await removeOrphanedShims(client.withNamespace(name)).catch(() => undefined)
  await deleteEmptyNamespace(client, name)
  // containerd has no container left there: what killed creates left goes, and the directories with it.
  await removeOrphanedContainerFiles(dataRoot, name, new Set())
  for (const directory of [containersDir, namesDir]) await rmdir(directory(dataRoot, name)).catch(() => undefined)
  // The volumes' lock files outlive the volumes: they go with the last volume of the namespace.
  const noVolumes = await rmdir(volumesDir(dataRoot, name)).then(() => true, (error: NodeJS.ErrnoException) => error.code === 'ENOENT')
  if (noVolumes) await rm(volumeLocksDir(dataRoot, name), {recursive: true, force: true})
  await removeCgroupParents(name)
}

/**
 * containerd's namespace deletion, after a garbage collection when it refuses: the blobs and
 * snapshots of an image just removed stay until the collector runs, which containerd schedules a
 * moment later. A lease deleted with `sync` runs it and waits; if the namespace is still not empty
 * (an image, a container), containerd's reason is the answer.
 */
async function deleteEmptyNamespace(client: ContainerdClient, name: string): Promise<void> {
  try {
    await client.namespaces.delete(name)
    return
  } catch (error) {
    if (!isFailedPrecondition(error)) unlessNoSuchNamespace(name)(error)
  }
  await client.withNamespace(name).withLease(async () => undefined, {sync: true})
  await client.namespaces.delete(name).catch(unlessNoSuchNamespace(name))
}

/** The mount points of the cgroup hierarchies (v1's, one per controller or name, and v2's) in a mountinfo file. */
export function cgroupMountPoints(mountinfo: string): string[] {
  return mountInfoEntries(mountinfo)
    .filter((entry) => entry.fsType === 'cgroup' || entry.fsType === 'cgroup2')
    .map((entry) => entry.point)
}

/**
 * The cgroupfs driver puts a namespace's containers under `/<namespace>` in every hierarchy
 * (spec/build.ts, cgroupsPath), and runc removes only a container's own cgroup: the parents go with
 * the namespace. rmdir only, which the kernel refuses for a cgroup still holding a process or a
 * child (a `--cgroup-parent` of that name someone else uses). The systemd driver's slice is shared.
 */
async function removeCgroupParents(name: string): Promise<void> {
  // containerd's identifiers (its namespaces' names) are one path element, never `.` or `..`: checked all the same.
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) return
  const mountinfo = await readFile('/proc/self/mountinfo', 'utf8').catch(() => '')
  await Promise.all(cgroupMountPoints(mountinfo).map((point) => rmdir(join(point, name)).catch(() => undefined)))
}
