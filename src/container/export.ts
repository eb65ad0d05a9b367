/**
 * docker's export: the container's filesystem as one tar stream, without its volumes and binds (their
 * mount points stay, empty). Its snapshot is mounted read-only beside it, the upper layer as one more
 * lower one, so that a running container's filesystem can be read too.
 */
import {pipeline} from 'node:stream/promises'
import type {Mount} from '../containerd/index.ts'
import {packAs} from './cp-archive.ts'
import {publishContainerEvent} from './lifecycle.ts'
import type {ContainerScope, LoadedContainer} from './lifecycle.ts'
import {withMountedRootfs} from './rootfs-mount.ts'

/** containerd's mounts of a snapshot, read-only: an overlay's upper directory joins its lower ones. */
export function readOnlyMounts(mounts: Mount[]): Mount[] {
  return mounts.map((mount) => {
    if (mount.type !== 'overlay') return {...mount, options: [...mount.options.filter((option) => option !== 'rw'), 'ro']}
    const option = (name: string) => mount.options.find((candidate) => candidate.startsWith(`${name}=`))?.slice(name.length + 1)
    const upper = option('upperdir')
    const lower = option('lowerdir')
    const others = mount.options.filter((candidate) => !/^(upperdir|workdir|lowerdir)=/.test(candidate) && candidate !== 'rw')
    return {...mount, options: [...others, `lowerdir=${[upper, lower].filter((dir) => dir).join(':')}`, 'ro']}
  })
}

/** Writes the tar stream to `output` (`end`: and ends it; not nerd's stdout; `signal`: stops it). */
export async function exportContainer(scope: ContainerScope, container: LoadedContainer, output: NodeJS.WritableStream, options: {end: boolean; signal?: AbortSignal}): Promise<void> {
  const {record} = container
  const mounts = readOnlyMounts(await scope.client.snapshots.mounts(record.Snapshotter, record.Id))
  // The root's entries by name, as docker's archive has them (no leading ./).
  await withMountedRootfs(mounts, [], (root) => pipeline(packAs(root, ''), output, options))
  await publishContainerEvent(scope, container, 'export')
}
