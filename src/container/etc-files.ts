/**
 * The /etc/hosts, /etc/resolv.conf and /etc/hostname a container sees: files in its state directory,
 * bound over the image's, written as docker writes them.
 */
import {readFile} from 'node:fs/promises'
import {writeFileAtomic} from '../files.ts'
import {goAddressText, isLoopbackAddress, parseGoAddress} from '../network/ip.ts'
import type {GoAddress} from '../network/ip.ts'
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
  /**
   * Whether the container has IPv6 (docker's IPv6Enabled: an address on its loopback); without it,
   * its /etc/hosts has no IPv6 line (docker's BuildNoIPv6). Taken to have it unless said.
   */
  ipv6?: boolean
}

export interface ResolvOverrides {
  dns: string[]
  /** `.` alone means no search domains. */
  dnsSearch: string[]
  dnsOptions: string[]
}

/** docker's /etc/hosts lines for localhost (libnetwork's etchosts); a container without IPv6 keeps the IPv4 one only (hostsFile's filter). */
const LOCAL_HOSTS = ['127.0.0.1\tlocalhost', '::1\tlocalhost ip6-localhost ip6-loopback', 'fe00::\tip6-localnet', 'ff00::\tip6-mcastprefix', 'ff02::1\tip6-allnodes', 'ff02::2\tip6-allrouters']

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
  const ipv6 = facts.ipv6 ?? true
  const lines = [...LOCAL_HOSTS, ...(facts.extraHosts ?? [])]
  for (const {address, names} of facts.addresses ?? []) lines.push(`${address}\t${[...new Set([...facts.hostname.split(' '), ...names])].join(' ')}`)
  // An `IP names` line's address is IPv6 when it has a colon.
  return `${lines.filter((line) => ipv6 || !line.split('\t', 1)[0]!.includes(':')).join('\n')}\n`
}

/**
 * The /etc/hosts of a container on the host's network: the host's, unless `--add-host` gives
 * entries; then docker's own file with them, so that they can override the host's names.
 */
export function hostNetworkHosts(hostHosts: string, extraHosts: string[], hostHostname: string, ipv6 = true): string {
  if (hostHosts && extraHosts.length === 0) return hostHosts
  return hostsFile({hostname: hostHostname, network: 'host', hostHostname, extraHosts, ipv6})
}

/** The /etc/hostname of a container named `hostname` (docker's BuildHostnameFile, written at every start). */
export function hostnameFile(hostname: string): string {
  return `${hostname}\n`
}

/**
 * Whether IPv6 is on in the container whose init process is `pid` (docker's IPv6Enabled): its
 * network namespace's loopback has an address in /proc/<pid>/net/if_inet6, which a kernel without
 * IPv6 lacks. The container's own sysctls turning it off on the loopback count too: runc writes
 * them after the createRuntime hook has run.
 */
export async function containerHasIpv6(pid: number, sysctls: Record<string, string> | null | undefined): Promise<boolean> {
  const settings = new Map(Object.entries(sysctls ?? {}).map(([key, value]) => [key.replaceAll('/', '.'), value.trim()]))
  const disabled = settings.get('net.ipv6.conf.lo.disable_ipv6') ?? settings.get('net.ipv6.conf.all.disable_ipv6')
  if (disabled !== undefined && /^[+-]?\d+$/.test(disabled) && Number(disabled) !== 0) return false
  const addresses = await readFile(`/proc/${pid}/net/if_inet6`, 'utf8').catch(() => '')
  return addresses.split('\n').some((line) => line.trim().split(/\s+/).at(-1) === 'lo')
}

/** Google's public resolvers, docker's fallback when the host gives a container no nameserver it can reach. */
const DEFAULT_NAMESERVERS = ['8.8.8.8', '8.8.4.4']
const DEFAULT_IPV6_NAMESERVERS = ['2001:4860:4860::8888', '2001:4860:4860::8844']

/** The comment docker's daemon heads the resolv.conf it writes with (libnetwork's loadResolvConf), word for word: tools look for it. */
const RESOLV_CONF_HEADER = [
  '# Generated by Docker Engine.',
  '# This file can be edited; Docker Engine will not make further changes once it',
  '# has been modified.',
]

/** A resolv.conf as docker's libnetwork reads one (internal/resolvconf's Parse). */
interface ResolvConf {
  nameServers: GoAddress[]
  /** The last `search` (or `domain`) line's domains. */
  search: string[]
  /** Every `options` line's, in order. */
  options: string[]
  /** Lines of directives it does not know, kept as they are. */
  other: string[]
  /** `nameserver` values that are no address. */
  invalid: string[]
}

/** A resolv.conf's directives, comments and blank lines dropped, as docker's libnetwork parses them. */
function parseResolvConf(content: string): ResolvConf {
  const conf: ResolvConf = {nameServers: [], search: [], options: [], other: [], invalid: []}
  for (const text of content.split('\n')) {
    // Go's line scanner drops a line's trailing CR, and strings.Fields splits at any run of white space.
    const line = text.endsWith('\r') ? text.slice(0, -1) : text
    const [directive, ...values] = line.split(/\s+/).filter((field) => field !== '')
    if (directive === undefined || directive.startsWith('#') || directive.startsWith(';')) continue
    if (directive === 'nameserver' || directive === 'search' || directive === 'domain' || directive === 'options') {
      if (values.length === 0) continue
      if (directive === 'nameserver') {
        const address = parseGoAddress(values[0]!)
        if (address) conf.nameServers.push(address)
        else conf.invalid.push(values[0]!)
      } else if (directive === 'options') conf.options.push(...values)
      // `domain` is the obsolete name of `search`; the last one counts.
      else conf.search = values
    } else conf.other.push(line)
  }
  return conf
}

/** Whether an option (`name` or `name:value`) named `name` is among `options`. */
function hasOption(options: string[], name: string): boolean {
  return options.some((option) => option.split(':', 1)[0] === name)
}

/** The host's resolv.conf a container's is made from, and the file it was read from ('' when none could be). */
export interface HostResolvConf {
  path: string
  content: string
}

/**
 * docker's resolv.conf (libnetwork's loadResolvConf and Generate): the host's directives, rebuilt
 * (its comments dropped, `domain` as `search`), with `--dns`, `--dns-search` and `--dns-option` each
 * replacing what it has, between docker's header and a footer naming the host's file and the
 * overrides. A container with its own network namespace gets docker's legacy networking's (nerd has
 * no embedded DNS server): unless `--dns` replaced them, the host's loopback nameservers go (they
 * would point into the container), and its IPv6 ones for a container without IPv6, falling back
 * to public resolvers (IPv6 ones too for a container with IPv6) when none is left. On the host's
 * network they work as they are.
 */
export function containerResolvConf(host: HostResolvConf, overrides?: ResolvOverrides, network: 'host' | 'private' = 'private', ipv6 = false): string {
  const conf = parseResolvConf(host.content)
  let {nameServers, search, options} = conf
  let ndotsFrom = hasOption(options, 'ndots') ? 'host' : ''
  const overridden: string[] = []
  if (overrides?.dns.length) {
    nameServers = overrides.dns.flatMap((server) => parseGoAddress(server) ?? [])
    overridden.push('nameservers')
  }
  if (overrides?.dnsSearch.length) {
    search = overrides.dnsSearch.filter((domain) => domain !== '.')
    overridden.push('search')
  }
  if (overrides?.dnsOptions.length) {
    options = overrides.dnsOptions
    ndotsFrom = hasOption(options, 'ndots') ? 'override' : ''
    overridden.push('options')
  }
  const warnings: string[] = []
  if (network === 'private' && !overrides?.dns.length) {
    nameServers = nameServers.filter((address) => !isLoopbackAddress(address) && (address.family === 4 || ipv6))
    if (nameServers.length === 0) {
      nameServers = [...DEFAULT_NAMESERVERS, ...(ipv6 ? DEFAULT_IPV6_NAMESERVERS : [])].map((server) => parseGoAddress(server)!)
      warnings.push('# Used default nameservers.')
    }
  }
  return `${[
    ...RESOLV_CONF_HEADER,
    '',
    ...nameServers.map((address) => `nameserver ${goAddressText(address)}`),
    ...(search.length > 0 ? [`search ${search.join(' ')}`] : []),
    ...(options.length > 0 ? [`options ${options.join(' ')}`] : []),
    ...conf.other,
    '',
    `# Based on host file: '${host.path}'${network === 'private' ? ' (legacy)' : ''}`,
    ...warnings,
    ...(conf.invalid.length > 0 ? [`# Invalid nameservers: [${conf.invalid.join(' ')}]`] : []),
    `# Overrides: [${overridden.join(' ')}]`,
    ...(ndotsFrom ? [`# Option ndots from: ${ndotsFrom}`] : []),
  ].join('\n')}\n`
}

/** The list of upstream servers systemd-resolved writes, besides its stub resolver's /etc/resolv.conf. */
const RESOLVED_UPSTREAM_RESOLV_CONF = '/run/systemd/resolve/resolv.conf'

/** Whether the file names systemd-resolved's stub resolver, 127.0.0.53, and no other nameserver. */
export function namesOnlyResolvedStub(resolvConf: string): boolean {
  const servers = parseResolvConf(resolvConf).nameServers
  return servers.length === 1 && goAddressText(servers[0]!) === '127.0.0.53'
}

async function readHostFile(path: string): Promise<string> {
  return readFile(path, 'utf8').catch(() => '')
}

/**
 * The host's resolv.conf a container's starts from: /etc/resolv.conf, or, for a container with a
 * network namespace of its own when that file names only systemd-resolved's stub (which the
 * container cannot reach), the upstream servers resolved lists, as docker reads them.
 */
export async function hostResolvConf(network: 'host' | 'private'): Promise<HostResolvConf> {
  const read = (path: string) => readFile(path, 'utf8').then((content) => ({path, content}))
  const etc = await read('/etc/resolv.conf').catch(() => ({path: '', content: ''}))
  if (network === 'host' || !namesOnlyResolvedStub(etc.content)) return etc
  return read(RESOLVED_UPSTREAM_RESOLV_CONF).catch(() => etc)
}

export async function writeEtcFiles(paths: ContainerPaths, facts: EtcFileFacts): Promise<void> {
  const [hostResolv, hostHosts] = await Promise.all([hostResolvConf(facts.network), facts.network === 'host' ? readHostFile('/etc/hosts') : ''])
  await Promise.all([
    writeFileAtomic(paths.hosts, facts.network === 'host' ? hostNetworkHosts(hostHosts, facts.extraHosts ?? [], facts.hostHostname) : hostsFile(facts)),
    writeFileAtomic(paths.resolvConf, containerResolvConf(hostResolv, facts.dns, facts.network)),
    writeFileAtomic(paths.hostname, hostnameFile(facts.hostname)),
  ])
}
