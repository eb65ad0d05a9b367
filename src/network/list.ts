/**
 * `network ls`, `network inspect` and `network prune` in docker's shapes: nerd's networks plus the
 * built-in `host` and `none`, docker's filters, and the members each network has.
 */
import {createHash} from 'node:crypto'
import {existsSync} from 'node:fs'
import {resolve} from 'node:path'
import {initProcessRuns, recordedInitProcess} from '../container/host-process.ts'
import {containerNamespaces, containerPaths, listContainerIds, readRecord} from '../container/store.ts'
import {NerdError} from '../errors.ts'
import type {InvalidFileError} from '../errors.ts'
import {filterTerms} from '../filter-terms.ts'
import {warnLeftOut} from '../files.ts'
import {goStruct, MAP, mapOf, renamed, sliceOf, withGoType} from '../format/go-types.ts'
import {compareStrings, goFilterMatcher, GoTime, goTimeRFC3339, goTimeString, labelMethod, naturalCompare} from '../format/go-values.ts'
import {withinPruneFilter} from '../prune-filter.ts'
import type {PruneFilter} from '../prune-filter.ts'
import {BRIDGE_NAME_OPTION, DEFAULT_BRIDGE_OPTION, DEFAULT_NETWORK, endpointId, HOST_BINDING_OPTION, ICC_OPTION, MASQUERADE_OPTION, MTU_OPTION} from './model.ts'
import type {NetworkConfList} from './model.ts'
import {readNetworkPlan} from './attach.ts'
import {builtinNetworkOf} from './plan.ts'
import {ensureDefaultNetwork, listNetworks, readMembers, removeNetwork, unusableNetworkError} from './store.ts'
import type {NetworkLocation} from './store.ts'

/** docker's network inspect document. */
export interface NetworkInspect {
  Name: string
  Id: string
  Created: string
  Scope: 'local'
  Driver: string
  EnableIPv4: boolean
  EnableIPv6: boolean
  IPAM: {Driver: 'default'; Options: Record<string, string>; Config: Array<{Subnet: string; Gateway: string; IPRange?: string; AuxiliaryAddresses?: Record<string, string>}>}
  Internal: boolean
  Attachable: boolean
  Ingress: boolean
  ConfigFrom: {Network: string}
  ConfigOnly: boolean
  Containers: Record<string, {Name: string; EndpointID: string; MacAddress: string; IPv4Address: string; IPv6Address: string}>
  Options: Record<string, string>
  Labels: Record<string, string>
}

/** docker's Go type of the document, network.Inspect, as templates see it (goTypedValue). */
const NETWORK_TYPE = goStruct('network.Inspect', {
  ID: renamed('Id'), Created: 'time', ConfigFrom: goStruct('network.ConfigReference'), Containers: mapOf(goStruct('network.EndpointResource')),
  IPAM: goStruct(
    'network.IPAM',
    {
      Options: MAP,
      Config: sliceOf(
        goStruct('network.IPAMConfig', {Subnet: 'string', IPRange: 'string', Gateway: 'string', AuxAddress: renamed('AuxiliaryAddresses', MAP)}, ['Subnet', 'IPRange', 'Gateway', 'AuxAddress']),
      ),
    },
    ['Driver', 'Options', 'Config'],
  ),
  Options: MAP, Labels: MAP, Peers: sliceOf(goStruct('network.PeerInfo')), Services: MAP,
})

/** A network as `ls` and its filters see it: nerd's, or one of the built-in ones that need no CNI. */
export interface NetworkEntry {
  name: string
  id: string
  driver: string
  created: string
  labels: Record<string, string>
  ipv6: boolean
  internal: boolean
  builtin: boolean
  network?: NetworkConfList
}

/** `network ls` column headers, by field (docker's networkContext). */
export const NETWORK_HEADERS: Readonly<Record<string, string>> = {
  ID: 'NETWORK ID', Name: 'NAME', Driver: 'DRIVER', Scope: 'SCOPE', IPv4: 'IPV4', IPv6: 'IPV6', Internal: 'INTERNAL', Labels: 'LABELS', CreatedAt: 'CREATED AT',
}

/** One line of `network ls`, as templates see docker's networkContext. */
export function networkRow(entry: NetworkEntry, options: {noTrunc?: boolean} = {}): Record<string, unknown> {
  return {
    // Go's time.Time String(), as docker's list prints it.
    CreatedAt: goTimeString(new GoTime(entry.created)),
    Driver: entry.driver,
    ID: options.noTrunc ? entry.id : entry.id.slice(0, 12),
    IPv4: 'true',
    IPv6: String(entry.ipv6),
    Internal: String(entry.internal),
    Labels: Object.entries(entry.labels).map(([key, value]) => `${key}=${value}`).join(','),
    Name: entry.name,
    Scope: 'local',
    Label: labelMethod(entry.labels),
  }
}

/** The ID of a built-in network: 64 hex digits, as docker's, derived from its name so every nerd shows the same. */
export function builtinNetworkId(name: string): string {
  return createHash('sha256').update(`nerd built-in network ${name}`).digest('hex')
}

/** `host` and `none`, docker's built-in networks. */
const BUILTIN: NetworkEntry[] = [
  {name: 'host', id: builtinNetworkId('host'), driver: 'host', created: '', labels: {}, ipv6: false, internal: false, builtin: true},
  {name: 'none', id: builtinNetworkId('none'), driver: 'null', created: '', labels: {}, ipv6: false, internal: false, builtin: true},
]

export function builtinNetwork(name: 'host' | 'none'): NetworkEntry {
  return BUILTIN.find((entry) => entry.name === name)!
}

/**
 * The networks a container with network `mode` joins at each start, as its network events name
 * them: the built-in one of `host` and `none`, those of its plan (`planFile`) for the others, none
 * when it shares another container's.
 */
export async function joinedNetworks(mode: string, planFile: string): Promise<NetworkEntry[]> {
  const plan = await readNetworkPlan(planFile)
  const builtin = builtinNetworkOf(mode, plan !== undefined)
  if (builtin) return [builtinNetwork(builtin)]
  if (!plan) return []
  const entries = networkEntries(await listNetworks(plan.netconfPath))
  return plan.networks.flatMap((planned) => entries.filter((entry) => entry.name === planned.network))
}

/**
 * Every network, the default `bridge` made first if it is not there yet (docker always has it).
 * `warn`: say which conflists nerd cannot use, left out.
 */
export async function allNetworkEntries(location: NetworkLocation, options: {warn?: boolean} = {}): Promise<NetworkEntry[]> {
  await ensureDefaultNetwork(location)
  const onInvalid = (name: string, error: InvalidFileError) => warnLeftOut(`network ${name}`, error)
  return networkEntries(await listNetworks(location.netconfPath, options.warn ? {onInvalid} : {}))
}

/** `inspect` of a network: undefined when there is none of that name or ID; its conflist's error when nerd cannot use it. */
export async function inspectNetworkNamed(location: NetworkLocation, entries: NetworkEntry[], name: string, namespace: string): Promise<NetworkInspect | undefined> {
  const entry = findEntry(entries, name)
  if (entry) return inspectNetwork(entry, namespace, location.dataRoot)
  const unusable = await unusableNetworkError(location.netconfPath, name)
  if (unusable) throw unusable
  return undefined
}

export function networkEntries(networks: NetworkConfList[]): NetworkEntry[] {
  // docker's daemon makes host and none along with its default bridge: nerd's were there when it made its own.
  const created = networks.find((network) => network.name === DEFAULT_NETWORK)?.nerd.created ?? ''
  const builtin = BUILTIN.map((entry) => ({...entry, created}))
  const own = networks.map((network) => ({
    name: network.name,
    id: network.nerd.id,
    driver: network.nerd.driver,
    created: network.nerd.created,
    labels: network.nerd.labels,
    ipv6: network.nerd.ipv6,
    internal: network.nerd.internal,
    builtin: network.name === DEFAULT_NETWORK,
    network,
  }))
  // docker's CLI lists them by name in natural order.
  return [...own, ...builtin].sort((a, b) => naturalCompare(a.name, b.name))
}

/** The entry a name, ID or unique ID prefix names, built-in ones included. */
export function findEntry(entries: NetworkEntry[], text: string): NetworkEntry | undefined {
  const byName = entries.find((entry) => entry.name === text)
  if (byName) return byName
  const byId = entries.filter((entry) => text !== '' && entry.id.startsWith(text))
  if (byId.length > 1) throw new NerdError(`network ${text} is ambiguous (${byId.length} matches found based on ID prefix)`)
  return byId[0]
}

const FILTER_KEYS = ['dangling', 'driver', 'id', 'label', 'name', 'scope', 'type']

export interface NetworkFilter {
  key: string
  value: string
}

export function parseNetworkFilters(texts: readonly string[]): NetworkFilter[] {
  const filters = filterTerms(texts).map(({key, value}) => {
    if (!FILTER_KEYS.includes(key)) throw new NerdError(`invalid filter '${key}'`)
    if (key === 'type' && value !== 'custom' && value !== 'builtin') throw new NerdError(`invalid filter: 'type'='${value}'`)
    if (key === 'dangling' && !['true', 'false', '1', '0'].includes(value)) {
      throw new NerdError(`invalid value for filter 'dangling', must be "true" (or "1"), or "false" (or "0")`)
    }
    return {key, value}
  })
  if (new Set(filters.filter((filter) => filter.key === 'dangling').map((filter) => filter.value)).size > 1) {
    throw new NerdError('got more than one value for filter key "dangling"')
  }
  return filters
}

function labelMatches(labels: Record<string, string>, value: string): boolean {
  const equals = value.indexOf('=')
  if (equals === -1) return Object.hasOwn(labels, value)
  return labels[value.slice(0, equals)] === value.slice(equals + 1)
}

/**
 * docker's rules: values of one key widen the match (labels must all match), keys narrow it; names
 * and IDs match as docker's filters.Match does (equal, or an unanchored regular expression found in
 * them: `name=^web$` is the exact name). `dangling` needs the member counts.
 */
export async function filterNetworks(entries: NetworkEntry[], filters: NetworkFilter[]): Promise<NetworkEntry[]> {
  const values = (key: string) => filters.filter((filter) => filter.key === key).map((filter) => filter.value)
  const kept: NetworkEntry[] = []
  for (const entry of entries) {
    const checks: Record<string, (value: string) => boolean | Promise<boolean>> = {
      driver: (value) => entry.driver === value,
      id: (value) => goFilterMatcher([value])(entry.id),
      name: (value) => goFilterMatcher([value])(entry.name),
      scope: (value) => value === 'local',
      type: (value) => (value === 'builtin') === entry.builtin,
      dangling: async (value) => (['true', '1'].includes(value) ? !entry.builtin && (await memberCount(entry)) === 0 : entry.builtin || (await memberCount(entry)) > 0),
    }
    let keep = values('label').every((value) => labelMatches(entry.labels, value))
    for (const [key, check] of Object.entries(checks)) {
      const wanted = values(key)
      if (!keep || wanted.length === 0) continue
      let any = false
      for (const value of wanted) if (await check(value)) any = true
      keep = any
    }
    if (keep) kept.push(entry)
  }
  return kept
}

async function memberCount(entry: NetworkEntry): Promise<number> {
  return entry.network ? Object.keys(await readMembers(entry.network)).length : 0
}

/**
 * The containers of `namespace` running on the host's network or on none, as `{id, name}`: docker
 * gives each an endpoint there while it runs. Whether one runs is its init process's, as recorded.
 */
async function builtinMembers(dataRoot: string, namespace: string, mode: 'host' | 'none'): Promise<{id: string; name: string}[]> {
  const members: {id: string; name: string}[] = []
  for (const id of await listContainerIds(dataRoot, namespace)) {
    const paths = containerPaths(dataRoot, namespace, id)
    const record = await readRecord(paths).catch(() => undefined)
    if (!record || builtinNetworkOf(record.HostConfig.NetworkMode, existsSync(paths.networkPlan)) !== mode) continue
    const init = recordedInitProcess(paths.initPid)
    if (init && initProcessRuns(init)) members.push({id, name: record.Name})
  }
  return members
}

/** The options docker's daemon makes its default bridge with (initBridgeDriver), as nerd's works: its defaults, with `bridge`. */
function defaultBridgeOptions(bridge: string): Record<string, string> {
  return {
    [DEFAULT_BRIDGE_OPTION]: 'true',
    [ICC_OPTION]: 'true',
    [MASQUERADE_OPTION]: 'true',
    [HOST_BINDING_OPTION]: '0.0.0.0',
    [BRIDGE_NAME_OPTION]: bridge,
    [MTU_OPTION]: '1500',
  }
}

/** `network inspect`: the containers listed are the ones of `namespace`, as docker lists its own. */
export async function inspectNetwork(entry: NetworkEntry, namespace: string, dataRoot: string): Promise<NetworkInspect> {
  const containers: NetworkInspect['Containers'] = {}
  if (entry.name === 'host' || entry.name === 'none') {
    for (const member of (await builtinMembers(dataRoot, namespace, entry.name)).sort((a, b) => compareStrings(a.id, b.id))) {
      containers[member.id] = {Name: member.name, EndpointID: endpointId(member.id, entry.id), MacAddress: '', IPv4Address: '', IPv6Address: ''}
    }
  }
  if (entry.network) {
    const members = Object.values(await readMembers(entry.network)).filter((member) => member.namespace === namespace)
    const prefixes = new Map(entry.network.nerd.ranges.map((range) => [range.subnet.includes(':') ? 6 : 4, range.subnet.split('/')[1]]))
    for (const member of members.sort((a, b) => compareStrings(a.id, b.id))) {
      const v4 = member.addresses.find((address) => !address.includes(':'))
      const v6 = member.addresses.find((address) => address.includes(':'))
      containers[member.id] = {
        Name: member.name,
        EndpointID: endpointId(member.id, entry.network.nerd.id),
        MacAddress: member.mac,
        IPv4Address: v4 ? `${v4}/${prefixes.get(4)}` : '',
        IPv6Address: v6 ? `${v6}/${prefixes.get(6)}` : '',
      }
    }
  }
  const facts = entry.network?.nerd
  return withGoType({
    Name: entry.name,
    Id: entry.id,
    // As Go writes a time.Time: RFC 3339, to the nanosecond recorded, trailing zeros dropped.
    Created: goTimeRFC3339(new GoTime(entry.created)),
    Scope: 'local',
    Driver: entry.driver,
    // docker's networks have IPv4 unless created with --ipv4=false, which nerd does not offer.
    EnableIPv4: true,
    EnableIPv6: entry.ipv6,
    IPAM: {
      Driver: 'default',
      Options: {...facts?.ipamOptions},
      // docker lists the IPv4 subnet before the IPv6 one, whatever the order of the flags.
      Config: [...(facts?.ranges ?? [])].sort((a, b) => Number(a.subnet.includes(':')) - Number(b.subnet.includes(':'))).map((range) => ({
        Subnet: range.subnet,
        Gateway: range.gateway,
        ...(range.ipRange ? {IPRange: range.ipRange} : {}),
        ...(range.auxAddresses ? {AuxiliaryAddresses: range.auxAddresses} : {}),
      })),
    },
    Internal: entry.internal,
    Attachable: facts?.attachable ?? false,
    Ingress: false,
    ConfigFrom: {Network: ''},
    ConfigOnly: false,
    Containers: containers,
    // The options given at create; the default network's are those docker's daemon gives its own (initBridgeDriver), with its bridge.
    Options: entry.name === DEFAULT_NETWORK && facts?.bridge ? defaultBridgeOptions(facts.bridge) : {...facts?.options},
    Labels: entry.labels,
  }, NETWORK_TYPE)
}

/**
 * `network prune` in `namespace`: the user-defined networks made in it, among those the filters
 * (`until`, `label`, `label!`) keep, read as container and image prune read them, that no container
 * uses. Networks are shared by every namespace (as nerdctl's), so a network made in another one is
 * left to it, and "uses" counts the containers of every namespace: running ones (the network's
 * members), and stopped ones too (their network plans), which docker's prune does not, as in one
 * namespace another's stopped container would be left unable to start. A network made before nerd
 * recorded its namespace (NetworkFacts.namespace) is any namespace's to prune once none uses it.
 */
export async function pruneNetworks(location: NetworkLocation, filter: PruneFilter, namespace: string): Promise<NetworkConfList[]> {
  const removed: NetworkConfList[] = []
  // Read under the network's lock, right before its removal, not once before them all: a container
  // created on it or connected to it meanwhile (its plan written) keeps it.
  const planned = async (network: NetworkConfList) => (await plannedNetworkNames(location)).has(network.name)
  for (const network of await listNetworks(location.netconfPath)) {
    if (network.name === DEFAULT_NETWORK) continue
    if (network.nerd.namespace !== undefined && network.nerd.namespace !== namespace) continue
    if (!withinPruneFilter(filter, new Date(network.nerd.created), network.nerd.labels)) continue
    if (Object.keys(await readMembers(network)).length > 0) continue
    try {
      if (await removeNetwork(location, network.nerd.id, planned)) removed.push(network)
    } catch {
      // A container joined it meanwhile: it is in use, so not pruned.
    }
  }
  return removed
}

/**
 * The networks of `location` that the containers under its data root, of every namespace and
 * running or not, join at their next start (their network plans: `network connect`s included). A
 * plan that cannot be read names none: its container cannot start anyway.
 */
async function plannedNetworkNames(location: NetworkLocation): Promise<Set<string>> {
  const names = new Set<string>()
  const netconfPath = resolve(location.netconfPath)
  for (const namespace of await containerNamespaces(location.dataRoot)) {
    for (const id of await listContainerIds(location.dataRoot, namespace)) {
      const plan = await readNetworkPlan(containerPaths(location.dataRoot, namespace, id).networkPlan).catch(() => undefined)
      if (!plan || resolve(plan.netconfPath) !== netconfPath || !Array.isArray(plan.networks)) continue
      for (const planned of plan.networks) names.add(planned.network)
    }
  }
  return names
}
