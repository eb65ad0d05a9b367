/** `inspect` of a container: nerd's records and containerd's task in docker's shape. */
import {lstat, readdir} from 'node:fs/promises'
import {join} from 'node:path'
import {readJsonIfExists} from '../files.ts'
import type {NetworkPlan, NetworkState} from '../network/attach.ts'
import {builtinNetworkSettings, networkSettingsOf} from '../network/plan.ts'
import {containerView, loadContainer} from './lifecycle.ts'
import {rootfsLayers} from './rootfs-files.ts'
import type {ContainerScope, LoadedContainer} from './lifecycle.ts'
import type {ContainerView} from './model.ts'
import {NoSuchContainerError} from './store.ts'
import {emptyNetworkSettings, inspectContainer} from './view.ts'
import type {ContainerInspect, NetworkSettings} from './view.ts'

/** The container's inspect document, undefined when no container has that name or ID. */
export async function inspectContainers(scope: ContainerScope, reference: string, options: {size?: boolean} = {}): Promise<ContainerInspect | undefined> {
  let container
  try {
    container = await loadContainer(scope, reference)
  } catch (error) {
    if (error instanceof NoSuchContainerError) return undefined
    throw error
  }
  const view = await containerView(scope, container)
  const execIds = view.status === 'running' ? await runningExecIds(scope, container.record.Id) : []
  const size = options.size ? await containerSize(scope, container.record.Snapshotter, container.record.Id) : undefined
  return inspectContainer(view, {dataRoot: scope.dataRoot, execIds, ...(size ? {size} : {}), networkSettings: await networkSettings(view, container)})
}

/** docker's NetworkSettings: the attached networks' addresses and the published ports. */
async function networkSettings(view: ContainerView, container: LoadedContainer): Promise<NetworkSettings> {
  const settings = emptyNetworkSettings()
  const [plan, state] = await Promise.all([readJsonIfExists<NetworkPlan>(container.paths.networkPlan), readJsonIfExists<NetworkState>(container.paths.networkState)])
  const running = view.status === 'running' || view.status === 'paused'
  const exposed = Object.keys(container.record.Config.ExposedPorts ?? {})
  const sandboxKey = view.pid ? `/proc/${view.pid}/ns/net` : ''
  const mode = container.record.HostConfig.NetworkMode
  if (mode === 'host' || mode === 'none') {
    const {builtinNetworkId} = await import('../network/list.ts')
    const Networks = builtinNetworkSettings(mode, builtinNetworkId(mode), container.record.Id, running)
    return {...settings, Networks, SandboxKey: running ? sandboxKey : ''}
  }
  const network = networkSettingsOf(plan, running ? state : undefined, running ? exposed : [], sandboxKey, container.record.Id)
  return {...settings, ...network.primary, Ports: network.Ports, Networks: network.Networks, SandboxKey: network.SandboxKey}
}

async function runningExecIds(scope: ContainerScope, id: string): Promise<string[]> {
  const {unpackAny} = await import('../containerd/index.ts')
  const processes = await scope.client.tasks.listPids(id).catch(() => [])
  return processes.flatMap((process) => unpackAny<{execId: string}>(process.info)?.execId ?? [])
}

/**
 * docker's SizeRw and SizeRootFs. SizeRw counts the bytes of the files the container wrote (a hard
 * link once, directories not at all), as docker's overlay2 does, so a container that changed nothing
 * is 0B; containerd's usage would count the disk blocks of its directories too.
 */
export async function containerSize(scope: ContainerScope, snapshotter: string, id: string): Promise<{rw: number; rootFs: number}> {
  const {client} = scope
  const [writable] = rootfsLayers(await client.snapshots.mounts(snapshotter, id))
  const rw = writable === undefined ? Number((await client.snapshots.usage(snapshotter, id)).size) : await filesSize(writable)
  let rootFs = rw
  let parent = (await client.snapshots.stat(snapshotter, id)).parent
  while (parent) {
    rootFs += Number((await client.snapshots.usage(snapshotter, parent)).size)
    parent = (await client.snapshots.stat(snapshotter, parent)).parent
  }
  return {rw, rootFs}
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
