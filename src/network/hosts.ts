/**
 * Name resolution between containers: on a user-defined network each container's /etc/hosts lists the
 * other members by name, aliases and short ID, names and aliases also as `<name>.<network>`, and its
 * own address with its own name and aliases (docker answers these from its embedded DNS; a hosts
 * file needs no server). The default `bridge` network resolves no names, as in docker.
 */
import {writeFile} from 'node:fs/promises'
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

/** The container's /etc/hosts, written in place: it is bind-mounted, so its inode must stay. */
export async function writeContainerHosts(path: string, owner: {namespace: string; id: string}, plan: NetworkPlan, state: NetworkState, networks: NetworkConfList[]): Promise<void> {
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
      for (const address of member.addresses) peers.push(`${address}\t${line}`)
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
    extraHosts: [...extraHostLines(plan.extraHosts, gateway), ...[...new Set(peers)]],
  })
  await writeFile(path, content)
}
