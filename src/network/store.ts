/**
 * The network store: conflists in the CNI configuration directory, each network's IPAM leases and
 * members under its state directory.
 *
 * Locks, each a short section, taken only in this order (a holder never waits for one earlier in
 * it, so no two commands wait for each other):
 * 1. a container's network state (attach.ts: withNetworkStateLock), for the whole of its attach or detach;
 * 2. the networks lock (withNetworksLock): one per configuration directory, for the set of networks
 *    (create, rm, the default one) and the host port registry (host-ports.ts);
 * 3. a network's lock (withNetworkMembersLock): its CNI ADD and DEL (CNI plugins are not safe to run
 *    concurrently on one bridge, and a network must not be removed while a container joins it), its
 *    members and its conflist's bridgeCreated.
 * Apart from these, and with none of them held: a network's hosts refresh lock (attach.ts), then the
 * lock of one container's /etc/hosts, which is taken last and alone. Rewriting the peers' /etc/hosts
 * is O(members), so it holds no lock another network or a CNI operation waits for.
 */
import {randomBytes, randomUUID} from 'node:crypto'
import {existsSync} from 'node:fs'
import {readdir, readFile, rm} from 'node:fs/promises'
import {dirname, join} from 'node:path'
import {preciseNow} from '../clock.ts'
import {compareStrings} from '../format/go-values.ts'
import {refuseUntrustedDirectory} from '../data-root.ts'
import {InvalidFileError, NerdError} from '../errors.ts'
import {createExclusive, readCheckedJson, readJsonIfExists, withFileLock, withFileLockUnless, writeJsonAtomic} from '../files.ts'
import {arrayOf, objectOf, optional, recordOf} from '../json-shape.ts'
import {bridgeNameFree, createBridge, ensureHostNetworking, hostLinkExists, removeHostNetworking} from './host.ts'
import {firstFreeSubnet, isKeptAddress, isReservedAddress, parseSubnet, subnetsOverlap} from './ip.ts'
import type {Subnet} from './ip.ts'
import {
  addressRanges,
  BRIDGE_NAME_OPTION,
  checkDriverOptions,
  DEFAULT_ADDRESS_POOL,
  DEFAULT_BRIDGE,
  DEFAULT_NETWORK,
  DEFAULT_SUBNET,
  endpointId,
  ipamRanges,
  NETWORK_DRIVERS,
  networkConfList,
  RESERVED_NETWORK_NAMES,
  ulaBaseNetwork,
  validateNetworkName,
} from './model.ts'
import type {IpamRange, NetworkConfList, NetworkCreateRequest, NetworkDriver, NetworkFacts} from './model.ts'

export interface NetworkLocation {
  /** `--cni-netconfpath`: where the conflists live. */
  netconfPath: string
  /** nerd's data root: state directories of the networks this nerd creates. */
  dataRoot: string
}

/** A container attached to a network, as the network's members file records it. */
export interface NetworkMember {
  namespace: string
  id: string
  name: string
  hostname: string
  aliases: string[]
  /** Addresses without prefix length. */
  addresses: string[]
  mac: string
  /** The container's /etc/hosts on the host, rewritten when members come and go. */
  hostsFile: string
  /** The container's network plan and state (attach.ts), which say what else goes into its /etc/hosts. */
  planFile: string
  stateFile: string
}

export type NetworkMembers = Record<string, NetworkMember>

export class NoSuchNetworkError extends NerdError {
  constructor(name: string) {
    super(`network ${name} not found`)
  }
}

const CONFLIST_PREFIX = 'nerd-'
const CONFLIST_SUFFIX = '.conflist'

/** A conflist holds no secret, and other CNI tools read the directory: its usual mode, unlike nerd's own state (files.ts). */
const CONFLIST_MODE = 0o644

export function conflistPath(netconfPath: string, name: string): string {
  return join(netconfPath, `${CONFLIST_PREFIX}${name}${CONFLIST_SUFFIX}`)
}

/** The networks lock (see the order above): the set of networks and the host port registry. */
export function withNetworksLock<T>(netconfPath: string, fn: () => Promise<T>): Promise<T> {
  trustNetconfDirectory(netconfPath)
  return withFileLock(join(netconfPath, '.nerd-networks'), fn, {guards: 'the networks'})
}

/**
 * A network's lock (see the order above): its CNI operations and members. In the configuration
 * directory, by ID, rather than in the network's state directory, which `network rm` removes.
 */
export function withNetworkMembersLock<T>(netconfPath: string, network: NetworkConfList, fn: () => Promise<T>): Promise<T> {
  trustNetconfDirectory(netconfPath)
  return withFileLock(join(netconfPath, `.nerd-network-${network.nerd.id}`), fn, {guards: `network ${network.name}`})
}

/**
 * The lock serialising the rewrites of a network's members' /etc/hosts (attach.ts); waiting for it
 * ends once a rewrite that saw the members at `generation` or later has been done.
 */
export function withHostsRefreshLock(netconfPath: string, network: NetworkConfList, generation: number, fn: () => Promise<void>): Promise<void | undefined> {
  trustNetconfDirectory(netconfPath)
  const done = async () => ((await readJsonIfExists<number>(hostsRefreshedPath(network)).catch(() => undefined)) ?? 0) >= generation
  return withFileLockUnless(join(netconfPath, `.nerd-hosts-${network.nerd.id}`), done, fn, {guards: `network ${network.name}'s hosts files`})
}

export function memberKey(namespace: string, id: string): string {
  return `${namespace}/${id}`
}

function membersPath(network: NetworkConfList): string {
  return join(network.nerd.stateDir, 'members.json')
}

/** The number of changes made to the members: written after them, so members read after it are at least as new. */
function membersGenerationPath(network: NetworkConfList): string {
  return join(network.nerd.stateDir, 'members-generation.json')
}

/** The members generation the last complete rewrite of the members' /etc/hosts saw. */
function hostsRefreshedPath(network: NetworkConfList): string {
  return join(network.nerd.stateDir, 'hosts-refreshed.json')
}

export async function readMembers(network: NetworkConfList): Promise<NetworkMembers> {
  return (await readJsonIfExists<NetworkMembers>(membersPath(network))) ?? {}
}

/** The members and their generation, read in the order that makes the members at least that new. */
export async function readMembersGeneration(network: NetworkConfList): Promise<{generation: number; members: NetworkMembers}> {
  const generation = (await readJsonIfExists<number>(membersGenerationPath(network))) ?? 0
  return {generation, members: await readMembers(network)}
}

/** Records that the members' /etc/hosts were all rewritten from the members at `generation`; not for a network removed meanwhile. */
export async function recordHostsRefreshed(network: NetworkConfList, generation: number): Promise<void> {
  try {
    await writeJsonAtomic(hostsRefreshedPath(network), generation)
  } catch (error) {
    // The network was removed meanwhile (this holds none of its locks): nothing is left to record.
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || existsSync(network.nerd.stateDir)) throw error
  }
}

/** Changes the members file holding the network's lock (withNetworkMembersLock); the members' generation after. */
export async function updateMembers(network: NetworkConfList, change: (members: NetworkMembers) => void): Promise<number> {
  const {generation, members} = await readMembersGeneration(network)
  change(members)
  await writeJsonAtomic(membersPath(network), members)
  await writeJsonAtomic(membersGenerationPath(network), generation + 1)
  return generation + 1
}

/** What of a conflist nerd reads; without `nerd` it is not one of nerd's. */
const CONFLIST_SHAPE = objectOf({
  name: 'string',
  plugins: arrayOf(objectOf({type: 'string'})),
  nerd: optional(
    objectOf({
      id: 'string',
      created: 'string',
      driver: 'string',
      labels: recordOf('string'),
      options: recordOf('string'),
      internal: 'boolean',
      ipv6: 'boolean',
      ranges: arrayOf(objectOf({subnet: 'string', gateway: 'string', ipRange: optional('string'), auxAddresses: optional(recordOf('string')), chosen: optional('boolean')})),
      stateDir: 'string',
      bridge: optional('string'),
      bridgeCreated: optional('boolean'),
      attachable: optional('boolean'),
      ipamOptions: optional(recordOf('string')),
      namespace: optional('string'),
    }),
  ),
})

/** The conflist at `path` if it is one of nerd's; undefined if not, or gone; InvalidFileError naming it when nerd cannot use it. */
/** The CNI configuration directories found safe in this process (see trustNetconfDirectory). */
const trustedNetconfDirectories = new Set<string>()

/**
 * A conflist names the plugins root runs and where they write: one planted by another user in a
 * directory they may write to would run their program as root. Checked once per directory.
 */
function trustNetconfDirectory(netconfPath: string): void {
  if (trustedNetconfDirectories.has(netconfPath)) return
  refuseUntrustedDirectory(netconfPath, 'CNI configuration directory')
  trustedNetconfDirectories.add(netconfPath)
}

async function readConflist(path: string): Promise<NetworkConfList | undefined> {
  trustNetconfDirectory(dirname(path))
  const list = await readCheckedJson<Partial<NetworkConfList>>(path, 'network config', CONFLIST_SHAPE)
  return list?.nerd ? (list as NetworkConfList) : undefined
}

/**
 * nerd's networks, by file name. A conflist nerd cannot use is left out, and handed to `onInvalid`
 * with the name of its network (`network ls` warns of it).
 */
export async function listNetworks(netconfPath: string, options: {onInvalid?: (name: string, error: InvalidFileError) => void} = {}): Promise<NetworkConfList[]> {
  trustNetconfDirectory(netconfPath)
  let files: string[]
  try {
    files = await readdir(netconfPath)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw error
  }
  const networks = await Promise.all(
    files
      .filter((file) => file.startsWith(CONFLIST_PREFIX) && file.endsWith(CONFLIST_SUFFIX))
      .sort()
      .map((file) =>
        readConflist(join(netconfPath, file)).catch((error: unknown) => {
          if (!(error instanceof InvalidFileError)) throw error
          options.onInvalid?.(file.slice(CONFLIST_PREFIX.length, -CONFLIST_SUFFIX.length), error)
          return undefined
        }),
      ),
  )
  return networks.filter((network) => network !== undefined)
}

/**
 * The error to report for a network name `listNetworks` has not: its conflist's, when it is there
 * but nerd cannot use it, which is no "not found".
 */
export async function unusableNetworkError(netconfPath: string, name: string): Promise<InvalidFileError | undefined> {
  // Only a network's name names a conflist: nothing else is read.
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(name)) return undefined
  return readConflist(conflistPath(netconfPath, name)).then(
    () => undefined,
    (error: unknown) => (error instanceof InvalidFileError ? error : Promise.reject(error)),
  )
}

/** A network by name, full ID or unique ID prefix, as docker looks them up. */
export function findNetwork(networks: NetworkConfList[], text: string): NetworkConfList {
  const byName = networks.find((network) => network.name === text)
  if (byName) return byName
  const byId = networks.filter((network) => network.nerd.id.startsWith(text))
  if (text !== '' && byId.length === 1) return byId[0]!
  if (byId.length > 1) throw new NerdError(`network ${text} is ambiguous (${byId.length} matches found based on ID prefix)`)
  throw new NoSuchNetworkError(text)
}

export async function getNetwork(netconfPath: string, text: string): Promise<NetworkConfList> {
  return findNetwork(await listNetworks(netconfPath), text)
}

/**
 * The IPv4 subnets the host routes somewhere (other networks' bridges, docker0, the LAN), from
 * /proc/net/route: unlike the interface list it includes links that are down, whose routes remain.
 */
async function routedSubnets(): Promise<Subnet[]> {
  const table = await readFile('/proc/net/route', 'utf8').catch(() => '')
  const hexAddress = (hex: string) => Number.parseInt(hex, 16).toString(2).padStart(32, '0')
  return table
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((fields) => fields.length >= 8 && fields[1] !== '00000000')
    .map(([, destination, , , , , , mask]) => {
      const bytes = (hex: string) => [0, 1, 2, 3].map((index) => Number.parseInt(hex.slice(6 - index * 2, 8 - index * 2), 16))
      const prefix = [...hexAddress(mask!)].filter((bit) => bit === '1').length
      return parseSubnet(`${bytes(destination!).join('.')}/${prefix}`)
    })
    .filter((subnet) => subnet !== undefined)
}

/** nerdctl's pool: the first free 10.4.N.0/24 after the default network's 10.4.0.0/24. */
function freeSubnet(taken: Subnet[]): string {
  const subnet = firstFreeSubnet(parseSubnet(DEFAULT_ADDRESS_POOL.Base)!, DEFAULT_ADDRESS_POOL.Size, taken, 1)
  if (!subnet) throw new NerdError(`no free subnet left in ${DEFAULT_ADDRESS_POOL.Base}: give one with --subnet`)
  return subnet.text
}

/** docker's IPv6 pool: the first free /64 of the ULA /48 derived from the host's ID (ulaBaseNetwork). */
async function freeIpv6Subnet(dataRoot: string, taken: Subnet[]): Promise<string> {
  const pool = ulaBaseNetwork(await hostId(dataRoot))
  const subnet = firstFreeSubnet(pool.base, pool.size, taken)
  if (!subnet) throw new NerdError(`no free IPv6 subnet left in ${pool.base.text}: give one with --subnet`)
  return subnet.text
}

/**
 * The ID of this data root's nerd, made once, as docker's daemon makes its engine-id: the IPv6 pool
 * derived from it stays the same across runs, and differs from another data root's (and docker's).
 * Linked into place, so two nerds making it at once agree on one.
 */
async function hostId(dataRoot: string): Promise<string> {
  const path = join(dataRoot, 'engine-id')
  const existing = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? undefined : Promise.reject(error)))
  if (existing !== undefined) return existing
  await createExclusive(path, randomUUID())
  return readFile(path, 'utf8')
}

function networkSubnets(network: NetworkConfList): Subnet[] {
  return network.nerd.ranges.map((range) => parseSubnet(range.subnet)).filter((subnet) => subnet !== undefined)
}

async function writeNetwork(location: NetworkLocation, name: string, facts: Omit<NetworkFacts, 'stateDir'>): Promise<NetworkConfList> {
  const list = networkConfList(name, {...facts, stateDir: join(location.dataRoot, 'networks', facts.id)})
  await writeJsonAtomic(conflistPath(location.netconfPath, name), list, CONFLIST_MODE)
  return list
}

/**
 * What docker's IPAM refuses when it reserves a network's gateway and aux addresses, in its words, and
 * a subnet too small for host-local (which needs four addresses; docker would take a /31 or /32) at
 * create rather than at the first container's CNI ADD.
 */
function checkRangeAddresses(range: IpamRange): void {
  const subnet = parseSubnet(range.subnet)!
  const smallest = subnet.family === 4 ? 30 : 126
  if (subnet.prefix > smallest) throw new NerdError(`subnet ${subnet.text} is too small: nerd's IPAM (CNI host-local) needs a /${smallest} or larger`)
  const inUse = (what: string) => new NerdError(`failed to allocate ${what}: Address already in use`)
  if (isReservedAddress(subnet, range.gateway)) throw inUse(`gateway (${range.gateway})`)
  for (const [name, address] of Object.entries(range.auxAddresses ?? {})) {
    if (isKeptAddress(subnet, range.gateway, address)) throw inUse(`secondary ip address (${name}:${address})`)
  }
}

/** `network create`: checks the request against docker's rules and the networks there are, then writes the conflist. */
export async function createNetwork(location: NetworkLocation, request: NetworkCreateRequest): Promise<NetworkConfList> {
  const name = validateNetworkName(request.name)
  // docker's words, trailing space and all.
  if (RESERVED_NETWORK_NAMES.includes(name)) throw new NerdError(`operation is not permitted on predefined ${name} network `)
  if (!(NETWORK_DRIVERS as readonly string[]).includes(request.driver)) throw new NerdError(`plugin "${request.driver}" not found: nerd's network drivers are ${NETWORK_DRIVERS.join(', ')}`)
  const driver = request.driver as NetworkDriver
  checkDriverOptions(driver, request.options, request.ipv6, hostLinkExists)
  const requested = ipamRanges(request)
  const families = requested.map((range) => parseSubnet(range.subnet)!.family)
  if (driver === 'bridge' && (families.filter((family) => family === 4).length > 1 || families.filter((family) => family === 6).length > 1)) {
    throw new NerdError(`bridge driver doesn't support multiple subnets`)
  }
  for (const range of addressRanges({ranges: requested, ipv6: request.ipv6})) checkRangeAddresses(range)
  return withNetworksLock(location.netconfPath, async () => {
    const networks = await listNetworks(location.netconfPath)
    if (networks.some((network) => network.name === name)) throw new NerdError(`network with name ${name} already exists`)
    const taken = networks.flatMap(networkSubnets)
    for (const range of requested) {
      const subnet = parseSubnet(range.subnet)!
      if (taken.some((other) => subnetsOverlap(other, subnet))) throw new NerdError('invalid pool request: Pool overlaps with other one on this address space')
    }
    // A family without a subnet given gets one from docker's default pools: IPv6 only with --ipv6.
    const chosen = (subnet: string) => ipamRanges({subnets: [subnet], gateways: [], ipRanges: []}).map((range) => ({...range, chosen: true}))
    const given = (family: 4 | 6) => requested.some((range) => parseSubnet(range.subnet)!.family === family)
    const ranges: IpamRange[] = [
      ...(given(4) ? [] : chosen(freeSubnet([...taken, ...(await routedSubnets())]))),
      ...requested,
      ...(request.ipv6 && !given(6) ? chosen(await freeIpv6Subnet(location.dataRoot, taken)) : []),
    ]
    const id = randomBytes(32).toString('hex')
    const facts: Omit<NetworkFacts, 'stateDir'> = {
      id,
      created: preciseNow(),
      driver,
      labels: request.labels,
      options: request.options,
      internal: request.internal,
      ipv6: request.ipv6,
      ranges,
      ...(request.attachable ? {attachable: true} : {}),
      ...(request.ipamOptions && Object.keys(request.ipamOptions).length > 0 ? {ipamOptions: request.ipamOptions} : {}),
      namespace: request.namespace,
    }
    if (driver === 'bridge') {
      facts.bridge = request.options[BRIDGE_NAME_OPTION] ?? `br-${id.slice(0, 12)}`
      const owner = networks.find((network) => network.nerd.bridge === facts.bridge)
      // docker's bridge driver's words (checkConflict).
      if (owner) throw new NerdError(`cannot create network ${id} (${facts.bridge}): conflicts with network ${owner.nerd.id} (${owner.nerd.bridge}): networks have same bridge name`)
      facts.bridgeCreated = bridgeNameFree(facts.bridge)
    }
    const network = await writeNetwork(location, name, facts)
    // Under the network's lock too: a run that finds the conflist already there waits for the bridge
    // rather than making it with its CNI ADD, which a failing create would take the network from under.
    if (driver === 'bridge') await withNetworkMembersLock(location.netconfPath, network, () => makeHostNetworking(location, network))
    return network
  })
}

/**
 * The bridge (when the name was free) and the rules of a new bridge network, made at create as
 * docker's driver makes them: host tools can use the bridge at once. A failure takes back what
 * was made, the network with it.
 */
async function makeHostNetworking(location: NetworkLocation, network: NetworkConfList): Promise<void> {
  try {
    if (network.nerd.bridgeCreated) await createBridge(network)
    await ensureHostNetworking(network)
  } catch (error) {
    await removeHostNetworking(network)
    await rm(conflistPath(location.netconfPath, network.name), {force: true})
    throw error
  }
}

/** The default `bridge` network (nerd0, 10.4.0.0/24), created on first use. */
export async function ensureDefaultNetwork(location: NetworkLocation): Promise<NetworkConfList> {
  const existing = (await listNetworks(location.netconfPath)).find((network) => network.name === DEFAULT_NETWORK)
  if (existing) return existing
  return withNetworksLock(location.netconfPath, async () => {
    const networks = await listNetworks(location.netconfPath)
    const again = networks.find((network) => network.name === DEFAULT_NETWORK)
    if (again) return again
    return writeNetwork(location, DEFAULT_NETWORK, {
      id: randomBytes(32).toString('hex'),
      created: preciseNow(),
      driver: 'bridge',
      labels: {},
      options: {},
      internal: false,
      ipv6: false,
      ranges: ipamRanges({subnets: [DEFAULT_SUBNET], gateways: [], ipRanges: []}),
      bridge: DEFAULT_BRIDGE,
      bridgeCreated: bridgeNameFree(DEFAULT_BRIDGE),
    })
  })
}

/** Records that the network's bridge is nerd's: a CNI ADD made it. Call it holding the network's lock. */
export async function recordBridgeCreated(netconfPath: string, network: NetworkConfList): Promise<void> {
  if (network.nerd.bridgeCreated) return
  network.nerd.bridgeCreated = true
  await writeJsonAtomic(conflistPath(netconfPath, network.name), network, CONFLIST_MODE)
}

/**
 * `network rm`: refused while containers are attached; takes the bridge and masquerade rule with it.
 * `keep` (prune's) is asked under the network's lock, right before the removal: when it says so, the
 * network stays and nothing is returned.
 */
export async function removeNetwork(location: NetworkLocation, text: string, keep?: (network: NetworkConfList) => Promise<boolean>): Promise<NetworkConfList | undefined> {
  return withNetworksLock(location.netconfPath, async () => {
    const network = findNetwork(await listNetworks(location.netconfPath), text)
    if (network.name === DEFAULT_NETWORK) throw new NerdError(`bridge is a pre-defined network and cannot be removed`)
    // Under the network's lock: no container is joining it meanwhile.
    return withNetworkMembersLock(location.netconfPath, network, async () => {
      const members = Object.values(await readMembers(network)).sort((a, b) => compareStrings(a.name, b.name))
      if (members.length > 0) {
        const endpoints = members.map((member) => `name:${JSON.stringify(member.name)} id:${JSON.stringify(endpointId(member.id, network.nerd.id).slice(0, 12))}`)
        throw new NerdError(`error while removing network: network ${network.name} has active endpoints (${endpoints.join(', ')})`)
      }
      if (await keep?.(network)) return undefined
      await rm(conflistPath(location.netconfPath, network.name), {force: true})
      await removeHostNetworking(network)
      await rm(network.nerd.stateDir, {recursive: true, force: true})
      return network
    })
  })
}
