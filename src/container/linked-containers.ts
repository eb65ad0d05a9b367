/**
 * The linked containers of `--link` (links.ts) looked up: at create, that they exist; at every
 * start, that they run, and where. And `rm --link`, which takes a link away.
 */
import {NerdError} from '../errors.ts'
import {changeStoredSpec} from './joined-namespaces.ts'
import type {ContainerScope, LoadedContainer} from './lifecycle.ts'
import {containerView, loadContainerOrDead, withContainerLock} from './lifecycle.ts'
import type {LinkRequest, RecordedLink} from './links.ts'
import {linkEnv, linkHostsAlias, linkHostsLine, parseLink, setLinkEnv} from './links.ts'
import {isContainerName} from './names.ts'
import type {Spec} from './spec/index.ts'
import {writeJsonAtomic} from '../files.ts'
import type {ContainerRecord} from './model.ts'
import {dropLinkHosts, readNetworkPlan, readNetworkState} from '../network/attach.ts'
import {DEFAULT_NETWORK} from '../network/model.ts'
import {attachTarget, idOfName, NoSuchContainerError, writeRecord} from './store.ts'

/** docker's refusal of a link whose container cannot be found, at create. */
function missingLinkError(reference: string, cause: unknown): NerdError {
  return new NerdError(`could not get container for ${reference}: No such container: ${reference}`, {exitCode: 125, cause})
}

/**
 * `--link` at create on the default bridge: each linked container must exist and not be on the
 * host's network. The links as recorded, and as docker's inspect shows them (`/name:/parent/alias`).
 */
export async function linksAtCreate(scope: ContainerScope, parent: string, links: LinkRequest[]): Promise<{recorded: RecordedLink[]; shown: string[]}> {
  const recorded: RecordedLink[] = []
  const shown: string[] = []
  for (const link of links) {
    const child = await loadContainerOrDead(scope, link.container).catch((error: unknown) => {
      throw error instanceof NoSuchContainerError ? missingLinkError(link.container, error) : error
    })
    if (child.record.HostConfig.NetworkMode === 'host') {
      throw new NerdError("conflicting options: host type networking can't be used with links. This would result in undefined behavior", {exitCode: 125})
    }
    recorded.push({Id: child.record.Id, Alias: link.alias})
    shown.push(`/${child.record.Name}:/${parent}/${link.alias}`)
  }
  return {recorded, shown}
}

/**
 * What the links of a container on the default bridge give it, as docker's setupLinkedContainers
 * works them out at every start and every exec: the linked containers must be running and on the
 * default bridge (docker's messages otherwise); their hosts lines and variables, from their current
 * address.
 */
export async function currentLinks(scope: ContainerScope, container: LoadedContainer): Promise<{hosts: string[]; env: string[]; aliases: string[]} | undefined> {
  const links = container.record.Links ?? []
  if (links.length === 0 || container.record.HostConfig.NetworkMode !== DEFAULT_NETWORK) return undefined
  const hosts: string[] = []
  const env: string[] = []
  for (const link of links) {
    const notRunning = (name: string) => new NerdError(`Cannot link to a non running container: /${name} AS /${container.record.Name}/${link.Alias}`)
    // docker (1.10 on) keeps the link of a linked container removed since, and refuses the start as
    // for one stopped (its linkIndex.delete drops the removed container's own links, not those to it).
    const child = await loadContainerOrDead(scope, link.Id).catch((error: unknown) => {
      if (error instanceof NoSuchContainerError) throw notRunning(removedLinkName(container.record, link))
      throw error
    })
    const view = await containerView(scope, child)
    if (view.status !== 'running') throw notRunning(child.record.Name)
    const attachment = (await readNetworkState({plan: child.paths.networkPlan, state: child.paths.networkState, hosts: child.paths.hosts})).attachments[DEFAULT_NETWORK]
    const address = attachment?.addresses.find((entry) => !entry.includes(':'))?.split('/')[0]
    if (!address) throw new NerdError(`Cannot link to /${child.record.Name}, as it does not belong to the default network`)
    hosts.push(linkHostsLine({address, alias: link.Alias, hostname: hostnameOf(child.record), name: child.record.Name}))
    env.push(...linkEnv({parent: container.record.Name, alias: link.Alias, address, exposedPorts: Object.keys(child.record.Config.ExposedPorts ?? {}), env: child.record.Config.Env ?? []}))
  }
  return {hosts, env, aliases: links.map((link) => link.Alias)}
}

/** The name a removed linked container had: the one its link shows (`/name:/parent/alias`, recorded at create). */
function removedLinkName(record: ContainerRecord, link: RecordedLink): string {
  const shown = (record.HostConfig.Links ?? []).map(parseLink).find((entry) => entry.alias === link.Alias)
  return shown?.container ?? link.Id
}

function hostnameOf(record: ContainerRecord): string {
  return record.Config.Hostname || record.Id.slice(0, 12)
}

/**
 * The start's part of the links: the linked containers' hosts lines go in the network plan, which
 * the container's /etc/hosts is written from as its networks attach; the returned change puts
 * their variables in the spec.
 */
export async function prepareLinks(scope: ContainerScope, container: LoadedContainer): Promise<((spec: Spec) => boolean) | undefined> {
  const links = await currentLinks(scope, container)
  if (!links) return undefined
  const plan = await readNetworkPlan(container.paths.networkPlan)
  if (plan) await writeJsonAtomic(container.paths.networkPlan, {...plan, linkHosts: links.hosts})
  return (spec) => setLinkEnv(spec, links.aliases, container.record.Config.Env ?? [], links.env)
}

/**
 * `rm --link PARENT/ALIAS` (docker's rmLink, daemon/delete.go): the link the container named PARENT
 * has as ALIAS goes, the linked container stays. `name` is docker's link name without its slashes,
 * as its CLI sends it; one without a slash names a container, whose own name is no link. The link
 * leaves the parent's record, the variables its last start gave it, and its /etc/hosts at once
 * when it runs, as docker's daemon refreshes a running parent's sandbox. A link to a container
 * removed since goes too (docker's keeps it, then cannot name it).
 */
export async function removeLink(scope: ContainerScope, name: string): Promise<void> {
  const slash = name.lastIndexOf('/')
  if (slash === -1) {
    await loadContainerOrDead(scope, name)
    throw new NerdError('Conflict, cannot remove the default link name of the container')
  }
  const [parentName, alias] = [name.slice(0, slash), name.slice(slash + 1)]
  // docker names a link after its parent's name, never its ID.
  const parentId = isContainerName(parentName) ? await idOfName(scope.dataRoot, scope.client.namespace, parentName) : undefined
  if (parentId === undefined) throw new NoSuchContainerError(name)
  await withContainerLock(await loadContainerOrDead(scope, parentId), async (parent) => {
    const {Links: links = [], ...record} = parent.record
    const kept = links.filter((link) => link.Alias !== alias)
    if (kept.length === links.length) throw new NoSuchContainerError(name)
    const shown = (record.HostConfig.Links ?? []).filter((entry) => parseLink(entry).alias !== alias)
    await writeRecord(parent.paths, {...record, HostConfig: {...record.HostConfig, Links: shown.length > 0 ? shown : null}, ...(kept.length > 0 ? {Links: kept} : {})})
    // The start's link variables stay in the spec until the next start sets them again, for the links it has.
    if (!parent.dead) await changeStoredSpec(scope.client, parentId, (spec) => setLinkEnv(spec, [alias], record.Config.Env ?? [], []))
    await dropLinkHosts(attachTarget(scope.client.namespace, parentId, parent.paths), (line) => linkHostsAlias(line) === alias)
  })
}
