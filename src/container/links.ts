/**
 * docker's legacy `--link CONTAINER[:ALIAS]`. On the default bridge network the linked container
 * must exist at create and run at every start; the new container then gets, as docker's does, a
 * hosts line for it (`IP\talias hostname name`) and environment variables describing it
 * (`ALIAS_NAME`, `ALIAS_PORT…`, `ALIAS_ENV_…`). On a user-defined network docker keeps no link:
 * the alias is one more name of the linked container, for this container only, while both are on a
 * network they share (network/hosts.ts).
 */
import {hostsNameProblem} from './etc-files.ts'
import type {Spec} from './spec/index.ts'

export interface LinkRequest {
  /** The linked container as typed: name, ID or ID prefix. */
  container: string
  alias: string
}

/** A link of a container on the default bridge, recorded at create. */
export interface RecordedLink {
  /** The linked container's ID. */
  Id: string
  Alias: string
}

/** docker's ParseLink: `name` (alias the same) or `name:alias`; a `/name:/parent/alias` as inspect shows it is read back too. */
export function parseLink(value: string): LinkRequest {
  if (value === '') throw new Error('empty string specified for links')
  const parts = value.split(':')
  if (parts.length > 2) throw new Error(`bad format for links: ${value}`)
  const [container, alias] = parts as [string, string | undefined]
  let link: LinkRequest
  if (alias === undefined) link = {container, alias: container}
  else if (container.startsWith('/')) link = {container: container.slice(1), alias: alias.slice(alias.lastIndexOf('/') + 1)}
  else link = {container, alias}
  // The alias names the linked container in this container's /etc/hosts.
  const problem = hostsNameProblem(link.alias)
  if (problem) throw new Error(`invalid link alias ${JSON.stringify(link.alias)}: ${problem}`)
  return link
}

function portOf(key: string): {number: number; protocol: string} {
  const [number, protocol = 'tcp'] = key.split('/')
  return {number: Number(number), protocol}
}

/** docker's order of a link's ports: TCP first, then by protocol, then by number. */
function comparePorts(a: {number: number; protocol: string}, b: {number: number; protocol: string}): number {
  if (a.protocol === b.protocol) return a.number - b.number
  if (a.protocol === 'tcp') return -1
  if (b.protocol === 'tcp') return 1
  return a.protocol < b.protocol ? -1 : 1
}

/**
 * The variables docker gives a container for a link: `ALIAS_PORT` (the first port), for each exposed
 * port `ALIAS_PORT_<n>_<PROTO>` with `_ADDR`, `_PORT` and `_PROTO`, `_START`/`_END` pairs for runs of
 * consecutive ports, `ALIAS_NAME=/parent/alias`, and `ALIAS_ENV_<var>` for the linked container's
 * environment but HOME and PATH. The alias is upper-cased with `-` made `_`.
 */
export function linkEnv(link: {parent: string; alias: string; address: string; exposedPorts: string[]; env: string[]}): string[] {
  const prefix = link.alias.toUpperCase().replaceAll('-', '_')
  const ports = link.exposedPorts.map(portOf).sort(comparePorts)
  const url = (port: {number: number; protocol: string}) => `${port.protocol}://${link.address}:${port.number}`
  const portName = (port: {number: number; protocol: string}) => `${prefix}_PORT_${port.number}_${port.protocol.toUpperCase()}`
  const env: string[] = []
  let start = ports[0]
  let end = ports[0]
  for (const [index, port] of ports.entries()) {
    if (index === 0) env.push(`${prefix}_PORT=${url(port)}`)
    const name = portName(port)
    env.push(`${name}=${url(port)}`, `${name}_ADDR=${link.address}`, `${name}_PORT=${port.number}`, `${name}_PROTO=${port.protocol}`)
    if (index > 0 && port.number === end!.number + 1 && port.protocol === end!.protocol) {
      end = port
      if (index < ports.length - 1) continue
    }
    if (end !== start) {
      const first = portName(start!)
      env.push(`${first}_START=${url(start!)}`, `${first}_PORT_START=${start!.number}`, `${first}_END=${url(end!)}`, `${first}_PORT_END=${end!.number}`)
    }
    start = port
    end = port
  }
  env.push(`${prefix}_NAME=/${link.parent}/${link.alias}`)
  for (const entry of link.env) {
    const separator = entry.indexOf('=')
    if (separator === -1) continue
    const key = entry.slice(0, separator)
    if (key === 'HOME' || key === 'PATH') continue
    env.push(`${prefix}_ENV_${entry}`)
  }
  return env
}

/** docker's hosts line for a link: the alias, the linked container's hostname, and its name unless that is the alias. */
export function linkHostsLine(link: {address: string; alias: string; hostname: string; name: string}): string {
  const names = [link.alias, link.hostname, ...(link.alias === link.name ? [] : [link.name])]
  return `${link.address}\t${names.join(' ')}`
}

/** The alias a link's hosts line (linkHostsLine) names first. */
export function linkHostsAlias(line: string): string | undefined {
  return line.split('\t')[1]?.split(' ')[0]
}

/** Whether a variable is one a link gave: `ALIAS_NAME`, `ALIAS_PORT…`, `ALIAS_ENV_…` of one of the aliases. */
function isLinkVariable(key: string, aliases: string[]): boolean {
  return aliases.some((alias) => {
    const prefix = alias.toUpperCase().replaceAll('-', '_')
    return key === `${prefix}_NAME` || key.startsWith(`${prefix}_PORT`) || key.startsWith(`${prefix}_ENV_`)
  })
}

const envKey = (entry: string) => entry.split('=', 1)[0]!

/**
 * Puts a start's link variables in the spec in place of the last start's. The container's own
 * variables (Config.Env) win, as in docker: a link never replaces one.
 */
export function setLinkEnv(spec: Spec, aliases: string[], ownEnv: string[], env: string[]): boolean {
  const process = spec.process
  if (!process) return false
  const own = new Set(ownEnv.map(envKey))
  const before = process.env ?? []
  const kept = before.filter((entry) => own.has(envKey(entry)) || !isLinkVariable(envKey(entry), aliases))
  const keys = new Set(kept.map(envKey))
  process.env = [...kept, ...env.filter((entry) => !keys.has(envKey(entry)))]
  return JSON.stringify(process.env) !== JSON.stringify(before)
}
