/**
 * The host side of published ports: which host port each binding gets, and who holds it. nerd's
 * registry (`<netconfpath>/.nerd-ports.json`) records the ports of running containers, since
 * portmap's DNAT binds nothing a probe could see; a bind probe sees the host's own listeners, which
 * the DNAT would otherwise shadow. Docker's daemon makes both checks (its port allocator, then a bind).
 */
import {createServer} from 'node:net'
import {createSocket} from 'node:dgram'
import {readJsonIfExists, writeJsonAtomic} from '../files.ts'
import {bracketedIp, joinHostPort, splitPort} from './ports.ts'
import type {PortMap, PortMapping} from './ports.ts'

interface PortRegistry {
  /** `hostIp:hostPort/proto` → the member key holding it. */
  [binding: string]: string
}

export function portRegistryFile(netconfPath: string): string {
  return `${netconfPath}/.nerd-ports.json`
}

function registryKey(hostIp: string, hostPort: number, protocol: string): string {
  return `${hostIp || '0.0.0.0'}:${hostPort}/${protocol}`
}

/**
 * The host IP whose entry holds the port: the same host IP, or all IPs (every IP when `hostIp` is all
 * of them). docker's port allocator names it in its "port is already allocated".
 */
function portTaken(registry: PortRegistry, hostIp: string, hostPort: number, protocol: string): string | undefined {
  const candidates = hostIp === '' ? Object.keys(registry).filter((key) => key.endsWith(`:${hostPort}/${protocol}`)) : [registryKey(hostIp, hostPort, protocol), registryKey('', hostPort, protocol)]
  const holder = candidates.find((candidate) => registry[candidate] !== undefined)
  return holder?.slice(0, holder.lastIndexOf(':'))
}

/** Go's strerror texts for what a bind fails with, as docker's message carries them. */
const BIND_ERRORS: Record<string, string> = {
  EADDRINUSE: 'address already in use',
  EADDRNOTAVAIL: 'cannot assign requested address',
  EACCES: 'permission denied',
}

/** A binding as asked for: docker's PortBindingReq. */
interface BindingRequest {
  hostIp: string
  /** The host port, a range (`8080-8090`), or empty for one the kernel picks. */
  hostPort: string
  containerPort: number
  protocol: string
}

/**
 * docker's PortBindingReq as its errors show it (libnetwork types.PortBinding.String):
 * `hostIP:hostPort:containerIP:port/proto`, IPv6 addresses in brackets, an unset host port or
 * container address left out.
 */
function bindingText(request: BindingRequest, containerIp: string): string {
  const hostIp = request.hostIp || '0.0.0.0'
  const [start, end] = hostPortSpan(request.hostPort)
  const host = start === 0 ? bracketedIp(hostIp) : joinHostPort(hostIp, start === end ? start : `${start}-${end}`)
  return `${host}:${containerIp === '' ? request.containerPort : joinHostPort(containerIp, request.containerPort)}/${request.protocol}`
}

/**
 * A published port the host cannot give. docker's bridge driver names the container's address in
 * its message, which attach knows only once the network gave it one: `naming` says it then.
 */
export class HostPortError extends Error {
  readonly #describe: (containerIp: string) => string
  /** The host IP asked for ('' for all): which of the container's addresses the message names. */
  readonly hostIp: string

  constructor(hostIp: string, describe: (containerIp: string) => string) {
    super(describe(''))
    this.name = 'HostPortError'
    this.hostIp = hostIp
    this.#describe = describe
  }

  /** The message naming the container's address of the host IP's family, among `addresses` (plain IPs). */
  naming(addresses: readonly string[]): string {
    const ipv6 = this.hostIp.includes(':')
    return this.#describe(addresses.find((address) => address.includes(':') === ipv6) ?? '')
  }
}

/** The first and last port of a host port asked for; 0 and 0 for one the kernel picks. */
function hostPortSpan(hostPort: string): [start: number, end: number] {
  const [start, end = start] = hostPort === '' ? [0] : hostPort.split('-').map(Number)
  return [start!, end]
}

/** docker's bind failure: it names `port`, the one tried, only when the binding asked for a range. */
function bindFailure(request: BindingRequest, port: number, reason: string): HostPortError {
  const [start, end] = hostPortSpan(request.hostPort)
  return new HostPortError(request.hostIp, (containerIp) => `failed to bind host port ${start === end ? '' : `${port} `}for ${bindingText(request, containerIp)}: ${reason}`)
}

/**
 * Binds `hostIp:port` (tcp: listens) and lets it go again: the port bound (the kernel's pick for
 * port 0), or Go's words for why the bind failed.
 */
function probeHostPort(hostIp: string, port: number, protocol: string): Promise<number | {reason: string}> {
  // Node cannot bind SCTP: nerd's registry alone guards a given SCTP port.
  if (protocol === 'sctp' && port !== 0) return Promise.resolve(port)
  const address = hostIp || '0.0.0.0'
  const failed = (error: NodeJS.ErrnoException) => ({reason: BIND_ERRORS[error.code ?? ''] ?? error.message})
  return new Promise((resolve) => {
    if (protocol === 'udp') {
      const socket = createSocket(address.includes(':') ? 'udp6' : 'udp4')
      socket.once('error', (error) => resolve(failed(error)))
      socket.bind(port, address, () => {
        const bound = socket.address().port
        socket.close(() => resolve(bound))
      })
      return
    }
    const server = createServer()
    server.once('error', (error) => resolve(failed(error)))
    server.listen({port, host: address, exclusive: true}, () => {
      const bound = (server.address() as {port: number}).port
      server.close(() => resolve(bound))
    })
  })
}

/** How many kernel picks a port of nerd's registry may spoil before nerd gives up. */
const EPHEMERAL_ATTEMPTS = 10

/**
 * The host port of one binding: the one given, the first of a range that no container holds and
 * that binds, or a free one the kernel picks.
 */
async function hostPortFor(registry: PortRegistry, request: BindingRequest): Promise<number> {
  const {hostIp, hostPort, protocol} = request
  const failure = (message: string) => new HostPortError(hostIp, () => message)
  const [start, end] = hostPortSpan(hostPort)
  // No host port, or docker's 0 (`-p 0:80`).
  if (end === 0) {
    for (let attempt = 0; attempt < EPHEMERAL_ATTEMPTS; attempt++) {
      const port = await probeHostPort(hostIp, 0, protocol)
      if (typeof port !== 'number') throw bindFailure(request, 0, port.reason)
      if (portTaken(registry, hostIp, port, protocol) === undefined) return port
    }
    throw failure(`no free host port for ${hostIp || '0.0.0.0'}/${protocol}`)
  }
  // docker's port allocator's words: a range from 0 would have the kernel pick a port outside it.
  if (start === 0) throw failure(`invalid port range: ${start}-${end}`)
  if (start === end) {
    const holder = portTaken(registry, hostIp, start, protocol)
    if (holder !== undefined) throw failure(`Bind for ${holder}:${start} failed: port is already allocated`)
    const bound = await probeHostPort(hostIp, start, protocol)
    if (typeof bound !== 'number') throw bindFailure(request, start, bound.reason)
    return start
  }
  // As docker: a port of the range that does not bind is passed over; the last bind failure is the error.
  let lastFailure: HostPortError | undefined
  for (let port = start; port <= end; port++) {
    if (portTaken(registry, hostIp, port, protocol) !== undefined) continue
    const bound = await probeHostPort(hostIp, port, protocol)
    if (typeof bound === 'number') return port
    lastFailure = bindFailure(request, port, bound.reason)
  }
  throw lastFailure ?? failure('all ports are allocated')
}

/**
 * Chooses the host ports of the bindings and records them as `owner`'s. Call it holding the networks
 * lock, with the owner's earlier ports released: any entry of the registry is another binding's.
 */
export async function claimPorts(registryFile: string, owner: string, bindings: PortMap): Promise<{ports: PortMap; mappings: PortMapping[]}> {
  const registry = (await readJsonIfExists<PortRegistry>(registryFile)) ?? {}
  const ports: PortMap = {}
  const mappings: PortMapping[] = []
  for (const [key, wanted] of Object.entries(bindings)) {
    const {port: containerPort, protocol} = splitPort(key)
    for (const binding of wanted) {
      const hostPort = await hostPortFor(registry, {hostIp: binding.HostIp, hostPort: binding.HostPort, containerPort, protocol})
      registry[registryKey(binding.HostIp, hostPort, protocol)] = owner
      ;(ports[key] ??= []).push({HostIp: binding.HostIp || '0.0.0.0', HostPort: String(hostPort)})
      mappings.push({hostPort, containerPort, protocol, ...(binding.HostIp ? {hostIP: binding.HostIp} : {})})
    }
  }
  await writeJsonAtomic(registryFile, registry)
  return {ports, mappings}
}

/** Whether the registry records ports of `owner`'s: only the owner adds them, so a read without the lock tells. */
export async function holdsPorts(registryFile: string, owner: string): Promise<boolean> {
  return Object.values((await readJsonIfExists<PortRegistry>(registryFile)) ?? {}).includes(owner)
}

export async function releasePorts(registryFile: string, owner: string): Promise<void> {
  const registry = await readJsonIfExists<PortRegistry>(registryFile)
  if (!registry) return
  const kept = Object.fromEntries(Object.entries(registry).filter(([, holder]) => holder !== owner))
  if (Object.keys(kept).length !== Object.keys(registry).length) await writeJsonAtomic(registryFile, kept)
}
