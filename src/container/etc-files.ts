/**
 * The /etc/hosts, /etc/resolv.conf and /etc/hostname a container sees: files in its state directory,
 * bound over the image's, written as docker writes them.
 */
import {readFile} from 'node:fs/promises'
import {writeFileAtomic} from '../files.ts'
import {DEFAULT_GATEWAY} from '../network/model.ts'
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

/**
 * `host:ip` entries as hosts lines; `host-gateway` is the default bridge's gateway whatever the
 * container's networks (`host` and `none` too), as docker's daemon resolves it once for all.
 */
export function extraHostLines(extraHosts: string[]): string[] {
  return extraHosts.map((entry) => {
    const separator = entry.indexOf(':')
    const address = entry.slice(separator + 1)
    return `${address === 'host-gateway' ? DEFAULT_GATEWAY : address}\t${entry.slice(0, separator)}`
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

/** Google's public resolvers, docker's fallback when the host gives a container no nameserver it can reach. */
const DEFAULT_NAMESERVERS = ['8.8.8.8', '8.8.4.4']
const DEFAULT_IPV6_NAMESERVERS = ['2001:4860:4860::8888', '2001:4860:4860::8844']

/** The address a `nameserver` line names, undefined for any other line. */
function nameserverOf(line: string): string | undefined {
  return /^\s*nameserver\s+(\S+)/.exec(line)?.[1]
}

/**
 * Whether the host's nameserver line is of no use to a container with its own network namespace:
 * a loopback address (it would point into the container), or an IPv6 one for a container without
 * IPv6, as docker's legacy networking drops them.
 */
function unreachableNameserver(address: string, ipv6: boolean): boolean {
  return /^(127\.|::1$|::1%|0\.0\.0\.0$)/.test(address) || (!ipv6 && address.includes(':'))
}

/**
 * docker's resolv.conf: the host's, with `--dns`, `--dns-search` and `--dns-option` each replacing
 * what it has. A container with its own network namespace also loses the host's nameservers it
 * cannot reach (unreachableNameserver), falling back to public resolvers (IPv6 ones too for a
 * container with IPv6) when nothing is left; on the host's network they work as they are.
 */
export function containerResolvConf(hostResolvConf: string, overrides?: ResolvOverrides, network: 'host' | 'private' = 'private', ipv6 = false): string {
  const overridden = Boolean(overrides?.dns.length || overrides?.dnsSearch.length || overrides?.dnsOptions.length)
  if (network === 'host' && !overridden) return hostResolvConf
  const drop = [
    ...(network === 'private' ? [(line: string) => {
      const address = nameserverOf(line)
      return address !== undefined && unreachableNameserver(address, ipv6)
    }] : []),
    ...(overrides?.dns.length ? [(line: string) => nameserverOf(line) !== undefined] : []),
    ...(overrides?.dnsSearch.length ? [(line: string) => /^\s*(search|domain)\s/.test(line)] : []),
    ...(overrides?.dnsOptions.length ? [(line: string) => /^\s*options\s/.test(line)] : []),
  ]
  const lines = hostResolvConf.split('\n').filter((line) => !drop.some((dropped) => dropped(line)))
  while (lines.length > 0 && lines.at(-1)!.trim() === '') lines.pop()
  if (overrides?.dns.length) lines.push(...overrides.dns.map((server) => `nameserver ${server}`))
  const search = overrides?.dnsSearch.filter((domain) => domain !== '.') ?? []
  if (search.length > 0) lines.push(`search ${search.join(' ')}`)
  if (overrides?.dnsOptions.length) lines.push(`options ${overrides.dnsOptions.join(' ')}`)
  const kept = lines.join('\n').trim()
  const hasNameserver = kept.split('\n').some((line) => nameserverOf(line) !== undefined)
  const fallback = hasNameserver || network === 'host' ? [] : [...DEFAULT_NAMESERVERS, ...(ipv6 ? DEFAULT_IPV6_NAMESERVERS : [])]
  return `${[...(kept ? [kept] : []), ...fallback.map((server) => `nameserver ${server}`)].join('\n')}\n`
}

/** The list of upstream servers systemd-resolved writes, besides its stub resolver's /etc/resolv.conf. */
const RESOLVED_UPSTREAM_RESOLV_CONF = '/run/systemd/resolve/resolv.conf'

/** Whether the file names systemd-resolved's stub resolver, 127.0.0.53, and no other nameserver. */
export function namesOnlyResolvedStub(resolvConf: string): boolean {
  const servers = resolvConf.split('\n').flatMap((line) => nameserverOf(line) ?? [])
  return servers.length === 1 && servers[0] === '127.0.0.53'
}

async function readHostFile(path: string): Promise<string> {
  return readFile(path, 'utf8').catch(() => '')
}

/**
 * The host's resolv.conf a container's starts from: /etc/resolv.conf, or, for a container with a
 * network namespace of its own when that file names only systemd-resolved's stub (which the
 * container cannot reach), the upstream servers resolved lists, as docker reads them.
 */
export async function hostResolvConf(network: 'host' | 'private'): Promise<string> {
  const etc = await readHostFile('/etc/resolv.conf')
  if (network === 'host' || !namesOnlyResolvedStub(etc)) return etc
  return readFile(RESOLVED_UPSTREAM_RESOLV_CONF, 'utf8').catch(() => etc)
}

export async function writeEtcFiles(paths: ContainerPaths, facts: EtcFileFacts): Promise<void> {
  const [hostResolv, hostHosts] = await Promise.all([hostResolvConf(facts.network), facts.network === 'host' ? readHostFile('/etc/hosts') : ''])
  await Promise.all([
    writeFileAtomic(paths.hosts, facts.network === 'host' ? hostNetworkHosts(hostHosts, facts.extraHosts ?? [], facts.hostHostname) : hostsFile(facts)),
    writeFileAtomic(paths.resolvConf, containerResolvConf(hostResolv, facts.dns, facts.network)),
    writeFileAtomic(paths.hostname, `${facts.hostname}\n`),
  ])
}
