/**
 * Attaching a container to its CNI networks and detaching it: what the OCI hooks run at every task
 * start (createRuntime) and delete (poststop), and what `network connect`/`disconnect` run on a
 * running container. The container's plan (written at create, changed by connect/disconnect) says
 * which networks; its state records what CNI ADD returned, for DEL, inspect and `port`.
 */
import {rm} from 'node:fs/promises'
import {isIP} from 'node:net'
import {NerdError} from '../errors.ts'
import {isWriteRefused, readJsonIfExists, withFileLock, writeJsonAtomic} from '../files.ts'
import type {CniConfList, CniPluginConf, CniResult} from '../hooks/types.ts'
import {cniAdd, cniDel, CniError} from './cni.ts'
import {addDefaultRoute, addLinkLocalAddresses, bridgeExists, ensureHostNetworking, isolateBridgePort, removeOrphanedVeth, restoreHostNetworking, setContainerMac} from './host.ts'
import {claimPorts, holdsPorts, HostPortError, portRegistryFile, releasePorts} from './host-ports.ts'
import {isKeptAddress, parseSubnet, subnetContains} from './ip.ts'
import {addressRanges, bindingsOnNetwork, carriesPublishedPorts, DEFAULT_NETWORK, endpointId, interContainerTraffic, macForAddress, networkForAddresses, ownsBridge} from './model.ts'
import type {NetworkConfList} from './model.ts'
import {publishableBindings} from './ports.ts'
import type {PortMap, PortMapping} from './ports.ts'
import {hasIpv6} from './plan.ts'
import {
  findNetwork,
  listNetworks,
  memberKey,
  NoSuchNetworkError,
  readMembers,
  readMembersGeneration,
  recordBridgeCreated,
  recordHostsRefreshed,
  updateMembers,
  withHostsRefreshLock,
  withNetworkMembersLock,
  withNetworksLock,
} from './store.ts'
import type {NetworkMember, NetworkMembers} from './store.ts'
import {writeContainerHosts} from './hosts.ts'
import type {LinkRequest} from '../container/links.ts'
import {pluginNetworkHooks} from './plugin-hooks.ts'
import type {PlannedNetworkHooks} from './plugin-hooks.ts'

export interface PlannedAttachment {
  /** The network's name. */
  network: string
  aliases: string[]
  ip?: string
  ip6?: string
  mac?: string
  /** `--link`s on this user-defined network: each alias a name of the linked container for this container. */
  links?: LinkRequest[]
  /** docker's endpoint DriverOpts: kept and shown; nerd's drivers read none of them. */
  driverOpts?: Record<string, string>
  /** docker 28's gw-priority: the network with the highest gives the container its default routes. */
  gwPriority?: number
  /** Link-local addresses added to the interface (docker's IPAMConfig.LinkLocalIPs). */
  linkLocalIps?: string[]
}

/** What the container asks of networking; network-plan.json in its state directory. */
export interface NetworkPlan {
  netconfPath: string
  cniPath: string
  name: string
  hostname: string
  domainname: string
  /** In interface order: eth0, eth1, … */
  networks: PlannedAttachment[]
  portBindings: PortMap
  /** `--add-host` as `host:ip`; `host-gateway` is the first network's gateway. */
  extraHosts: string[]
  /** `--link`s on the default bridge: the hosts lines of the linked containers, written at every start (container/linked-containers.ts). */
  linkHosts?: string[]
  /** The plugins with network hooks when the container was created, fired at every attach and detach. */
  hooks?: PlannedNetworkHooks
}

export interface AttachmentState {
  networkId: string
  /** The plugins ADD ran (after the plugins' setup hooks), which DEL must run again. */
  conflist: CniConfList
  ifName: string
  result: CniResult
  capabilityArgs: Record<string, unknown>
  /** Addresses with prefix length, as CNI returned them. */
  addresses: string[]
  gateways: string[]
  mac: string
  aliases: string[]
}

/**
 * An attachment whose CNI ADD has begun, recorded before it: a nerd that dies before it records the
 * result (SIGKILL, a second ctrl-c) leaves what DEL needs to give back the address, the port rules and
 * the network's member entry (at the container's removal or next start).
 */
export type PendingAttachment = Pick<AttachmentState, 'networkId' | 'conflist' | 'ifName' | 'capabilityArgs'>

/** network.json in the container's state directory: what is attached now. */
export interface NetworkState {
  attachments: Record<string, AttachmentState>
  /** By network name: attachments begun and never recorded (see PendingAttachment). */
  pending?: Record<string, PendingAttachment>
  /** The bindings in effect, host ports chosen. */
  ports: PortMap
  /**
   * The network whose attachment has the container's ports, exposed and published: docker's endpoint
   * given them, the first one attached that can carry them. None on host, none or internal networks only.
   */
  portsNetwork?: string
  /**
   * The container had no IPv6 when its task was created (docker's IPv6Enabled: no address on its
   * loopback): its /etc/hosts has no IPv6 line, its peers' and its own addresses' included.
   */
  withoutIpv6?: true
}

export interface ContainerNetworkFiles {
  plan: string
  state: string
  hosts: string
}

export interface AttachTarget {
  namespace: string
  id: string
  files: ContainerNetworkFiles
}

/** What the network hooks of plugins get to see and change (hooks/types.ts), when any plugin subscribes. */
export interface NetworkHooks {
  setup?: (network: NetworkConfList, attachment: {netns: string; ifName: string; capabilityArgs: Record<string, unknown>}) => Promise<{conflist: CniConfList; capabilityArgs: Record<string, unknown>}>
  ready?: (network: NetworkConfList, attachment: {netns: string; ifName: string}, result: CniResult) => Promise<void>
  teardown?: (network: NetworkConfList, attachment: {netns: string; ifName: string}, phase: 'before' | 'after') => Promise<void>
}

const EMPTY_STATE: NetworkState = {attachments: {}, ports: {}}

/**
 * The container's plan. One an older nerd wrote keeps run's `--link`s at its top, of no network:
 * they are the first network's, where planNetworks puts them now.
 */
export async function readNetworkPlan(planFile: string): Promise<NetworkPlan | undefined> {
  const plan = await readJsonIfExists<NetworkPlan & {links?: LinkRequest[]}>(planFile)
  if (plan?.links === undefined) return plan
  const {links, ...current} = plan
  const [first] = current.networks
  if (first && first.links === undefined) first.links = links
  return current
}

export async function readNetworkState(files: ContainerNetworkFiles): Promise<NetworkState> {
  return (await readJsonIfExists<NetworkState>(files.state)) ?? structuredClone(EMPTY_STATE)
}

function cniContainerId(target: AttachTarget): string {
  return `${target.namespace}-${target.id}`
}

/** The networks the container is attached to, or was being attached to (PendingAttachment). */
function attachedNames(state: NetworkState): string[] {
  return [...Object.keys(state.attachments), ...Object.keys(state.pending ?? {})]
}

/** The lowest eth<N> not in use. */
function nextIfName(state: NetworkState): string {
  const used = new Set([...Object.values(state.attachments), ...Object.values(state.pending ?? {})].map((attachment) => attachment.ifName))
  let index = 0
  while (used.has(`eth${index}`)) index++
  return `eth${index}`
}

/**
 * host-local's `ips` capability: each requested address with its subnet's prefix length, of a family
 * the network hands out. An `--ip6` on a network without IPv6 asks for nothing, as docker's daemon
 * takes it there (its subnet configured) and its libnetwork assigns no IPv6 address.
 */
function requestedIps(network: NetworkConfList, planned: PlannedAttachment): string[] {
  const ranges = addressRanges(network.nerd)
  return [planned.ip, planned.ip6].flatMap((address) => {
    const range = address === undefined ? undefined : ranges.find((candidate) => parseSubnet(candidate.subnet)!.family === (address.includes(':') ? 6 : 4))
    return range ? [`${address}/${range.subnet.split('/')[1]}`] : []
  })
}

/** How docker (>= 28) prefixes a failure to set up the networks of a container it starts (daemon/start_linux.go), not at a connect. */
const NETWORKING_FAILED = 'failed to set up container networking'

/** libnetwork's IPAM refusing an attachment an address, in its words: prefixed (NETWORKING_FAILED) at a start only. */
class IpamError extends NerdError {}

/**
 * docker's IPAM's refusal of an address asked for (`--ip`, `--ip6`) that it keeps for the network:
 * a subnet's gateway, network or broadcast address (host-local's own words for these name its range
 * and CNI), before CNI ADD.
 */
function refuseReservedAddresses(network: NetworkConfList, planned: PlannedAttachment): void {
  for (const address of [planned.ip, planned.ip6]) {
    if (address === undefined) continue
    const range = addressRanges(network.nerd).find((candidate) => subnetContains(parseSubnet(candidate.subnet)!, address))
    if (range && isKeptAddress(parseSubnet(range.subnet)!, range.gateway, address)) throw new IpamError('Address already in use')
  }
}

function addressesOf(result: CniResult): {addresses: string[]; gateways: string[]; mac: string} {
  const ips = result.ips ?? []
  const containerInterface = ips[0]?.interface
  const mac = containerInterface === undefined ? '' : (result.interfaces?.[containerInterface]?.mac ?? '')
  return {addresses: ips.map((ip) => ip.address), gateways: ips.map((ip) => ip.gateway ?? '').filter((gateway) => gateway !== ''), mac}
}

function memberOf(target: AttachTarget, plan: NetworkPlan, attachment: AttachmentState): NetworkMember {
  return {
    namespace: target.namespace,
    id: target.id,
    name: plan.name,
    hostname: plan.hostname,
    aliases: attachment.aliases,
    addresses: attachment.addresses.map((address) => address.split('/')[0]!),
    mac: attachment.mac,
    hostsFile: target.files.hosts,
    planFile: target.files.plan,
    stateFile: target.files.state,
  }
}

/**
 * The list without the plugins that only serve a capability nobody asked for (portmap without
 * published ports, tuning without a MAC address): each plugin run is a process and, for portmap,
 * several iptables calls, at ADD and again at DEL.
 */
function neededPlugins(list: CniConfList, capabilityArgs: Record<string, unknown>): CniConfList {
  const plugins = list.plugins.filter((plugin) => {
    const capabilities = Object.keys((plugin.capabilities ?? {}) as Record<string, boolean>)
    const capabilityOnly = capabilities.length > 0 && Object.keys(plugin).every((key) => key === 'type' || key === 'capabilities')
    return !capabilityOnly || capabilities.some((capability) => capability in capabilityArgs)
  })
  return {...list, plugins}
}

/** The networks whose members an attach or detach changed, by ID, with the members' generation after. */
type MemberChanges = Map<string, {network: NetworkConfList; generation: number}>

/** The network as its conflist is now, under its lock: `network rm` may have removed it meanwhile. */
async function currentNetwork(netconfPath: string, network: NetworkConfList): Promise<NetworkConfList> {
  const now = (await listNetworks(netconfPath)).find((candidate) => candidate.nerd.id === network.nerd.id)
  if (!now) throw new NoSuchNetworkError(network.name)
  return now
}

async function attachOne(
  target: AttachTarget,
  plan: NetworkPlan,
  state: NetworkState,
  listed: NetworkConfList,
  planned: PlannedAttachment,
  netns: string,
  portMappings: PortMapping[] | undefined,
  hooks: NetworkHooks,
  changes: MemberChanges,
): Promise<void> {
  await withNetworkMembersLock(plan.netconfPath, listed, async () => {
    const network = await currentNetwork(plan.netconfPath, listed)
    const generation = await attachOneLocked(target, plan, state, network, planned, netns, portMappings, hooks)
    changes.set(network.nerd.id, {network, generation})
  })
}

/** attachOne holding the network's lock; the members' generation after. */
async function attachOneLocked(
  target: AttachTarget,
  plan: NetworkPlan,
  state: NetworkState,
  network: NetworkConfList,
  planned: PlannedAttachment,
  netns: string,
  portMappings: PortMapping[] | undefined,
  hooks: NetworkHooks,
): Promise<number> {
  refuseReservedAddresses(network, planned)
  const ifName = nextIfName(state)
  let capabilityArgs: Record<string, unknown> = {}
  if (portMappings && portMappings.length > 0) capabilityArgs.portMappings = portMappings
  const ips = requestedIps(network, planned)
  if (ips.length > 0) capabilityArgs.ips = ips
  if (planned.mac) capabilityArgs.mac = planned.mac
  const networkForAdd = withoutDefaultRoutes(networkForAddresses(network, [planned.ip, planned.ip6].filter((address) => address !== undefined)), state)
  let conflist: CniConfList = networkForAdd
  if (hooks.setup) ({conflist, capabilityArgs} = await hooks.setup(networkForAdd, {netns, ifName, capabilityArgs}))
  conflist = neededPlugins(conflist, capabilityArgs)
  const newBridge = network.nerd.driver === 'bridge' && !bridgeExists(network)
  state.pending = {...state.pending, [network.name]: {networkId: network.nerd.id, conflist, ifName, capabilityArgs}}
  await writeJsonAtomic(target.files.state, state)
  const runtime = {cniPath: plan.cniPath, containerId: cniContainerId(target), netns, ifName, capabilityArgs}
  let result: CniResult
  try {
    result = await cniAdd(conflist, runtime).catch((error: unknown) => {
      throw ipamError(network, error)
    })
  } catch (error) {
    // A failed ADD undid itself.
    withoutPending(state, network.name)
    throw error
  }
  let attachment: AttachmentState
  let generation: number
  try {
    await configureLink(network, conflist, capabilityArgs, netns, ifName, result)
    if (planned.linkLocalIps) await addLinkLocalAddresses(netns, ifName, planned.linkLocalIps)
    await keepHostNetworking(plan.netconfPath, network, newBridge)
    attachment = {networkId: network.nerd.id, conflist, ifName, result, capabilityArgs, ...addressesOf(result), aliases: planned.aliases}
    generation = await updateMembers(network, (members) => {
      members[memberKey(target.namespace, target.id)] = memberOf(target, plan, attachment)
    })
  } catch (error) {
    // Nothing recorded holds what ADD made (its address, its link), so it goes now; the step's error is the one told.
    await cniDel(conflist, runtime, result).catch(() => undefined)
    throw error
  } finally {
    // Undone, or recorded as attached (written with the state).
    withoutPending(state, network.name)
  }
  await takeDefaultRoutes(plan, state, network, attachment, netns)
  state.attachments[network.name] = attachment
  await hooks.ready?.(network, {netns, ifName}, result)
  return generation
}

/**
 * The host rules of a bridge network, made again when a boot took them. They go with nerd's bridge:
 * a bridge missing before ADD means a fresh boot or a new network, and so missing rules. A bridge
 * nerd did not make outlives the boot that takes them, so they are looked for instead.
 */
async function keepHostNetworking(netconfPath: string, network: NetworkConfList, newBridge: boolean): Promise<void> {
  if (newBridge) {
    await recordBridgeCreated(netconfPath, network)
    await ensureHostNetworking(network)
  } else if (network.nerd.driver === 'bridge' && !ownsBridge(network.nerd)) {
    await restoreHostNetworking(network)
  }
}

/**
 * What nerd sets on a link the plugins made. Its MAC address comes from its IPv4 address unless the
 * plugins were given one (`--mac-address`, or a plugin's hook): macForAddress, so an address that
 * comes back, by `--ip` or from the pool, comes back with its MAC, and the change is announced. With
 * `enable_icc=false` its bridge port is isolated. `result` is changed to show the MAC the link has.
 */
async function configureLink(network: NetworkConfList, conflist: CniConfList, capabilityArgs: Record<string, unknown>, netns: string, ifName: string, result: CniResult): Promise<void> {
  // The list ADD ran (a plugin's hook may have changed it) says what the link is; an ipvlan link has its parent's MAC.
  const main = conflist.plugins[0]?.type
  const link = result.interfaces?.find((candidate) => candidate.name === ifName && candidate.sandbox !== undefined)
  const ipv4 = result.ips?.map((ip) => ip.address.split('/')[0]!).find((address) => isIP(address) === 4)
  if (capabilityArgs.mac === undefined && (main === 'bridge' || main === 'macvlan') && link && ipv4) {
    const mac = macForAddress(ipv4)
    await setContainerMac(netns, ifName, mac, result.ips!.some((ip) => isIP(ip.address.split('/')[0]!) === 6))
    link.mac = mac
  }
  if (main === 'bridge' && !interContainerTraffic(network.nerd)) await isolateBridgePort(network, result)
}

/**
 * docker's words for published ports the attachment could not have (libnetwork's endpoint join
 * wrapping its bridge driver's error), naming the container's address on it.
 */
function externalConnectivityError(target: AttachTarget, plan: NetworkPlan, attachment: AttachmentState, error: HostPortError): Error {
  const endpoint = `${plan.name} (${endpointId(target.id, attachment.networkId)})`
  const addresses = attachment.addresses.map((address) => address.split('/')[0]!)
  return new Error(`driver failed programming external connectivity on endpoint ${endpoint}: ${error.naming(addresses)}`, {cause: error})
}

/**
 * docker's words for what host-local's ADD fails with when the address asked for is taken or none is
 * left (libnetwork's IPAM errors); any other failure as it is.
 */
function ipamError(network: NetworkConfList, error: unknown): unknown {
  if (!(error instanceof CniError)) return error
  if (/requested IP address \S+ is not available in range set/.test(error.message)) return new IpamError('Address already in use', {cause: error})
  if (/no IP addresses available in range set/.test(error.message)) {
    const family = /range set: [0-9a-f]*:/.test(error.message) ? 'IPv6' : 'IPv4'
    return new IpamError(`no available ${family} addresses on this network's address pools: ${network.name} (${network.nerd.id})`, {cause: error})
  }
  return error
}

const DEFAULT_ROUTES = new Set(['0.0.0.0/0', '::/0'])

/** Takes the attachment to `name`, recorded or pending, out of the state. */
function forgetAttachment(state: NetworkState, name: string): void {
  delete state.attachments[name]
  withoutPending(state, name)
}

/** Takes the pending attachment to `name` out of the state. */
function withoutPending(state: NetworkState, name: string): void {
  if (!state.pending) return
  delete state.pending[name]
  if (Object.keys(state.pending).length === 0) delete state.pending
}

/** The default routes (by destination) the attachment gave the container (none known of a pending one). */
function defaultRoutesOf(attachment: AttachmentState | PendingAttachment): string[] {
  return (('result' in attachment ? attachment.result.routes : undefined) ?? []).map((route) => route.dst).filter((dst) => DEFAULT_ROUTES.has(dst))
}

/** The routes a plugin's host-local IPAM section gives a container. */
function ipamRoutes(plugin: CniPluginConf): {dst: string}[] {
  return (plugin.ipam as {routes?: {dst: string}[]} | undefined)?.routes ?? []
}

/** Whether the network gives its containers the default route `dst` (an internal one gives none). */
function givesDefaultRoute(network: NetworkConfList, dst: string): boolean {
  return network.plugins.some((plugin) => ipamRoutes(plugin).some((route) => route.dst === dst))
}

/** The attachment's gateway of the default route `dst`'s family. */
function gatewayFor(attachment: AttachmentState, dst: string): string | undefined {
  return attachment.gateways.find((address) => isIP(address) === (dst === '::/0' ? 6 : 4))
}

/** The network's gw-priority in the plan (docker's default, 0, when none was given). */
function gwPriorityOf(plan: NetworkPlan, name: string): number {
  return plan.networks.find((planned) => planned.network === name)?.gwPriority ?? 0
}

/** Gives the container its default route `dst` through the attachment, recorded with its ADD's result. */
async function routeThrough(attachment: AttachmentState, dst: string, gateway: string, netns: string): Promise<void> {
  await addDefaultRoute(netns, attachment.ifName, gateway)
  attachment.result.routes = [...(attachment.result.routes ?? []), {dst, gw: gateway}]
}

/**
 * The default routes a new attachment takes over from the one that gives them, when its network's
 * gw-priority is higher: docker's sandbox routes through the endpoint of the highest (at equal ones
 * nerd keeps the first network's, where docker's next criteria are the network's gateways and name).
 */
async function takeDefaultRoutes(plan: NetworkPlan, state: NetworkState, network: NetworkConfList, attachment: AttachmentState, netns: string): Promise<void> {
  for (const dst of DEFAULT_ROUTES) {
    const holder = Object.entries(state.attachments).find(([, held]) => defaultRoutesOf(held).includes(dst))
    const gateway = gatewayFor(attachment, dst)
    if (!holder || !gateway || !givesDefaultRoute(network, dst) || gwPriorityOf(plan, holder[0]) >= gwPriorityOf(plan, network.name)) continue
    await routeThrough(attachment, dst, gateway, netns)
    holder[1].result.routes = holder[1].result.routes?.filter((route) => route.dst !== dst)
  }
}

/**
 * A network that gave the container its default route was disconnected: the route moves to the
 * network left of the highest gw-priority (the first of those) that would give one (not internal),
 * as docker's sandbox picks a new gateway.
 */
async function moveDefaultRoutes(plan: NetworkPlan, state: NetworkState, networks: NetworkConfList[], netns: string, gone: string[], leaving: string[]): Promise<void> {
  // Not to a network being detached: one whose DEL failed is still recorded, its interface gone.
  const left = Object.entries(state.attachments).filter(([name]) => !leaving.includes(name))
  const candidates = left.sort(([a], [b]) => gwPriorityOf(plan, b) - gwPriorityOf(plan, a))
  for (const dst of gone) {
    for (const [, attachment] of candidates) {
      const network = networks.find((candidate) => candidate.nerd.id === attachment.networkId)
      const gateway = gatewayFor(attachment, dst)
      if (!network || !givesDefaultRoute(network, dst) || !gateway) continue
      await routeThrough(attachment, dst, gateway, netns)
      break
    }
  }
}

/**
 * The network without the default routes the container's other networks already give it: one
 * default gateway per family, the first network's, as docker's sandbox has one (each CNI ADD would
 * add its own, and the last network attached would take the container's outbound traffic).
 */
function withoutDefaultRoutes(network: NetworkConfList, state: NetworkState): NetworkConfList {
  const routed = new Set(Object.values(state.attachments).flatMap(defaultRoutesOf))
  if (routed.size === 0) return network
  const plugins = network.plugins.map((plugin) => {
    const routes = ipamRoutes(plugin)
    return routes.some((route) => routed.has(route.dst)) ? {...plugin, ipam: {...(plugin.ipam as object), routes: routes.filter((route) => !routed.has(route.dst))}} : plugin
  })
  return {...network, plugins}
}

/**
 * The network that carried a running container's ports was disconnected: they move to the first
 * network left that can carry them, as docker's sandbox moves external connectivity to its new
 * gateway endpoint. Its attachment gets the portmap plugin (chained onto the ADD result it has) for
 * the published ones, so that its DEL takes the mappings away too.
 */
async function movePorts(target: AttachTarget, plan: NetworkPlan, state: NetworkState, networks: NetworkConfList[], netns: string, leaving: string[]): Promise<void> {
  const networkOf = (name: string) => networks.find((network) => network.name === name)
  const carrier = plan.networks.find((planned) => {
    const network = networkOf(planned.network)
    return state.attachments[planned.network] !== undefined && !leaving.includes(planned.network) && network !== undefined && carriesPublishedPorts(network.nerd)
  })
  const portmap = carrier && networkOf(carrier.network)!.plugins.find((plugin) => plugin.type === 'portmap')
  if (!carrier || !portmap) return
  if (Object.keys(plan.portBindings).length === 0) {
    state.portsNetwork = carrier.network
    return
  }
  const attachment = state.attachments[carrier.network]!
  const owner = memberKey(target.namespace, target.id)
  const facts = networkOf(carrier.network)!.nerd
  const claimed = await claimHostPorts(plan, owner, publishableBindings(bindingsOnNetwork(facts, plan.portBindings), hasIpv6(facts))).catch((error: unknown) => {
    throw error instanceof HostPortError ? externalConnectivityError(target, plan, attachment, error) : error
  })
  const capabilityArgs = {...attachment.capabilityArgs, portMappings: claimed.mappings}
  try {
    await withNetworkMembersLock(plan.netconfPath, networkOf(carrier.network)!, () =>
      cniAdd({...attachment.conflist, plugins: [portmap]}, {cniPath: plan.cniPath, containerId: cniContainerId(target), netns, ifName: attachment.ifName, capabilityArgs}, attachment.result),
    )
  } catch (error) {
    await releaseHostPorts(plan, owner)
    throw error
  }
  const [main, ...rest] = attachment.conflist.plugins.filter((plugin) => plugin.type !== 'portmap')
  attachment.conflist = {...attachment.conflist, plugins: [main!, portmap, ...rest]}
  attachment.capabilityArgs = capabilityArgs
  state.ports = claimed.ports
  state.portsNetwork = carrier.network
}

/**
 * The network whose attachment has the container's ports (NetworkState.portsNetwork). A state an older
 * nerd wrote names none: there it is the attachment whose portmap has mappings.
 */
function portsNetworkOf(state: NetworkState): string | undefined {
  const carriesPorts = (name: string) => ((attachmentTo(state, name)!.capabilityArgs.portMappings as unknown[] | undefined)?.length ?? 0) > 0
  return state.portsNetwork ?? attachedNames(state).find(carriesPorts)
}

/** The attachment to `name`, recorded or pending. */
function attachmentTo(state: NetworkState, name: string): AttachmentState | PendingAttachment | undefined {
  return state.attachments[name] ?? state.pending?.[name]
}

/** Detaches the attachment to `name`, recorded or pending (whose DEL goes without the ADD's result, as CNI allows). */
async function detachOne(
  target: AttachTarget,
  plan: NetworkPlan,
  state: NetworkState,
  networks: NetworkConfList[],
  name: string,
  netns: string,
  hooks: NetworkHooks,
  changes: MemberChanges,
): Promise<unknown> {
  const attachment = attachmentTo(state, name)!
  const result = 'result' in attachment ? attachment.result : undefined
  const network = networks.find((candidate) => candidate.nerd.id === attachment.networkId)
  let failure: unknown
  if (network) {
    await hooks.teardown?.(network, {netns, ifName: attachment.ifName}, 'before')
    await withNetworkMembersLock(plan.netconfPath, network, async () => {
      try {
        await cniDel(attachment.conflist, {cniPath: plan.cniPath, containerId: cniContainerId(target), netns, ifName: attachment.ifName, capabilityArgs: attachment.capabilityArgs}, result)
        if (netns === '' && result) await removeOrphanedVeth(network, result)
      } catch (error) {
        failure = error
      }
      const generation = await updateMembers(network, (members) => {
        delete members[memberKey(target.namespace, target.id)]
      })
      changes.set(network.nerd.id, {network, generation})
    })
    await hooks.teardown?.(network, {netns, ifName: attachment.ifName}, 'after')
  }
  // One whose DEL failed stays recorded (it still holds its address): the next start's or the
  // removal's detach tries the DEL again, where a start would fail on the address still taken.
  if (failure === undefined) forgetAttachment(state, name)
  return failure
}

/**
 * Updates /etc/hosts of the container (whole only when its process has not started yet) and of every
 * member of the networks whose members changed (only the lines that changed: they are running),
 * holding no lock but the network's hosts refresh lock and each file's own (see store.ts's order).
 * The members are read once per network, and the rewrites coalesce: one that waited for the lock is
 * spared once a rewrite that began after its change has ended. The rewrites of one network are
 * serialised and each reads its members after its generation, so the last leaves every member's
 * file as the members are; a member's other networks are read as they are when its file is written.
 */
async function refreshHosts(plan: NetworkPlan, changes: MemberChanges, self: AttachTarget, whole = false): Promise<void> {
  const networks = await listNetworks(plan.netconfPath)
  await writeHostsOf(self, networks, whole)
  for (const {network, generation} of changes.values()) {
    if (network.name === DEFAULT_NETWORK) continue
    await withHostsRefreshLock(plan.netconfPath, network, generation, async () => {
      const seen = await readMembersGeneration(network)
      for (const member of Object.values(seen.members)) {
        const target = {namespace: member.namespace, id: member.id, files: {plan: member.planFile, state: member.stateFile, hosts: member.hostsFile}}
        await writeHostsOf(target, networks, false, {network, members: seen.members}).catch(() => undefined)
      }
      await recordHostsRefreshed(network, seen.generation)
    })
  }
}

/**
 * Writes the container's /etc/hosts from its plan and state as they are, under the file's own lock;
 * nothing when the container is gone. The members of `known.network` are `known.members`; those of
 * its other networks are read.
 */
async function writeHostsOf(target: AttachTarget, networks: NetworkConfList[], whole: boolean, known?: {network: NetworkConfList; members: NetworkMembers}): Promise<void> {
  const membersOf = (network: NetworkConfList) => (network.nerd.id === known?.network.nerd.id ? Promise.resolve(known.members) : readMembers(network))
  await withFileLock(
    target.files.hosts,
    async () => {
      const [plan, state] = await Promise.all([readNetworkPlan(target.files.plan), readJsonIfExists<NetworkState>(target.files.state)])
      if (plan && state) await writeContainerHosts(target.files.hosts, target, plan, state, networks, whole, membersOf)
    },
    {createDirectory: false, guards: `container ${target.id.slice(0, 12)}'s /etc/hosts`},
  )
}

/**
 * Chooses and records host ports (host-ports.ts) holding the networks lock; without taking it when
 * there are none to claim, so that a container without published ports never waits for it.
 */
async function claimHostPorts(plan: NetworkPlan, owner: string, bindings: PortMap): Promise<{ports: PortMap; mappings: PortMapping[]}> {
  if (Object.keys(bindings).length === 0) return {ports: {}, mappings: []}
  return withNetworksLock(plan.netconfPath, () => claimPorts(portRegistryFile(plan.netconfPath), owner, bindings))
}

/**
 * Releases the owner's host ports holding the networks lock; without taking it when the owner holds
 * none, so that a container without published ports never waits for another network's operations.
 */
async function releaseHostPorts(plan: NetworkPlan, owner: string): Promise<void> {
  const registry = portRegistryFile(plan.netconfPath)
  if (await holdsPorts(registry, owner)) await withNetworksLock(plan.netconfPath, () => releasePorts(registry, owner))
}

/**
 * The container's network state lock, first in store.ts's order: one attach or detach of the
 * container at a time (a task's poststop hook and its removal may both detach it). Not made when the
 * container's directory is gone.
 */
function withNetworkStateLock<T>(target: AttachTarget, fn: () => Promise<T>): Promise<T> {
  return withFileLock(target.files.state, fn, {createDirectory: false, guards: `container ${target.id.slice(0, 12)}'s networks`})
}

function hooksOf(plan: NetworkPlan, target: AttachTarget): NetworkHooks {
  return plan.hooks ? pluginNetworkHooks(plan.hooks, {id: target.id, name: plan.name}) : {}
}

/**
 * Attaches the container to the plan's networks (`only`: just these, for `network connect`). What a
 * task that ended without its poststop left attached is detached first, so a restart starts clean.
 * `ipv6`: whether the new task has IPv6 (containerHasIpv6), for its /etc/hosts; a connect keeps what its start found.
 */
export async function attachNetworks(target: AttachTarget, netns: string, only?: string[], ipv6 = true): Promise<NetworkState> {
  const plan = await readNetworkPlan(target.files.plan)
  if (!plan || plan.networks.length === 0) return structuredClone(EMPTY_STATE)
  const hooks = hooksOf(plan, target)
  const changes: MemberChanges = new Map()
  const wanted = only ? plan.networks.filter((planned) => only.includes(planned.network)) : plan.networks
  let state: NetworkState
  try {
    state = await withNetworkStateLock(target, () => attachLocked(target, plan, netns, wanted, hooks, changes, only === undefined, ipv6))
  } catch (error) {
    // Peers may have been given the lines of an attachment taken back.
    await refreshHosts(plan, changes, target).catch(() => undefined)
    throw error
  }
  // Attaching all the plan's networks is the task's start: its process has not run yet.
  await refreshHosts(plan, changes, target, !only)
  return state
}

/** attachNetworks holding the container's network state lock. `fresh`: all the plan's networks, at the task's start. */
async function attachLocked(target: AttachTarget, plan: NetworkPlan, netns: string, wanted: PlannedAttachment[], hooks: NetworkHooks, changes: MemberChanges, fresh: boolean, ipv6: boolean): Promise<NetworkState> {
  const networks = await listNetworks(plan.netconfPath)
  const state = await readNetworkState(target.files)
  const owner = memberKey(target.namespace, target.id)
  if (fresh) {
    if (ipv6) delete state.withoutIpv6
    else state.withoutIpv6 = true
    for (const name of attachedNames(state)) {
      // A DEL that fails again is given up, so that the attach keeps the interface's name: its ADD
      // then says the address is still taken.
      if (await detachOne(target, plan, state, networks, name, '', hooks, changes)) forgetAttachment(state, name)
    }
    await releaseHostPorts(plan, owner)
    state.ports = {}
    delete state.portsNetwork
  }
  let claimed: {ports: PortMap; mappings: PortMapping[]} | undefined
  try {
    // The published ports go with the first network attached that can carry them, and with such a
    // network connected when none attached has them; a container on internal networks only has none.
    const carrier = portsNetworkOf(state) !== undefined ? undefined : wanted.find((planned) => carriesPublishedPorts(findNetwork(networks, planned.network).nerd))
    let unpublished: HostPortError | undefined
    if (carrier) {
      const facts = findNetwork(networks, carrier.network).nerd
      try {
        claimed = await claimHostPorts(plan, owner, publishableBindings(bindingsOnNetwork(facts, plan.portBindings), hasIpv6(facts)))
        state.ports = claimed.ports
      } catch (error) {
        if (!(error instanceof HostPortError)) throw error
        unpublished = error
      }
    }
    for (const planned of wanted) {
      const network = findNetwork(networks, planned.network)
      await attachOne(target, plan, state, network, planned, netns, planned === carrier ? claimed?.mappings : undefined, hooks, changes).catch((error: unknown) => {
        throw fresh && error instanceof IpamError ? new Error(`${NETWORKING_FAILED}: ${error.message}`, {cause: error}) : error
      })
      // As docker's endpoint, which has its address when its ports fail and names it: the carrier
      // attached without them, its failure is told, and what was attached is taken back below.
      if (planned === carrier && unpublished) {
        const failure = externalConnectivityError(target, plan, state.attachments[network.name]!, unpublished)
        throw fresh ? new Error(`${NETWORKING_FAILED}: ${failure.message}`, {cause: unpublished}) : failure
      }
    }
    if (carrier) state.portsNetwork = carrier.network
  } catch (error) {
    // Nothing half-attached stays: what this call attached is detached again.
    for (const planned of wanted) if (attachmentTo(state, planned.network)) await detachOne(target, plan, state, networks, planned.network, netns, hooks, changes)
    if (claimed) {
      await releaseHostPorts(plan, owner)
      state.ports = {}
    }
    await writeJsonAtomic(target.files.state, state)
    throw error
  }
  await writeJsonAtomic(target.files.state, state)
  return state
}

/**
 * Detaches the container from its networks (`only`: just these). `netns` is empty once the task is
 * gone: a pid's namespace path could by then name another process's.
 */
export async function detachNetworks(target: AttachTarget, netns: string, only?: string[]): Promise<void> {
  const plan = await readNetworkPlan(target.files.plan)
  if (!plan) return
  const hooks = hooksOf(plan, target)
  const attached = await readNetworkState(target.files)
  if (attachedNames(attached).length === 0 && Object.keys(attached.ports).length === 0) return
  const changes: MemberChanges = new Map()
  let failure: unknown
  await withNetworkStateLock(target, async () => {
    const networks = await listNetworks(plan.netconfPath)
    const state = await readNetworkState(target.files)
    const names = attachedNames(state).filter((name) => !only || only.includes(name))
    // The ports go with the network that carries them, as docker's do with its endpoint.
    const portsNetwork = portsNetworkOf(state)
    const portsGo = !only || (portsNetwork !== undefined && names.includes(portsNetwork))
    const routesGone = names.flatMap((name) => defaultRoutesOf(attachmentTo(state, name)!))
    // Each step is taken whatever became of those before it (a failed DEL leaves its network
    // recorded, for the next detach to try again): the first failure is the one reported.
    const failed = (error: unknown) => {
      failure ??= error
    }
    for (const name of names) failed(await detachOne(target, plan, state, networks, name, netns, hooks, changes))
    if (netns && routesGone.length > 0) await moveDefaultRoutes(plan, state, networks, netns, routesGone, names).catch(failed)
    if (portsGo) {
      await releaseHostPorts(plan, memberKey(target.namespace, target.id))
      state.ports = {}
      delete state.portsNetwork
      if (only && netns) await movePorts(target, plan, state, networks, netns, names).catch(failed)
    }
    await writeDetachedState(target.files.state, state)
  })
  await refreshHosts(plan, changes, target)
  if (failure) throw failure
}

/**
 * The state left after a detach. On a full disk, one with nothing attached is the missing file's,
 * which removing it says: the task of a container must go (and the container with it) on a full disk.
 */
async function writeDetachedState(path: string, state: NetworkState): Promise<void> {
  try {
    await writeJsonAtomic(path, state)
  } catch (error) {
    if (!isWriteRefused(error) || attachedNames(state).length > 0 || Object.keys(state.ports).length > 0) throw error
    await rm(path, {force: true})
  }
}

/**
 * `rm --link`: the hosts lines of the container's `--link`s that `gone` picks leave its plan and,
 * while it is attached, its /etc/hosts (a container not attached gets its file afresh at its start).
 */
export async function dropLinkHosts(target: AttachTarget, gone: (line: string) => boolean): Promise<void> {
  const attached = await withNetworkStateLock(target, async () => {
    const plan = await readNetworkPlan(target.files.plan)
    if (!plan?.linkHosts?.some(gone)) return undefined
    plan.linkHosts = plan.linkHosts.filter((line) => !gone(line))
    await writeJsonAtomic(target.files.plan, plan)
    return attachedNames(await readNetworkState(target.files)).length > 0 ? plan : undefined
  })
  if (attached) await refreshHosts(attached, new Map(), target)
}

/**
 * `rename`: the container's plan, its entries in its networks' members and the /etc/hosts of its
 * peers take the new name at once, as docker renames the sandbox's DNS records.
 */
export async function renameInNetworks(target: AttachTarget, name: string): Promise<void> {
  const planned = await readNetworkPlan(target.files.plan)
  if (!planned) return
  const changes: MemberChanges = new Map()
  const plan = await withNetworkStateLock(target, async () => {
    const plan = (await readNetworkPlan(target.files.plan))!
    plan.name = name
    await writeJsonAtomic(target.files.plan, plan)
    const networks = await listNetworks(plan.netconfPath)
    const state = await readNetworkState(target.files)
    const attached = Object.keys(state.attachments)
    const key = memberKey(target.namespace, target.id)
    for (const network of networks.filter((candidate) => attached.includes(candidate.name))) {
      const generation = await withNetworkMembersLock(plan.netconfPath, network, () =>
        updateMembers(network, (members) => {
          if (members[key]) members[key].name = name
        }),
      )
      changes.set(network.nerd.id, {network, generation})
    }
    return plan
  })
  await refreshHosts(plan, changes, target)
}
