/** `inspect` of a container: nerd's records and containerd's task in docker's shape. */
import {lstat, readdir} from 'node:fs/promises'
import {join} from 'node:path'
import {isNotFound} from '../containerd/index.ts'
import {NerdError} from '../errors.ts'
import {readJsonIfExists} from '../files.ts'
import {Limiter} from '../limiter.ts'
import {readNetworkPlan} from '../network/attach.ts'
import type {NetworkPlan, NetworkState} from '../network/attach.ts'
import {builtinNetworkOf, builtinNetworkSettings, networkSettingsOf as endpointSettingsOf} from '../network/plan.ts'
import {recordedExecs} from './exec-reaper.ts'
import {containerView, loadContainerOrDead} from './lifecycle.ts'
import {rootfsLayers} from './rootfs-files.ts'
import type {ContainerScope, LoadedContainer} from './lifecycle.ts'
import type {ContainerRecord, ContainerView} from './model.ts'
import {NoSuchContainerError} from './store.ts'
import {emptyNetworkSettings, inspectContainer} from './view.ts'
import type {ContainerInspect, NetworkSettings} from './view.ts'

/**
 * docker's words (its containerd store's GetContainerLayerSize) for the size of a container whose
 * own snapshot is gone: the container is there, its snapshot is not. A not-found error to docker,
 * which its generic inspect without --type passes over.
 */
export class SnapshotGoneError extends NerdError {
  constructor(id: string, cause: unknown) {
    super(`rw layer snapshot not found for container ${id}`, {cause})
  }
}

/** The container's inspect document, undefined when no container has that name or ID. */
export async function inspectContainers(scope: ContainerScope, reference: string, options: {size?: boolean} = {}): Promise<ContainerInspect | undefined> {
  let container
  try {
    // A dead one is shown as ps lists it: dead, as recorded.
    container = await loadContainerOrDead(scope, reference)
  } catch (error) {
    if (error instanceof NoSuchContainerError) return undefined
    throw error
  }
  const view = await containerView(scope, container)
  const execIds = view.status === 'running' ? await runningExecIds(scope, container) : []
  const size = options.size
    ? await containerSize(scope, container.record.Snapshotter, container.record.Id).catch((error: unknown) => {
        // A dead container's snapshot may have gone with its removal: nothing to count then.
        if (container.dead) return {rw: 0, rootFs: 0}
        throw isNotFound(error) ? new SnapshotGoneError(container.record.Id, error) : error
      })
    : undefined
  const plan = await readNetworkPlan(container.paths.networkPlan)
  // docker's Config.MacAddress (API < 1.44) is the one asked for the endpoint of the network mode.
  const mode = container.record.HostConfig.NetworkMode
  const macAddress = plan?.networks.find((planned) => planned.network === (mode === 'default' ? 'bridge' : mode))?.mac
  const networkSettings = await networkSettingsOf(view, container, plan)
  return inspectContainer(view, {dataRoot: scope.dataRoot, execIds, ...(size ? {size} : {}), networkSettings, ...(macAddress ? {macAddress} : {})})
}

/** docker's NetworkSettings: the attached networks' addresses and the published ports. */
async function networkSettingsOf(view: ContainerView, container: LoadedContainer, plan: NetworkPlan | undefined): Promise<NetworkSettings> {
  const settings = emptyNetworkSettings()
  const state = await readJsonIfExists<NetworkState>(container.paths.networkState)
  const running = view.status === 'running' || view.status === 'paused'
  const sandboxKey = view.pid ? `/proc/${view.pid}/ns/net` : ''
  const mode = container.record.HostConfig.NetworkMode
  const builtin = builtinNetworkOf(mode, plan !== undefined)
  if (builtin) {
    const {builtinNetworkId} = await import('../network/list.ts')
    const Networks = builtinNetworkSettings(builtin, builtinNetworkId(builtin), container.record.Id, running)
    return {...settings, Networks, SandboxKey: running ? sandboxKey : ''}
  }
  const networkIds = plan && !running ? await endpointNetworkIds(plan) : {}
  const network = endpointSettingsOf(plan, running ? state : undefined, running ? (view.ports ?? {}) : {}, sandboxKey, {containerId: container.record.Id, networkIds, started: view.state.StartedAt !== ''})
  return {...settings, ...network.primary, Ports: network.Ports, Networks: network.Networks, SandboxKey: network.SandboxKey}
}

/** The IDs of the networks a stopped container's plan names; one removed since has none. */
async function endpointNetworkIds(plan: NetworkPlan): Promise<Record<string, string>> {
  const {listNetworks} = await import('../network/store.ts')
  const networks = await listNetworks(plan.netconfPath).catch(() => [])
  return Object.fromEntries(networks.map((network) => [network.name, network.nerd.id]))
}

/**
 * docker's ExecIDs: the container's execs made and not ended, of those nerd records until it
 * deletes them (exec-reaper.ts; the look at the container has deleted those whose holder is gone).
 * The shim answers for an exec from what it keeps; a list of the task's processes would have it run
 * `runc ps` at every inspect.
 */
async function runningExecIds(scope: ContainerScope, container: LoadedContainer): Promise<string[]> {
  const execIds = await recordedExecs(container.paths)
  const running = await Promise.all(
    execIds.map(async (execId) => {
      const process = await scope.client.tasks.get(container.record.Id, execId).catch(() => undefined)
      return process !== undefined && process.status !== 'STOPPED' ? [execId] : []
    }),
  )
  return running.flat()
}

/**
 * docker's SizeRw: the bytes of the files the container wrote (a hard link once, directories not at
 * all), as docker's overlay2 counts them, so a container that changed nothing is 0B; containerd's
 * usage would count the disk blocks of its directories too.
 */
export async function writableSize(scope: ContainerScope, snapshotter: string, id: string): Promise<number> {
  const [writable] = rootfsLayers(await scope.client.snapshots.mounts(snapshotter, id))
  return writable === undefined ? Number((await scope.client.snapshots.usage(snapshotter, id)).size) : await filesSize(writable)
}

/** docker's SizeRw and SizeRootFs: the writable layer, and it with every image layer under it. */
export async function containerSize(scope: ContainerScope, snapshotter: string, id: string, layers = imageLayers(scope)): Promise<ContainerSize> {
  const rw = await writableSize(scope, snapshotter, id)
  let rootFs = rw
  let parent = (await scope.client.snapshots.stat(snapshotter, id)).parent
  while (parent) {
    const layer = await layers(snapshotter, parent)
    rootFs += layer.size
    parent = layer.parent
  }
  return {rw, rootFs}
}

export interface ContainerSize {
  rw: number
  rootFs: number
}

type ImageLayers = (snapshotter: string, key: string) => Promise<{size: number; parent: string}>

/** The size and parent of image snapshots, each asked of containerd once: containers of one image share them. */
function imageLayers(scope: ContainerScope): ImageLayers {
  const known = new Map<string, Promise<{size: number; parent: string}>>()
  return (snapshotter, key) => {
    const name = `${snapshotter}/${key}`
    let layer = known.get(name)
    if (layer === undefined) {
      layer = Promise.all([scope.client.snapshots.usage(snapshotter, key), scope.client.snapshots.stat(snapshotter, key)]).then(([usage, info]) => ({size: Number(usage.size), parent: info.parent}))
      known.set(name, layer)
    }
    return layer
  }
}

/** How many containers' sizes are worked out at once: each walks its files (on libuv's four threads) and asks containerd about its layers. */
const SIZES_AT_ONCE = 8

/**
 * containerSize of each container (by ID), a few at a time; 0 for one whose size cannot be read
 * (removed meanwhile). `writableOnly`: its writableSize alone, rootFs 0, its image's layers not asked for.
 */
export async function containerSizes(scope: ContainerScope, records: readonly Pick<ContainerRecord, 'Id' | 'Snapshotter'>[], options: {writableOnly?: boolean} = {}): Promise<Map<string, ContainerSize>> {
  const limiter = new Limiter(SIZES_AT_ONCE)
  const layers = imageLayers(scope)
  const measure = async (record: Pick<ContainerRecord, 'Id' | 'Snapshotter'>): Promise<ContainerSize> =>
    options.writableOnly ? {rw: await writableSize(scope, record.Snapshotter, record.Id), rootFs: 0} : await containerSize(scope, record.Snapshotter, record.Id, layers)
  const sizes = new Map<string, ContainerSize>()
  const sizeOf = async (record: Pick<ContainerRecord, 'Id' | 'Snapshotter'>): Promise<void> => {
    sizes.set(record.Id, await measure(record).catch(() => ({rw: 0, rootFs: 0})))
  }
  await Promise.all(records.map((record) => limiter.run(() => sizeOf(record))))
  return sizes
}

/** The bytes of the files under `directory`: each inode once, directories and empty files adding nothing. */
async function filesSize(directory: string): Promise<number> {
  const seen = new Set<number>()
  let total = 0
  for (const entry of await readdir(directory, {recursive: true, withFileTypes: true})) {
    if (entry.isDirectory()) continue
    const stats = await lstat(join(entry.parentPath, entry.name))
    if (stats.size === 0 || seen.has(stats.ino)) continue
    seen.add(stats.ino)
    total += stats.size
  }
  return total
}
