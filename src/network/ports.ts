/**
 * Published ports: docker's `-p [hostIP:][hostPort:]containerPort[/proto]` syntax with ranges, `-P`,
 * `--expose`, the host ports picked at start, and how `ps`/`port` print them.
 */
import {isIP} from 'node:net'
import {NerdError} from '../errors.ts'
import {compareStrings, naturalCompare} from '../format/go-values.ts'
import {parseAddress} from './ip.ts'

export type PortProtocol = 'tcp' | 'udp' | 'sctp'

/** docker's PortBinding: HostPort "" or a range means "a free one" (in the range) at start. */
export interface PortBinding {
  HostIp: string
  HostPort: string
}

/** docker's PortMap: `80/tcp` → its bindings. */
export type PortMap = Record<string, PortBinding[]>

/** A mapping as the portmap CNI plugin takes it. */
export interface PortMapping {
  hostPort: number
  containerPort: number
  protocol: PortProtocol
  hostIP?: string
}

function publishError(message: string): NerdError {
  return new NerdError(message, {exitCode: 125})
}

/**
 * go-connections' ParsePortRange: `80`, or `8000-8010` (read as its parts[0] and parts[1], so that
 * what follows a second `-` is not read); its error's text for a range it refuses.
 */
function parsePortRange(text: string): {start: number; end: number} | string {
  if (text === '') return 'empty string specified for ports'
  const [startText, endText = startText] = text.split('-') as [string, string?]
  const problem = portNumberError(startText) ?? portNumberError(endText)
  if (problem) return problem
  const [start, end] = [Number(startText), Number(endText)]
  return end < start ? `invalid range specified for port: ${text}` : {start, end}
}

/**
 * A container port range. Unlike go-connections, nerd refuses port 0, which portmap refuses at start
 * ("Invalid container port number"): a container made with it could never run.
 */
function containerPorts(text: string): {start: number; end: number} {
  const range = parsePortRange(text)
  if (typeof range === 'string' || range.start === 0) throw publishError(`invalid containerPort: ${text}`)
  return range
}

/**
 * go-connections' SplitProtoPort: the port (range) before the first `/` and the protocol after it,
 * tcp when none follows (`80/`); both empty when there is no port.
 */
export function splitProtoPort(text: string): [port: string, proto: string] {
  const slash = text.indexOf('/')
  const port = slash === -1 ? text : text.slice(0, slash)
  if (port === '') return ['', '']
  return [port, (slash === -1 ? '' : text.slice(slash + 1)) || 'tcp']
}

function protocol(text: string): PortProtocol {
  const value = text.toLowerCase()
  if (value !== 'tcp' && value !== 'udp' && value !== 'sctp') throw publishError(`invalid proto: ${value}`)
  return value
}

/**
 * The host of a bracketed host IP (`[::1]`), taken apart as go-connections does, with Go's
 * net.SplitHostPort on the IP and a `:`; Go's words for what that refuses.
 */
function unbracketedIp(ip: string): string {
  const hostport = `${ip}:`
  const refused = (why: string) => publishError(`invalid IP address ${ip}: address ${hostport}: ${why}`)
  const end = hostport.indexOf(']')
  if (end === -1) throw refused("missing ']' in address")
  if (end + 1 !== hostport.length - 1) throw refused(hostport[end + 1] === ':' ? 'too many colons in address' : 'missing port in address')
  if (hostport.indexOf('[', 1) !== -1) throw refused("unexpected '[' in address")
  return hostport.slice(1, end)
}

/** A host IP as go-connections reads it: unbracketed, then Go's net.ParseIP, which takes no zone (`%eth0`). */
function hostIpOf(text: string): string {
  const ip = text.startsWith('[') ? unbracketedIp(text) : text
  if (ip !== '' && (isIP(ip) === 0 || ip.includes('%'))) throw publishError(`invalid IP address: ${ip}`)
  return ip
}

/**
 * docker's CLI's long syntax, `published=8080,target=80[,protocol=udp][,mode=host]`, as the short one
 * it stands for (`8080:80/udp`); any other value as it is. Other fields (`mode`) say nothing here.
 */
function shortSyntax(spec: string): string {
  if (!spec.includes('=')) return spec
  const fields: Record<string, string> = {protocol: 'tcp'}
  for (const field of spec.split(',')) {
    const separator = field.indexOf('=')
    if (separator <= 0) throw publishError(`invalid publish opts format (should be name=value but got '${field}')`)
    fields[field.slice(0, separator)] = field.slice(separator + 1)
  }
  return `${fields.published ?? ''}:${fields.target ?? ''}/${fields.protocol}`
}

/** One `-p` value as docker's PortMap entries: go-connections' ParsePortSpec, its checks in its order and words. */
export function parsePublish(value: string): PortMap {
  // splitParts: the last part is the container's port and protocol, the one before the host's port,
  // all before them the host IP (an IPv6 one bracketed or not).
  const parts = shortSyntax(value).split(':')
  const [containerText, proto] = splitProtoPort(parts.at(-1)!)
  const portProtocol = protocol(proto)
  const hostIp = hostIpOf(parts.slice(0, -2).join(':'))
  const hostText = parts.length >= 2 ? parts.at(-2)! : ''
  const container = containerPorts(containerText)
  const count = container.end - container.start + 1
  const map: PortMap = {}
  if (hostText === '') {
    for (let port = container.start; port <= container.end; port++) map[`${port}/${portProtocol}`] = [{HostIp: hostIp, HostPort: ''}]
    return map
  }
  const host = parsePortRange(hostText)
  if (typeof host === 'string') throw publishError(`invalid hostPort: ${hostText}`)
  const hostCount = host.end - host.start + 1
  if (count === 1 && hostCount > 1) {
    // One container port and a host range: any free port of the range, chosen at start.
    map[`${container.start}/${portProtocol}`] = [{HostIp: hostIp, HostPort: `${host.start}-${host.end}`}]
    return map
  }
  if (hostCount !== count) throw publishError(`invalid ranges specified for container and host Ports: ${containerText} and ${hostText}`)
  // Host port 0 is kept as typed, as docker keeps it: a free one at start, as an empty one.
  for (let offset = 0; offset < count; offset++) map[`${container.start + offset}/${portProtocol}`] = [{HostIp: hostIp, HostPort: String(host.start + offset)}]
  return map
}

/** Go's strconv.ParseUint(text, 10, 16) error, which docker's CLI gives for a port that is no number. */
export function portNumberError(text: string): string | undefined {
  if (!/^\d+$/.test(text)) return `strconv.ParseUint: parsing ${JSON.stringify(text)}: invalid syntax`
  if (Number(text) > 65535) return `strconv.ParseUint: parsing ${JSON.stringify(text)}: value out of range`
  return undefined
}

/** What docker's CLI refuses in an `--expose` value, in its words (go-connections' SplitProtoPort and ParsePortRange). */
export function checkExposeFlag(spec: string): void {
  if (spec.includes(':')) throw publishError(`invalid port format for --expose: ${spec}`)
  const range = parsePortRange(splitProtoPort(spec)[0])
  if (typeof range === 'string') throw publishError(`invalid range format for --expose: ${spec}, error: ${range}`)
}

/** `--expose 80`, `8000-8010/udp`: the ports, as `80/tcp` keys. */
export function parseExpose(spec: string): string[] {
  const [ports, proto] = splitProtoPort(spec)
  const {start, end} = containerPorts(ports)
  const portProtocol = protocol(proto)
  return Array.from({length: end - start + 1}, (_, index) => `${start + index}/${portProtocol}`)
}

/** The bindings of `-p` values, and with `-P` a free host port for every exposed port not published otherwise. */
export function portBindings(publish: string[], publishAll: boolean, exposed: string[]): PortMap {
  const map: PortMap = {}
  for (const spec of publish) {
    for (const [port, bindings] of Object.entries(parsePublish(spec))) (map[port] ??= []).push(...bindings)
  }
  if (publishAll) for (const port of exposed) map[port] ??= [{HostIp: '', HostPort: ''}]
  return map
}

export function splitPort(key: string): {port: number; protocol: PortProtocol} {
  const [port, proto] = key.split('/')
  return {port: Number(port), protocol: (proto ?? 'tcp') as PortProtocol}
}

/** Go's net.JoinHostPort, as docker prints host addresses: an IPv6 address in brackets. */
export function joinHostPort(ip: string, port: string | number): string {
  return `${bracketedIp(ip)}:${port}`
}

/** An address as joinHostPort prints it, for where no port follows: an IPv6 address in brackets. */
export function bracketedIp(ip: string): string {
  return ip.includes(':') ? `[${ip}]` : ip
}

/**
 * docker's NetworkSettings.Ports from the container's network state: the ports of the network that
 * carries them (NetworkState.portsNetwork), exposed ones without a binding as `[]` (inspect's null),
 * and the bindings in effect. None for a container on host, none or internal networks only, which
 * has no endpoint given ports.
 */
export function endpointPorts(state: {ports?: PortMap; portsNetwork?: string} | undefined, exposed: string[]): PortMap {
  const bindings = state?.ports ?? {}
  // A state an older nerd wrote names no network: it had one if it had bindings.
  if (state?.portsNetwork === undefined && Object.keys(bindings).length === 0) return {}
  return {...Object.fromEntries(exposed.map((key) => [key, []])), ...bindings}
}

/**
 * ps's PORTS column from docker's NetworkSettings.Ports, laid out as docker's CLI does: the ports in
 * order (container port, host IP, host port, protocol); runs of consecutive ports that are only
 * exposed, or published on the same port number, fold into ranges (`7000-7002/tcp`,
 * `0.0.0.0:80-81->80-81/tcp`); mappings to another host port come last, one by one
 * (`127.0.0.1:18080->80/tcp`).
 */
export function formatPortsColumn(networkPorts: PortMap): string {
  const ports: {port: number; protocol: string; ip: string; hostPort: number}[] = []
  for (const [key, bindings] of Object.entries(networkPorts)) {
    const {port, protocol} = splitPort(key)
    if (bindings.length === 0) ports.push({port, protocol, ip: '', hostPort: 0})
    for (const binding of bindings) ports.push({port, protocol, ip: binding.HostIp || '0.0.0.0', hostPort: Number(binding.HostPort)})
  }
  ports.sort((a, b) => a.port - b.port || compareStrings(a.ip, b.ip) || a.hostPort - b.hostPort || compareStrings(a.protocol, b.protocol))
  const runs = new Map<string, {ip: string; protocol: string; first: number; last: number}>()
  const entries: string[] = []
  const mappings: string[] = []
  const runText = (run: {ip: string; protocol: string; first: number; last: number}) => {
    const span = run.first === run.last ? String(run.first) : `${run.first}-${run.last}`
    return `${run.ip ? `${joinHostPort(run.ip, span)}->${span}` : span}/${run.protocol}`
  }
  for (const {port, protocol, ip, hostPort} of ports) {
    if (ip && hostPort !== port) {
      mappings.push(`${joinHostPort(ip, hostPort)}->${port}/${protocol}`)
      continue
    }
    const key = `${ip}/${protocol}`
    const run = runs.get(key)
    if (run && port === run.last + 1) {
      run.last = port
      continue
    }
    // A run that breaks is listed where it breaks; the runs still open follow in the order they began.
    if (run) entries.push(runText(run))
    const next = {ip, protocol, first: port, last: port}
    if (run) Object.assign(run, next)
    else runs.set(key, next)
  }
  return [...entries, ...[...runs.values()].map(runText), ...mappings].join(', ')
}

/** `nerd port` lines (`80/tcp -> 127.0.0.1:18080`, or the host side alone for one port), in docker's CLI's natural order of the lines. */
export function formatPortLines(published: PortMap, filter?: string): string[] {
  const lines: string[] = []
  for (const [key, bindings] of Object.entries(published)) {
    if (filter !== undefined && key !== filter) continue
    for (const binding of bindings) {
      const host = joinHostPort(binding.HostIp || '0.0.0.0', binding.HostPort)
      lines.push(filter === undefined ? `${key} -> ${host}` : host)
    }
  }
  return lines.sort(naturalCompare)
}

/** Whether a host address is IPv6's loopback (`::1`, or an IPv4-mapped 127.x address). */
function isIpv6Loopback(address: string): boolean {
  const parsed = parseAddress(address)
  return parsed?.family === 6 && (parsed.value === 1n || parsed.value >> 24n === 0xffff7fn)
}

/**
 * Why portmap's DNAT cannot carry a binding to the container, when it cannot: an IPv6 host address
 * when the container has no IPv6 address on the network carrying its ports (docker's userland proxy
 * would forward it to the IPv4 one; nerd has none), or IPv6 loopback, which the kernel does not route
 * once DNATed (IPv6 has no route_localnet).
 */
export function unpublishableReason(hostIp: string, containerHasIpv6: boolean): string | undefined {
  if (!hostIp.includes(':')) return undefined
  if (isIpv6Loopback(hostIp)) return 'the kernel does not route IPv6 loopback traffic to a container, and nerd has no userland proxy: publish on 127.0.0.1'
  if (!containerHasIpv6) return 'the container has no IPv6 address on the network carrying its ports, and nerd has no userland proxy to forward IPv6 to IPv4'
  return undefined
}

/** The bindings portmap can carry (see unpublishableReason): a container made before nerd refused the others at create lists only these. */
export function publishableBindings(bindings: PortMap, containerHasIpv6: boolean): PortMap {
  const kept: PortMap = {}
  for (const [key, wanted] of Object.entries(bindings)) {
    const carried = wanted.filter((binding) => unpublishableReason(binding.HostIp, containerHasIpv6) === undefined)
    if (carried.length > 0) kept[key] = carried
  }
  return kept
}
