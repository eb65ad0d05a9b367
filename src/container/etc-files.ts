/**
 * The /etc/hosts, /etc/resolv.conf and /etc/hostname a container sees: files in its state directory,
 * bound over the image's, written as docker writes them.
 */
import {readFile} from 'node:fs/promises'
import {writeFileAtomic} from '../files.ts'
import type {ContainerPaths} from './store.ts'

export interface EtcFileFacts {
  hostname: string
  /** 'host' copies the host's files; 'private' writes the container's own. */
  network: 'host' | 'private'
  hostHostname: string
  /** The container's addresses on its networks, each with the names it has there besides its hostname. */
  addresses?: {address: string; names: string[]}[]
  /** Extra `ip name…` lines (`--add-host`, other containers' names). */
  extraHosts?: string[]
  /** `--dns`, `--dns-search`, `--dns-option`: each replaces what the host's resolv.conf has. */
  dns?: ResolvOverrides
}

export interface ResolvOverrides {
  dns: string[]
  /** `.` alone means no search domains. */
  dnsSearch: string[]
  dnsOptions: string[]
}

const LOCAL_HOSTS = [
  '127.0.0.1\tlocalhost',
  '::1\tlocalhost ip6-localhost ip6-loopback',
  'fe00::0\tip6-localnet',
  'ff00::0\tip6-mcastprefix',
  'ff02::1\tip6-allnodes',
  'ff02::2\tip6-allrouters',
]

/**
 * Why `name` cannot be one of the names of an /etc/hosts line, undefined when it can: a resolver
 * splits the line at whitespace and ends it at '#', and a newline would start a line of its own (on a
 * user-defined network, in the other containers' files too).
 */
export function hostsNameProblem(name: string): string | undefined {
  if (name === '') return 'it is empty'
  if (/[\s#\p{Cc}]/u.test(name)) return "names in /etc/hosts cannot hold whitespace, '#' or control characters"
  return undefined
}

/** `host:ip` entries as hosts lines; `host-gateway` is the gateway of the container's first network. */
export function extraHostLines(extraHosts: string[], gateway: string | undefined): string[] {
  return extraHosts.flatMap((entry) => {
    const separator = entry.indexOf(':')
    const address = entry.slice(separator + 1)
    if (address === 'host-gateway') return gateway ? [`${gateway}\t${entry.slice(0, separator)}`] : []
    return [`${address}\t${entry.slice(0, separator)}`]
  })
}

export function hostsFile(facts: EtcFileFacts): string {
  const lines = [...LOCAL_HOSTS, ...(facts.extraHosts ?? [])]
  for (const {address, names} of facts.addresses ?? []) lines.push(`${address}\t${[...new Set([...facts.hostname.split(' '), ...names])].join(' ')}`)
  return `${lines.join('\n')}\n`
}

/**
 * The /etc/hosts of a container on the host's network: the host's, unless `--add-host` gives
 * entries; then docker's own file with them, so that they can override the host's names.
 */
export function hostNetworkHosts(hostHosts: string, extraHosts: string[], hostHostname: string): string {
  if (hostHosts && extraHosts.length === 0) return hostHosts
  return hostsFile({hostname: hostHostname, network: 'host', hostHostname, extraHosts})
}

/**
 * docker's resolv.conf: the host's, with `--dns`, `--dns-search` and `--dns-option` each replacing
 * what it has. A container with its own network namespace also loses the host's loopback
 * nameservers (they would point into the container), falling back to public resolvers when nothing
 * is left; on the host's network they work as they are.
 */
export function containerResolvConf(hostResolvConf: string, overrides?: ResolvOverrides, network: 'host' | 'private' = 'private'): string {
  const overridden = Boolean(overrides?.dns.length || overrides?.dnsSearch.length || overrides?.dnsOptions.length)
  if (network === 'host' && !overridden) return hostResolvConf
  const drop = [
    ...(network === 'private' ? [/^\s*nameserver\s+(127\.|::1\b|0\.0\.0\.0)/] : []),
    ...(overrides?.dns.length ? [/^\s*nameserver\s/] : []),
    ...(overrides?.dnsSearch.length ? [/^\s*(search|domain)\s/] : []),
    ...(overrides?.dnsOptions.length ? [/^\s*options\s/] : []),
  ]
  const lines = hostResolvConf.split('\n').filter((line) => !drop.some((pattern) => pattern.test(line)))
  while (lines.length > 0 && lines.at(-1)!.trim() === '') lines.pop()
  if (overrides?.dns.length) lines.push(...overrides.dns.map((server) => `nameserver ${server}`))
  const search = overrides?.dnsSearch.filter((domain) => domain !== '.') ?? []
  if (search.length > 0) lines.push(`search ${search.join(' ')}`)
  if (overrides?.dnsOptions.length) lines.push(`options ${overrides.dnsOptions.join(' ')}`)
  const kept = lines.join('\n').trim()
  const hasNameserver = /^\s*nameserver\s/m.test(kept)
  const fallback = hasNameserver || network === 'host' ? '' : `${kept ? '\n' : ''}nameserver 8.8.8.8\nnameserver 8.8.4.4`
  return `${kept}${fallback}\n`
}

async function readHostFile(path: string): Promise<string> {
  return readFile(path, 'utf8').catch(() => '')
}

export async function writeEtcFiles(paths: ContainerPaths, facts: EtcFileFacts): Promise<void> {
  const [hostResolv, hostHosts] = await Promise.all([readHostFile('/etc/resolv.conf'), facts.network === 'host' ? readHostFile('/etc/hosts') : ''])
  await Promise.all([
    writeFileAtomic(paths.hosts, facts.network === 'host' ? hostNetworkHosts(hostHosts, facts.extraHosts ?? [], facts.hostHostname) : hostsFile(facts)),
    writeFileAtomic(paths.resolvConf, containerResolvConf(hostResolv, facts.dns, facts.network)),
    writeFileAtomic(paths.hostname, `${facts.hostname}\n`),
  ])
}
