/**
 * A container that joins another's namespaces (`--network/--pid/--ipc container:X`) holds X's
 * process in its spec (`/proc/PID/ns/net`), which stays X's only until X restarts. docker looks X
 * up at every start, so before each later start nerd points those paths at X's current process.
 * The same pass makes the start's other change to the stored spec (its user, start-user.ts), so that
 * a start updates the spec once at most.
 */
import {packJson, unpackJson} from '../containerd/index.ts'
import {NerdError} from '../errors.ts'
import type {ContainerScope, LoadedContainer} from './lifecycle.ts'
import {containerView, loadContainerOrDead} from './lifecycle.ts'
import type {Spec} from './spec/index.ts'

const CONTAINER_MODE = 'container:'

/** The spec's namespace type for each HostConfig mode that can name a container. */
function joinedContainers(container: LoadedContainer): Map<string, string> {
  const {NetworkMode, PidMode, IpcMode} = container.record.HostConfig
  const joined = new Map<string, string>()
  for (const [type, mode] of [['network', NetworkMode], ['pid', PidMode], ['ipc', IpcMode]] as const) {
    if (mode?.startsWith(CONTAINER_MODE)) joined.set(type, mode.slice(CONTAINER_MODE.length))
  }
  return joined
}

export async function refreshJoinedNamespaces(scope: ContainerScope, container: LoadedContainer, alsoChange?: (spec: Spec) => boolean): Promise<void> {
  const joined = joinedContainers(container)
  if (joined.size === 0 && !alsoChange) return
  const pids = new Map<string, number>()
  for (const reference of new Set(joined.values())) {
    const view = await containerView(scope, await loadContainerOrDead(scope, reference))
    if (view.status !== 'running') throw new NerdError(`cannot join the namespaces of container ${reference}: it is not running`)
    pids.set(reference, view.pid)
  }
  const stored = await scope.client.containers.get(container.record.Id)
  const spec = unpackJson<Spec>(stored.spec)
  let changed = spec !== undefined && (alsoChange?.(spec) ?? false)
  for (const namespace of spec?.linux?.namespaces ?? []) {
    const reference = joined.get(namespace.type)
    if (reference === undefined || !namespace.path) continue
    const path = namespace.path.replace(/^\/proc\/\d+\//, `/proc/${pids.get(reference)}/`)
    changed ||= path !== namespace.path
    namespace.path = path
  }
  if (changed) await scope.client.containers.update({id: container.record.Id, spec: packJson(stored.spec!.typeUrl, spec)}, ['spec'])
}
