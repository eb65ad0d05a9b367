/**
 * `update`: new resource limits for a container, applied to its running task (Tasks.Update) and to
 * its spec and record so that the next start keeps them; a new restart policy. docker's update event
 * is nerd's own: containerd's /containers/update also comes of label changes docker does not report.
 */
import type {CgroupManager} from '../config/index.ts'
import {OCI_LINUX_RESOURCES_TYPE_URL, packJson, unpackJson} from '../containerd/index.ts'
import {NerdError} from '../errors.ts'
import type {UpdateRequest} from './create-options.ts'
import {hostFacts} from './host-facts.ts'
import {containerView, publishContainerEvent, RESTART_LOGURI_LABEL, RESTART_STATUS_LABEL, withContainerLock} from './lifecycle.ts'
import type {ContainerScope, LoadedContainer} from './lifecycle.ts'
import {monitorRestarts} from './model.ts'
import type {ContainerRecord} from './model.ts'
import {containerLogUri, defaultStartContext} from './run.ts'
import {resourceLimits} from './spec/resources.ts'
import type {RunOptions, Spec} from './spec/index.ts'
import {writeRecord} from './store.ts'

/** The resource settings the container has now, as create's options name them. */
function currentResources(record: ContainerRecord): UpdateRequest['resources'] {
  const host = record.HostConfig
  return {
    memory: host.Memory,
    // Kept as it is when the memory limit changes, as docker keeps it (a new limit above it is refused).
    memorySwap: host.MemorySwap === 0 ? undefined : host.MemorySwap,
    memoryReservation: host.MemoryReservation,
    nanoCpus: host.NanoCpus,
    cpuShares: host.CpuShares,
    cpuPeriod: host.CpuPeriod,
    cpuQuota: host.CpuQuota,
    cpuRealtimePeriod: host.CpuRealtimePeriod,
    cpuRealtimeRuntime: host.CpuRealtimeRuntime,
    cpusetCpus: host.CpusetCpus,
    cpusetMems: host.CpusetMems,
    pidsLimit: host.PidsLimit ?? undefined,
    blkioWeight: host.BlkioWeight,
  }
}

/**
 * The settings an update changes, as docker's UpdateContainer reads its request: a 0 (an empty
 * cpuset) is no value and leaves the setting as it is; --pids-limit 0 too, as docker's CLI does not
 * send it (-1 lifts the limit).
 */
function changedResources(resources: UpdateRequest['resources']): UpdateRequest['resources'] {
  return Object.fromEntries(Object.entries(resources).filter(([, value]) => value !== 0 && value !== ''))
}

/**
 * docker's UpdateContainer's refusals of what conflicts with the container's settings, in its words
 * and order, with the prefix its errCannotUpdate gives them.
 */
function checkConflicts(record: ContainerRecord, changed: UpdateRequest['resources'], restart: UpdateRequest['restart']): void {
  const host = record.HostConfig
  const refuse = (message: string): never => {
    throw new NerdError(`Cannot update container ${record.Id}: ${message}`)
  }
  if ((changed.nanoCpus ?? 0) > 0 && host.CpuPeriod > 0) refuse('Conflicting options: Nano CPUs cannot be updated as CPU Period has already been set')
  if ((changed.nanoCpus ?? 0) > 0 && host.CpuQuota > 0) refuse('Conflicting options: Nano CPUs cannot be updated as CPU Quota has already been set')
  if ((changed.cpuPeriod ?? 0) > 0 && host.NanoCpus > 0) refuse('Conflicting options: CPU Period cannot be updated as NanoCPUs has already been set')
  if ((changed.cpuQuota ?? 0) > 0 && host.NanoCpus > 0) refuse('Conflicting options: CPU Quota cannot be updated as NanoCPUs has already been set')
  if (changed.memory !== undefined && changed.memorySwap === undefined && host.MemorySwap > 0 && changed.memory > host.MemorySwap) {
    refuse('Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time')
  }
  if (restart && restart.Name !== 'no' && host.AutoRemove) refuse('Restart policy cannot be updated because AutoRemove is enabled for the container')
}

/**
 * Under the container's lifecycle lock, as docker's update: the record and spec are read and written
 * whole by one command at a time, so that of concurrent updates each keeps the others' changes, and
 * an update never writes back the name a concurrent rename changed.
 */
export async function updateContainer(scope: ContainerScope, loaded: LoadedContainer, request: UpdateRequest, cgroupManager: CgroupManager): Promise<string[]> {
  if (loaded.dead) throw new NerdError(`Cannot update container ${loaded.record.Id}: container is marked for removal and cannot be "update"`)
  return withContainerLock(loaded, (container) => updateLocked(scope, container, request, cgroupManager))
}

async function updateLocked(scope: ContainerScope, container: LoadedContainer, request: UpdateRequest, cgroupManager: CgroupManager): Promise<string[]> {
  const {client} = scope
  const {record} = container
  const warnings: string[] = []
  const facts = hostFacts({cgroupManager, privileged: false})
  const changed = changedResources(request.resources)
  // docker checks the request's own values (verifyContainerSettings), before it reads the container's.
  resourceLimits(changed, facts, warnings, {update: true})
  checkConflicts(record, changed, request.restart)
  const merged: RunOptions = {...currentResources(record), ...changed}
  // The merged values are the kernel's to refuse, as docker leaves them: a reservation above the
  // memory limit is taken (cgroup v1's soft limit and v2's memory.low may exceed the limit), so it is
  // left out of the checks and put back.
  const {memoryReservation, ...checked} = merged
  let limits: ReturnType<typeof resourceLimits>
  try {
    limits = resourceLimits(checked, facts, [], {update: true})
  } catch (error) {
    throw new NerdError(`Cannot update container ${record.Id}: ${(error as Error).message}`, {cause: error})
  }
  if (memoryReservation) limits.memory = {...limits.memory, reservation: memoryReservation}
  // 0 or less asks for no limit; runc lifts the limit a running task has only when told -1 (docker's getPidsLimit).
  if (merged.pidsLimit !== undefined && merged.pidsLimit <= 0) limits.pids = {limit: -1}
  const stored = await client.containers.get(record.Id)
  const spec = unpackJson<Spec>(stored.spec)
  if (!spec?.linux) throw new NerdError(`container ${record.Name} has no Linux spec to update`)
  spec.linux.resources = {devices: spec.linux.resources?.devices ?? [], ...limits}

  const view = await containerView(scope, container)
  if (view.status === 'running' || view.status === 'paused') {
    // Real-time CPU limits are the next start's: docker's update records them but does not give them to the task (toContainerdResources).
    const {realtimePeriod: _period, realtimeRuntime: _runtime, ...cpu} = spec.linux.resources.cpu ?? {}
    const resources = {...spec.linux.resources, ...(spec.linux.resources.cpu ? {cpu} : {})}
    await client.tasks.update({containerId: record.Id, resources: packJson(OCI_LINUX_RESOURCES_TYPE_URL, resources)}).catch((error: unknown) => {
      // docker's words, on one line: runc's reason without its line break, nor containerd's kind after it (which docker's client drops).
      const reason = (error as Error).message.replace(/\s*: unknown$/, '').replace(/\s*\n\s*/g, ' ')
      throw new NerdError(`Cannot update container ${record.Id}: ${reason}`, {cause: error})
    })
  }
  await client.containers.update({id: record.Id, spec: packJson(stored.spec!.typeUrl, spec)}, ['spec'])

  const host = record.HostConfig
  host.Memory = merged.memory ?? 0
  host.MemoryReservation = merged.memoryReservation ?? 0
  host.MemorySwap = limits.memory?.swap ?? (host.Memory > 0 && facts.swapLimit === false ? -1 : 0)
  host.NanoCpus = merged.nanoCpus ?? 0
  host.CpuShares = merged.cpuShares ?? 0
  host.CpuPeriod = merged.cpuPeriod ?? 0
  host.CpuQuota = merged.cpuQuota ?? 0
  host.CpuRealtimePeriod = merged.cpuRealtimePeriod ?? 0
  host.CpuRealtimeRuntime = merged.cpuRealtimeRuntime ?? 0
  host.CpusetCpus = merged.cpusetCpus ?? ''
  host.CpusetMems = merged.cpusetMems ?? ''
  // docker records an update's "no limit" as 0 (a create's as null).
  host.PidsLimit = merged.pidsLimit === undefined ? null : Math.max(merged.pidsLimit, 0)
  host.BlkioWeight = limits.blockIO?.weight ?? 0
  if (request.restart) {
    host.RestartPolicy = request.restart
    // With containerd's labels as they are now, under the lock: a concurrent update may have changed them.
    await handRestartToMonitor(scope, {...container, labels: stored.labels}, view.status)
  }
  await writeRecord(container.paths, record)
  await publishContainerEvent(scope, container, 'update')
  return warnings
}

/**
 * containerd 1.6's restart monitor carries `always`/`unless-stopped`: its labels follow the new
 * policy. A paused container gets the log URI only; its unpause hands it to the monitor.
 */
async function handRestartToMonitor(scope: ContainerScope, container: LoadedContainer, status: string): Promise<void> {
  const {Id} = container.record
  const uri = containerLogUri(scope, defaultStartContext())
  if (monitorRestarts(container.record) && (status === 'running' || status === 'paused')) {
    const labels = status === 'running' ? [RESTART_STATUS_LABEL, RESTART_LOGURI_LABEL] : [RESTART_LOGURI_LABEL]
    await scope.client.containers.update({id: Id, labels: {[RESTART_STATUS_LABEL]: 'running', [RESTART_LOGURI_LABEL]: uri}}, labels.map((label) => `labels.${label}`))
  } else if (!monitorRestarts(container.record) && container.labels[RESTART_STATUS_LABEL]) {
    await scope.client.containers.update({id: Id, labels: {}}, [`labels.${RESTART_STATUS_LABEL}`, `labels.${RESTART_LOGURI_LABEL}`])
  }
}
