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
import {memberKey, readMembers} from './store.ts'

/** A member's name and aliases on a user-defined network, each also as `<name>.<network>`. */
function namesOn(network: string, name: string, aliases: string[]): {names: string[]; qualified: string[]} {
  const names = [name, ...aliases]
  return {names, qualified: names.map((entry) => `${entry}.${network}`)}
}

function ownNames(plan: NetworkPlan): string {
  return plan.domainname ? `${plan.hostname}.${plan.domainname} ${plan.hostname}` : plan.hostname
}

/** The lines nerd gives the container's /etc/hosts now. */
async function hostsLines(owner: {namespace: string; id: string}, plan: NetworkPlan, state: NetworkState, networks: NetworkConfList[]): Promise<string[]> {
  const attachments = Object.entries(state.attachments)
  const self = memberKey(owner.namespace, owner.id)
  const peers: string[] = []
  for (const [name] of attachments) {
    if (name === DEFAULT_NETWORK) continue
    const network = networks.find((candidate) => candidate.name === name)
    if (!network) continue
    for (const [key, member] of Object.entries(await readMembers(network))) {
      if (key === self || member.namespace !== owner.namespace) continue
      const {names, qualified} = namesOn(name, member.name, member.aliases)
      const line = [...new Set([...names, member.id.slice(0, 12), member.hostname, ...qualified])].join(' ')
      const linked = (plan.links ?? []).filter((link) => [member.name, member.id, member.id.slice(0, 12)].includes(link.container))
      for (const address of member.addresses) {
        peers.push(`${address}\t${line}`)
        // A --link alias names the linked container for this container only, as docker's DNS answers it.
        for (const link of linked) peers.push(`${address}\t${link.alias}`)
      }
    }
  }
  const addresses = attachments.flatMap(([name, attachment]) => {
    const {names, qualified} = namesOn(name, plan.name, attachment.aliases)
    const own = name === DEFAULT_NETWORK ? [] : [...names, ...qualified]
    return attachment.addresses.map((address) => ({address: address.split('/')[0]!, names: own}))
  })
  const gateway = attachments[0]?.[1].gateways[0]
  const content = hostsFile({
    hostname: ownNames(plan),
    network: 'private',
    hostHostname: '',
    addresses,
    extraHosts: [...extraHostLines(plan.extraHosts, gateway), ...(plan.linkHosts ?? []), ...[...new Set(peers)]],
  })
  return content.split('\n').slice(0, -1)
}

/** Where nerd records the lines it wrote to a hosts file: those are nerd's, any other line is the container's own. */
function writtenLinesFile(path: string): string {
  return `${path}.nerd-lines.json`
}

/** Each line of the file with the offset of its first byte. */
function linesAt(content: Buffer): {offset: number; text: string}[] {
  const lines: {offset: number; text: string}[] = []
  for (let offset = 0; offset < content.length; ) {
    const end = content.indexOf(0x0a, offset)
    const stop = end === -1 ? content.length : end
    lines.push({offset, text: content.subarray(offset, stop).toString('utf8')})
    offset = stop + 1
  }
  return lines
}

/**
 * Changes the file from nerd's lines `before` to `after` without ever truncating it, as a resolver
 * may read it at any moment: the new lines are appended in one O_APPEND write, and each line that
 * goes is made a comment by one byte, '#', written over its first character, when it is still as
 * nerd wrote it. Lines nerd did not write stay as they are.
 */
async function changeLines(path: string, before: string[], after: string[]): Promise<void> {
  const left = new Map<string, number>()
  for (const line of before) left.set(line, (left.get(line) ?? 0) + 1)
  const added: string[] = []
  for (const line of after) {
    const count = left.get(line) ?? 0
    if (count > 0) left.set(line, count - 1)
    else added.push(line)
  }
  const gone = [...left].flatMap(([line, count]) => Array<string>(count).fill(line))
  if (added.length === 0 && gone.length === 0) return
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
    return [target!.offset]
  })
  if (targets.length === 0) return
  const editing = await open(path, 'r+')
  try {
    for (const offset of targets) await editing.write('#', offset)
  } finally {
    await editing.close()
  }
}

/**
 * Brings nerd's lines in the container's /etc/hosts up to date. `whole` (only before the container's
 * process runs) writes the file afresh, which drops the lines made comments since; otherwise only
 * the lines that changed are touched (changeLines). The file is written in place either way: it is
 * bind-mounted, so its inode must stay.
 */
export async function writeContainerHosts(path: string, owner: {namespace: string; id: string}, plan: NetworkPlan, state: NetworkState, networks: NetworkConfList[], whole: boolean): Promise<void> {
  const lines = await hostsLines(owner, plan, state, networks)
  // A file nerd never recorded its lines for (a container of an earlier nerd) is written whole once.
  const written = whole ? undefined : await readJsonIfExists<string[]>(writtenLinesFile(path))
  if (written) await changeLines(path, written, lines)
  else await writeFile(path, `${lines.join('\n')}\n`)
  await writeJsonAtomic(writtenLinesFile(path), lines)
}
