/**
 * From `run`'s network flags to the container's network plan (which networks, addresses, aliases,
 * ports), and from its network state to docker's NetworkSettings.
 */
import {isIP} from 'node:net'
import {CONTAINER_MODE} from '../container/model.ts'
import type {ContainerRecord, DockerConfig, DockerHostConfig} from '../container/model.ts'
import {NerdError} from '../errors.ts'
import {compareStrings, goAtoi} from '../format/go-values.ts'
import type {NetworkPlan, NetworkState, PlannedAttachment} from './attach.ts'
import {parseAddress, parseSubnet, subnetContains} from './ip.ts'
import {addressRanges, carriesPublishedPorts, DEFAULT_NETWORK, endpointId} from './model.ts'
import type {NetworkConfList, NetworkFacts} from './model.ts'
import {joinHostPort, splitPort, unpublishableReason} from './ports.ts'
import type {PortMap} from './ports.ts'
import {ensureDefaultNetwork, findNetwork, listNetworks, NoSuchNetworkError, unusableNetworkError} from './store.ts'
import type {NetworkLocation} from './store.ts'

/** Whether a network mode is one nerd attaches through CNI (not host, none or another container's). */
export function usesCni(mode: string): boolean {
  return mode !== 'host' && mode !== 'none' && !mode.startsWith(CONTAINER_MODE)
}

/**
 * The built-in network a container is on: its network mode's `host` or `none`, until a `none` one
 * leaves it (`network disconnect none`). docker then drops `none` from its Networks and keeps its
 * NetworkMode; nerd gives it a plan (planWithoutNetworks), whose networks are its from then on.
 */
export function builtinNetworkOf(mode: string, planned: boolean): 'host' | 'none' | undefined {
  return (mode === 'host' || mode === 'none') && !planned ? mode : undefined
}

/** The bindings the network setup publishes: `-p`'s, and with `-P` a free port for every other exposed port. */
export function publishedPorts(hostConfig: DockerHostConfig, config: DockerConfig): PortMap {
  const bindings: PortMap = structuredClone(hostConfig.PortBindings)
  if (hostConfig.PublishAllPorts) for (const port of Object.keys(config.ExposedPorts ?? {})) bindings[port] ??= [{HostIp: '', HostPort: ''}]
  return bindings
}

/**
 * A `--network` value as docker's CLI reads it (opts/network.go, NetworkOpt.Set): a name, or
 * `name=n1,alias=a,ip=…,ip6=…,mac-address=…,link-local-ip=…,driver-opt=k=v,gw-priority=n`,
 * lowercased as docker lowercases it. Throws docker's words for a value it refuses.
 */
export function parseNetworkValue(value: string): PlannedAttachment {
  if (!/\w+=\w+(,\w+=\w+)*/.test(value)) return {network: value, aliases: []}
  const attachment: PlannedAttachment = {network: '', aliases: []}
  for (const field of value.split(',')) {
    const lowered = field.toLowerCase()
    const separator = lowered.indexOf('=')
    if (separator <= 0) throw new Error(`invalid field ${field}`)
    const key = lowered.slice(0, separator).trim()
    const text = lowered.slice(separator + 1).trim()
    if (key === 'name') attachment.network = text
    else if (key === 'alias') attachment.aliases.push(text)
    else if (key === 'ip') attachment.ip = text
    else if (key === 'ip6') attachment.ip6 = text
    else if (key === 'mac-address') attachment.mac = text
    else if (key === 'link-local-ip') attachment.linkLocalIps = [...(attachment.linkLocalIps ?? []), text]
    else if (key === 'driver-opt') attachment.driverOpts = {...attachment.driverOpts, ...driverOption(text, 'invalid key value pair format in driver options')}
    else if (key === 'gw-priority') attachment.gwPriority = goAtoi(text, `invalid gw-priority (${text})`)
    else throw new Error(`invalid field key ${key}`)
  }
  if (attachment.network === '') throw new Error('network name/id is not specified')
  return attachment
}

/**
 * A driver option `key=value` as docker's CLI reads it, key and value trimmed; `invalid` is its
 * words for one without `=` or a key (connect's and `--network`'s differ by a slash).
 */
export function driverOption(text: string, invalid: string): Record<string, string> {
  const separator = text.indexOf('=')
  const key = separator === -1 ? '' : text.slice(0, separator).trim()
  if (key === '') throw new Error(invalid)
  return {[key]: text.slice(separator + 1).trim()}
}

export interface NetworkPlanRequest {
  /** --network values as parseNetworkValue reads them; none means the default bridge. */
  networks: PlannedAttachment[]
  aliases: string[]
  ip?: string
  ip6?: string
  macAddress?: string
  linkLocalIps: string[]
  extraHosts: string[]
  portBindings: PortMap
  /** `--link`s on a user-defined network: each alias a name of the linked container here. */
  links: {container: string; alias: string}[]
}

/**
 * The networks a container will join, each checked to exist (the default `bridge` made on first use);
 * `--ip`, `--ip6`, `--mac-address` and `--network-alias` go to the first, as docker applies them.
 */
export async function planNetworks(
  location: NetworkLocation & {cniPath: string},
  container: {name: string; hostname: string; domainname: string},
  request: NetworkPlanRequest,
): Promise<NetworkPlan> {
  // Copies: the first takes the older flags' values, and each the network's name as found.
  const attachments = (request.networks.length > 0 ? request.networks : [{network: DEFAULT_NETWORK, aliases: []}]).map((attachment) => ({...attachment, aliases: [...attachment.aliases]}))
  for (const attachment of attachments) if (attachment.network === 'default') attachment.network = DEFAULT_NETWORK
  const first = attachments[0]!
  first.aliases.push(...request.aliases)
  if (request.ip) first.ip ??= request.ip
  if (request.ip6) first.ip6 ??= request.ip6
  if (request.macAddress) first.mac ??= request.macAddress
  if (request.linkLocalIps.length > 0) first.linkLocalIps ??= request.linkLocalIps
  // docker's CLI gives a user-defined network's --links to the first network only.
  if (request.links.length > 0) first.links = request.links
  const networks = await listNetworks(location.netconfPath)
  let carrier: NetworkConfList | undefined
  for (const attachment of attachments) {
    const typed = attachment.network
    let network: NetworkConfList
    try {
      network = attachment.network === DEFAULT_NETWORK ? await ensureDefaultNetwork(location) : findNetwork(networks, attachment.network)
    } catch (error) {
      const unusable = error instanceof NoSuchNetworkError ? await unusableNetworkError(location.netconfPath, attachment.network) : undefined
      throw new NerdError((unusable ?? (error as Error)).message, {exitCode: 125})
    }
    // A name typed as an ID prefix is recorded as the network's name: the conflist is found by it.
    attachment.network = network.name
    const problems = endpointProblems(network, attachment)
    if (problems.length > 0) throw new NerdError(`invalid config for network ${typed}: ${invalidEndpoint(problems)}`, {exitCode: 125})
    const refused = notLinkLocal(attachment)
    if (refused) throw new NerdError(refused, {exitCode: 125})
    if (!carrier && carriesPublishedPorts(network.nerd)) carrier = network
  }
  if (carrier) refuseUnpublishable(request.portBindings, hasIpv6(carrier.nerd))
  return {
    netconfPath: location.netconfPath,
    cniPath: location.cniPath,
    name: container.name,
    hostname: container.hostname,
    domainname: container.domainname,
    networks: attachments,
    portBindings: request.portBindings,
    extraHosts: request.extraHosts,
  }
}

/**
 * The plan of a `none` container that leaves `none`: on no network, until `network connect` adds
 * one, which it joins at once when running (its network namespace is its own) and at every start.
 */
export function planWithoutNetworks(location: {netconfPath: string; cniPath: string}, record: ContainerRecord): NetworkPlan {
  return {
    netconfPath: location.netconfPath,
    cniPath: location.cniPath,
    name: record.Name,
    hostname: record.Config.Hostname,
    domainname: record.Config.Domainname,
    networks: [],
    portBindings: publishedPorts(record.HostConfig, record.Config),
    extraHosts: record.HostConfig.ExtraHosts ?? [],
  }
}

/**
 * What docker's daemon finds wrong with an endpoint's addresses and aliases on `network`
 * (validateEndpointSettings), in its words: an address must be of its family and inside one of the
 * network's subnets of that family that the user configured (docker's IsStatic).
 */
export function endpointProblems(network: NetworkConfList, endpoint: {ip?: string; ip6?: string; linkLocalIps?: string[]; aliases: string[]}): string[] {
  const problems: string[] = []
  if (network.name === DEFAULT_NETWORK) {
    if (endpoint.ip || endpoint.ip6) problems.push('user specified IP address is supported on user defined networks only')
    if (endpoint.aliases.length > 0) problems.push('network-scoped alias is supported only for containers in user defined networks')
  }
  const addresses = ([[endpoint.ip, 4], [endpoint.ip6, 6]] as const).filter((pair): pair is [string, 4 | 6] => Boolean(pair[0]))
  // Every malformed address is said before any subnet problem, as docker lists them.
  for (const [address, family] of addresses) {
    if (isIP(address) !== family || parseAddress(address)!.value === 0n) problems.push(`invalid IPv${family} address: ${address}`)
  }
  for (const address of endpoint.linkLocalIps ?? []) {
    if (isIP(address) === 0 || parseAddress(address)!.value === 0n) problems.push(`invalid link-local IP address: ${address}`)
  }
  const userSubnets = network.nerd.ranges.filter((range) => !range.chosen).map((range) => parseSubnet(range.subnet)!)
  for (const [address, family] of addresses) {
    const configured = userSubnets.filter((subnet) => subnet.family === family)
    if (configured.length === 0) problems.push('user specified IP address is supported only when connecting to networks with user configured subnets')
    else if (!configured.some((subnet) => subnetContains(subnet, address))) problems.push(`no configured subnet or ip-range contain the IP address ${address}`)
  }
  return problems
}

const LINK_LOCAL = [parseSubnet('169.254.0.0/16')!, parseSubnet('fe80::/10')!]

/**
 * libnetwork's refusal of an endpoint's link-local address that is none (CreateEndpoint), which
 * docker says when the endpoint is made, at the container's start or its connect; nerd at once.
 */
export function notLinkLocal(endpoint: {linkLocalIps?: string[]}): string | undefined {
  const address = endpoint.linkLocalIps?.find((candidate) => !LINK_LOCAL.some((subnet) => subnetContains(subnet, candidate)))
  return address === undefined ? undefined : `invalid link local IP address: ${address}`
}

/** docker's error for an endpoint's problems, on one line (docker puts each on a line of its own). */
export function invalidEndpoint(problems: string[]): string {
  return `invalid endpoint settings: ${problems.join('; ')}`
}

/** Whether the network gives its containers IPv6 addresses. */
export function hasIpv6(facts: NetworkFacts): boolean {
  return addressRanges(facts).some((range) => parseSubnet(range.subnet)?.family === 6)
}

/** A binding the network carrying the ports could not carry is refused at create, not listed as a mapping that leads nowhere. */
function refuseUnpublishable(bindings: PortMap, containerHasIpv6: boolean): void {
  for (const [key, wanted] of Object.entries(bindings)) {
    for (const binding of wanted) {
      const reason = unpublishableReason(binding.HostIp, containerHasIpv6)
      if (reason) throw new NerdError(`cannot publish ${key} on ${binding.HostPort ? joinHostPort(binding.HostIp, binding.HostPort) : `[${binding.HostIp}]`}: ${reason}`, {exitCode: 125})
    }
  }
}

/** docker's deprecated top-level NetworkSettings fields, the default bridge endpoint's. */
export interface PrimarySettings {
  EndpointID: string
  IPAddress: string
  IPPrefixLen: number
  Gateway: string
  MacAddress: string
  GlobalIPv6Address: string
  GlobalIPv6PrefixLen: number
  IPv6Gateway: string
}

/**
 * docker's NetworkSettings.Networks of a container on the built-in `host` or `none` network: an
 * endpoint without addresses, its ID while the container runs.
 */
export function builtinNetworkSettings(name: 'host' | 'none', networkId: string, containerId: string, running: boolean): Record<string, object> {
  return {
    [name]: {
      IPAMConfig: null,
      Links: null,
      Aliases: null,
      MacAddress: '',
      DriverOpts: null,
      GwPriority: 0,
      NetworkID: networkId,
      EndpointID: running ? endpointId(containerId, networkId) : '',
      Gateway: '',
      IPAddress: '',
      IPPrefixLen: 0,
      IPv6Gateway: '',
      GlobalIPv6Address: '',
      GlobalIPv6PrefixLen: 0,
      DNSNames: null,
    },
  }
}

/** What docker's endpoint settings show besides the container's network state. */
export interface EndpointContext {
  containerId: string
  /** The networks' IDs by name: docker keeps an endpoint's NetworkID once the container has started. */
  networkIds: Record<string, string>
  started: boolean
}

/**
 * docker's NetworkSettings of a container from its network state and its ports (ports.ts,
 * endpointPorts), empty ones while it is down; an exposed port without a binding is null.
 */
export function networkSettingsOf(
  plan: NetworkPlan | undefined,
  state: NetworkState | undefined,
  ports: PortMap,
  sandboxKey: string,
  context: EndpointContext,
): {Networks: Record<string, object>; Ports: Record<string, {HostIp: string; HostPort: string}[] | null>; primary?: PrimarySettings; SandboxKey: string} {
  const {containerId} = context
  const sortedPorts = Object.fromEntries(
    Object.entries(ports)
      .sort((a, b) => splitPort(a[0]).port - splitPort(b[0]).port || compareStrings(a[0], b[0]))
      .map(([key, bindings]) => [key, bindings.length > 0 ? bindings : null]),
  )
  const Networks: Record<string, object> = {}
  let primary
  for (const planned of plan?.networks ?? []) {
    const attachment = state?.attachments[planned.network]
    const v4 = attachment?.addresses.find((address) => !address.includes(':'))
    const v6 = attachment?.addresses.find((address) => address.includes(':'))
    const endpoint = attachment ? endpointId(containerId, attachment.networkId) : ''
    const addresses = {
      Gateway: attachment?.gateways.find((gateway) => !gateway.includes(':')) ?? '',
      IPAddress: v4?.split('/')[0] ?? '',
      IPPrefixLen: v4 ? Number(v4.split('/')[1]) : 0,
      IPv6Gateway: attachment?.gateways.find((gateway) => gateway.includes(':')) ?? '',
      GlobalIPv6Address: v6?.split('/')[0] ?? '',
      GlobalIPv6PrefixLen: v6 ? Number(v6.split('/')[1]) : 0,
    }
    // A running container's MAC is its interface's; before it runs, the one asked for.
    const mac = attachment?.mac ?? (context.started ? '' : (planned.mac ?? ''))
    // docker fills the deprecated top-level fields for the default bridge only.
    if (planned.network === DEFAULT_NETWORK) primary = {...addresses, MacAddress: mac, EndpointID: endpoint}
    // docker's IPAMConfig fields are omitempty; its DNSNames (API 1.44) are the names its DNS answers
    // for the container on a user-defined network (buildEndpointDNSNames): name, aliases, short ID, hostname.
    const ipamConfig = {
      ...(planned.ip ? {IPv4Address: planned.ip} : {}),
      ...(planned.ip6 ? {IPv6Address: planned.ip6} : {}),
      ...(planned.linkLocalIps?.length ? {LinkLocalIPs: planned.linkLocalIps} : {}),
    }
    const dnsNames = planned.network === DEFAULT_NETWORK || !plan ? null : [...new Set([plan.name, ...planned.aliases, containerId.slice(0, 12), plan.hostname])]
    const links = (planned.links ?? []).map((link) => (link.container === link.alias ? link.container : `${link.container}:${link.alias}`))
    Networks[planned.network] = {
      IPAMConfig: Object.keys(ipamConfig).length > 0 ? ipamConfig : null,
      Links: links.length > 0 ? links : null,
      Aliases: planned.aliases.length > 0 ? planned.aliases : null,
      MacAddress: mac,
      DriverOpts: planned.driverOpts ?? null,
      GwPriority: planned.gwPriority ?? 0,
      NetworkID: attachment?.networkId ?? (context.started ? (context.networkIds[planned.network] ?? '') : ''),
      EndpointID: endpoint,
      ...addresses,
      DNSNames: dnsNames,
    }
  }
  return {Networks, Ports: sortedPorts, ...(primary ? {primary} : {}), SandboxKey: attachedAny(state) ? sandboxKey : ''}
}

function attachedAny(state: NetworkState | undefined): boolean {
  return state !== undefined && Object.keys(state.attachments).length > 0
}
