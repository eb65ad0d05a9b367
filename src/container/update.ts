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
import {containerView, monitorRestarts, publishContainerEvent, RESTART_LOGURI_LABEL, RESTART_STATUS_LABEL} from './lifecycle.ts'
import type {ContainerScope, LoadedContainer} from './lifecycle.ts'
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
    // The default swap (twice the memory) is derived again from a new memory limit, as at create.
    memorySwap: host.MemorySwap === host.Memory * 2 ? undefined : host.MemorySwap,
    memoryReservation: host.MemoryReservation,
    nanoCpus: host.NanoCpus,
    cpuShares: host.CpuShares,
    cpuPeriod: host.CpuPeriod,
    cpuQuota: host.CpuQuota,
    cpusetCpus: host.CpusetCpus,
    cpusetMems: host.CpusetMems,
    pidsLimit: host.PidsLimit ?? undefined,
    blkioWeight: host.BlkioWeight,
  }
}

export async function updateContainer(scope: ContainerScope, container: LoadedContainer, request: UpdateRequest, cgroupManager: CgroupManager): Promise<string[]> {
  const {client} = scope
  const {record} = container
  const warnings: string[] = []
  if (request.restart && request.restart.Name !== 'no' && record.HostConfig.AutoRemove) {
    throw new NerdError('Restart policy cannot be updated because AutoRemove is enabled for the container')
  }
  const current = currentResources(record)
  const merged: RunOptions = {...current, ...request.resources}
  if (request.resources.memory !== undefined && request.resources.memorySwap === undefined && current.memorySwap !== undefined && current.memorySwap > 0 && request.resources.memory > current.memorySwap) {
    throw new NerdError('Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time')
  }
  const facts = hostFacts({cgroupManager, privileged: false})
  const limits = resourceLimits(merged, facts, warnings)
  // 0 or less asks for no limit; runc lifts the limit a running task has only when told -1 (docker's getPidsLimit).
  if (merged.pidsLimit !== undefined && merged.pidsLimit <= 0) limits.pids = {limit: -1}
  const stored = await client.containers.get(record.Id)
  const spec = unpackJson<Spec>(stored.spec)
  if (!spec?.linux) throw new NerdError(`container ${record.Name} has no Linux spec to update`)
  spec.linux.resources = {devices: spec.linux.resources?.devices ?? [], ...limits}

  const view = await containerView(scope, container)
  if (view.status === 'running' || view.status === 'paused') {
    await client.tasks.update({containerId: record.Id, resources: packJson(OCI_LINUX_RESOURCES_TYPE_URL, spec.linux.resources)}).catch((error: unknown) => {
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
  host.CpusetCpus = merged.cpusetCpus ?? ''
  host.CpusetMems = merged.cpusetMems ?? ''
  // docker records an update's "no limit" as 0 (a create's as null).
  host.PidsLimit = merged.pidsLimit === undefined ? null : Math.max(merged.pidsLimit, 0)
  host.BlkioWeight = merged.blkioWeight ?? 0
  if (request.restart) {
    host.RestartPolicy = request.restart
    await handRestartToMonitor(scope, container, view.status === 'running')
  }
  await writeRecord(container.paths, record)
  await publishContainerEvent(scope, container, 'update')
  return warnings
}

/** containerd 1.6's restart monitor carries `always`/`unless-stopped`: its labels follow the new policy. */
async function handRestartToMonitor(scope: ContainerScope, container: LoadedContainer, running: boolean): Promise<void> {
  const {Id} = container.record
  const uri = containerLogUri(scope, defaultStartContext())
  if (monitorRestarts(container.record) && running) {
    await scope.client.containers.update({id: Id, labels: {[RESTART_STATUS_LABEL]: 'running', [RESTART_LOGURI_LABEL]: uri}}, [
      `labels.${RESTART_STATUS_LABEL}`,
      `labels.${RESTART_LOGURI_LABEL}`,
    ])
  } else if (!monitorRestarts(container.record) && container.labels[RESTART_STATUS_LABEL]) {
    await scope.client.containers.update({id: Id, labels: {}}, [`labels.${RESTART_STATUS_LABEL}`, `labels.${RESTART_LOGURI_LABEL}`])
  }
}
