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

function portRange(text: string, what: 'containerPort' | 'hostPort'): [number, number] {
  const match = /^(\d+)(?:-(\d+))?$/.exec(text)
  const start = match ? Number(match[1]) : NaN
  const end = match?.[2] === undefined ? start : Number(match[2])
  const limit = what === 'hostPort' ? 0 : 1
  if (!match || start < limit || end > 65535 || end < start) throw publishError(`invalid ${what}: ${text}`)
  return [start, end]
}

function protocol(text: string | undefined): PortProtocol {
  const value = (text ?? 'tcp').toLowerCase()
  if (value !== 'tcp' && value !== 'udp' && value !== 'sctp') throw publishError(`invalid proto: ${text}`)
  return value
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

/** One `-p` value as docker's PortMap entries. */
export function parsePublish(value: string): PortMap {
  const spec = shortSyntax(value)
  const slash = spec.lastIndexOf('/')
  const [rest, proto] = slash === -1 ? [spec, protocol(undefined)] : [spec.slice(0, slash), protocol(spec.slice(slash + 1))]
  // go-connections' splitParts: the last part is the container's port, the one before the host's,
  // all before them the host IP (an IPv6 one bracketed or not).
  const parts = rest.split(':')
  const containerText = parts.at(-1)!
  const hostText = parts.length >= 2 ? parts.at(-2)! : ''
  const ipText = parts.slice(0, -2).join(':')
  const hostIp = /^\[[^\]]*\]$/.test(ipText) ? ipText.slice(1, -1) : ipText
  if (hostIp !== '' && isIP(hostIp) === 0) throw publishError(`invalid IP address: ${ipText}`)
  if (containerText === '') throw publishError(`no port specified: ${spec}<empty>`)
  const [containerStart, containerEnd] = portRange(containerText, 'containerPort')
  const count = containerEnd - containerStart + 1
  const map: PortMap = {}
  if (hostText === '') {
    for (let port = containerStart; port <= containerEnd; port++) map[`${port}/${proto}`] = [{HostIp: hostIp, HostPort: ''}]
    return map
  }
  const [hostStart, hostEnd] = portRange(hostText, 'hostPort')
  const hostCount = hostEnd - hostStart + 1
  if (count === 1 && hostCount > 1) {
    // One container port and a host range: any free port of the range, chosen at start.
    map[`${containerStart}/${proto}`] = [{HostIp: hostIp, HostPort: `${hostStart}-${hostEnd}`}]
    return map
  }
  if (hostCount !== count) throw publishError(`invalid ranges specified for container and host Ports: ${containerText} and ${hostText}`)
  for (let offset = 0; offset < count; offset++) {
    map[`${containerStart + offset}/${proto}`] = [{HostIp: hostIp, HostPort: hostStart === 0 ? '' : String(hostStart + offset)}]
  }
  return map
}

/** Go's strconv.ParseUint(text, 10, 16) error, which docker's CLI gives for a port that is no number. */
export function portNumberError(text: string): string | undefined {
  if (!/^\d+$/.test(text)) return `strconv.ParseUint: parsing ${JSON.stringify(text)}: invalid syntax`
  if (Number(text) > 65535) return `strconv.ParseUint: parsing ${JSON.stringify(text)}: value out of range`
  return undefined
}

/** go-connections' ParsePortRange, `80` or `8000-8010`, its error's text when it refuses one. */
function portRangeProblem(text: string): string | undefined {
  if (text === '') return 'empty string specified for ports'
  const [start, end = start] = text.split('-') as [string, string?]
  const problem = portNumberError(start) ?? portNumberError(end)
  if (problem) return problem
  return Number(end) < Number(start) ? `invalid range specified for port: ${text}` : undefined
}

/** What docker's CLI refuses in an `--expose` value, in its words (go-connections' SplitProtoPort and ParsePortRange). */
export function checkExposeFlag(spec: string): void {
  if (spec.includes(':')) throw publishError(`invalid port format for --expose: ${spec}`)
  // Nothing before the slash is no port at all.
  const problem = portRangeProblem(spec.split('/')[0]!)
  if (problem) throw publishError(`invalid range format for --expose: ${spec}, error: ${problem}`)
}

/** `--expose 80`, `8000-8010/udp`: the ports, as `80/tcp` keys. */
export function parseExpose(spec: string): string[] {
  const slash = spec.lastIndexOf('/')
  const [ports, proto] = slash === -1 ? [spec, protocol(undefined)] : [spec.slice(0, slash), protocol(spec.slice(slash + 1))]
  const [start, end] = portRange(ports, 'containerPort')
  return Array.from({length: end - start + 1}, (_, index) => `${start + index}/${proto}`)
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
 * ps's PORTS column, laid out as docker's CLI does: the ports in order (container port, host IP,
 * host port, protocol); runs of consecutive ports that are only exposed, or published on the same
 * port number, fold into ranges (`7000-7002/tcp`, `0.0.0.0:80-81->80-81/tcp`); mappings to another
 * host port come last, one by one (`127.0.0.1:18080->80/tcp`).
 */
export function formatPortsColumn(published: PortMap, exposed: string[]): string {
  const ports: {port: number; protocol: string; ip: string; hostPort: number}[] = []
  for (const key of new Set([...Object.keys(published), ...exposed])) {
    const {port, protocol} = splitPort(key)
    const bindings = published[key] ?? []
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
