/**
 * What docker's cp sees of a running container: its root filesystem with its volumes and binds (and
 * nerd's /etc files) mounted in it, in a mount namespace of the daemon's own, without the
 * filesystems the runtime mounts for the container's processes: proc, sysfs, /dev's tmpfs and what
 * is mounted in it, the cgroups, `--tmpfs`. nerd reads a running container through its process's
 * root, where those are mounted. Their mount points show as they are in the root filesystem under
 * them, empty (the runtime made them), and nothing in them is read: /proc's files say one size and
 * give another, and some cannot be read at all, not even by root.
 */
import {mountInfoEntries} from '../mountinfo.ts'
import {pathParts} from './cp-root.ts'

/**
 * How much of a path an archive holds: all of it; the entry without what is in it (a runtime mount
 * point, or a directory under one on the way to a volume mounted below: a file empty, a directory
 * with only such ways in it); or nothing.
 */
export type Shown = 'all' | 'entry' | 'none'

/** How much of each path (its parts, without links) of a tree an archive holds. */
export type TreeView = (path: readonly string[]) => Shown

/** A view of a tree that holds all of it. */
export const WHOLE_TREE: TreeView = () => 'all'

/** Whether `path` is `ancestor` or lies under it. */
function within(path: readonly string[], ancestor: readonly string[]): boolean {
  return ancestor.length <= path.length && ancestor.every((part, index) => path[index] === part)
}

/**
 * The view docker's cp has of a running container whose process's mountinfo is `mountinfo`:
 * `kept` are the mount points of its own mounts (volumes, binds, the /etc files; paths without
 * links), which it shows with whatever is mounted under them; the other mounts besides the root
 * are the runtime's.
 */
export function runningContainerView(mountinfo: string, kept: readonly string[]): TreeView {
  const keptPoints = kept.map(pathParts)
  const runtimePoints = mountInfoEntries(mountinfo)
    .map((entry) => pathParts(entry.point))
    .filter((point) => point.length > 0 && !keptPoints.some((keptPoint) => within(point, keptPoint)))
  if (runtimePoints.length === 0) return WHOLE_TREE
  const deepest = (points: string[][], path: readonly string[]): number => Math.max(-1, ...points.filter((point) => within(path, point)).map((point) => point.length))
  const shows: TreeView = (path) => {
    const runtimeDepth = deepest(runtimePoints, path)
    if (runtimeDepth < 0 || deepest(keptPoints, path) > runtimeDepth) return 'all'
    if (keptPoints.some((point) => within(point, path))) return 'entry'
    // A mount point in the root filesystem (not one in /proc, say, which the root has not).
    return runtimeDepth === path.length && shows(path.slice(0, -1)) === 'all' ? 'entry' : 'none'
  }
  return shows
}
