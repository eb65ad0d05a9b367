/**
 * docker's safepath for `volume-subpath` mounts: the subpath is opened in its volume without
 * following a link (openVolumeSubpath), and what was opened is bound onto a staging path in the
 * container's state directory, which the spec binds. Had the runtime bound the subpath by its name,
 * a container racing a link into a shared volume between nerd's check and that bind could have a
 * host directory mounted. Image mounts are staged the same way, as docker's: the container's view
 * of the image is mounted whole (overlayfs merges its layers, opaque directories and long lowerdirs
 * included), and its `image-subpath` (links followed inside the image) bound onto the staging path.
 * Staged at each start (and for a stopped container's cp); unstaged when the task is gone, at rm,
 * and when the start fails.
 */
import {createHash} from 'node:crypto'
import {closeSync, existsSync, fstatSync} from 'node:fs'
import {lstat, mkdir, readFile, realpath, rmdir, unlink, writeFile} from 'node:fs/promises'
import {join, relative} from 'node:path'
import type {ContainerdClient} from '../containerd/index.ts'
import {NerdError} from '../errors.ts'
import {mountPoints} from '../mountinfo.ts'
import {bindOpenedPath, openVolumeSubpath, subpathAccessFailure, unmountFilesystem} from '../volume/host.ts'
import type {ContainerRecord, MountPoint} from './model.ts'
import {mountSnapshotPart} from './rootfs-mount.ts'
import type {ContainerPaths} from './store.ts'

/** Where the container's `volume-subpath` or image mount at `target` is staged: the source its spec binds. */
export function subpathStagingPath(paths: ContainerPaths, target: string): string {
  // A digest: a target is a whole path, not one name.
  return join(paths.volumeSubpaths, createHash('sha256').update(target).digest('hex'))
}

/** Where the image of the container's image mount at `target` is mounted while staged (inspect's Source, docker's mounted image). */
export function imageRootPath(paths: ContainerPaths, target: string): string {
  return `${subpathStagingPath(paths, target)}.image`
}

/** The container's mounts that a start stages: its `volume-subpath`s and image mounts. */
export function stagedMounts(record: ContainerRecord): MountPoint[] {
  return record.Mounts.filter((point) => (point.Type === 'image' ? point.View !== undefined : point.Subpath !== undefined))
}

/**
 * Binds each `volume-subpath` and image mount of the container (the views of its images, with
 * `client`), as checked now, onto its staging path; on failure none stays.
 */
export async function stageVolumeSubpaths(client: ContainerdClient, paths: ContainerPaths, record: ContainerRecord): Promise<void> {
  const points = stagedMounts(record)
  if (points.length === 0) return
  // What an earlier start left (a nerd killed) names what the subpath was then.
  await unstageVolumeSubpaths(paths)
  try {
    for (const point of points) {
      const opened = point.Type === 'image' ? await openImageMount(client, record.Snapshotter, paths, point) : openVolumeSubpath(point.Source, point.Subpath!)
      try {
        const staging = subpathStagingPath(paths, point.Destination)
        await makeMountPoint(staging, fstatSync(opened).isDirectory())
        await bindOpenedPath(opened, staging)
      } finally {
        closeSync(opened)
      }
    }
  } catch (error) {
    await unstageVolumeSubpaths(paths).catch(() => undefined)
    throw error
  }
}

/**
 * Mounts the image of the image mount `point` (its view, of the snapshotter's) on its root path and
 * opens (O_PATH; the caller closes it) its `image-subpath` there, as docker's safepath.Join: the
 * links on the way followed, refused when they lead out of the image. The root stays mounted (the
 * caller unstages it).
 */
export async function openImageMount(client: ContainerdClient, snapshotter: string, paths: ContainerPaths, point: MountPoint): Promise<number> {
  const target = imageRootPath(paths, point.Destination)
  await makeMountPoint(target, true)
  for (const part of await client.snapshots.mounts(snapshotter, point.View!)) await mountSnapshotPart(part, target, `the image ${point.Name}`)
  const root = await realpath(target)
  const wanted = join(root, point.Subpath ?? '')
  const resolved = await realpath(wanted).catch((error: NodeJS.ErrnoException) => {
    throw subpathAccessFailure(wanted, error.code ?? '', error.message)
  })
  const inside = relative(root, resolved)
  if (inside === '..' || inside.startsWith('../')) throw new NerdError(`path concatenation escapes the base directory, base: ${root}, subpath: ${point.Subpath}`)
  return openVolumeSubpath(root, inside)
}

/** An empty directory or file at `path`, as the bind onto it needs; what stands there is not mounted. */
async function makeMountPoint(path: string, directory: boolean): Promise<void> {
  const present = await lstat(path).catch(() => undefined)
  if (present?.isDirectory() === directory) return
  if (present) await (present.isDirectory() ? rmdir(path) : unlink(path))
  await mkdir(join(path, '..'), {recursive: true, mode: 0o700})
  await (directory ? mkdir(path) : writeFile(path, '', {flag: 'wx'}))
}

/** Unmounts what is staged for the container (any container: a removal may have no record to ask). */
export async function unstageVolumeSubpaths(paths: ContainerPaths): Promise<void> {
  if (!existsSync(paths.volumeSubpaths)) return
  const prefix = `${await realpath(paths.volumeSubpaths)}/`
  const staged = mountPoints(await readFile('/proc/self/mountinfo', 'utf8')).filter((point) => point.startsWith(prefix))
  // The last mounted first: one mounted over another comes off before it.
  for (const point of staged.reverse()) await unmountFilesystem(point)
}
