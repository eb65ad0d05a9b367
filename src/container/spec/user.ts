/**
 * `-u`/image `USER` resolution against the image's /etc/passwd and /etc/group, the way runc's
 * libcontainer/user does it for docker: `uid`, `name`, `uid:gid`, `name:group`, `uid:group`, `name:gid`.
 */
import {specError} from './errors.ts'

export interface PasswdEntry {
  name: string
  uid: number
  gid: number
  home: string
}

export interface GroupEntry {
  name: string
  gid: number
  members: string[]
}

export interface ResolvedUser {
  uid: number
  gid: number
  /** The primary gid first, then the user's supplementary groups, then `--group-add` (docker's order). */
  additionalGids: number[]
  /** The home directory from passwd, `/` when the user has no entry (runc's default). */
  home: string
}

const MAX_ID = 2 ** 31 - 1

/** Lines of /etc/passwd (`name:x:uid:gid:gecos:home:shell`); blank and `#` lines are skipped. */
export function parsePasswd(text: string): PasswdEntry[] {
  return fileLines(text).map((fields) => ({
    name: fields[0] ?? '',
    uid: leadingInt(fields[2]),
    gid: leadingInt(fields[3]),
    home: fields[5] ?? '',
  }))
}

/** Lines of /etc/group (`name:x:gid:member,member`). */
export function parseGroup(text: string): GroupEntry[] {
  return fileLines(text).map((fields) => ({
    name: fields[0] ?? '',
    gid: leadingInt(fields[2]),
    members: (fields[3] ?? '').split(',').filter((member) => member !== ''),
  }))
}

function fileLines(text: string): string[][] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => line.split(':'))
}

/** Go's Atoi as libcontainer uses it: a field that is not a number counts as 0. */
function leadingInt(field: string | undefined): number {
  return field !== undefined && /^[+-]?\d+$/.test(field) ? Number(field) : 0
}

function numericId(value: string): number | undefined {
  return /^[+-]?\d+$/.test(value) ? Number(value) : undefined
}

function checkRange(id: number): number {
  if (id < 0 || id > MAX_ID) throw specError(`uids and gids must be in range 0-${MAX_ID}`)
  return id
}

/**
 * Resolves a user spec (empty = root) with the image's passwd and group files (undefined when the image
 * has none). A numeric uid without a passwd entry runs with gid 0; an unknown name is an error.
 */
export function resolveUser(
  userSpec: string,
  files: {passwd?: string; group?: string},
  groupAdd: readonly string[] = [],
): ResolvedUser {
  // moby/sys/user's parseLine: the fields after the second are ignored (`1000:1000:1000`).
  const [userArg = '', groupArg = ''] = userSpec.split(':')
  const users = files.passwd === undefined ? [] : parsePasswd(files.passwd)
  const groups = files.group === undefined ? [] : parseGroup(files.group)

  const uidArg = numericId(userArg)
  // No user means root; a number is always a uid, even when a user has that number as its name.
  const wantedUid = userArg === '' ? 0 : uidArg
  const matched = users.find((entry) => (wantedUid !== undefined ? entry.uid === wantedUid : entry.name === userArg))
  let uid = matched?.uid ?? 0
  let gid = matched?.gid ?? 0
  const home = matched?.home || '/'
  if (!matched && userArg !== '') {
    if (uidArg === undefined) throw specError(`unable to find user ${userArg}: no matching entries in passwd file`)
    uid = checkRange(uidArg)
  }

  let supplementary: number[] = []
  if (groupArg !== '') {
    const gidArg = numericId(groupArg)
    const group = groups.find((entry) => (gidArg !== undefined ? entry.gid === gidArg : entry.name === groupArg))
    if (group) gid = group.gid
    else if (gidArg !== undefined) gid = checkRange(gidArg)
    else throw specError(`unable to find group ${groupArg}: no matching entries in group file`)
  } else if (matched) {
    supplementary = groups.filter((entry) => entry.members.includes(matched.name)).map((entry) => entry.gid)
  }

  const added = groupAdd.map((name) => additionalGroup(name, groups))
  return {uid, gid, additionalGids: [...new Set([gid, ...supplementary, ...added])], home}
}

/** A `--group-add` value: a group name from the image, or any gid. */
function additionalGroup(value: string, groups: GroupEntry[]): number {
  const group = groups.find((entry) => entry.name === value || String(entry.gid) === value)
  if (group) return group.gid
  const gid = numericId(value)
  if (gid === undefined) throw specError(`Unable to find group ${value}: no matching entries in group file`)
  return checkRange(gid)
}
