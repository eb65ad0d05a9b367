/**
 * A container that joins another's namespaces (`--network/--pid/--ipc container:X`) holds X's
 * process in its spec (`/proc/PID/ns/net`), which stays X's only until X stops. As docker's, create
 * needs X to exist only, and every start looks X up again: before each start nerd points those
 * paths at X's current process, or refuses the start in docker's words when X is gone or does not
 * run, or has no IPC to share with an `--ipc container:X` joiner. X is looked up by what the record
 * holds: its full ID, as docker records it, so that a rename of X keeps the joiner joined; a name in
 * the records of containers an older nerd created.
 * The same pass makes the start's other changes to the stored spec (its user, start-user.ts; its
 * links), so that a start updates the spec once at most.
 */
import {packJson, unpackJson} from '../containerd/index.ts'
import type {ContainerdClient} from '../containerd/index.ts'
import {NerdError} from '../errors.ts'
import type {ContainerScope, LoadedContainer} from './lifecycle.ts'
import {containerView, loadContainerOrDead} from './lifecycle.ts'
import {joinedContainers} from './model.ts'
import type {ContainerView, JoinedType} from './model.ts'
import {sharedShmPath} from './shm.ts'
import type {Spec} from './spec/index.ts'
import {NoSuchContainerError} from './store.ts'

/**
 * The process in the spec of a container created while X did not run, until its first start fills
 * in X's: no /proc/0 exists, so whatever started it without looking X up would fail, not join
 * another process's namespaces.
 */
export const PID_BEFORE_START = 0

/** Whether a container's namespaces can be joined: docker's running, which a paused container still is. */
export function hasJoinableProcess(view: ContainerView): boolean {
  return view.status === 'running' || view.status === 'paused'
}

/** docker's refusal of a start that cannot join the IPC or PID namespace of another container, for `reason`. */
function joinRefused(type: 'ipc' | 'pid', reason: string): NerdError {
  return new NerdError(`failed to join ${type.toUpperCase()} namespace: ${reason}`)
}

/** docker's refusal of a start that would join the `type` namespace of a container that does not run. */
function notJoinable(type: JoinedType, view: ContainerView): NerdError {
  const {Id, Name} = view.record
  if (type === 'network') {
    return new NerdError(
      view.status === 'restarting'
        ? `cannot join network namespace of container: Container ${Id} is restarting, wait until the container is running`
        : `cannot join network namespace of a non running container: container ${Name} is ${view.status}`,
    )
  }
  return joinRefused(type, view.status === 'restarting' ? `Container ${Id} is restarting, wait until the container is running` : `container ${Id} is not running`)
}

/**
 * The container the record names for `type`. One gone is refused as docker's: its network's look-up
 * in plain `No such container`, its IPC's and PID's after their `failed to join ... namespace: `.
 */
async function loadJoined(scope: ContainerScope, type: JoinedType, reference: string): Promise<LoadedContainer> {
  return loadContainerOrDead(scope, reference).catch((error: unknown) => {
    throw type !== 'network' && error instanceof NoSuchContainerError ? joinRefused(type, error.message) : error
  })
}

export async function refreshJoinedNamespaces(scope: ContainerScope, container: LoadedContainer, alsoChange?: (spec: Spec) => boolean): Promise<void> {
  const joined = joinedContainers(container.record.HostConfig)
  if (joined.length === 0 && !alsoChange) return
  const found = new Map<string, {container: LoadedContainer; view: ContainerView}>()
  const pids = new Map<string, number>()
  for (const [type, reference] of joined) {
    let other = found.get(reference)
    if (!other) {
      const container = await loadJoined(scope, type, reference)
      other = {container, view: await containerView(scope, container)}
      found.set(reference, other)
    }
    if (!hasJoinableProcess(other.view)) throw notJoinable(type, other.view)
    // docker's start checks, after that the IPC donor runs, that it has a /dev/shm to share. No
    // container's IPC mode changes, so the /dev/shm the joiner's spec binds since its create is that one.
    if (type === 'ipc' && (await sharedShmPath(scope, other.container)) === undefined) {
      throw joinRefused(type, `container ${reference}: non-shareable IPC (hint: use IpcMode:shareable for the donor container)`)
    }
    pids.set(type, other.view.pid)
  }
  await changeStoredSpec(scope.client, container.record.Id, (spec) => {
    let changed = alsoChange?.(spec) ?? false
    for (const namespace of spec.linux?.namespaces ?? []) {
      const pid = pids.get(namespace.type)
      if (pid === undefined || !namespace.path) continue
      const path = namespace.path.replace(/^\/proc\/\d+\//, `/proc/${pid}/`)
      changed ||= path !== namespace.path
      namespace.path = path
    }
    return changed
  })
}

/** Edits the spec containerd stores for the container `id` in place: `change` says whether it changed it, and only then is it written back. */
export async function changeStoredSpec(client: ContainerdClient, id: string, change: (spec: Spec) => boolean): Promise<void> {
  const stored = await client.containers.get(id)
  const spec = unpackJson<Spec>(stored.spec)
  if (spec && change(spec)) await client.containers.update({id, spec: packJson(stored.spec!.typeUrl, spec)}, ['spec'])
}
