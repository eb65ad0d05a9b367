/**
 * What nerd makes that only the nerd process making it holds (a lease pinning content, a root
 * filesystem mounted for cp or export, the FIFOs of an attached process, the temporary copy of a
 * layer commit rewrites or of a tarball import spools) names that process, its
 * owner, so that once the owner is gone without removing it (SIGKILL: the OOM killer, a CI job's
 * time limit) a later command can tell that it is nobody's and remove it (system/orphans.ts).
 *
 * An owner is `<pid namespace>-<pid>-<start time>`: the start time because pids are reused, the pid
 * namespace (its inode) because a nerd in a container that shares the host's containerd sees other
 * pids. Only an owner of this pid namespace is ever judged gone.
 */
import {readlinkSync} from 'node:fs'
import {lstat, mkdtemp, readdir} from 'node:fs/promises'
import {join} from 'node:path'
import {processEnded, processStartTime} from './container/host-process.ts'
import {removeTree} from './volume/host.ts'

const OWNER = /^(\d+)-(\d+)-(\d+)$/

let own: string | undefined

/**
 * This process as an owner (fit for a label value or a file name). Without /proc to read, an owner
 * that is never judged gone: what it leaves is left to expire, or for good.
 */
export function ownerTag(): string {
  own ??= `${pidNamespace()}-${process.pid}-${processStartTime('self')}`
  return own
}

/** The inode of this process's pid namespace (`pid:[4026531836]`). */
function pidNamespace(): string | undefined {
  try {
    return /\[(\d+)\]/.exec(readlinkSync('/proc/self/ns/pid'))?.[1]
  } catch {
    return undefined
  }
}

/** Whether `owner` names a process of this pid namespace that has ended; false for anything else. */
export function ownerGone(owner: string): boolean {
  const [, namespace, pid, startTime] = OWNER.exec(owner) ?? []
  if (namespace === undefined || namespace !== ownerTag().split('-')[0]) return false
  return processStartTime(Number(pid)) !== startTime || processEnded(Number(pid))
}

/** Whether `name`, made by makeOwnedDir(…, `prefix`) in some process, is that of an owner gone. */
function ownedNameOrphaned(name: string, prefix: string): boolean {
  if (!name.startsWith(prefix)) return false
  const owner = name.slice(prefix.length).split('-').slice(0, 3).join('-')
  return ownerGone(owner)
}

/** A new directory of this process's in `parent` (mkdtemp's, 0700): `<parent>/<prefix><owner>-<random>`. */
export function makeOwnedDir(parent: string, prefix: string): Promise<string> {
  return mkdtemp(join(parent, `${prefix}${ownerTag()}-`))
}

/** The directories makeOwnedDir(`parent`, `prefix`) made for nerds now gone; none when `parent` cannot be read. */
export async function orphanedDirs(parent: string, prefix: string): Promise<string[]> {
  const entries = await readdir(parent).catch(() => [])
  const named = entries.filter((entry) => ownedNameOrphaned(entry, prefix)).map((entry) => join(parent, entry))
  const owned = await Promise.all(named.map(isOwnedDir))
  return named.filter((_, index) => owned[index])
}

/**
 * Whether `directory` is as makeOwnedDir makes one: a directory (no link) of this process's user
 * that no one else may enter. A name alone proves nothing in a shared temporary directory, where
 * any local user can make one that claims a nerd gone; one of ours there, the sticky bit keeps
 * others from replacing, and its mode from changing what it holds.
 */
async function isOwnedDir(directory: string): Promise<boolean> {
  const stats = await lstat(directory).catch(() => undefined)
  return stats !== undefined && stats.isDirectory() && stats.uid === process.geteuid?.() && (stats.mode & 0o777) === 0o700
}

/** Removes, with all they hold, the directories makeOwnedDir(`parent`, `prefix`) made for nerds now gone. */
export async function removeOrphanedDirs(parent: string, prefix: string): Promise<void> {
  for (const directory of await orphanedDirs(parent, prefix)) {
    // rm(1) walks by descriptors and never follows a link, whatever is swapped in meanwhile.
    // One that will not go is left for the next sweep: what the caller does comes first.
    await removeTree(directory).catch(() => undefined)
  }
}
