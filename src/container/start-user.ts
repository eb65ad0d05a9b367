/**
 * The user a container's process runs as (`-u`, else the image's USER), resolved again at each start
 * from the container's own /etc/passwd and /etc/group, as docker's daemon does: `cp` may have replaced
 * them since the create, and `create -u name` of a user the image lacks fails only when started. What
 * the last resolution read is recorded beside the container (a digest of the two files), so that a
 * start whose files are unchanged neither resolves again nor fetches the stored spec.
 */
import {createHash} from 'node:crypto'
import {readFile} from 'node:fs/promises'
import type {Mount} from '../containerd/index.ts'
import {NerdError} from '../errors.ts'
import {writeJsonAtomic} from '../files.ts'
import type {ContainerRecord} from './model.ts'
import {readRootfsFiles, USER_FILES} from './rootfs-files.ts'
import {resolveUser} from './spec/index.ts'
import type {ResolvedUser, Spec} from './spec/index.ts'
import type {ContainerPaths} from './store.ts'

/** The record of the last resolution: the digest of the files it read, and whether it found the user. */
export interface UserFilesRecord {
  digest: string
  resolved: boolean
}

export function userFilesDigest(files: Record<string, string | undefined>): string {
  return createHash('sha256')
    .update(JSON.stringify(USER_FILES.map((file) => files[file] ?? null)))
    .digest('hex')
}

export function writeUserFilesRecord(paths: ContainerPaths, record: UserFilesRecord): Promise<void> {
  return writeJsonAtomic(paths.userFiles, record)
}

async function readUserFilesRecord(paths: ContainerPaths): Promise<UserFilesRecord | undefined> {
  try {
    return JSON.parse(await readFile(paths.userFiles, 'utf8')) as UserFilesRecord
  } catch {
    // None (a container created before nerd kept one) or unreadable: resolve again.
    return undefined
  }
}

export interface UserRefresh {
  /** Sets the resolved user in the stored spec; true when that changed it. */
  change: (spec: Spec) => boolean
  /** Records what this resolution read, once the spec holds its result. */
  recorded: () => Promise<void>
}

/**
 * What a start changes of the stored spec's user, undefined when the container's files are those the
 * last resolution read. A user or group the files lack fails the start with docker's message.
 */
export async function refreshUser(container: {record: ContainerRecord; paths: ContainerPaths}, rootfs: Mount[]): Promise<UserRefresh | undefined> {
  const [last, files] = await Promise.all([readUserFilesRecord(container.paths), readRootfsFiles(rootfs, USER_FILES)])
  const digest = userFilesDigest(files)
  if (last?.resolved && last.digest === digest) return undefined
  const {Config, HostConfig} = container.record
  let user: ResolvedUser
  try {
    user = resolveUser(Config.User ?? '', {passwd: files['/etc/passwd'], group: files['/etc/group']}, HostConfig.GroupAdd ?? [])
  } catch (error) {
    throw new NerdError((error as Error).message, {cause: error})
  }
  // The HOME nerd gave the process is the user's, unless the image or -e set one.
  const homeSet = (Config.Env ?? []).some((entry) => entry.startsWith('HOME='))
  return {
    change: (spec) => setUser(spec, user, homeSet),
    recorded: () => writeUserFilesRecord(container.paths, {digest, resolved: true}),
  }
}

function setUser(spec: Spec, user: ResolvedUser, homeSet: boolean): boolean {
  const process = spec.process
  if (!process) return false
  const before = JSON.stringify([process.user, process.env])
  process.user = {...process.user, uid: user.uid, gid: user.gid, additionalGids: user.additionalGids}
  if (!homeSet) process.env = [...(process.env ?? []).filter((entry) => !entry.startsWith('HOME=')), `HOME=${user.home}`]
  return JSON.stringify([process.user, process.env]) !== before
}
