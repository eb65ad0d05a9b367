/**
 * Name resolution between containers: on a user-defined network each container's /etc/hosts lists the
 * other members by name, aliases and short ID, names and aliases also as `<name>.<network>`, and its
 * own address with its own name and aliases (docker answers these from its embedded DNS; a hosts
 * file needs no server). The default `bridge` network resolves no names, as in docker, but those of
 * `--link`s (container/linked-containers.ts).
 */
import {open, readFile, writeFile} from 'node:fs/promises'
import {readJsonIfExists, writeJsonAtomic} from '../files.ts'
import {extraHostLines, hostsFile} from '../container/etc-files.ts'
import type {NetworkPlan, NetworkState} from './attach.ts'
import {DEFAULT_NETWORK} from './model.ts'
import type {NetworkConfList} from './model.ts'
import {listNetworks, memberKey} from './store.ts'
import type {NetworkMembers} from './store.ts'

/** A network's members, as the caller read them: a rewrite of every member's file reads them once, not once per member. */
export type MembersOf = (network: NetworkConfList) => Promise<NetworkMembers>

/** A member's name and aliases on a user-defined network, each also as `<name>.<network>`. */
function namesOn(network: string, name: string, aliases: string[]): {names: string[]; qualified: string[]} {
  const names = [name, ...aliases]
  return {names, qualified: names.map((entry) => `${entry}.${network}`)}
}

/**
 * The names of the container's own hosts line, as docker's libnetwork writes them (makeHostsRecs):
 * the FQDN, however --hostname and --domainname split it, then the bare name cut at its first dot.
 */
export function ownHostNames(hostname: string, domainname: string): string {
  const fqdn = domainname ? `${hostname}.${domainname}` : hostname
  const dot = fqdn.indexOf('.')
  return dot === -1 ? fqdn : `${fqdn} ${fqdn.slice(0, dot)}`
}

/** The lines nerd gives the container's /etc/hosts now. */
async function hostsLines(owner: {namespace: string; id: string}, plan: NetworkPlan, state: NetworkState, networks: NetworkConfList[], membersOf: MembersOf): Promise<string[]> {
  const attachments = Object.entries(state.attachments)
  const self = memberKey(owner.namespace, owner.id)
  const peers: string[] = []
  for (const [name] of attachments) {
    if (name === DEFAULT_NETWORK) continue
    const network = networks.find((candidate) => candidate.name === name)
    if (!network) continue
    const links = plan.networks.find((planned) => planned.network === name)?.links ?? []
    for (const [key, member] of Object.entries(await membersOf(network))) {
      if (key === self || member.namespace !== owner.namespace) continue
      const {names, qualified} = namesOn(name, member.name, member.aliases)
      const line = [...new Set([...names, member.id.slice(0, 12), member.hostname, ...qualified])].join(' ')
      const linked = links.filter((link) => [member.name, member.id, member.id.slice(0, 12)].includes(link.container))
      for (const address of member.addresses) {
        peers.push(`${address}\t${line}`)
        // A --link alias names the linked container for this container only, on the network it was given for, as docker's DNS answers it.
        for (const link of linked) peers.push(`${address}\t${link.alias}`)
      }
    }
  }
  const addresses = attachments.flatMap(([name, attachment]) => {
    const {names, qualified} = namesOn(name, plan.name, attachment.aliases)
    const own = name === DEFAULT_NETWORK ? [] : [...names, ...qualified]
    return attachment.addresses.map((address) => ({address: address.split('/')[0]!, names: own}))
  })
  const content = hostsFile({
    hostname: ownHostNames(plan.hostname, plan.domainname),
    network: 'private',
    hostHostname: '',
    addresses,
    extraHosts: [...extraHostLines(plan.extraHosts), ...(plan.linkHosts ?? []), ...[...new Set(peers)]],
    ipv6: !state.withoutIpv6,
  })
  return content.split('\n').slice(0, -1)
}

/** Where nerd records the lines it wrote to a hosts file: those are nerd's, any other line is the container's own. */
function writtenLinesFile(path: string): string {
  return `${path}.nerd-lines.json`
}

/** Each line of the file with the offsets of its first byte and of the byte after it (its newline's, or the end). */
function linesAt(content: Buffer): {offset: number; end: number; text: string}[] {
  const lines: {offset: number; end: number; text: string}[] = []
  for (let offset = 0; offset < content.length; ) {
    const newline = content.indexOf(0x0a, offset)
    const end = newline === -1 ? content.length : newline
    lines.push({offset, end, text: content.subarray(offset, end).toString('utf8')})
    offset = end + 1
  }
  return lines
}

/**
 * Changes the file from nerd's lines `before` to `after` without ever truncating it, as a resolver
 * may read it at any moment: the new lines are appended in one O_APPEND write, and each line that
 * goes is made a comment by one byte, '#', written over its first character, when it is still as
 * nerd wrote it. Lines nerd did not write stay as they are. Returns the lines made comments, as the
 * file now has them.
 */
async function changeLines(path: string, before: string[], after: string[]): Promise<string[]> {
  const left = new Map<string, number>()
  for (const line of before) left.set(line, (left.get(line) ?? 0) + 1)
  const added: string[] = []
  for (const line of after) {
    const count = left.get(line) ?? 0
    if (count > 0) left.set(line, count - 1)
    else added.push(line)
  }
  const gone = [...left].flatMap(([line, count]) => Array<string>(count).fill(line))
  if (added.length === 0 && gone.length === 0) return []
  const content = await readFile(path)
  if (added.length > 0) {
    const separator = content.length > 0 && content.at(-1) !== 0x0a ? '\n' : ''
    const appending = await open(path, 'a')
    try {
      await appending.write(`${separator}${added.join('\n')}\n`)
    } finally {
      await appending.close()
    }
  }
  const lines = linesAt(content)
  const targets = gone.flatMap((line) => {
    const index = lines.findIndex((candidate) => candidate.text === line && line !== '')
    if (index === -1) return []
    const [target] = lines.splice(index, 1)
    return [target!]
  })
  if (targets.length === 0) return []
  const editing = await open(path, 'r+')
  try {
    for (const {offset} of targets) await editing.write('#', offset)
  } finally {
    await editing.close()
  }
  return targets.map(({text}) => `#${text.slice(1)}`)
}

/** How many lines nerd made comments a running container's hosts file keeps before nerd takes them out (compactLines). */
const RETIRED_LINES_LIMIT = 16

/**
 * Takes the lines nerd made comments (`retired`) out of the file, so that it does not grow with every
 * peer that comes and goes. The file is bind-mounted, so its inode stays: the compacted lines are
 * written over the old ones in one write, padded to the old length with a comment line, and the file
 * is cut to length after, so that whatever follows the new lines is a comment until then. A read
 * racing that one write may still see old and new bytes mixed, as with any file rewritten in place:
 * the threshold makes that rare. Lines the container appended meanwhile stay, after the padding.
 * Whether the lines are out; false when it is left for another time.
 */
async function compactLines(path: string, retired: string[]): Promise<boolean> {
  const handle = await open(path, 'r+')
  try {
    const content = await handle.readFile()
    // A last line without its newline may be one the container is writing: left for another time.
    if (content.length === 0 || content.at(-1) !== 0x0a) return false
    const left = new Map<string, number>()
    for (const line of retired) left.set(line, (left.get(line) ?? 0) + 1)
    const kept: Buffer[] = []
    for (const {offset, end, text} of linesAt(content)) {
      const count = left.get(text) ?? 0
      if (count > 0) left.set(text, count - 1)
      else kept.push(content.subarray(offset, end + 1))
    }
    const compacted = Buffer.concat(kept)
    const padding = content.length - compacted.length
    // None of them is left in the file (the container took them out).
    if (padding < 2) return true
    await handle.write(Buffer.concat([compacted, Buffer.from(`#${' '.repeat(padding - 2)}\n`)]), 0, content.length, 0)
    // Grown meanwhile: the container appended lines after the padding, which stays as a comment.
    if ((await handle.stat()).size === content.length) await handle.truncate(compacted.length)
    return true
  } finally {
    await handle.close()
  }
}

/** What nerd records of a running container's hosts file: its lines there, and those it made comments since it last wrote the file whole or compacted it. */
interface WrittenLines {
  lines: string[]
  retired: string[]
}

async function readWrittenLines(path: string): Promise<WrittenLines | undefined> {
  const recorded = await readJsonIfExists<WrittenLines | string[]>(writtenLinesFile(path))
  // An earlier nerd recorded the lines alone.
  return Array.isArray(recorded) ? {lines: recorded, retired: []} : recorded
}

/**
 * The networks to find the container's attachments in: `networks`, which the caller read once for
 * many files, unless the state names one it lacks, created or made again since (by name, with
 * another ID): without it, the lines of that network's peers would go.
 */
async function networksOf(plan: NetworkPlan, state: NetworkState, networks: NetworkConfList[]): Promise<NetworkConfList[]> {
  const listed = Object.entries(state.attachments).every(([name, attachment]) => networks.some((network) => network.name === name && network.nerd.id === attachment.networkId))
  return listed ? networks : listNetworks(plan.netconfPath)
}

/**
 * Brings nerd's lines in the container's /etc/hosts up to date. `whole` (only before the container's
 * process runs) writes the file afresh, which drops the lines made comments since; otherwise only
 * the lines that changed are touched (changeLines), and the lines made comments are taken out once
 * there are more than RETIRED_LINES_LIMIT of them (compactLines). The file is written in place
 * either way: it is bind-mounted, so its inode must stay.
 */
export async function writeContainerHosts(
  path: string,
  owner: {namespace: string; id: string},
  plan: NetworkPlan,
  state: NetworkState,
  networks: NetworkConfList[],
  whole: boolean,
  membersOf: MembersOf,
): Promise<void> {
  const lines = await hostsLines(owner, plan, state, await networksOf(plan, state, networks), membersOf)
  // A file nerd never recorded its lines for (a container of an earlier nerd) is written whole once.
  const written = whole ? undefined : await readWrittenLines(path)
  let retired: string[] = []
  if (written) {
    retired = [...written.retired, ...(await changeLines(path, written.lines, lines))]
    if (retired.length > RETIRED_LINES_LIMIT && (await compactLines(path, retired))) retired = []
  } else await writeFile(path, `${lines.join('\n')}\n`)
  await writeJsonAtomic(writtenLinesFile(path), {lines, retired} satisfies WrittenLines)
}
