/**
 * HTTP for registries on Node's global fetch: per-host TLS settings, redirects that never carry
 * credentials to another host, and connection failures turned into one line naming the registry.
 */
import {readFile} from 'node:fs/promises'
import * as tls from 'node:tls'
import {NerdError} from '../../errors.ts'
import {RegistryError} from './errors.ts'
import type {TlsFiles} from './hosts.ts'

/**
 * Node's fetch is undici, which accepts a `dispatcher` per request, but Node does not export undici's
 * Agent. undici publishes its global dispatcher under this registry symbol (that is how the npm
 * package's setGlobalDispatcher reaches Node's fetch), and that dispatcher is an Agent: its constructor
 * builds agents with our TLS options without a dependency on the undici package.
 */
const GLOBAL_DISPATCHER = Symbol.for('undici.globalDispatcher.1')

type Dispatcher = object
type AgentConstructor = new (options: {connect: tls.ConnectionOptions}) => Dispatcher

let agentConstructor: Promise<AgentConstructor> | undefined

async function loadAgentConstructor(): Promise<AgentConstructor> {
  const holder = globalThis as Record<symbol, unknown>
  // undici creates its global Agent when fetch is first used; a data: URL does that without a connection.
  if (holder[GLOBAL_DISPATCHER] === undefined) await (await fetch('data:,')).arrayBuffer()
  const constructor = (holder[GLOBAL_DISPATCHER] as {constructor?: unknown} | undefined)?.constructor
  if (typeof constructor !== 'function' || constructor.name !== 'Agent') {
    throw new NerdError(
      'custom TLS settings for registries (certificates, skip_verify, --insecure-registry) need fetch\'s own Agent, which this Node.js does not expose',
    )
  }
  return constructor as AgentConstructor
}

const dispatchers = new Map<string, Promise<Dispatcher>>()

function defaultAuthorities(): string[] {
  return typeof tls.getCACertificates === 'function' ? tls.getCACertificates('default') : [...tls.rootCertificates]
}

async function createDispatcher(files: TlsFiles): Promise<Dispatcher> {
  const Agent = await (agentConstructor ??= loadAgentConstructor())
  const connect: tls.ConnectionOptions = {rejectUnauthorized: files.skipVerify !== true}
  if (files.caFiles.length > 0) {
    const extra = await Promise.all(files.caFiles.map((file) => readTlsFile(file, 'CA certificate')))
    connect.ca = [...defaultAuthorities(), ...extra]
  }
  if (files.clientPairs.length > 0) {
    const certificates: string[] = []
    const keys: string[] = []
    for (const [certificateFile, keyFile] of files.clientPairs) {
      const certificate = await readTlsFile(certificateFile, 'client certificate')
      certificates.push(certificate)
      keys.push(keyFile === undefined ? certificate : await readTlsFile(keyFile, 'client key'))
    }
    connect.cert = certificates
    connect.key = keys
  }
  return new Agent({connect})
}

async function readTlsFile(file: string, what: string): Promise<string> {
  try {
    return await readFile(file, 'utf8')
  } catch (error) {
    throw new NerdError(`unable to read ${what} ${file}: ${(error as Error).message}`, {cause: error})
  }
}

/** The dispatcher for a host's TLS settings (shared between hosts with the same ones); undefined for defaults. */
export async function dispatcherFor(files: TlsFiles): Promise<Dispatcher | undefined> {
  if (files.caFiles.length === 0 && files.clientPairs.length === 0 && files.skipVerify !== true) return undefined
  const key = JSON.stringify(files)
  let dispatcher = dispatchers.get(key)
  if (dispatcher === undefined) {
    dispatcher = createDispatcher(files)
    dispatchers.set(key, dispatcher)
    dispatcher.catch(() => dispatchers.delete(key))
  }
  return dispatcher
}

export type RequestBody = Uint8Array | AsyncIterable<Uint8Array>

export interface HttpRequest {
  method: string
  url: string
  headers: Headers
  body?: RequestBody
  signal?: AbortSignal
  dispatcher?: Dispatcher
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308])
const MAX_REDIRECTS = 10

const CERTIFICATE_ERROR_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
])

/** The innermost error of fetch's `TypeError: fetch failed` chain (AggregateErrors give their first). */
function rootCause(error: unknown): {code?: string; message: string} {
  let current = error as {cause?: unknown; errors?: unknown[]; code?: string; message?: string}
  for (;;) {
    if (current.cause !== undefined && typeof current.cause === 'object' && current.cause !== null) {
      current = current.cause as typeof current
    } else if (Array.isArray(current.errors) && current.errors.length > 0) {
      current = current.errors[0] as typeof current
    } else {
      break
    }
  }
  return {code: current.code, message: current.message ?? String(current)}
}

/** A failure to talk to the host at all (as opposed to an HTTP answer), worded for the user. */
export function connectionError(host: string, url: string, error: unknown): RegistryError {
  const cause = rootCause(error)
  if (cause.code === 'ERR_SSL_WRONG_VERSION_NUMBER') {
    return new RegistryError(`registry ${host}: server gave HTTP response to HTTPS client (${url}); use --insecure-registry for a plain-HTTP registry`, {
      kind: 'unreachable',
      cause: error,
    })
  }
  if (cause.code !== undefined && CERTIFICATE_ERROR_CODES.has(cause.code)) {
    return new RegistryError(
      `registry ${host}: TLS certificate verification failed: ${cause.message} (add its CA as ca.crt under the hosts directory, or use --insecure-registry)`,
      {kind: 'unreachable', cause: error},
    )
  }
  const reason = cause.message === 'bad port' ? 'the port is blocked by fetch (a "bad port" of the fetch standard)' : cause.message
  return new RegistryError(`failed to reach registry ${host} (${url}): ${reason}`, {kind: 'unreachable', cause: error})
}

function ownError(error: unknown): RegistryError | undefined {
  for (let current = error; current instanceof Error; current = current.cause) {
    if (current instanceof RegistryError) return current
  }
  return undefined
}

function toBody(body: RequestBody | undefined): {body?: RequestInit['body']; duplex?: 'half'} {
  if (body === undefined) return {}
  if (body instanceof Uint8Array) return {body: body as Uint8Array<ArrayBuffer>}
  // fetch streams any async iterable of bytes; `duplex: 'half'` is mandatory for streamed bodies.
  return {body: body as unknown as RequestInit['body'], duplex: 'half'}
}

/**
 * One request, following redirects by hand so that the Authorization header is dropped whenever a
 * redirect leaves the origin (blob storage on another host gets signed URLs, not our credentials).
 * Network failures throw a RegistryError of kind `unreachable`; HTTP errors are returned as responses.
 */
export async function send(request: HttpRequest): Promise<Response> {
  let url = new URL(request.url)
  let method = request.method
  let body = request.body
  const headers = new Headers(request.headers)
  for (let redirects = 0; ; redirects++) {
    let response: Response
    try {
      response = await fetch(url, {
        method,
        headers,
        redirect: 'manual',
        signal: request.signal,
        ...toBody(body),
        ...(request.dispatcher === undefined ? {} : {dispatcher: request.dispatcher}),
      } as RequestInit)
    } catch (error) {
      if (request.signal?.aborted) throw error
      // A streamed body that failed its own checks (size, digest) is that failure, not a network one.
      const own = ownError(error)
      if (own !== undefined) throw own
      throw connectionError(url.host, url.href, error)
    }
    const location = response.headers.get('location')
    if (!REDIRECT_STATUSES.has(response.status) || location === null) return response
    await response.body?.cancel()
    if (redirects >= MAX_REDIRECTS) {
      throw new RegistryError(`registry ${new URL(request.url).host}: too many redirects (last ${url.href})`, {kind: 'failed'})
    }
    const next = new URL(location, url)
    if (next.origin !== url.origin) headers.delete('authorization')
    if (response.status === 303 && method !== 'HEAD') {
      method = 'GET'
      body = undefined
      headers.delete('content-type')
      headers.delete('content-length')
    }
    url = next
  }
}
