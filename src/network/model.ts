/**
 * nerd's networks: CNI conflists (`<netconfpath>/nerd-<name>.conflist`) carrying nerd's own facts in a
 * `nerd` key that CNI ignores. Turning `network create`'s request into a conflist is pure and lives here.
 */
import {createHash} from 'node:crypto'
import {isIP} from 'node:net'
import {NerdError} from '../errors.ts'
import type {CniConfList, CniPluginConf} from '../hooks/types.ts'
import type {NerdEvent} from '../system/nerd-events.ts'
import {firstHost, formatAddress, hostRange, parseAddress, parseSubnet, subnetContains} from './ip.ts'
import type {Subnet} from './ip.ts'
import type {PortMap} from './ports.ts'

export const NETWORK_DRIVERS = ['bridge', 'macvlan', 'ipvlan'] as const
export type NetworkDriver = (typeof NETWORK_DRIVERS)[number]

export const DEFAULT_NETWORK = 'bridge'
export const DEFAULT_BRIDGE = 'nerd0'
export const DEFAULT_SUBNET = '10.4.0.0/24'
/** The default bridge's gateway (store.ts's ensureDefaultNetwork), known before that network exists. */
export const DEFAULT_GATEWAY = firstHost(parseSubnet(DEFAULT_SUBNET)!)
/** Where networks created without --subnet get theirs (store.ts's freeSubnet): a /24 of 10.4.0.0/16, nerdctl's pool. */
export const DEFAULT_ADDRESS_POOL = {Base: '10.4.0.0/16', Size: 24} as const
/**
 * docker's pool of IPv6 subnets for networks given none (daemon.go's deriveULABaseNetwork): /64s of
 * the ULA /48 whose 40-bit global ID is the low 40 bits of the first 8 bytes of the host ID's SHA-256
 * (RFC 4193's algorithm, loosely), stable for as long as the ID is.
 */
export function ulaBaseNetwork(hostId: string): {base: Subnet; size: number} {
  const globalId = createHash('sha256').update(hostId).digest().readBigUInt64BE(0) & ((1n << 40n) - 1n)
  const network = (0xfdn << 120n) | (globalId << 80n)
  return {base: {family: 6, network, prefix: 48, text: `${formatAddress(6, network)}/48`}, size: 64}
}
/** docker's `com.docker.network.bridge.name` option (nerdctl reads it too). */
export const BRIDGE_NAME_OPTION = 'com.docker.network.bridge.name'
/** docker's bridge options nerd implements besides the name (docs.docker.com/engine/network/drivers/bridge, "Options"). */
export const HOST_BINDING_OPTION = 'com.docker.network.bridge.host_binding_ipv4'
export const ICC_OPTION = 'com.docker.network.bridge.enable_icc'
export const MASQUERADE_OPTION = 'com.docker.network.bridge.enable_ip_masquerade'
export const MTU_OPTION = 'com.docker.network.driver.mtu'
/** What docker's daemon marks its default bridge network with; no option a network can be created with. */
export const DEFAULT_BRIDGE_OPTION = 'com.docker.network.bridge.default_bridge'
/** docker's reserved option space: an option in it that nerd does not implement is refused, not recorded and ignored. */
const DOCKER_OPTION_PREFIX = 'com.docker.network.'
const DOCKER_OPTIONS: Record<NetworkDriver, string[]> = {
  bridge: [BRIDGE_NAME_OPTION, HOST_BINDING_OPTION, ICC_OPTION, MASQUERADE_OPTION, MTU_OPTION],
  macvlan: [MTU_OPTION],
  ipvlan: [MTU_OPTION],
}
/** The link modes of the macvlan and ipvlan drivers, and the one a link is made in when none is asked (docker's). */
const LINK_MODES: Record<Exclude<NetworkDriver, 'bridge'>, {modes: readonly string[]; default: string}> = {
  macvlan: {modes: ['bridge', 'vepa', 'private', 'passthru'], default: 'bridge'},
  ipvlan: {modes: ['l2', 'l3', 'l3s'], default: 'l2'},
}
const CNI_VERSION = '1.0.0'

export interface IpamRange {
  subnet: string
  gateway: string
  ipRange?: string
  /** docker's `--aux-address name=IP`: addresses IPAM never gives a container. */
  auxAddresses?: Record<string, string>
  /** nerd picked the subnet (no `--subnet`): docker gives no `--ip` on such a one (its IsStatic). */
  chosen?: boolean
}

export interface NetworkFacts {
  id: string
  created: string
  driver: NetworkDriver
  labels: Record<string, string>
  options: Record<string, string>
  internal: boolean
  ipv6: boolean
  ranges: IpamRange[]
  /** Where IPAM leases and the members' records live: under the data root of the nerd that created it. */
  stateDir: string
  /** The bridge device of a bridge network. */
  bridge?: string
  /**
   * Whether nerd made the bridge device: its name was free at create, or at the first CNI ADD after
   * (which made it). Only such a bridge goes with the network; one that was there before is the
   * host's (a user's br0), as docker's driver leaves a bridge it did not create.
   */
  bridgeCreated?: boolean
  /** `--attachable`: recorded for inspect (without swarm every network is attachable). */
  attachable?: boolean
  /** `--ipam-opt`: recorded for inspect; host-local takes no options. */
  ipamOptions?: Record<string, string>
  /**
   * The containerd namespace `network create` ran in. Networks are shared by every namespace (as
   * nerdctl's); this only limits which ones a namespace's `network prune` takes. Unset on the
   * default network and on networks made before nerd recorded it.
   */
  namespace?: string
}

export interface NetworkConfList extends CniConfList {
  nerd: NetworkFacts
}

export interface NetworkCreateRequest {
  name: string
  driver: string
  subnets: string[]
  gateways: string[]
  ipRanges: string[]
  ipv6: boolean
  internal: boolean
  labels: Record<string, string>
  options: Record<string, string>
  /** `--aux-address`, by name. */
  auxAddresses?: Record<string, string>
  attachable?: boolean
  ipamOptions?: Record<string, string>
  /** The namespace of the nerd that creates it (NetworkFacts.namespace). */
  namespace: string
}

/** What network events say of a network: its ID, name and driver (the built-in `host` and `none` have no conflist). */
export interface NetworkIdentity {
  id: string
  name: string
  driver: string
}

/**
 * docker's event of a network command or of a container's start or end (system/nerd-events.ts): the
 * network's ID, name and driver, and for connect and disconnect the container's ID.
 */
export function networkEvent(action: 'create' | 'destroy' | 'connect' | 'disconnect', network: NetworkConfList | NetworkIdentity, containerId?: string): NerdEvent {
  const {id, driver} = 'nerd' in network ? network.nerd : network
  return {type: 'network', action, id, attributes: {...(containerId ? {container: containerId} : {}), name: network.name, type: driver}}
}

/**
 * Whether `network rm` may delete the network's bridge. A conflist from before nerd recorded it says
 * nothing: then only a bridge nerd named itself (no bridge name given) is nerd's.
 */
export function ownsBridge(facts: NetworkFacts): boolean {
  return facts.bridgeCreated ?? facts.options[BRIDGE_NAME_OPTION] === undefined
}

/**
 * The ID of a container's endpoint on a network, as docker's inspect shows it: 64 hex digits, the
 * same for as long as the container stays attached.
 */
export function endpointId(containerId: string, networkId: string): string {
  return createHash('sha256').update(`endpoint ${containerId} ${networkId}`).digest('hex')
}

/** Names nerd (like docker) keeps for itself. */
export const RESERVED_NETWORK_NAMES = ['bridge', 'host', 'none', 'default']

/** The longest network name: a file name (Linux's NAME_MAX, 255) less what its conflist's adds (`nerd-<name>.conflist`, store.ts). */
const NETWORK_NAME_MAX = 255 - 'nerd-.conflist'.length

export function validateNetworkName(name: string): string {
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(name)) {
    throw new NerdError(`invalid network name ${JSON.stringify(name)}: only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`)
  }
  if (name.length > NETWORK_NAME_MAX) throw new NerdError(`invalid network name ${JSON.stringify(name)}: names are at most ${NETWORK_NAME_MAX} characters long`)
  return name
}

/** What docker's daemon finds wrong with an ip-range in its subnet (ValidateIPAM's validateIPRange), in its words. */
function ipRangeProblems(text: string, subnet: Subnet): string[] {
  const range = parseSubnet(text)!
  const problems: string[] = []
  if (range.prefix < subnet.prefix) problems.push(`invalid ip-range ${text}: CIDR block is bigger than its parent subnet ${subnet.text}`)
  if (parseAddress(text.split('/')[0]!)!.value !== range.network) problems.push(`invalid ip-range ${text}: it should be ${range.text}`)
  return problems
}

/**
 * The address in a `--gateway` or `--aux-address` value as docker's CLI finds its subnet
 * (subnetMatches): a CIDR's address (its daemon then refuses the value, refuseInvalidIpam), else the
 * value, which is in no subnet when it is no address.
 */
function matchedAddress(value: string): string {
  if (!value.includes('/')) return value
  if (!parseSubnet(value)) throw new NerdError(`invalid CIDR address: ${value}`)
  return value.split('/')[0]!
}

/** docker's CLI's subnetMatches: whether the address of `value` is in `subnet`, which it parses as it goes, in Go's words. */
function subnetMatches(subnet: string, value: string): boolean {
  const parsed = parseSubnet(subnet)
  if (!parsed) throw new NerdError(`invalid subnet: invalid CIDR address: ${subnet}`)
  return subnetContains(parsed, matchedAddress(value))
}

/**
 * What docker's daemon finds wrong with a network's subnets and their values (ValidateIPAM), all of
 * it, in one error (docker puts each problem on a line of its own). It skips an IPv6 subnet of a
 * network without IPv6, which gives no address from it.
 */
function refuseInvalidIpam(request: {subnets: string[]; ipv6?: boolean}, ranges: Map<number, string>, gateways: Map<number, string>, auxAddresses: Map<number, Record<string, string>>): void {
  const problems = request.subnets.flatMap((text, index) => {
    const subnet = parseSubnet(text)
    if (!subnet) return [`invalid subnet ${text}: invalid CIDR block notation`]
    if (!validatedSubnet(subnet, request.ipv6)) return []
    // docker (since 25) refuses a CIDR with host bits set rather than masking them off.
    const hostBits = parseAddress(text.split('/')[0]!)!.value !== subnet.network ? [`invalid subnet ${text}: it should be ${subnet.text}`] : []
    // A gateway or aux-address paired by a CIDR's address is no address to the daemon (validateAddress).
    const gateway = gateways.get(index)
    return [
      ...hostBits,
      ...(ranges.has(index) ? ipRangeProblems(ranges.get(index)!, subnet) : []),
      ...(gateway !== undefined && isIP(gateway) === 0 ? [`invalid gateway ${gateway}: invalid address`] : []),
      ...Object.entries(auxAddresses.get(index) ?? {}).flatMap(([name, address]) => (isIP(address) === 0 ? [`invalid auxiliary address ${name}: invalid address`] : [])),
    ]
  })
  if (problems.length > 0) throw new NerdError(`invalid network config: ${problems.join('; ')}`)
}

function validatedSubnet(subnet: Subnet, ipv6: boolean | undefined): boolean {
  return ipv6 === true || subnet.family === 4
}

/**
 * docker's pairing of `--subnet`, `--gateway` and `--ip-range`: each gateway and range belongs to the
 * subnet that contains it; a subnet without a gateway gets its first address. Its CLI pairs them
 * (and refuses what it cannot pair), then its daemon checks them (refuseInvalidIpam); a subnet it
 * does not check is kept as typed.
 */
export function ipamRanges(request: Pick<NetworkCreateRequest, 'subnets' | 'gateways' | 'ipRanges' | 'auxAddresses'> & {ipv6?: boolean}): IpamRange[] {
  // docker's CLI counts before it pairs.
  if (request.subnets.length < request.ipRanges.length || request.subnets.length < request.gateways.length) throw new NerdError('every ip-range or gateway must have a corresponding subnet')
  for (const [index, text] of request.subnets.entries()) {
    for (const other of request.subnets.slice(0, index)) {
      if (subnetMatches(text, other) || subnetMatches(other, text)) throw new NerdError('multiple overlapping subnet configuration is not supported')
    }
  }
  // Past that check the subnets overlap none: a value is in one of them at most.
  const owner = (kind: string, value: string): number => {
    const index = request.subnets.findIndex((subnet) => subnetMatches(subnet, value))
    if (index === -1) throw new NerdError(`no matching subnet for ${kind} ${value}`)
    return index
  }
  // docker's CLI pairs each range with the subnet holding its address as typed, then each gateway,
  // refusing a second one for a subnet, then each aux-address.
  const ranges = new Map<number, string>()
  for (const text of request.ipRanges) {
    if (!parseSubnet(text)) throw new NerdError(`invalid CIDR address: ${text}`)
    const index = owner('range', text)
    if (ranges.has(index)) throw new NerdError(`cannot configure multiple ranges (${text}, ${ranges.get(index)}) on the same subnet (${request.subnets[index]})`)
    ranges.set(index, text)
  }
  const gateways = new Map<number, string>()
  for (const gateway of request.gateways) {
    const index = owner('gateway', gateway)
    if (gateways.has(index)) throw new NerdError(`cannot configure multiple gateways (${gateway}, ${gateways.get(index)}) for the same subnet (${request.subnets[index]})`)
    gateways.set(index, gateway)
  }
  const auxAddresses = new Map<number, Record<string, string>>()
  for (const [name, address] of Object.entries(request.auxAddresses ?? {})) {
    const index = owner('aux-address', address)
    auxAddresses.set(index, {...auxAddresses.get(index), [name]: address})
  }
  refuseInvalidIpam(request, ranges, gateways, auxAddresses)
  return request.subnets.map((text, index) => {
    const subnet = parseSubnet(text)!
    const validated = validatedSubnet(subnet, request.ipv6)
    const range: IpamRange = {subnet: validated ? subnet.text : text, gateway: gateways.get(index) ?? firstHost(subnet)}
    if (ranges.has(index)) range.ipRange = validated ? parseSubnet(ranges.get(index)!)!.text : ranges.get(index)!
    if (auxAddresses.has(index)) range.auxAddresses = auxAddresses.get(index)!
    return range
  })
}

/**
 * host-local's ranges for one subnet: the `--ip-range` (else what host-local picks by default), cut
 * around the `--aux-address`es so that it never hands them out.
 */
function hostLocalRanges(range: IpamRange): Record<string, string>[] {
  const entry: Record<string, string> = {subnet: range.subnet, gateway: range.gateway}
  const reserved = Object.values(range.auxAddresses ?? {})
  if (!range.ipRange && reserved.length === 0) return [entry]
  const {start, end} = hostRange(parseSubnet(range.ipRange ?? range.subnet)!)
  const family = parseSubnet(range.subnet)!.family
  const last = parseAddress(end)!.value
  let from = parseAddress(start)!.value
  const pieces: Record<string, string>[] = []
  const cuts = reserved.map((address) => parseAddress(address)!.value).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
  for (const cut of cuts) {
    if (cut < from || cut > last) continue
    if (cut > from) pieces.push({...entry, rangeStart: formatAddress(family, from), rangeEnd: formatAddress(family, cut - 1n)})
    from = cut + 1n
  }
  if (from <= last) pieces.push({...entry, rangeStart: formatAddress(family, from), rangeEnd: formatAddress(family, last)})
  // Every address reserved: host-local needs a range, and will find it full.
  return pieces.length > 0 ? pieces : [{...entry, rangeStart: start, rangeEnd: start}]
}

/**
 * The ranges containers get addresses from: an IPv6 subnet only when the network has IPv6 enabled,
 * as docker's libnetwork allocates no IPv6 pool otherwise (its IPAM config, which inspect shows, keeps the subnet).
 */
export function addressRanges(facts: Pick<NetworkFacts, 'ranges' | 'ipv6'>): IpamRange[] {
  return facts.ranges.filter((range) => facts.ipv6 || parseSubnet(range.subnet)?.family === 4)
}

/** The host-local IPAM section; its dataDir is the network's own. */
export function ipamConfig(facts: NetworkFacts): Record<string, unknown> {
  const ranges = addressRanges(facts)
  const routes = facts.internal ? [] : ranges.map((range) => ({dst: parseSubnet(range.subnet)!.family === 4 ? '0.0.0.0/0' : '::/0'}))
  return {
    type: 'host-local',
    ranges: ranges.map(hostLocalRanges),
    ...(routes.length > 0 ? {routes} : {}),
    dataDir: `${facts.stateDir}/ipam`,
  }
}

/** The MTU of the network's links (`-o mtu`, docker's `com.docker.network.driver.mtu`) when given one; 0 is the links' default, as docker's. */
export function networkMtu(facts: NetworkFacts): number | undefined {
  const mtu = Number(facts.options.mtu ?? facts.options[MTU_OPTION] ?? 0)
  return mtu > 0 ? mtu : undefined
}

/**
 * The CNI plugins of a network. Masquerading, isolation and forwarding are rules per network that
 * nerd keeps (host.ts) rather than the bridge plugin's per-container masquerade chains (which its
 * DEL can only remove while the container's network namespace exists) and the firewall plugin.
 */
export function networkPlugins(facts: NetworkFacts): CniPluginConf[] {
  const mtu = networkMtu(facts)
  const common = mtu ? {mtu} : {}
  const ipam = ipamConfig(facts)
  const tuning = {type: 'tuning', capabilities: {mac: true}}
  switch (facts.driver) {
    case 'bridge':
      return [
        // The bridge holds the gateway address on an internal network too (docker >= 25.0.4): the host
        // reaches its containers, which get no default route (ipamConfig gives them none).
        {type: 'bridge', bridge: facts.bridge!, isGateway: true, ipMasq: false, hairpinMode: true, ...common, ipam, capabilities: {ips: true}},
        {type: 'portmap', capabilities: {portMappings: true}},
        tuning,
      ]
    case 'macvlan':
      return [{type: 'macvlan', master: facts.options.parent, mode: requestedLinkMode('macvlan', facts.options) || LINK_MODES.macvlan.default, ...common, ipam, capabilities: {ips: true}}, tuning]
    case 'ipvlan':
      return [{type: 'ipvlan', master: facts.options.parent, mode: requestedLinkMode('ipvlan', facts.options) || LINK_MODES.ipvlan.default, ...common, ipam, capabilities: {ips: true}}]
  }
}

/** The link mode asked of a macvlan or ipvlan network: docker's `<driver>_mode` option, or nerdctl's `mode`. */
function requestedLinkMode(driver: keyof typeof LINK_MODES, options: Record<string, string>): string | undefined {
  return options[`${driver}_mode`] ?? options.mode
}

/**
 * Whether the network can carry a container's published ports: a bridge network that reaches out.
 * docker publishes no port on an internal network, whose DNAT would lead nowhere but off the host.
 */
export function carriesPublishedPorts(facts: NetworkFacts): boolean {
  return facts.driver === 'bridge' && !facts.internal
}

export function networkConfList(name: string, facts: NetworkFacts): NetworkConfList {
  return {cniVersion: CNI_VERSION, name, plugins: networkPlugins(facts), nerd: facts}
}

/**
 * The network as CNI ADD gets it for a container asking for `addresses`: `--ip-range` limits only
 * the addresses IPAM picks itself, as in docker, so a subnet an address is asked in is given whole
 * (host-local takes a requested address only between its range's start and end).
 */
export function networkForAddresses(network: NetworkConfList, addresses: string[]): NetworkConfList {
  const asked = (range: IpamRange) => range.ipRange !== undefined && addresses.some((address) => subnetContains(parseSubnet(range.subnet)!, address))
  if (!network.nerd.ranges.some(asked)) return network
  const ranges = network.nerd.ranges.map((range) => {
    if (!asked(range)) return range
    const {ipRange, ...whole} = range
    return whole
  })
  return networkConfList(network.name, {...network.nerd, ranges})
}

/** Go's strconv.ParseBool, which docker's bridge driver reads its boolean options with. */
function parseGoBool(text: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(text)) return true
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(text)) return false
  return undefined
}

/** A boolean bridge option, `fallback` when not given (checked at create: checkDriverOptions). */
function bridgeFlag(facts: NetworkFacts, option: string, fallback: boolean): boolean {
  const value = facts.driver === 'bridge' ? facts.options[option] : undefined
  return value === undefined ? fallback : (parseGoBool(value) ?? fallback)
}

/** `enable_icc`: whether the containers on the bridge may reach each other (docker's default: yes). */
export function interContainerTraffic(facts: NetworkFacts): boolean {
  return bridgeFlag(facts, ICC_OPTION, true)
}

/** `enable_ip_masquerade`: whether the containers' outbound traffic is masqueraded (docker's default: yes). */
export function masquerades(facts: NetworkFacts): boolean {
  return bridgeFlag(facts, MASQUERADE_OPTION, true)
}

/**
 * The bindings as the network publishes them: `host_binding_ipv4` is the host address of the ones
 * given none (`-p 8080:80`, `-P`), as docker's default binding IP; `0.0.0.0` is every address, as none.
 */
export function bindingsOnNetwork(facts: NetworkFacts, bindings: PortMap): PortMap {
  const hostIp = facts.driver === 'bridge' ? facts.options[HOST_BINDING_OPTION] : undefined
  if (hostIp === undefined || hostIp === '0.0.0.0') return bindings
  return Object.fromEntries(Object.entries(bindings).map(([port, list]) => [port, list.map((binding) => (binding.HostIp === '' ? {...binding, HostIp: hostIp} : binding))]))
}

/**
 * The MAC address of a container's interface with IPv4 address `address`: 02:42 and the address's
 * four bytes, as docker (up to 27) derives it. A container given an address another had holds that
 * one's MAC too, so the host's and the peers' neighbour entries for the address stay right.
 */
export function macForAddress(address: string): string {
  return ['02', '42', ...address.split('.').map((byte) => Number(byte).toString(16).padStart(2, '0'))].join(':')
}

/**
 * What docker's macvlan and ipvlan drivers refuse of a `-o parent=` at create, in their words: one
 * not on the host is taken as the `name.vlan_id` of a VLAN link to make (parseVlan). docker then makes
 * that link; nerd changes no host links, so it asks for the link to be there.
 */
export function parentProblem(parent: string, linkExists: (name: string) => boolean): string | undefined {
  if (linkExists(parent)) return undefined
  const parts = parent.split('.')
  if (parts.length !== 2) return `required interface name format is: name.vlan_id, ex. eth0.10 for vlan 10, instead received ${parent}`
  const [link, vlan] = parts as [string, string]
  if (!/^[+-]?\d+$/.test(vlan)) return `unable to parse a valid vlan id from: ${vlan} (ex. eth0.10 for vlan 10)`
  if (!linkExists(link)) return `-o parent interface was not found on the host: ${link}`
  return `-o parent interface was not found on the host: ${parent} (nerd does not make VLAN links: make it first, ip link add link ${link} name ${parent} type vlan id ${Number(vlan)})`
}

/**
 * Checks the driver options docker's drivers take, so a bad one fails at create rather than at the
 * first run. `linkExists`: whether the host has a network interface of that name (parentProblem).
 */
export function checkDriverOptions(driver: NetworkDriver, options: Record<string, string>, ipv6 = false, linkExists: (name: string) => boolean = () => true): void {
  for (const option of Object.keys(options)) {
    if (option.startsWith(DOCKER_OPTION_PREFIX) && !DOCKER_OPTIONS[driver].includes(option)) throw new NerdError(`network option ${option} is not supported by nerd's ${driver} driver`)
  }
  const mtu = options.mtu ?? options[MTU_OPTION]
  if (mtu !== undefined && !/^\d+$/.test(mtu)) throw new NerdError(`invalid mtu ${JSON.stringify(mtu)}: it is not a number`)
  if (driver === 'bridge') {
    const bridge = options[BRIDGE_NAME_OPTION]
    if (bridge !== undefined && !/^[a-zA-Z0-9_.-]{1,15}$/.test(bridge)) throw new NerdError(`invalid bridge name ${JSON.stringify(bridge)}: at most 15 letters, digits, "_", "." or "-"`)
    for (const option of [ICC_OPTION, MASQUERADE_OPTION]) {
      const value = options[option]
      if (value !== undefined && parseGoBool(value) === undefined) throw new NerdError(`failed to parse ${option} value: ${value} (strconv.ParseBool: parsing ${JSON.stringify(value)}: invalid syntax)`)
    }
    const hostIp = options[HOST_BINDING_OPTION]
    if (hostIp !== undefined && isIP(hostIp) === 0) throw new NerdError(`failed to parse ${HOST_BINDING_OPTION} value: ${hostIp} (nil ip)`)
    // docker proxies an IPv6 host address to a container's IPv4 one; nerd has no proxy, and portmap maps families alike.
    if (hostIp !== undefined && isIP(hostIp) === 6 && !ipv6) throw new NerdError(`${HOST_BINDING_OPTION} ${hostIp}: an IPv6 host address needs an IPv6 network (--ipv6)`)
    return
  }
  // docker's driver checks (parseNetworkOptions), in its order and words.
  const mode = requestedLinkMode(driver, options)
  const {modes, default: defaultMode} = LINK_MODES[driver]
  if (mode !== undefined && mode !== '' && !modes.includes(mode)) throw new NerdError(`requested ${driver} mode '${mode}' is not valid, '${defaultMode}' mode is the ${driver} driver default`)
  const flag = driver === 'ipvlan' ? options.ipvlan_flag : undefined
  if (flag !== undefined && flag !== '' && !['bridge', 'private', 'vepa'].includes(flag)) throw new NerdError(`requested ipvlan flag '${flag}' is not valid, 'bridge' is the ipvlan driver default`)
  // CNI's ipvlan plugin makes links in bridge mode only.
  if (flag === 'private' || flag === 'vepa') throw new NerdError(`ipvlan flag '${flag}' is not supported by nerd's ipvlan driver: its links bridge`)
  if (options.parent === 'lo') throw new NerdError(`loopback interface is not a valid ${driver} parent link`)
  if (!options.parent) throw new NerdError(`the ${driver} driver needs a parent interface: -o parent=<host interface>`)
  const problem = parentProblem(options.parent, linkExists)
  if (problem) throw new NerdError(problem)
}
