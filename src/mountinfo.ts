/**
 * /proc/self/mountinfo (proc(5)), as volumes, the root filesystems cp mounts and a namespace's
 * cgroup parents read it: per line, the mount point (field 5, with its octal escapes decoded: a
 * space is `\040`) and the filesystem type (the first field after the ` - ` separator).
 */

export interface MountInfoEntry {
  point: string
  fsType: string
}

/** The mounts a mountinfo file lists, in its order (the order they were mounted). */
export function mountInfoEntries(mountinfo: string): MountInfoEntry[] {
  return mountinfo.split('\n').flatMap((line) => {
    const [mount, superblock] = line.split(' - ')
    const point = mount?.split(' ')[4]
    if (!point) return []
    return [{point: point.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(Number.parseInt(octal, 8))), fsType: superblock?.split(' ')[0] ?? ''}]
  })
}

/** The mount points a mountinfo file lists, in its order. */
export function mountPoints(mountinfo: string): string[] {
  return mountInfoEntries(mountinfo).map((entry) => entry.point)
}
