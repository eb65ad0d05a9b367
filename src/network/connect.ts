/**
 * `network connect` and `network disconnect`: the container's plan changes (so the next start joins
 * the same networks) and a running container is attached or detached at once, which docker reports
 * as a network event (a stopped container's plan change it does not). Under the container's
 * lifecycle lock, as docker changes a container's networks under its container lock: concurrent
 * connects and disconnects each read the plan the one before wrote, and none attaches or detaches
 * while a start, stop or removal changes the task (which take that lock before the network lock too).
 */
import {rm} from 'node:fs/promises'
import {NerdError} from '../errors.ts'
import {writeJsonAtomic} from '../files.ts'
import {containerView, withContainerLock} from '../container/lifecycle.ts'
import type {ContainerScope, LoadedContainer} from '../container/lifecycle.ts'
import {hostsNameProblem} from '../container/etc-files.ts'
import {attachTarget} from '../container/store.ts'
import {publishEvent} from '../system/nerd-events.ts'
import {attachNetworks, detachNetworks, readNetworkPlan, readNetworkState} from './attach.ts'
import type {NetworkPlan, PlannedAttachment} from './attach.ts'
import type {LinkRequest} from '../container/links.ts'
import type {RecordedHooks} from '../hooks/recorded.ts'
import {networkEvent} from './model.ts'
import {builtinNetworkOf, endpointProblems, invalidEndpoint, notLinkLocal, planWithoutNetworks} from './plan.ts'
import {builtinNetwork} from './list.ts'
import {getNetwork, NoSuchNetworkError} from './store.ts'

export type ConnectOptions = Pick<PlannedAttachment, 'ip' | 'ip6' | 'aliases'> & {
  links: LinkRequest[]
  linkLocalIps: string[]
  driverOpts: Record<string, string>
  gwPriority: number
}

/** docker's refusal to connect a container whose network mode is not a bridge of its own. */
const SHARED_NETWORK_CONFLICT = 'container sharing network namespace with another container or host cannot be connected to any other network'
const NONE_NETWORK_CONFLICT = 'container cannot be connected to multiple networks with one of the networks in private (none) mode'

/** The container's network plan; undefined for a container without networks of its own (`--network host`, `none`, `container:<x>`). */
function planOf(container: LoadedContainer): Promise<NetworkPlan | undefined> {
  return readNetworkPlan(container.paths.networkPlan)
}

/** docker's daemon's words, `the network` when it looks in a stopped container's records rather than at the endpoints. */
function notConnected(container: LoadedContainer, network: string, running: boolean): NerdError {
  return new NerdError(`container ${container.record.Id} is not connected to ${running ? '' : 'the '}network ${network}`)
}

/** The host path of the running container's network namespace, undefined when it is not running. */
async function runningNetns(scope: ContainerScope, container: LoadedContainer): Promise<string | undefined> {
  const view = await containerView(scope, container)
  return view.status === 'running' || view.status === 'paused' ? `/proc/${view.pid}/ns/net` : undefined
}

export async function connectNetwork(scope: ContainerScope, loaded: LoadedContainer, networkText: string, options: ConnectOptions): Promise<void> {
  for (const alias of options.aliases) {
    const problem = hostsNameProblem(alias)
    if (problem) throw new NerdError(`invalid alias ${JSON.stringify(alias)}: ${problem}`)
  }
  refuseDeadInNetworks(loaded)
  await withContainerLock(loaded, (container) => connectLocked(scope, container, networkText, options))
}

/**
 * A connect to a network the container is on already: docker keeps a stopped container's entry as
 * it is (nothing to do), and refuses it for a running one, whose endpoint exists.
 */
function refuseJoinedAgain(container: LoadedContainer, netns: string | undefined, network: string): void {
  if (netns) throw new NerdError(`endpoint with name ${container.record.Name} already exists in network ${network}`)
}

/** docker's refusal to connect or disconnect a dead container (lifecycle.ts, DeadContainerError). */
function refuseDeadInNetworks(container: LoadedContainer): void {
  if (container.dead) throw new NerdError(`Container ${container.record.Id} is marked for removal and cannot be connected or disconnected to the network`)
}

async function connectLocked(scope: ContainerScope, container: LoadedContainer, networkText: string, options: ConnectOptions): Promise<void> {
  const netns = await runningNetns(scope, container)
  const mode = container.record.HostConfig.NetworkMode
  // The built-in `host` and `none` are no networks nerd attaches.
  if (networkText === 'none') return joinNone(scope, container, netns)
  if (networkText === 'host') {
    if (mode !== 'host') throw new NerdError('cannot connect container to host network - container must be created in host network mode')
    return refuseJoinedAgain(container, netns, 'host')
  }
  const plan = await planOf(container)
  if (!plan) throw new NerdError(mode === 'none' ? NONE_NETWORK_CONFLICT : SHARED_NETWORK_CONFLICT)
  const network = await getNetwork(plan.netconfPath, networkText)
  const problems = endpointProblems(network, options)
  if (problems.length > 0) throw new NerdError(invalidEndpoint(problems))
  const refused = notLinkLocal(options)
  if (refused) throw new NerdError(refused)
  const target = attachTarget(scope.client.namespace, container.record.Id, container.paths)
  if (plan.networks.some((planned) => planned.network === network.name)) {
    if (!netns || (await readNetworkState(target.files)).attachments[network.name]) return refuseJoinedAgain(container, netns, network.name)
    // Planned for a running container and never recorded attached: a connect killed half-way
    // (SIGKILL) between its plan and its record. What it began is taken back, and this one connects.
    await detachNetworks(target, netns, [network.name])
    plan.networks = plan.networks.filter((planned) => planned.network !== network.name)
  }
  const before = structuredClone(plan)
  // Kept as docker keeps the endpoint's settings: empty ones are not recorded.
  plan.networks.push({
    network: network.name,
    aliases: options.aliases,
    ...(options.ip ? {ip: options.ip} : {}),
    ...(options.ip6 ? {ip6: options.ip6} : {}),
    ...(options.links.length > 0 ? {links: options.links} : {}),
    ...(options.linkLocalIps.length > 0 ? {linkLocalIps: options.linkLocalIps} : {}),
    ...(Object.keys(options.driverOpts).length > 0 ? {driverOpts: options.driverOpts} : {}),
    ...(options.gwPriority !== 0 ? {gwPriority: options.gwPriority} : {}),
  })
  await writeJsonAtomic(target.files.plan, plan)
  if (!netns) return
  try {
    await attachNetworks(target, netns, [network.name])
  } catch (error) {
    await writeJsonAtomic(target.files.plan, before)
    throw error
  }
  await publishEvent(scope.client, networkEvent('connect', network, container.record.Id))
}

/**
 * `network connect none`: docker's daemon refuses it to a container on any network
 * (updateNetworkSettings) and takes it, as a network like any other, for one on none left (a
 * `--network none` container that left `none`), which is then on `none` again: its plan goes.
 */
async function joinNone(scope: ContainerScope, container: LoadedContainer, netns: string | undefined): Promise<void> {
  const mode = container.record.HostConfig.NetworkMode
  const plan = await planOf(container)
  if (builtinNetworkOf(mode, plan !== undefined) === 'none') return refuseJoinedAgain(container, netns, 'none')
  if (mode !== 'none' || !plan || plan.networks.length > 0) throw new NerdError(mode === 'host' || !plan ? SHARED_NETWORK_CONFLICT : NONE_NETWORK_CONFLICT)
  await rm(container.paths.networkPlan, {force: true})
  if (netns) await publishEvent(scope.client, networkEvent('connect', builtinNetwork('none'), container.record.Id))
}

/**
 * Where the networks and the CNI plugins are, and the plugins with network hooks now: for a container
 * without a plan (a plan names its own, and the plugins recorded at its create).
 */
export interface CniLocation {
  netconfPath: string
  cniPath: string
  networkHooks?: RecordedHooks
}

/**
 * `network disconnect host|none`. docker refuses only a host-mode container's leaving `host` (its
 * DisconnectFromNetwork); a `none` container leaves `none` and is then on no network, its
 * NetworkMode kept, so that `network connect` can give it one: nerd writes it a plan without networks.
 */
async function leaveBuiltin(scope: ContainerScope, container: LoadedContainer, builtin: 'host' | 'none', facts: {netns: string | undefined; planned: boolean; location: CniLocation}): Promise<void> {
  const mode = container.record.HostConfig.NetworkMode
  if (builtin === 'host' && mode === 'host') throw new NerdError('cannot disconnect container from host network - container was created in host network mode')
  if (builtinNetworkOf(mode, facts.planned) !== builtin) throw notConnected(container, builtin, facts.netns !== undefined)
  const plan = planWithoutNetworks(facts.location, container.record)
  // Its networks' hooks are those of the plugins there now, as create records them for a container on a network.
  if (facts.location.networkHooks) plan.hooks = {recorded: facts.location.networkHooks, labels: container.labels}
  await writeJsonAtomic(container.paths.networkPlan, plan)
  if (facts.netns) await publishEvent(scope.client, networkEvent('disconnect', builtinNetwork(builtin), container.record.Id))
}

/** `network disconnect`: `location` is where to look the network up for a container without a plan (a plan names its own). */
export async function disconnectNetwork(scope: ContainerScope, loaded: LoadedContainer, networkText: string, location: CniLocation): Promise<void> {
  refuseDeadInNetworks(loaded)
  await withContainerLock(loaded, (container) => disconnectLocked(scope, container, networkText, location))
}

async function disconnectLocked(scope: ContainerScope, container: LoadedContainer, networkText: string, location: CniLocation): Promise<void> {
  const netns = await runningNetns(scope, container)
  const plan = await planOf(container)
  if (networkText === 'host' || networkText === 'none') return leaveBuiltin(scope, container, networkText, {netns, planned: plan !== undefined, location})
  const network = await getNetwork(plan?.netconfPath ?? location.netconfPath, networkText).catch((error: unknown) => {
    // docker drops a stopped container's entry by the name given without looking the network up, so
    // that one on a network removed since can leave it.
    if (netns || !(error instanceof NoSuchNetworkError)) throw error
    return undefined
  })
  const name = network?.name ?? networkText
  // A container sharing another's network stack (or the host's) is on none.
  if (!plan?.networks.some((planned) => planned.network === name)) throw notConnected(container, name, netns !== undefined)
  const target = attachTarget(scope.client.namespace, container.record.Id, container.paths)
  if (netns) await detachNetworks(target, netns, [name])
  plan.networks = plan.networks.filter((planned) => planned.network !== name)
  await writeJsonAtomic(target.files.plan, plan)
  if (netns && network) await publishEvent(scope.client, networkEvent('disconnect', network, container.record.Id))
}
