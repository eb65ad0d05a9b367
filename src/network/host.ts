/**
 * What nerd keeps on the host for each bridge network besides the CNI plugins' per-container work,
 * in the way docker keeps it: one masquerade rule, isolation from the other networks, forwarding
 * accepted to and from the bridge (for hosts whose FORWARD policy is DROP), and the bridge device.
 * They are made at `network create`, as docker's driver makes them, made again after a boot by the
 * network's first container (with the bridge, or on a bridge nerd did not make, once found gone),
 * and removed with the network. Per-network rules rather than the CNI firewall plugin's: that plugin
 * never removes its isolation rules, and runs on every container start and stop. Also what nerd
 * sets on a container's link after the plugins made it.
 */
import {execFile} from 'node:child_process'
import {existsSync} from 'node:fs'
import {readFile, readlink} from 'node:fs/promises'
import {basename} from 'node:path'
import {promisify} from 'node:util'
import {NerdError} from '../errors.ts'
import type {CniResult} from '../hooks/types.ts'
import {parseSubnet} from './ip.ts'
import {addressRanges, masquerades, networkMtu, ownsBridge} from './model.ts'
import type {NetworkConfList} from './model.ts'

const run = promisify(execFile)
const SBIN_PATH = {PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'}

/** Runs a command of iproute2's (or nsenter); a failure is one line: `what` and the first line the command said. */
async function runIp(command: 'ip' | 'nsenter', args: string[], what: string): Promise<void> {
  try {
    await run(command, args, {env: SBIN_PATH})
  } catch (error) {
    const {stderr, message} = error as {stderr?: string; message: string}
    // iproute2 starts its messages with "Error: ", which nerd's own prefix already says.
    throw new Error(`${what}: ${(stderr?.trim() || message).split('\n')[0]!.replace(/^Error: /, '')}`)
  }
}

const ISOLATION_1 = 'NERD-ISOLATION-1'
const ISOLATION_2 = 'NERD-ISOLATION-2'
const FORWARD = 'NERD-FORWARD'

interface Rule {
  table: 'filter' | 'nat'
  chain: string
  spec: string[]
}

function networkRules(network: NetworkConfList): Rule[] {
  const {nerd} = network
  const bridge = nerd.bridge
  if (nerd.driver !== 'bridge' || !bridge) return []
  const comment = ['-m', 'comment', '--comment', `nerd network ${nerd.id.slice(0, 12)}`]
  if (nerd.internal) {
    return [
      {table: 'filter', chain: ISOLATION_1, spec: ['-i', bridge, '!', '-o', bridge, ...comment, '-j', 'DROP']},
      {table: 'filter', chain: ISOLATION_1, spec: ['!', '-i', bridge, '-o', bridge, ...comment, '-j', 'DROP']},
    ]
  }
  const masquerade = nerd.ranges
    .filter((range) => masquerades(nerd) && parseSubnet(range.subnet)?.family === 4)
    .map((range): Rule => ({table: 'nat', chain: 'POSTROUTING', spec: ['-s', range.subnet, '!', '-o', bridge, ...comment, '-j', 'MASQUERADE']}))
  return [
    {table: 'filter', chain: ISOLATION_1, spec: ['-i', bridge, '!', '-o', bridge, ...comment, '-j', ISOLATION_2]},
    {table: 'filter', chain: ISOLATION_2, spec: ['-o', bridge, ...comment, '-j', 'DROP']},
    {table: 'filter', chain: FORWARD, spec: ['-o', bridge, '-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED,DNAT', ...comment, '-j', 'ACCEPT']},
    {table: 'filter', chain: FORWARD, spec: ['-i', bridge, ...comment, '-j', 'ACCEPT']},
    ...masquerade,
  ]
}

async function iptables(table: string, args: string[]): Promise<boolean> {
  try {
    await run('iptables', ['-w', '-t', table, ...args], {env: SBIN_PATH})
    return true
  } catch {
    return false
  }
}

/** nerd's chains, jumped to from FORWARD: isolation first, then the accept rules. */
async function ensureChains(): Promise<void> {
  for (const chain of [ISOLATION_1, ISOLATION_2, FORWARD]) await iptables('filter', ['-N', chain])
  for (const [position, chain] of [[1, ISOLATION_1], [2, FORWARD]] as const) {
    if (!(await iptables('filter', ['-C', 'FORWARD', '-j', chain]))) await iptables('filter', ['-I', 'FORWARD', String(position), '-j', chain])
  }
}

/** Whether the host has a network interface `name` (one with '/' or only dots names none: it would be a path elsewhere). */
export function hostLinkExists(name: string): boolean {
  return /^[^/]+$/.test(name) && !/^\.+$/.test(name) && existsSync(`/sys/class/net/${name}`)
}

/** Whether the network's bridge device exists (it is made by the first CNI ADD after boot). */
export function bridgeExists(network: NetworkConfList): boolean {
  return network.nerd.bridge !== undefined && hostLinkExists(network.nerd.bridge)
}

/**
 * Checks a bridge name for a new network: a host interface of that name must be a bridge, as docker's
 * driver refuses any other link. Whether the name is free, so that the bridge will be nerd's.
 */
export function bridgeNameFree(name: string): boolean {
  if (!hostLinkExists(name)) return true
  if (!existsSync(`/sys/class/net/${name}/bridge`)) throw new NerdError(`existing interface ${name} is not a bridge`)
  return false
}

/** Adds the rules of the network that are missing. */
export async function ensureHostNetworking(network: NetworkConfList): Promise<void> {
  const rules = networkRules(network)
  if (rules.length === 0) return
  await ensureChains()
  for (const rule of rules) {
    if (await iptables(rule.table, ['-C', rule.chain, ...rule.spec])) continue
    if (!(await iptables(rule.table, ['-A', rule.chain, ...rule.spec]))) {
      throw new Error(`cannot add an iptables rule of network ${network.name} (iptables -t ${rule.table} -A ${rule.chain} ${rule.spec.join(' ')})`)
    }
  }
}

/**
 * Adds the network's rules again when the first of a table is missing: a boot (or a reload of the
 * firewall, or a flush of one table: `iptables -t nat -F`) takes them all. One iptables call per
 * table when they are there.
 */
export async function restoreHostNetworking(network: NetworkConfList): Promise<void> {
  const firsts = networkRules(network).filter((rule, index, rules) => rules.findIndex((other) => other.table === rule.table) === index)
  for (const rule of firsts) {
    if (!(await iptables(rule.table, ['-C', rule.chain, ...rule.spec]))) return ensureHostNetworking(network)
  }
}

/**
 * Makes a new network's bridge as the bridge plugin's ADD would, which then finds it so and takes it:
 * up, holding the gateway address of each subnet, with the network's MTU.
 */
export async function createBridge(network: NetworkConfList): Promise<void> {
  const bridge = network.nerd.bridge!
  const what = `cannot create bridge ${bridge} of network ${network.name}`
  const mtu = networkMtu(network.nerd)
  await runIp('ip', ['link', 'add', 'name', bridge, ...(mtu === undefined ? [] : ['mtu', String(mtu)]), 'type', 'bridge'], what)
  for (const range of addressRanges(network.nerd)) {
    // As docker's (IFA_F_NODAD): an IPv6 gateway is usable at once, not tentative until DAD is done.
    await runIp('ip', ['address', 'add', `${range.gateway}/${range.subnet.split('/')[1]}`, 'dev', bridge, ...(range.gateway.includes(':') ? ['nodad'] : [])], what)
  }
  await runIp('ip', ['link', 'set', bridge, 'up'], what)
}

/** Removes what the network left on the host: its rules, and its bridge when nerd made it. */
export async function removeHostNetworking(network: NetworkConfList): Promise<void> {
  for (const rule of networkRules(network)) while (await iptables(rule.table, ['-D', rule.chain, ...rule.spec]));
  if (ownsBridge(network.nerd) && bridgeExists(network)) await run('ip', ['link', 'delete', network.nerd.bridge!], {env: SBIN_PATH}).catch(() => undefined)
}

/**
 * Deletes the host end of a container's veth pair that outlived its task, which deletes the other end
 * too: a container sharing the network namespace (`--network container:`) keeps the namespace, and
 * so the pair, alive, and CNI DEL without a namespace path cannot reach it. Without this the joiner
 * kept an address whose lease was given back. Only the link the ADD result names is deleted, and only
 * while its MAC and bridge are still the ones ADD gave it.
 */
export async function removeOrphanedVeth(network: NetworkConfList, result: CniResult): Promise<void> {
  const bridge = network.nerd.bridge
  const hostEnd = hostEndOf(network, result)
  if (!bridge || !hostEnd?.mac || !existsSync(`/sys/class/net/${hostEnd.name}`)) return
  const [mac, master] = await Promise.all([
    readFile(`/sys/class/net/${hostEnd.name}/address`, 'utf8').then((text) => text.trim(), () => ''),
    readlink(`/sys/class/net/${hostEnd.name}/master`).then(basename, () => ''),
  ])
  if (mac !== hostEnd.mac.toLowerCase() || master !== bridge) return
  await run('ip', ['link', 'delete', hostEnd.name], {env: SBIN_PATH}).catch((error: unknown) => {
    // Gone meanwhile (the joiners ended) is what was wanted.
    if (existsSync(`/sys/class/net/${hostEnd.name}`)) throw error
  })
}

/** The host end of the container's veth on a bridge network, as the ADD result names it. */
function hostEndOf(network: NetworkConfList, result: CniResult): {name: string; mac?: string} | undefined {
  const bridge = network.nerd.bridge
  if (network.nerd.driver !== 'bridge' || !bridge) return undefined
  return result.interfaces?.find((link) => link.sandbox === undefined && link.name !== bridge)
}

/**
 * `enable_icc=false`: the container's bridge port is made isolated. The bridge forwards nothing
 * between isolated ports, so the containers on it do not reach each other, while the host and
 * what the host routes (published ports, the way out) still reach them. Unlike a DROP rule in
 * FORWARD, it needs no br_netfilter and sees IPv4, IPv6 and ARP alike.
 */
export async function isolateBridgePort(network: NetworkConfList, result: CniResult): Promise<void> {
  const hostEnd = hostEndOf(network, result)
  if (!hostEnd) throw new Error(`the result of CNI ADD on network ${network.name} names no host end of the container's link`)
  await runIp('ip', ['link', 'set', 'dev', hostEnd.name, 'type', 'bridge_slave', 'isolated', 'on'], `cannot isolate ${hostEnd.name} on bridge ${network.nerd.bridge} (enable_icc=false)`)
}

/**
 * Sets the MAC address of the container's interface `ifName`. The bridge and macvlan plugins turn
 * arp_notify on, so the kernel announces the change with a gratuitous ARP; with `announceIpv6` the
 * same goes for its IPv6 addresses (ndisc_notify: an unsolicited neighbour advertisement).
 */
export async function setContainerMac(netns: string, ifName: string, mac: string, announceIpv6: boolean): Promise<void> {
  const command = announceIpv6
    ? ['sh', '-c', 'echo 1 > "/proc/sys/net/ipv6/conf/$1/ndisc_notify" && exec ip link set dev "$1" address "$2"', 'sh', ifName, mac]
    : ['ip', 'link', 'set', 'dev', ifName, 'address', mac]
  await runIp('nsenter', [`--net=${netns}`, ...command], `cannot set the MAC address of the container's ${ifName}`)
}

/** Adds a default route to the container's namespace through `gateway` on its interface `ifName`. */
export async function addDefaultRoute(netns: string, ifName: string, gateway: string): Promise<void> {
  const family = gateway.includes(':') ? '-6' : '-4'
  await run('nsenter', [`--net=${netns}`, 'ip', family, 'route', 'replace', 'default', 'via', gateway, 'dev', ifName], {env: SBIN_PATH})
}

/**
 * Adds link-local addresses to the container's interface `ifName`, as libnetwork does with an
 * endpoint's LinkLocalIPs: an IPv4 one in 169.254.0.0/16, an IPv6 one in a /64.
 */
export async function addLinkLocalAddresses(netns: string, ifName: string, addresses: string[]): Promise<void> {
  for (const address of addresses) {
    const prefix = address.includes(':') ? 64 : 16
    await runIp('nsenter', [`--net=${netns}`, 'ip', 'address', 'add', `${address}/${prefix}`, 'dev', ifName], `cannot add the link-local address ${address} to the container's ${ifName}`)
  }
}
