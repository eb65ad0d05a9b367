/**
 * docker's safepath for `volume-subpath` mounts: the subpath is opened in its volume without
 * following a link (openVolumeSubpath), and what was opened is bound onto a staging path in the
 * container's state directory, which the spec binds. Had the runtime bound the subpath by its name,
 * a container racing a link into a shared volume between nerd's check and that bind could have a
 * host directory mounted. Staged at each start (and for a stopped container's cp); unstaged when
 * the task is gone, at rm, and when the start fails.
 */
import {createHash} from 'node:crypto'
import {closeSync, existsSync, fstatSync} from 'node:fs'
import {lstat, mkdir, readFile, realpath, rmdir, unlink, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {mountPoints} from '../mountinfo.ts'
import {bindOpenedPath, openVolumeSubpath, unmountFilesystem} from '../volume/host.ts'
import type {ContainerRecord} from './model.ts'
import type {ContainerPaths} from './store.ts'

/** Where the container's `volume-subpath` mount at `target` is staged: the source its spec binds. */
export function subpathStagingPath(paths: ContainerPaths, target: string): string {
  // A digest: a target is a whole path, not one name.
  return join(paths.volumeSubpaths, createHash('sha256').update(target).digest('hex'))
}

/** Binds each `volume-subpath` of the container, as checked now, onto its staging path; on failure none stays. */
export async function stageVolumeSubpaths(paths: ContainerPaths, record: ContainerRecord): Promise<void> {
  const points = record.Mounts.filter((point) => point.Subpath !== undefined)
  if (points.length === 0) return
  // What an earlier start left (a nerd killed) names what the subpath was then.
  await unstageVolumeSubpaths(paths)
  try {
    for (const point of points) {
      const opened = openVolumeSubpath(point.Source, point.Subpath!)
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
