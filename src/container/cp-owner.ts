/**
 * Who owns what `cp` copies into a container, as docker's daemon has it (not as its docs say): the
 * archive's numeric owners, or with `-a` the container's user (its tarCopyOptions).
 */
import {closeSync, readFileSync} from 'node:fs'
import {NerdError} from '../errors.ts'
import {openFailure} from '../files.ts'
import type {Owner} from './cp-archive.ts'
import {fdPath, walkInRoot} from './cp-root.ts'
import {parseGroup, parsePasswd} from './spec/index.ts'

/** The container's file `path` (in its root, held open), read as its own process would. */
function containerFile(root: number, path: string): string {
  try {
    const located = walkInRoot(root, path, {followLast: true})
    try {
      return readFileSync(fdPath(located.parent, located.name), 'utf8')
    } finally {
      closeSync(located.parent)
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new NerdError(openFailure(path, code === 'ENOTDIR' || code === 'ELOOP' ? error : {code: 'ENOENT'}))
  }
}

/** A user or group given as an id: Go's ParseUint of 32 bits, no more than the largest int32. */
function numericId(value: string): number | undefined {
  return /^\d+$/.test(value) && Number(value) <= 2 ** 31 - 1 ? Number(value) : undefined
}

/**
 * The owner of what `cp -a` extracts into a container whose user (`--user`, else the image's) is
 * `user`: `user[:group]`, each a name or an id, looked up in the container's /etc/passwd and
 * /etc/group as docker's getUIDGID looks them up (a uid with no entry has gid 0, an empty part is
 * root); the archive's owners when it has no user.
 */
export function containerUserOwner(root: number, user: string): Owner {
  if (user === '') return 'archive'
  const colon = user.indexOf(':')
  const userPart = colon < 0 ? user : user.slice(0, colon)
  const groupPart = colon < 0 ? '' : user.slice(colon + 1)
  let uid = 0
  let gid = 0
  if (userPart !== '') {
    const id = numericId(userPart)
    const lookUp = (): ReturnType<typeof parsePasswd>[number] | undefined => {
      try {
        return parsePasswd(containerFile(root, '/etc/passwd')).find((entry) => (id === undefined ? entry.name === userPart : entry.uid === id))
      } catch (error) {
        if (id !== undefined) return undefined
        throw new NerdError(`failed to look up user "${userPart}" in container: ${(error as Error).message}`)
      }
    }
    const entry = lookUp()
    if (!entry && id === undefined) throw new NerdError(`failed to look up user "${userPart}" in container: no matching entries in passwd file`)
    ;[uid, gid] = entry ? [entry.uid, entry.gid] : [id!, 0]
  }
  if (groupPart !== '') {
    const id = numericId(groupPart)
    if (id !== undefined) gid = id
    else {
      const failure = (reason: string): NerdError => new NerdError(`failed to look up group "${groupPart}" in container: ${reason}`)
      let groups: ReturnType<typeof parseGroup>
      try {
        groups = parseGroup(containerFile(root, '/etc/group'))
      } catch (error) {
        throw failure((error as Error).message)
      }
      const group = groups.find((entry) => entry.name === groupPart)
      if (!group) throw failure('no matching entries in group file')
      gid = group.gid
    }
  }
  return {uid, gid}
}
