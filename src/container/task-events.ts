/**
 * docker's events around a container's task that containerd cannot tell, in docker's order: at a
 * start, an attached start's `attach`, then `network connect` for each network the container joins
 * and `volume mount` for each volume it mounts (containerd's start follows); at the task's end,
 * `network disconnect` and `volume unmount`, then the mark before which `nerd events` holds
 * containerd's die back (TASK_ENDED_ACTION), as docker's monitor logs die after it let them go.
 * lifecycle.ts publishes them while it creates or deletes the task.
 */
import {TASK_ENDED_ACTION} from '../system/nerd-events.ts'
import type {NerdEvent} from '../system/nerd-events.ts'
import {LOCAL_DRIVER} from '../volume/model.ts'
import type {LoadedContainer} from './lifecycle.ts'
import type {MountPoint} from './model.ts'
import {readState} from './store.ts'

/** What the events tell of a container: its record, and its network plan. */
type TaskContainer = Pick<LoadedContainer, 'record' | 'paths'>

export async function taskStartEvents(container: TaskContainer, options: {attach: boolean}): Promise<NerdEvent[]> {
  const {record} = container
  const attach: NerdEvent[] = options.attach ? [{type: 'container', action: 'attach', id: record.Id, attributes: {}}] : []
  const mounts = volumePoints(container).map(
    (point): NerdEvent => ({
      type: 'volume',
      action: 'mount',
      id: point.Name!,
      attributes: {driver: point.Driver ?? LOCAL_DRIVER, container: record.Id, destination: point.Destination, 'read/write': String(point.RW), propagation: point.Propagation},
    }),
  )
  return [...attach, ...(await networkEvents(container, 'connect')), ...mounts]
}

export async function taskEndEvents(container: TaskContainer): Promise<NerdEvent[]> {
  const {record} = container
  const unmounts = volumePoints(container).map(
    (point): NerdEvent => ({type: 'volume', action: 'unmount', id: point.Name!, attributes: {driver: point.Driver ?? LOCAL_DRIVER, container: record.Id}}),
  )
  return [...(await networkEvents(container, 'disconnect')), ...unmounts, await taskEnded(container)]
}

/** The mark of the task's end, with the run's StartedAt, which docker's execDuration counts from (read here, before a restart can change it). */
async function taskEnded(container: TaskContainer): Promise<NerdEvent> {
  const startedAt = (await readState(container.paths).catch(() => undefined))?.StartedAt
  return {type: 'container', action: TASK_ENDED_ACTION, id: container.record.Id, attributes: startedAt ? {startedAt} : {}}
}

/** The container's volumes (named or anonymous), not its binds and tmpfs mounts. */
function volumePoints(container: TaskContainer): MountPoint[] {
  return container.record.Mounts.filter((point) => point.Type === 'volume' && point.Name)
}

async function networkEvents(container: TaskContainer, action: 'connect' | 'disconnect'): Promise<NerdEvent[]> {
  const [{joinedNetworks}, {networkEvent}] = await Promise.all([import('../network/list.ts'), import('../network/model.ts')])
  const networks = await joinedNetworks(container.record.HostConfig.NetworkMode, container.paths.networkPlan)
  return networks.map((network) => networkEvent(action, network, container.record.Id))
}
