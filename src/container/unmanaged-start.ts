/**
 * A task nerd did not make (containerd's restart monitor's: after a reboot, or once the container's
 * logger died) is made from the spec containerd stores, without what nerd's start does beside it:
 * the joined namespaces' paths pointed at the other container's current process
 * (joined-namespaces.ts), the volumes' filesystems mounted on their `_data`, the volume-subpaths and
 * image mounts staged, the shareable /dev/shm mounted. Such a start can be a wrong one: a path that
 * named the other container's last process names whatever process has its pid by now (the host's,
 * after a reboot), and a tmpfs volume's `_data` unmounted is a directory on disk. When the
 * createRuntime hook runs, the runtime has joined the namespaces and bound the mounts already, so
 * the hook cannot mend the start, only refuse it, before the container's process runs: runc then
 * fails the task's creation. The failed start's logger then hands the container to nerd's exit
 * handler (its task gone, its exit unrecorded), which starts it as nerd does; without a logger, the
 * next look at the container does, as after any start of the monitor's that failed.
 */
import {readlink} from 'node:fs/promises'
import {isMountPoint} from '../volume/host.ts'
import {getVolume} from '../volume/index.ts'
import {volumeFilesystem} from '../volume/model.ts'
import type {VolumeScope} from '../volume/index.ts'
import {initProcessRuns, recordedInitProcess} from './host-process.ts'
import {hasShareableShm, joinedContainers} from './model.ts'
import type {ContainerRecord, JoinedType} from './model.ts'
import {containerPaths} from './store.ts'
import type {ContainerPaths} from './store.ts'
import {stagedMounts, subpathStagingPath} from './volume-subpaths.ts'

/** The name of each joined namespace's file in /proc/<pid>/ns. */
const NAMESPACE_FILES: Record<JoinedType, string> = {network: 'net', ipc: 'ipc', pid: 'pid'}

/**
 * Throws, saying why, unless the task whose init process is `pid`, made without nerd, is what
 * nerd's start would have made: in the namespaces of the containers it joins as they run now, with
 * every mount nerd's start makes in place.
 */
export async function refuseUnpreparedStart(scope: VolumeScope, record: ContainerRecord, paths: ContainerPaths, pid: number): Promise<void> {
  const refused = (reason: string) => new Error(`refusing a start of the container that nerd did not make: ${reason}; nerd starts it itself (its exit handler, or the next nerd command that looks at it)`)
  for (const [type, reference] of joinedContainers(record.HostConfig)) {
    const file = NAMESPACE_FILES[type]
    // The record names the joined container by ID; the name an older nerd recorded has no state directory, and is refused.
    const init = recordedInitProcess(containerPaths(scope.dataRoot, scope.namespace, reference).initPid)
    const joined = init && (await readlink(`/proc/${init.pid}/ns/${file}`).catch(() => undefined))
    // Read before the check that the pid is still that process's: not another's given the pid meanwhile.
    if (!init || !joined || !initProcessRuns(init) || joined !== (await readlink(`/proc/${pid}/ns/${file}`))) {
      throw refused(`its ${type} namespace is not that of the running process of container ${reference}, which it joins`)
    }
  }
  for (const point of record.Mounts) {
    if (point.Type !== 'volume' || !point.Name) continue
    const volume = await getVolume(scope, point.Name)
    if (volume && volumeFilesystem(volume.Options) && !(await isMountPoint(volume.Mountpoint))) {
      throw refused(`the filesystem of volume ${point.Name} is not mounted on its _data (${volume.Mountpoint})`)
    }
  }
  for (const point of stagedMounts(record)) {
    if (!(await isMountPoint(subpathStagingPath(paths, point.Destination)).catch(() => false))) throw refused(`its mount at ${point.Destination} is not staged`)
  }
  if (hasShareableShm(record) && !(await isMountPoint(paths.shm).catch(() => false))) throw refused(`its /dev/shm tmpfs is not mounted on ${paths.shm}`)
}
