/**
 * docker's ShmPath: a container with `--ipc shareable` gets a tmpfs of its own, on the host, bound at
 * its /dev/shm, which containers joining its IPC namespace (`--ipc container:<it>`) bind at theirs,
 * so that POSIX shared memory (`shm_open`) is shared along with SysV IPC. As docker's, the tmpfs is
 * mounted at each start and unmounted when the task is gone (its content goes with it); the empty
 * directory stays with the container. A start nerd did not make (containerd's restart monitor's)
 * finds the tmpfs there or is refused (unmanaged-start.ts).
 */
import {existsSync} from 'node:fs'
import {mkdir} from 'node:fs/promises'
import {NerdError} from '../errors.ts'
import {isMountPoint, mountFilesystem, unmountFilesystem} from '../volume/host.ts'
import type {ContainerScope, LoadedContainer} from './lifecycle.ts'
import {loadContainer} from './lifecycle.ts'
import {joinedContainer} from './model.ts'
import type {ContainerPaths} from './store.ts'

/** Makes the directory the spec binds at /dev/shm, at create. */
export async function makeShmDirectory(paths: ContainerPaths): Promise<void> {
  await mkdir(paths.shm, {recursive: true})
}

/** Mounts the container's tmpfs (docker's options: `--shm-size`, mode 1777, nosuid, nodev, noexec) unless mounted already. */
export async function mountShm(paths: ContainerPaths, sizeBytes: number): Promise<void> {
  await makeShmDirectory(paths)
  if (await isMountPoint(paths.shm)) return
  try {
    await mountFilesystem('tmpfs', 'shm', `nosuid,nodev,noexec,mode=1777,size=${sizeBytes}`, paths.shm)
  } catch (error) {
    throw new NerdError(`mounting shm tmpfs: ${(error as Error).message}`, {cause: error})
  }
}

/** Unmounts the container's tmpfs, if it has one mounted (any container: a removal may have no record to ask). */
export async function unmountShm(paths: ContainerPaths): Promise<void> {
  if (existsSync(paths.shm) && (await isMountPoint(paths.shm))) await unmountFilesystem(paths.shm)
}

/**
 * The host directory a container joining `donor`'s IPC namespace binds at /dev/shm, as docker's
 * ShmPath: the donor's own tmpfs, the host's /dev/shm, or what the donor itself joined (followed by
 * the ID its record holds, or the name an older nerd recorded, which a container made since may
 * have taken: such a chain might lead back). Undefined for a donor with a private IPC namespace
 * (the default) or none, which has nothing to share: docker's start refuses to join it.
 */
export async function sharedShmPath(scope: ContainerScope, donor: LoadedContainer): Promise<string | undefined> {
  const seen = new Set<string>()
  let current: LoadedContainer | undefined = donor
  while (current && !seen.has(current.record.Id)) {
    seen.add(current.record.Id)
    const mode: string = current.record.HostConfig.IpcMode
    if (mode === 'shareable') return current.paths.shm
    if (mode === 'host') return '/dev/shm'
    const joined = joinedContainer(mode)
    if (joined === undefined) break
    current = await loadContainer(scope, joined).catch(() => undefined)
  }
  return undefined
}
