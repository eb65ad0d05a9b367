/**
 * Name resolution between containers: on a user-defined network each container's /etc/hosts lists the
 * other members by name, aliases and short ID (docker answers these from its embedded DNS; a hosts
 * file needs no server). The default `bridge` network resolves no names, as in docker.
 */
import {writeFile} from 'node:fs/promises'
import {extraHostLines, hostsFile} from '../container/etc-files.ts'
import type {NetworkPlan, NetworkState} from './attach.ts'
import {DEFAULT_NETWORK} from './model.ts'
import type {NetworkConfList} from './model.ts'
import {memberKey, readMembers} from './store.ts'

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
      const names = [...new Set([member.name, ...member.aliases, member.id.slice(0, 12), member.hostname])].join(' ')
      for (const address of member.addresses) peers.push(`${address}\t${names}`)
    }
  }
  const addresses = attachments.flatMap(([, attachment]) => attachment.addresses.map((address) => address.split('/')[0]!))
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
