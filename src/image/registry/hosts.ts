/**
 * Which URLs serve a registry domain, and with what TLS: containerd's `<hosts-dir>/<host:port>/hosts.toml`
 * (mirrors in file order, then the server) or docker's `<certs-dir>/<host>/{*.crt,*.cert,*.key}`.
 */
import {lookup as lookupAddresses} from 'node:dns/promises'
import {readdir, readFile, stat} from 'node:fs/promises'
import {BlockList, isIP} from 'node:net'
import {isAbsolute, join} from 'node:path'
import {NerdError} from '../../errors.ts'
import {DEFAULT_DOMAIN, registryHost} from '../reference.ts'

export const DEFAULT_HOSTS_DIRS: readonly string[] = ['/etc/containerd/certs.d', '/etc/docker/certs.d']

export const HOST_CAPABILITIES = ['pull', 'resolve', 'push'] as const
export type HostCapability = (typeof HOST_CAPABILITIES)[number]

export interface TlsFiles {
  /** PEM files of extra certificate authorities, trusted on top of the system's. */
  caFiles: string[]
  /** Client certificate and key files; a missing key means the certificate file holds both. */
  clientPairs: Array<[certificate: string, key: string | undefined]>
  /** Set in hosts.toml (`skip_verify`); undefined leaves verification on. */
  skipVerify?: boolean
}

/** One `[host."…"]` table or the file's top level (the server), as written in hosts.toml. */
export interface HostEntry {
  /** API root (`https://mirror/v2`); undefined for a server the file does not name. */
  url?: URL
  capabilities: HostCapability[]
  tls: TlsFiles
  headers: Record<string, string[]>
}

export interface RegistryEndpoint {
  /** API root without a trailing slash: `https://registry-1.docker.io/v2` (the client switches it to http:// on fallback). */
  root: string
  /** `host:port` of `root`. */
  host: string
  capabilities: ReadonlySet<HostCapability>
  tls: TlsFiles
  headers: Record<string, string[]>
  /** For a mirror (a host other than the domain's server): the domain, sent as `?ns=` as containerd does. */
  namespace?: string
  /**
   * An insecure registry (--insecure-registry, or a loopback one whose server hosts.toml does not
   * name) speaks unverified HTTPS or plain HTTP: its first request finds out which, and the client
   * switches `root` to the other scheme if need be.
   */
  eitherScheme: boolean
}

export interface EndpointOptions {
  hostsDirs?: readonly string[]
  /** Skip TLS verification and allow plain HTTP, for every host (nerdctl's --insecure-registry). */
  insecure?: boolean
}

function configError(file: string, message: string): NerdError {
  return new NerdError(`${file}: ${message}`)
}

function absolute(path: string, base: string): string {
  return isAbsolute(path) ? path : join(base, path)
}

function stringList(value: unknown, what: string, file: string): string[] {
  if (typeof value === 'string') return [value]
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value
  throw configError(file, `invalid value for "${what}": expected a string or a list of strings`)
}

function parseHostEntry(server: string | undefined, table: Record<string, unknown>, hostDir: string, file: string): HostEntry {
  let url: URL | undefined
  if (server !== undefined && server !== '') {
    try {
      url = new URL(/^https?:\/\//.test(server) ? server : `https://${server}`)
    } catch {
      throw configError(file, `invalid host URL "${server}"`)
    }
    const overridePath = table.override_path === true
    const path = url.pathname.replace(/\/+$/, '')
    url.pathname = overridePath || path.endsWith('/v2') ? path : `${path}/v2`
    url.search = ''
    url.hash = ''
  }

  let capabilities: HostCapability[] = [...HOST_CAPABILITIES]
  if (table.capabilities !== undefined) {
    const names = stringList(table.capabilities, 'capabilities', file).map((name) => name.toLowerCase())
    const unknown = names.find((name) => !(HOST_CAPABILITIES as readonly string[]).includes(name))
    if (unknown !== undefined) throw configError(file, `unknown capability "${unknown}"`)
    if (names.length > 0) capabilities = names as HostCapability[]
  }

  const tls: TlsFiles = {caFiles: [], clientPairs: []}
  if (table.ca !== undefined) tls.caFiles = stringList(table.ca, 'ca', file).map((path) => absolute(path, hostDir))
  if (table.client !== undefined) {
    const client = table.client
    const entries = typeof client === 'string' ? [client] : Array.isArray(client) ? client : undefined
    if (entries === undefined) throw configError(file, 'invalid value for "client"')
    for (const entry of entries) {
      if (typeof entry === 'string') {
        tls.clientPairs.push([absolute(entry, hostDir), undefined])
      } else if (Array.isArray(entry) && entry.length === 2 && entry.every((item) => typeof item === 'string')) {
        tls.clientPairs.push([absolute(entry[0], hostDir), entry[1] === '' ? undefined : absolute(entry[1], hostDir)])
      } else {
        throw configError(file, 'invalid value for "client": expected [certificate, key] pairs')
      }
    }
  }
  if (table.skip_verify !== undefined) {
    if (typeof table.skip_verify !== 'boolean') throw configError(file, '"skip_verify" must be true or false')
    tls.skipVerify = table.skip_verify
  }

  const headers: Record<string, string[]> = {}
  if (table.header !== undefined) {
    if (typeof table.header !== 'object' || table.header === null || Array.isArray(table.header)) {
      throw configError(file, '"header" must be a table')
    }
    for (const [name, value] of Object.entries(table.header)) headers[name] = stringList(value, `header.${name}`, file)
  }
  return {url, capabilities, tls, headers}
}

/**
 * Parses a hosts.toml: the `[host."…"]` entries in the order the file lists them, then the server
 * (top-level `server` and settings). Relative certificate paths are taken from `hostDir`.
 */
export async function parseHostsToml(text: string, hostDir: string): Promise<HostEntry[]> {
  const file = join(hostDir, 'hosts.toml')
  const {parse} = await import('smol-toml')
  let document: Record<string, unknown>
  try {
    document = parse(text) as Record<string, unknown>
  } catch (error) {
    throw configError(file, `invalid TOML: ${(error as Error).message.split('\n')[0]}`)
  }
  const entries: HostEntry[] = []
  const hosts = document.host
  if (hosts !== undefined) {
    if (typeof hosts !== 'object' || hosts === null || Array.isArray(hosts)) throw configError(file, '"host" must be a table')
    // smol-toml keeps tables in the order of the file, which is the order mirrors are tried in.
    for (const [server, table] of Object.entries(hosts)) {
      if (typeof table !== 'object' || table === null || Array.isArray(table)) {
        throw configError(file, `host "${server}" must be a table`)
      }
      entries.push(parseHostEntry(server, table as Record<string, unknown>, hostDir, file))
    }
  }
  const server = document.server
  if (server !== undefined && typeof server !== 'string') throw configError(file, '"server" must be a string')
  entries.push(parseHostEntry(server, document, hostDir, file))
  return entries
}

/** Docker's certificate layout: `*.crt` are authorities, `x.cert` with `x.key` a client pair. */
export async function loadCertificateDirectory(hostDir: string): Promise<TlsFiles> {
  const names = (await readdir(hostDir, {withFileTypes: true})).filter((entry) => !entry.isDirectory()).map((entry) => entry.name)
  const tls: TlsFiles = {caFiles: [], clientPairs: []}
  for (const name of names.sort()) {
    if (name.endsWith('.crt')) tls.caFiles.push(join(hostDir, name))
    if (name.endsWith('.cert')) {
      const key = `${name.slice(0, -'.cert'.length)}.key`
      tls.clientPairs.push([join(hostDir, name), names.includes(key) ? join(hostDir, key) : undefined])
    }
  }
  return tls
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory()
  } catch {
    return false
  }
}

/** The configuration directory of a domain: `host:port`, then containerd's `host_port_` spelling, then `_default`. */
export async function findHostDirectory(domain: string, hostsDirs: readonly string[]): Promise<string | undefined> {
  const names = [domain]
  const colon = domain.lastIndexOf(':')
  if (colon > 0 && !domain.endsWith(']')) names.push(`${domain.slice(0, colon)}_${domain.slice(colon + 1)}_`)
  for (const name of [...names, '_default']) {
    for (const root of hostsDirs) {
      const candidate = join(root, name)
      if (await isDirectory(candidate)) return candidate
    }
  }
  return undefined
}

/** Every address of a host name (node's dns lookup, which reads /etc/hosts as Go's resolver does). */
export type AddressLookup = (hostname: string, options: {all: true}) => Promise<Array<{address: string}>>

/** docker's default insecure registries (InsecureRegistryCIDRs): the loopback networks. */
const LOOPBACK = new BlockList()
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4')
LOOPBACK.addSubnet('::1', 128, 'ipv6')

function isLoopbackAddress(address: string): boolean {
  return LOOPBACK.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4')
}

/**
 * Whether a registry host (with or without a port) is on loopback, an insecure registry by default
 * as in docker: `localhost`, an address of 127.0.0.0/8 or `::1`, or a name that resolves to one of
 * them (any of its addresses, as docker's isCIDRMatch looks the name up); a name that does not
 * resolve is not.
 */
export async function isLoopbackHost(host: string, lookup: AddressLookup = lookupAddresses): Promise<boolean> {
  let hostname = host
  if (hostname.startsWith('[')) hostname = hostname.slice(1, hostname.indexOf(']'))
  else if (hostname.includes(':') && hostname.indexOf(':') === hostname.lastIndexOf(':')) hostname = hostname.slice(0, hostname.indexOf(':'))
  if (hostname.toLowerCase() === 'localhost') return true
  if (isIP(hostname) !== 0) return isLoopbackAddress(hostname)
  try {
    return (await lookup(hostname, {all: true})).some(({address}) => isLoopbackAddress(address))
  } catch {
    return false
  }
}

async function hostEntries(domain: string, hostsDirs: readonly string[]): Promise<HostEntry[]> {
  const hostDir = await findHostDirectory(domain, hostsDirs)
  if (hostDir === undefined) return [{capabilities: [...HOST_CAPABILITIES], tls: {caFiles: [], clientPairs: []}, headers: {}}]
  let text = ''
  try {
    text = await readFile(join(hostDir, 'hosts.toml'), 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
  if (text.trim() !== '') return parseHostsToml(text, hostDir)
  return [{capabilities: [...HOST_CAPABILITIES], tls: await loadCertificateDirectory(hostDir), headers: {}}]
}

/**
 * The endpoints to try for a registry domain, in order. A server hosts.toml does not name is
 * `https://<domain>` (Docker Hub: registry-1.docker.io); a loopback one is insecure, as in docker:
 * plain HTTP or unverified HTTPS, even with certificates configured (containerd's default host for
 * localhost skips verification, and still presents a client certificate of the hosts directory).
 */
export async function configureEndpoints(domain: string, options: EndpointOptions = {}): Promise<RegistryEndpoint[]> {
  const entries = await hostEntries(domain, options.hostsDirs ?? DEFAULT_HOSTS_DIRS)
  const server = registryHost({domain})
  return Promise.all(entries.map(async (entry, index) => {
    const isServer = index === entries.length - 1
    const insecureLoopback = entry.url === undefined && domain !== DEFAULT_DOMAIN && (await isLoopbackHost(domain))
    const insecure = (options.insecure ?? false) || insecureLoopback
    // docker asks an insecure registry over HTTPS first; a loopback one is most often plain HTTP, and
    // asked that first it costs no TLS handshake (~5 ms of a command). Certificates configured for it
    // say it speaks TLS: a plain-HTTP question would only get a TLS server's 400.
    const hasCertificates = entry.tls.caFiles.length > 0 || entry.tls.clientPairs.length > 0
    const url = entry.url ?? new URL(`${insecureLoopback && !hasCertificates ? 'http' : 'https'}://${server}/v2`)
    const endpoint: RegistryEndpoint = {
      root: url.href.replace(/\/+$/, ''),
      host: url.host,
      capabilities: new Set(entry.capabilities),
      tls: insecure ? {...entry.tls, skipVerify: true} : entry.tls,
      headers: entry.headers,
      eitherScheme: insecureLoopback || (insecure && url.protocol === 'https:'),
    }
    if (!isServer && url.host !== server) endpoint.namespace = domain
    return endpoint
  }))
}
