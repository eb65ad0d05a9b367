/**
 * HTTP for registries on Node's http and https modules: per-host TLS settings, redirects that never
 * carry credentials to another host, and connection failures turned into one line naming the
 * registry. Not fetch: loading Node's fetch (undici) and compiling its HTTP parser cost ~25 ms before
 * the first request of every pull, and its web streams took about 1.5 times the CPU per byte.
 */
import {readFile} from 'node:fs/promises'
import * as http from 'node:http'
import * as https from 'node:https'
import {Readable} from 'node:stream'
import {pipeline} from 'node:stream/promises'
import * as tls from 'node:tls'
import {NerdError} from '../../errors.ts'
import {openFailure} from '../../files.ts'
import {holdsCertificate, keyPairFailure} from './certificates.ts'
import {RegistryError} from './errors.ts'
import type {TlsFiles} from './hosts.ts'

const agents = new Map<string, Promise<https.Agent>>()

function defaultAuthorities(): string[] {
  return typeof tls.getCACertificates === 'function' ? tls.getCACertificates('default') : [...tls.rootCertificates]
}

async function createAgent(files: TlsFiles): Promise<https.Agent> {
  const options: https.AgentOptions = {keepAlive: true, rejectUnauthorized: files.skipVerify !== true}
  if (files.caFiles.length > 0) {
    const extra = await Promise.all(files.caFiles.map(async (file) => {
      const pem = await readTlsFile(file, 'CA cert')
      if (!holdsCertificate(pem)) throw new NerdError(`unable to load CA cert "${file}"`)
      return pem
    }))
    options.ca = [...defaultAuthorities(), ...extra]
  }
  if (files.clientPairs.length > 0) {
    const certificates: string[] = []
    const keys: string[] = []
    for (const [certificateFile, keyFile] of files.clientPairs) {
      const certificate = await readTlsFile(certificateFile, 'CERT file')
      const key = keyFile === undefined ? certificate : await readTlsFile(keyFile, 'CERT file')
      const failure = keyPairFailure(certificate, key)
      if (failure !== undefined) throw new NerdError(`failed to load X509 key pair: ${failure}`)
      certificates.push(certificate)
      keys.push(key)
    }
    options.cert = certificates
    options.key = keys
  }
  return new https.Agent(options)
}

/** containerd's words for a TLS file it cannot read. */
async function readTlsFile(file: string, what: string): Promise<string> {
  try {
    return await readFile(file, 'utf8')
  } catch (error) {
    throw new NerdError(`unable to read ${what} "${file}": ${openFailure(file, error)}`, {cause: error})
  }
}

/** The HTTPS agent for a host's TLS settings (shared between hosts with the same ones); undefined for defaults. */
export async function tlsAgentFor(files: TlsFiles): Promise<https.Agent | undefined> {
  if (files.caFiles.length === 0 && files.clientPairs.length === 0 && files.skipVerify !== true) return undefined
  const key = JSON.stringify(files)
  let agent = agents.get(key)
  if (agent === undefined) {
    agent = createAgent(files)
    agents.set(key, agent)
    agent.catch(() => agents.delete(key))
  }
  return agent
}

export type RequestBody = Uint8Array | AsyncIterable<Uint8Array>

export interface HttpRequest {
  method: string
  url: string
  /** Lower-case names. */
  headers: Record<string, string>
  body?: RequestBody
  signal?: AbortSignal
  /** For https: URLs with TLS settings of their own (tlsAgentFor). */
  agent?: https.Agent
  /** How long a new connection may take; CONNECT_TIMEOUT_MS by default. */
  connectTimeoutMs?: number
}

export const CONNECT_TIMEOUT_MS = 30_000

/** The body as it arrives; cancelling drops the connection (a blob's rest is not worth reading). */
export interface ResponseBody extends AsyncIterable<Uint8Array> {
  cancel(): Promise<void>
}

/** An answer, with the parts of fetch's Response that registry code reads. */
export class HttpResponse {
  readonly status: number
  /** The reason phrase (`Not Found`); empty when the server sent none. */
  readonly statusText: string
  /** The URL that answered (after redirects): the base for relative Location and Link headers. */
  readonly url: string
  readonly headers: {get(name: string): string | null}
  readonly #message: http.IncomingMessage
  #whole: Promise<Buffer> | undefined

  constructor(message: http.IncomingMessage, url: string) {
    this.#message = message
    this.status = message.statusCode ?? 0
    this.statusText = message.statusMessage ?? ''
    this.url = url
    this.headers = {
      get: (name) => {
        const value = message.headers[name.toLowerCase()]
        return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value
      },
    }
  }

  get ok(): boolean {
    return this.status >= 200 && this.status < 300
  }

  /** Once read whole (text, json), the body is those bytes again. */
  get body(): ResponseBody {
    const message = this.#message
    const whole = this.#whole
    return {
      [Symbol.asyncIterator]: whole === undefined ? () => message[Symbol.asyncIterator]() : async function* () {
        yield await whole
      },
      cancel: async () => {
        message.destroy()
      },
    }
  }

  async bytes(): Promise<Buffer> {
    this.#whole ??= (async () => {
      const chunks: Buffer[] = []
      for await (const chunk of this.#message) chunks.push(chunk as Buffer)
      return Buffer.concat(chunks)
    })()
    return this.#whole
  }

  async text(): Promise<string> {
    return (await this.bytes()).toString('utf8')
  }

  async json(): Promise<unknown> {
    return JSON.parse(await this.text())
  }
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

/** The certificate failures Go reports as `x509: certificate signed by unknown authority`. */
const UNKNOWN_AUTHORITY_CODES = new Set(['DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY'])

/** Node's advice on some verification failures, about a flag of node's that nerd's users do not run. */
const NODE_SYSTEM_CA_HINT = /; if the root CA is installed locally, try running Node\.js with --use-system-ca$/

/** The innermost error of a failure's cause chain (AggregateErrors, from trying every address, give their first). */
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

/** The innermost cause's code (`ECONNREFUSED`), if it has one. */
export function failureCode(error: unknown): string | undefined {
  return rootCause(error).code
}

/** What went wrong with a request, in one line: the innermost cause's message. */
export function failureCause(error: unknown): string {
  return rootCause(error).message.replace(NODE_SYSTEM_CA_HINT, '').trim()
}

/** Whether an HTTPS request failed because the server answered in plain HTTP (Go's "server gave HTTP response to HTTPS client"). */
export function plainHttpAnswer(error: unknown): boolean {
  const cause = rootCause(error)
  // Node reports TLS record errors as EPROTO with OpenSSL's words (one line of them).
  return cause.code === 'ERR_SSL_WRONG_VERSION_NUMBER' || (cause.code === 'EPROTO' && cause.message.includes('wrong version number'))
}

/** A failure to talk to the host at all (as opposed to an HTTP answer), worded for the user. */
export function connectionError(host: string, url: string, error: unknown): RegistryError {
  const cause = rootCause(error)
  if (plainHttpAnswer(error)) {
    return new RegistryError(`registry ${host}: server gave HTTP response to HTTPS client (${url}); use --insecure-registry for a plain-HTTP registry`, {
      kind: 'unreachable',
      cause: error,
    })
  }
  const alert = alertWords(cause.code)
  if (alert !== undefined) {
    // Go's words for the server's TLS alert (OpenSSL's name the library's routines).
    const advice = CLIENT_CERTIFICATE_ALERTS.has(alert) ? ' (a registry that wants a client certificate takes it as client.cert and client.key under the hosts directory)' : ''
    return new RegistryError(`registry ${host}: remote error: tls: ${alert}${advice}`, {kind: 'unreachable', cause: error})
  }
  if (cause.code !== undefined && CERTIFICATE_ERROR_CODES.has(cause.code)) {
    const detail = cause.message.replace(NODE_SYSTEM_CA_HINT, '')
    const advice = 'add its CA as ca.crt under the hosts directory, or use --insecure-registry'
    // Go's words for it, which scripts look for, with Node's detail.
    if (UNKNOWN_AUTHORITY_CODES.has(cause.code)) {
      return new RegistryError(`registry ${host}: tls: failed to verify certificate: x509: certificate signed by unknown authority (${detail}; ${advice})`, {kind: 'unreachable', cause: error})
    }
    return new RegistryError(`registry ${host}: TLS certificate verification failed: ${detail} (${advice})`, {kind: 'unreachable', cause: error})
  }
  return new RegistryError(`failed to reach registry ${host} (${url}): ${cause.message.trim()}`, {kind: 'unreachable', cause: error})
}

/** What a TLS server answers a handshake without the client certificate it requires (TLS 1.3 servers, older Go ones). */
const CLIENT_CERTIFICATE_ALERTS = new Set(['certificate required', 'bad certificate'])

/** The alert a TLS server refused the handshake with (`certificate required`), from Node's code for it. */
function alertWords(code: string | undefined): string | undefined {
  const match = /^ERR_SSL_.*?ALERT_(\w+)$/.exec(code ?? '')
  return match === null ? undefined : match[1].toLowerCase().replaceAll('_', ' ')
}

/** Whether a request failed because the server refused the TLS handshake with an alert: it speaks TLS. */
export function tlsAlert(error: unknown): boolean {
  return alertWords(rootCause(error).code) !== undefined
}

/** Failures to connect at all: another scheme on the same host and port would not do better. */
const NOT_CONNECTED_CODES = new Set(['ECONNREFUSED', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH'])

/**
 * Whether a failure to get an answer may be the server speaking the other protocol (TLS or plain
 * HTTP): it was reached, and it did not refuse a TLS handshake it understood (with an alert).
 */
export function mayBeOtherProtocol(error: unknown): boolean {
  return !NOT_CONNECTED_CODES.has(rootCause(error).code ?? '') && !tlsAlert(error)
}

function ownError(error: unknown): RegistryError | undefined {
  for (let current = error; current instanceof Error; current = current.cause) {
    if (current instanceof RegistryError) return current
  }
  return undefined
}

/** One exchange: resolves at the answer's headers, rejects when the request cannot be made or its body fails. */
function exchange(url: URL, method: string, headers: Record<string, string>, body: RequestBody | undefined, request: HttpRequest): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const options: https.RequestOptions = {method, headers, signal: request.signal}
    if (url.protocol === 'https:' && request.agent !== undefined) options.agent = request.agent
    let answered = false
    const outgoing = (url.protocol === 'https:' ? https : http).request(url, options, (message) => {
      answered = true
      // A body nobody reads keeps its connection busy, and a busy connection keeps nerd running:
      // an empty one (a HEAD's, a 201's) is read to its end at once.
      if (method === 'HEAD' || message.headers['content-length'] === '0') message.resume()
      resolve(new HttpResponse(message, url.href))
    })
    // The kernel keeps trying an address that drops packets for about two minutes; containerd's
    // dialer gives up after 30 s.
    outgoing.on('socket', (socket) => {
      if (!socket.connecting) return
      const connectTimeoutMs = request.connectTimeoutMs ?? CONNECT_TIMEOUT_MS
      const timer = setTimeout(() => outgoing.destroy(Object.assign(new Error(`connection timed out after ${connectTimeoutMs / 1000} s`), {code: 'ETIMEDOUT'})), connectTimeoutMs)
      socket.once('connect', () => clearTimeout(timer))
      socket.once('close', () => clearTimeout(timer))
    })
    outgoing.on('error', (error: NodeJS.ErrnoException) => {
      // A kept-alive connection the server closed meanwhile fails the request sent on it before any
      // answer: a request without a streamed body is sent again, on a new connection.
      if (!answered && outgoing.reusedSocket && error.code === 'ECONNRESET' && (body === undefined || body instanceof Uint8Array)) {
        exchange(url, method, headers, body, request).then(resolve, reject)
      } else {
        reject(error)
      }
    })
    if (body === undefined) outgoing.end()
    else if (body instanceof Uint8Array) outgoing.end(body)
    else pipeline(Readable.from(body, {objectMode: false}), outgoing).catch(reject)
  })
}

/**
 * One request, following redirects by hand so that the Authorization header is dropped whenever a
 * redirect leaves the origin (blob storage on another host gets signed URLs, not our credentials).
 * Network failures throw a RegistryError of kind `unreachable`; HTTP errors are returned as responses.
 */
export async function send(request: HttpRequest): Promise<HttpResponse> {
  let url = new URL(request.url)
  let method = request.method
  let body = request.body
  const headers = {...request.headers}
  for (let redirects = 0; ; redirects++) {
    let response: HttpResponse
    try {
      response = await exchange(url, method, headers, body, request)
    } catch (error) {
      if (request.signal?.aborted) throw error
      // A streamed body that failed its own checks (size, digest) is that failure, not a network one.
      const own = ownError(error)
      if (own !== undefined) throw own
      throw connectionError(url.host, url.href, error)
    }
    const location = response.headers.get('location')
    if (!REDIRECT_STATUSES.has(response.status) || location === null) return response
    await response.body.cancel()
    if (redirects >= MAX_REDIRECTS) {
      throw new RegistryError(`registry ${new URL(request.url).host}: too many redirects (last ${url.href})`, {kind: 'failed'})
    }
    const next = new URL(location, url)
    if (next.origin !== url.origin) delete headers.authorization
    if (response.status === 303 && method !== 'HEAD') {
      method = 'GET'
      body = undefined
      delete headers['content-type']
      delete headers['content-length']
    }
    url = next
  }
}
