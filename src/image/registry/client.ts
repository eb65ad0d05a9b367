/**
 * An OCI distribution (docker registry v2) client: resolve references, fetch manifests and blobs
 * (verified, resumable), push blobs and manifests. Registry side only: it knows nothing of containerd.
 */
import type {Hash} from 'node:crypto'
import {STATUS_CODES} from 'node:http'
import {Readable} from 'node:stream'
import {goQuote} from '../../format/index.ts'
import type {Reference} from '../reference.ts'
import {familiarName, familiarRepository, normalizedName, parseDigest} from '../reference.ts'
import {Authorizer, pullScope, pushScope, tokenRefusal, tokenRefusalReason} from './authorizer.ts'
import type {AuthTarget, CredentialsProvider} from './authorizer.ts'
import {createDigestHash, digestAlgorithm, digestOf, hashDigest} from './digest.ts'
import {RegistryError, errorFromResponse} from './errors.ts'
import {configureEndpoints} from './hosts.ts'
import type {HostCapability, RegistryEndpoint} from './hosts.ts'
import {MANIFEST_ACCEPT, detectManifestMediaType, isSchema1MediaType, schema1Removed} from './media-types.ts'
import type {Descriptor} from './media-types.ts'
import {mayBeOtherProtocol, send, tlsAgentFor, tlsAlert} from './transport.ts'
import type {HttpResponse, RequestBody} from './transport.ts'

export interface RegistryClientOptions {
  /** Directories holding `<host>/hosts.toml` or docker-style certificates (default: containerd's and docker's). */
  hostsDirs?: readonly string[]
  /** Skip TLS verification and fall back to plain HTTP, for every registry. */
  insecure?: boolean
  credentials?: CredentialsProvider
  userAgent?: string
}

export interface FetchedManifest {
  descriptor: Descriptor
  /** The manifest exactly as the registry stored it (its digest is the descriptor's). */
  bytes: Uint8Array
}

export interface FetchBlobOptions {
  /** Bytes the caller already has: the stream starts after them (`Range: bytes=<offset>-`). */
  offset?: number
  /**
   * Hash (of the digest's algorithm) already fed with those `offset` bytes: the stream takes it over
   * and still verifies the digest of the whole blob. Without it a resumed fetch verifies the size only.
   */
  hash?: Hash
  /**
   * false when the bytes go where their digest is checked anyway (containerd's content commit with
   * the expected digest): hashing them here too costs ~0.7 ms per MB. Sizes are still checked.
   */
  verifyDigest?: boolean
  signal?: AbortSignal
}

/** Blob content to push: the bytes, or a function that streams them (called again for a retry). */
export type BlobSource = Uint8Array | (() => AsyncIterable<Uint8Array>)

export interface PushBlobOptions {
  /** Repositories of the same registry that may hold the blob already: mounted from instead of uploaded. */
  mountFrom?: readonly string[]
  /** Upload in PATCH requests of this many bytes (chunked upload) instead of one PUT. */
  chunkSize?: number
  signal?: AbortSignal
}

/** `exists`: the repository had the blob; `mounted`: linked from another repository (`from`); `uploaded`: sent. */
export type PushBlobResult = {outcome: 'exists' | 'uploaded'} | {outcome: 'mounted'; from: string}

interface RequestSpec {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
  /** Below the endpoint's API root (`library/busybox/manifests/latest`)... */
  path?: string
  /** ...or an absolute URL the registry handed out (upload locations, next pages). */
  url?: string
  query?: Record<string, string>
  headers?: Record<string, string>
  /** Called for each attempt: a retried request needs a fresh body. */
  body?: () => RequestBody
  scopes: readonly string[]
  signal?: AbortSignal
  /** Ask the token service for a refresh token as well (login). */
  offline?: boolean
}

/** containerd refuses larger manifests; so does nerd, before reading them into memory. */
export const MAX_MANIFEST_SIZE = 4 * 1024 * 1024
/** How often a blob download that broke off is resumed where it stopped. */
const BLOB_RESUME_ATTEMPTS = 3
const GENERIC_CONTENT_TYPES = new Set(['', 'application/json', 'text/plain', 'application/octet-stream', 'binary/octet-stream'])

function contentType(headers: HttpResponse['headers']): string {
  return (headers.get('content-type') ?? '').split(';')[0].trim()
}

function validDigest(text: string | null): string | undefined {
  if (text === null) return undefined
  try {
    return parseDigest(text.trim())
  } catch {
    return undefined
  }
}

function refuseSchema1(mediaType: string, bytes: Uint8Array | undefined, reference: Reference): void {
  const detected = bytes === undefined ? undefined : detectManifestMediaType(bytes)
  if (isSchema1MediaType(mediaType) || (detected !== undefined && isSchema1MediaType(detected))) {
    throw new RegistryError(schema1Removed(normalizedName(reference)), {kind: 'unsupported'})
  }
}

function invalidContent(message: string): RegistryError {
  return new RegistryError(message, {kind: 'invalid'})
}

/** Reads a whole body, refusing more than `limit` bytes. */
async function readLimited(response: HttpResponse, limit: number, what: string): Promise<Uint8Array> {
  const length = Number(response.headers.get('content-length') ?? Number.NaN)
  if (length > limit) {
    await response.body?.cancel()
    throw invalidContent(`${what} is ${length} bytes, more than the ${limit} nerd accepts`)
  }
  const chunks: Uint8Array[] = []
  let total = 0
  if (response.body !== null) {
    for await (const chunk of response.body) {
      total += chunk.length
      if (total > limit) throw invalidContent(`${what} is more than the ${limit} bytes nerd accepts`)
      chunks.push(chunk)
    }
  }
  return Buffer.concat(chunks, total)
}

function manifestMediaType(headers: HttpResponse['headers'], bytes: Uint8Array): string {
  const declared = contentType(headers)
  if (!GENERIC_CONTENT_TYPES.has(declared)) return declared
  return detectManifestMediaType(bytes) ?? declared
}

function describeManifestFailure(reference: Reference): (status: number) => string {
  return (status) => {
    if (status === 404) return `manifest for ${familiarName(reference)} not found`
    if (status === 401 || status === 403) {
      return `pull access denied for ${familiarRepository(reference)}, repository does not exist or may require 'docker login'`
    }
    return `failed to resolve ${familiarName(reference)}`
  }
}

/** Why an upload could not start: containerd's words when the token lacks the push scope, else the registry's. */
async function uploadRefusal(response: HttpResponse, describeFailure: () => string): Promise<RegistryError> {
  const refusal = tokenRefusal(response)
  if (refusal === undefined) return errorFromResponse(response, describeFailure)
  await response.body.cancel()
  return refusal
}

/** Ends when the iterable ends; throws when it yields more or fewer bytes than `size`. */
async function* exactly(source: Iterable<Uint8Array> | AsyncIterable<Uint8Array>, size: number, what: string): AsyncIterable<Uint8Array> {
  let seen = 0
  for await (const chunk of source) {
    seen += chunk.length
    if (seen > size) throw invalidContent(`${what}: the content is larger than its descriptor's size ${size}`)
    yield chunk
  }
  if (seen !== size) throw invalidContent(`${what}: the content has ${seen} bytes, its descriptor says ${size}`)
}

/** Groups a byte stream into chunks of `size` bytes (the last one shorter). */
async function* rechunk(source: AsyncIterable<Uint8Array>, size: number): AsyncIterable<Uint8Array> {
  let pending: Uint8Array[] = []
  let pendingLength = 0
  for await (const chunk of source) {
    let data = chunk
    while (pendingLength + data.length >= size) {
      const take = size - pendingLength
      pending.push(data.subarray(0, take))
      yield Buffer.concat(pending, size)
      data = data.subarray(take)
      pending = []
      pendingLength = 0
    }
    if (data.length > 0) {
      pending.push(data)
      pendingLength += data.length
    }
  }
  if (pendingLength > 0) yield Buffer.concat(pending, pendingLength)
}

/** A blob opened where it is read from, and how to open it there again from a position (a resumed download). */
interface OpenedBlob {
  response: HttpResponse
  /** Bytes of the body before the position asked for (a server that ignored the Range header). */
  skip: number
  host: string
  reopen: (position: number) => Promise<{response: HttpResponse; skip: number}>
}

/** Storage behind redirects may compress on the fly: that would change the bytes and their digest. */
function blobRequestHeaders(offset: number): Record<string, string> {
  return offset > 0 ? {range: `bytes=${offset}-`, 'accept-encoding': 'identity'} : {'accept-encoding': 'identity'}
}

/** The body of a blob response from `offset`: a 206 must start there, a 200 is skipped up to it. */
async function openedBlob(response: HttpResponse, descriptor: Descriptor, offset: number, describe: (status: number) => string): Promise<{response: HttpResponse; skip: number}> {
  if (response.status === 206) {
    const start = contentRangeStart(response.headers.get('content-range'))
    if (start !== offset) {
      await response.body?.cancel()
      throw new RegistryError(`blob ${descriptor.digest}: asked for bytes from ${offset}, the registry sent a range from ${start ?? 'unknown'}`, {kind: 'failed'})
    }
    return {response, skip: 0}
  }
  if (response.ok) return {response, skip: offset}
  throw await errorFromResponse(response, describe)
}

function contentRangeStart(header: string | null): number | undefined {
  const match = /^bytes (\d+)-\d+\/(?:\d+|\*)$/.exec(header?.trim() ?? '')
  return match === null ? undefined : Number(match[1])
}

function nextPage(link: string | null, base: string): string | undefined {
  if (link === null) return undefined
  const match = /<([^>]+)>\s*;\s*rel="?next"?/.exec(link)
  return match === null ? undefined : new URL(match[1], base).href
}

export class RegistryClient {
  readonly #options: RegistryClientOptions
  readonly #userAgent: string
  readonly #authorizer: Authorizer
  readonly #endpoints = new Map<string, Promise<RegistryEndpoint[]>>()
  /** Insecure endpoints whose first request is deciding (or decided) between HTTPS and plain HTTP. */
  readonly #schemeDecisions = new WeakMap<RegistryEndpoint, Promise<void>>()
  /** The body of the manifest last resolved with a GET, so fetching it right after costs no request. */
  #resolvedManifest: {digest: string; bytes: Uint8Array} | undefined

  constructor(options: RegistryClientOptions = {}) {
    this.#options = options
    this.#userAgent = options.userAgent ?? 'nerd'
    this.#authorizer = new Authorizer({credentials: options.credentials, userAgent: this.#userAgent, clientId: 'nerd'})
  }

  /** The endpoints configured for a registry domain (mirrors first), each request tries them in order. */
  endpoints(domain: string): Promise<RegistryEndpoint[]> {
    let endpoints = this.#endpoints.get(domain)
    if (endpoints === undefined) {
      endpoints = configureEndpoints(domain, {hostsDirs: this.#options.hostsDirs, insecure: this.#options.insecure})
      this.#endpoints.set(domain, endpoints)
      endpoints.catch(() => this.#endpoints.delete(domain))
    }
    return endpoints
  }

  async #endpointsWith(domain: string, capability: HostCapability): Promise<RegistryEndpoint[]> {
    const endpoints = (await this.endpoints(domain)).filter((endpoint) => endpoint.capabilities.has(capability))
    if (endpoints.length === 0) {
      throw new RegistryError(`no host configured to ${capability} for registry ${domain}`, {kind: 'failed'})
    }
    return endpoints
  }

  /**
   * Runs `attempt` on each endpoint in turn, moving on when one does not have the content or cannot be
   * reached. When none succeeds, the most relevant failure is reported, as containerd's resolver does:
   * a host's "not found" over another's failed connection (a mirror's answer while the upstream is offline).
   */
  async #acrossEndpoints<T>(domain: string, capability: HostCapability, attempt: (endpoint: RegistryEndpoint) => Promise<T>): Promise<T> {
    let reported: RegistryError | undefined
    for (const endpoint of await this.#endpointsWith(domain, capability)) {
      try {
        return await attempt(endpoint)
      } catch (error) {
        if (!(error instanceof RegistryError) || (error.kind !== 'not-found' && error.kind !== 'unreachable')) throw error
        if (reported === undefined || (reported.kind === 'unreachable' && error.kind === 'not-found')) reported = error
      }
    }
    throw reported
  }

  async #request(endpoint: RegistryEndpoint, spec: RequestSpec): Promise<HttpResponse> {
    if (endpoint.eitherScheme) {
      const decided = this.#schemeDecisions.get(endpoint)
      if (decided === undefined) return this.#decideScheme(endpoint, spec)
      await decided
    }
    return this.#authorizedSend(endpoint, spec)
  }

  /**
   * The first request to an insecure registry: when its answer says the server speaks the other
   * protocol (a 400 to plain HTTP, as TLS servers give; no answer but a reached server), it is made
   * again over the other scheme, which is kept if it answers. Requests made meanwhile wait for the
   * decision; a registry that answered neither leaves it to the next request.
   */
  async #decideScheme(endpoint: RegistryEndpoint, spec: RequestSpec): Promise<HttpResponse> {
    const decision = (async () => {
      const first = await this.#authorizedSend(endpoint, spec).then(
        (response) => ({response}),
        (error: unknown) => ({error}),
      )
      const otherProtocol =
        'response' in first
          ? first.response.status === 400 && endpoint.root.startsWith('http:')
          : first.error instanceof RegistryError && first.error.kind === 'unreachable' && mayBeOtherProtocol(first.error)
      if (otherProtocol) {
        const firstRoot = endpoint.root
        endpoint.root = firstRoot.startsWith('http:') ? `https:${firstRoot.slice('http:'.length)}` : `http:${firstRoot.slice('https:'.length)}`
        try {
          const response = await this.#authorizedSend(endpoint, spec)
          if ('response' in first) await first.response.body.cancel()
          return response
        } catch (error) {
          endpoint.root = firstRoot
          // A TLS server that refused the handshake (a client certificate required) is the registry's
          // real answer, not the 400 it gave plain HTTP: docker, going HTTPS first, reports that.
          if ('response' in first && tlsAlert(error)) {
            await first.response.body.cancel()
            throw error
          }
        }
      }
      if ('error' in first) throw first.error
      return first.response
    })()
    this.#schemeDecisions.set(
      endpoint,
      decision.then(
        () => undefined,
        () => {
          this.#schemeDecisions.delete(endpoint)
        },
      ),
    )
    return decision
  }

  async #authorizedSend(endpoint: RegistryEndpoint, spec: RequestSpec): Promise<HttpResponse> {
    const url = new URL(spec.url ?? `${endpoint.root}/${spec.path ?? ''}`)
    for (const [name, value] of Object.entries(spec.query ?? {})) url.searchParams.set(name, value)
    if (endpoint.namespace !== undefined && spec.url === undefined) url.searchParams.set('ns', endpoint.namespace)
    const agent = endpoint.root.startsWith('https:') ? await tlsAgentFor(endpoint.tls) : undefined
    const target: AuthTarget = {host: endpoint.host, origin: new URL(endpoint.root).origin, agent}

    const headers: Record<string, string> = {'user-agent': this.#userAgent}
    for (const [name, values] of Object.entries(endpoint.headers)) headers[name.toLowerCase()] = values.join(', ')
    for (const [name, value] of Object.entries(spec.headers ?? {})) headers[name.toLowerCase()] = value

    const attempt = async (authorization: string | undefined): Promise<HttpResponse> => {
      if (authorization === undefined) delete headers.authorization
      else headers.authorization = authorization
      return send({method: spec.method, url: url.href, headers, body: spec.body?.(), signal: spec.signal, agent})
    }

    let authorization = await this.#authorizer.authorization(target, spec.scopes, {offline: spec.offline})
    const response = await attempt(authorization)
    if (response.status !== 401) return response
    try {
      const retryScopes = await this.#authorizer.unauthorized(target, response, spec.scopes, authorization)
      if (retryScopes === undefined) return response
      authorization = await this.#authorizer.authorization(target, retryScopes, {offline: spec.offline})
      if (authorization === undefined) return response
    } catch (error) {
      // A refused token request leaves the 401 unread: its connection would keep nerd running.
      await response.body.cancel()
      throw error
    }
    await response.body.cancel()
    return attempt(authorization)
  }

  /**
   * The descriptor a reference points at: `HEAD /v2/<repo>/manifests/<digest or tag>`, or a GET
   * (hashing the body) when the registry's answer lacks the digest, length or a manifest media type.
   */
  async resolve(reference: Reference, options: {signal?: AbortSignal} = {}): Promise<Descriptor> {
    const target = reference.digest ?? reference.tag ?? 'latest'
    return this.#acrossEndpoints(reference.domain, 'resolve', async (endpoint) => {
      const spec: RequestSpec = {
        method: 'HEAD',
        path: `${reference.path}/manifests/${target}`,
        headers: {accept: MANIFEST_ACCEPT},
        scopes: [pullScope(reference.path)],
        signal: options.signal,
      }
      const head = await this.#request(endpoint, spec)
      if (head.ok) {
        const mediaType = contentType(head.headers)
        const digest = validDigest(head.headers.get('docker-content-digest')) ?? reference.digest
        const size = Number(head.headers.get('content-length') ?? Number.NaN)
        const digestAgrees = reference.digest === undefined || digest === reference.digest
        if (!GENERIC_CONTENT_TYPES.has(mediaType) && digest !== undefined && digestAgrees && Number.isInteger(size) && size > 0) {
          refuseSchema1(mediaType, undefined, reference)
          return {mediaType, digest, size}
        }
      } else {
        // HEAD answers carry no body: the GET below fetches the registry's explanation.
        await head.body?.cancel()
      }

      const response = await this.#request(endpoint, {...spec, method: 'GET'})
      if (!response.ok) throw await errorFromResponse(response, describeManifestFailure(reference))
      const bytes = await readLimited(response, MAX_MANIFEST_SIZE, `manifest ${familiarName(reference)}`)
      const mediaType = manifestMediaType(response.headers, bytes)
      refuseSchema1(mediaType, bytes, reference)
      const expected = reference.digest ?? validDigest(response.headers.get('docker-content-digest'))
      const digest = digestOf(bytes, expected === undefined ? 'sha256' : digestAlgorithm(expected))
      if (expected !== undefined && digest !== expected) {
        throw invalidContent(`manifest ${familiarName(reference)}: digest mismatch: expected ${expected}, got ${digest}`)
      }
      this.#resolvedManifest = {digest, bytes}
      return {mediaType, digest, size: bytes.length}
    })
  }

  /** A manifest or index by its descriptor, verified against the descriptor's digest and size. */
  async fetchManifest(reference: Reference, descriptor: Descriptor, options: {signal?: AbortSignal} = {}): Promise<FetchedManifest> {
    const algorithm = digestAlgorithm(descriptor.digest)
    const what = `manifest ${descriptor.digest}`
    if (descriptor.size > MAX_MANIFEST_SIZE) {
      throw invalidContent(`${what} is ${descriptor.size} bytes, more than the ${MAX_MANIFEST_SIZE} nerd accepts`)
    }
    const verified = (bytes: Uint8Array, mediaType: string): FetchedManifest => {
      if (bytes.length !== descriptor.size) throw invalidContent(`${what}: ${bytes.length} bytes, its descriptor says ${descriptor.size}`)
      const digest = digestOf(bytes, algorithm)
      if (digest !== descriptor.digest) throw invalidContent(`${what}: digest mismatch: got ${digest}`)
      refuseSchema1(mediaType, bytes, reference)
      return {descriptor: {...descriptor, mediaType}, bytes}
    }
    const resolved = this.#resolvedManifest
    if (resolved?.digest === descriptor.digest) return verified(resolved.bytes, descriptor.mediaType)

    return this.#acrossEndpoints(reference.domain, 'pull', async (endpoint) => {
      const accept = MANIFEST_ACCEPT.includes(descriptor.mediaType) ? MANIFEST_ACCEPT : `${descriptor.mediaType}, ${MANIFEST_ACCEPT}`
      const response = await this.#request(endpoint, {
        method: 'GET',
        path: `${reference.path}/manifests/${descriptor.digest}`,
        headers: {accept},
        scopes: [pullScope(reference.path)],
        signal: options.signal,
      })
      if (!response.ok) throw await errorFromResponse(response, describeManifestFailure(reference))
      const bytes = await readLimited(response, MAX_MANIFEST_SIZE, what)
      return verified(bytes, descriptor.mediaType !== '' ? descriptor.mediaType : manifestMediaType(response.headers, bytes))
    })
  }

  async #openBlob(endpoint: RegistryEndpoint, reference: Reference, descriptor: Descriptor, offset: number, signal: AbortSignal | undefined): Promise<{response: HttpResponse; skip: number}> {
    const response = await this.#request(endpoint, {
      method: 'GET',
      path: `${reference.path}/blobs/${descriptor.digest}`,
      headers: blobRequestHeaders(offset),
      scopes: [pullScope(reference.path)],
      signal,
    })
    return openedBlob(response, descriptor, offset, (status) =>
      status === 404 ? `blob ${descriptor.digest} not found in ${familiarRepository(reference)}` : `failed to fetch blob ${descriptor.digest}`,
    )
  }

  /** A blob from one of the `urls` of its descriptor (a foreign or non-distributable layer), plain HTTP(S) with no registry auth. */
  async #openBlobUrl(url: string, descriptor: Descriptor, offset: number, signal: AbortSignal | undefined): Promise<{response: HttpResponse; skip: number}> {
    const response = await send({method: 'GET', url, headers: {'user-agent': this.#userAgent, ...blobRequestHeaders(offset)}, signal})
    return openedBlob(response, descriptor, offset, (status) => `failed to fetch blob ${descriptor.digest} from ${url}: ${status}`)
  }

  /**
   * Where a blob is read from: first the http(s) `urls` of its descriptor, each in turn, as
   * containerd's fetcher tries them, then the registry. Each place is left for the next when it
   * cannot give the blob; its content is verified whichever gives it.
   */
  async #openBlobSource(reference: Reference, descriptor: Descriptor, offset: number, signal: AbortSignal | undefined): Promise<OpenedBlob> {
    for (const url of descriptor.urls ?? []) {
      if (!/^https?:\/\//i.test(url)) continue
      try {
        const opened = await this.#openBlobUrl(url, descriptor, offset, signal)
        return {...opened, host: new URL(url).host, reopen: (position) => this.#openBlobUrl(url, descriptor, position, signal)}
      } catch (error) {
        if (signal?.aborted === true || !(error instanceof RegistryError)) throw error
      }
    }
    return this.#acrossEndpoints(reference.domain, 'pull', async (endpoint) => ({
      ...(await this.#openBlob(endpoint, reference, descriptor, offset, signal)),
      host: endpoint.host,
      reopen: (position: number) => this.#openBlob(endpoint, reference, descriptor, position, signal),
    }))
  }

  /**
   * A config or layer as a byte stream, verified while it flows: more bytes than the descriptor's
   * size, fewer, or another digest make the stream fail at that point. With `offset` the stream
   * continues a blob the caller holds the start of (a server ignoring the Range header is handled by
   * skipping); a connection that breaks off is resumed the same way, a few times.
   */
  async fetchBlob(reference: Reference, descriptor: Descriptor, options: FetchBlobOptions = {}): Promise<Readable> {
    const algorithm = digestAlgorithm(descriptor.digest)
    const offset = options.offset ?? 0
    if (!Number.isInteger(offset) || offset < 0 || offset > descriptor.size) {
      throw new RegistryError(`blob ${descriptor.digest}: offset ${offset} is outside its ${descriptor.size} bytes`, {kind: 'invalid'})
    }
    const hash = options.verifyDigest === false ? undefined : (options.hash ?? (offset === 0 ? createDigestHash(descriptor.digest) : undefined))
    const what = `blob ${descriptor.digest}`
    const verifyDigest = (): void => {
      if (hash === undefined) return
      const digest = hashDigest(hash, algorithm)
      if (digest !== descriptor.digest) throw invalidContent(`${what}: digest mismatch: got ${digest}`)
    }
    if (offset === descriptor.size) {
      verifyDigest()
      return Readable.from([])
    }

    // Resumed requests go where the first one succeeded.
    const source = await this.#openBlobSource(reference, descriptor, offset, options.signal)
    const first = {response: source.response, skip: source.skip}

    let started = false
    const stream = async function* (): AsyncGenerator<Uint8Array> {
      started = true
      let position = offset
      let current: {response: HttpResponse; skip: number} | undefined = first
      let resumes = 0
      while (position < descriptor.size) {
        current ??= await source.reopen(position)
        let skip = current.skip
        try {
          for await (const chunk of current.response.body ?? []) {
            let data = chunk as Uint8Array
            if (skip > 0) {
              const skipped = Math.min(skip, data.length)
              skip -= skipped
              data = data.subarray(skipped)
              if (data.length === 0) continue
            }
            position += data.length
            if (position > descriptor.size) throw invalidContent(`${what}: more bytes than its descriptor's size ${descriptor.size}`)
            hash?.update(data)
            yield data
          }
        } catch (error) {
          if (error instanceof RegistryError || options.signal?.aborted === true) throw error
          if (resumes >= BLOB_RESUME_ATTEMPTS) {
            throw new RegistryError(`${what}: download from ${source.host} broke off at byte ${position}: ${(error as Error).message}`, {
              kind: 'unreachable',
              cause: error,
            })
          }
        }
        current = undefined
        if (position < descriptor.size) {
          if (resumes >= BLOB_RESUME_ATTEMPTS) throw invalidContent(`${what}: the registry sent ${position} of ${descriptor.size} bytes`)
          resumes++
        }
      }
      verifyDigest()
    }
    const readable = Readable.from(stream(), {objectMode: false})
    // A stream closed before its first read never ran the generator: the opened answer is dropped here.
    readable.once('close', () => {
      if (!started) void first.response.body.cancel()
    })
    return readable
  }

  async #pushEndpoint(domain: string): Promise<RegistryEndpoint> {
    return (await this.#endpointsWith(domain, 'push'))[0]
  }

  async #blobExistsOn(endpoint: RegistryEndpoint, reference: Reference, digest: string, scopes: readonly string[], signal?: AbortSignal): Promise<boolean> {
    const response = await this.#request(endpoint, {method: 'HEAD', path: `${reference.path}/blobs/${digest}`, scopes, signal})
    await response.body?.cancel()
    if (response.ok) return true
    // containerd's pusher: a check the token does not allow is "Unable to check existence, continuing
    // with push"; the upload's refusal then says what is denied.
    if (response.status === 404 || tokenRefusalReason(response) !== undefined) return false
    throw await errorFromResponse(response, () => `failed to check blob ${digest} in ${familiarRepository(reference)}`)
  }

  /** Whether the repository already holds the blob (the check before a push). */
  async blobExists(reference: Reference, digest: string, options: {signal?: AbortSignal} = {}): Promise<boolean> {
    parseDigest(digest)
    return this.#blobExistsOn(await this.#pushEndpoint(reference.domain), reference, digest, [pushScope(reference.path)], options.signal)
  }

  /**
   * Makes the repository hold a blob: nothing to do when it exists, a cross-repository mount when one
   * of `mountFrom` has it (201), else an upload: one PUT, or PATCH chunks then PUT with `chunkSize`.
   */
  async pushBlob(reference: Reference, descriptor: Descriptor, source: BlobSource, options: PushBlobOptions = {}): Promise<PushBlobResult> {
    parseDigest(descriptor.digest)
    const endpoint = await this.#pushEndpoint(reference.domain)
    const mountFrom = (options.mountFrom ?? []).filter((path) => path !== reference.path)
    const scopes = [pushScope(reference.path), ...mountFrom.map(pullScope)]
    const signal = options.signal
    const repositoryName = familiarRepository(reference)
    const describeFailure = (): string => `failed to push blob ${descriptor.digest} to ${repositoryName}`

    if (await this.#blobExistsOn(endpoint, reference, descriptor.digest, scopes, signal)) return {outcome: 'exists'}

    const uploadPath = `${reference.path}/blobs/uploads/`
    let location: string | undefined
    for (const from of mountFrom) {
      if (location !== undefined) await this.#cancelUpload(endpoint, location, scopes)
      const response = await this.#request(endpoint, {method: 'POST', path: uploadPath, query: {mount: descriptor.digest, from}, scopes, signal})
      if (response.status === 201) {
        await response.body?.cancel()
        return {outcome: 'mounted', from}
      }
      if (response.status !== 202) throw await uploadRefusal(response, describeFailure)
      await response.body.cancel()
      location = this.#location(response, describeFailure)
    }
    if (location === undefined) {
      const response = await this.#request(endpoint, {method: 'POST', path: uploadPath, headers: {'content-length': '0'}, scopes, signal})
      if (response.status !== 202) throw await uploadRefusal(response, describeFailure)
      await response.body.cancel()
      location = this.#location(response, describeFailure)
    }

    const open = (): AsyncIterable<Uint8Array> =>
      exactly(source instanceof Uint8Array ? [source] : source(), descriptor.size, `blob ${descriptor.digest}`)
    try {
      const chunked = options.chunkSize !== undefined && options.chunkSize > 0 && descriptor.size > options.chunkSize
      let body: (() => RequestBody) | undefined
      if (chunked) {
        let start = 0
        for await (const chunk of rechunk(open(), options.chunkSize as number)) {
          const response = await this.#request(endpoint, {
            method: 'PATCH',
            url: location,
            headers: {
              'content-type': 'application/octet-stream',
              'content-length': String(chunk.length),
              'content-range': `${start}-${start + chunk.length - 1}`,
            },
            body: () => chunk,
            scopes,
            signal,
          })
          if (response.status !== 202) throw await errorFromResponse(response, describeFailure)
          await response.body.cancel()
          location = this.#location(response, describeFailure)
          start += chunk.length
        }
      } else {
        body = source instanceof Uint8Array ? () => exactlyBytes(source, descriptor) : open
      }
      const response = await this.#request(endpoint, {
        method: 'PUT',
        url: location,
        query: {digest: descriptor.digest},
        headers: {'content-type': 'application/octet-stream', 'content-length': String(body === undefined ? 0 : descriptor.size)},
        body,
        scopes,
        signal,
      })
      if (response.status !== 201) throw await errorFromResponse(response, describeFailure)
      await response.body?.cancel()
      const stored = validDigest(response.headers.get('docker-content-digest'))
      if (stored !== undefined && stored !== descriptor.digest) {
        throw invalidContent(`${describeFailure()}: the registry stored it as ${stored}`)
      }
      return {outcome: 'uploaded'}
    } catch (error) {
      await this.#cancelUpload(endpoint, location, scopes)
      throw error
    }
  }

  #location(response: HttpResponse, describeFailure: () => string): string {
    const location = response.headers.get('location')
    if (location === null) throw new RegistryError(`${describeFailure()}: the registry answered without an upload location`, {kind: 'failed'})
    return new URL(location, response.url).href
  }

  /** Abandons an upload session; failures do not matter, the registry expires sessions anyway. */
  async #cancelUpload(endpoint: RegistryEndpoint, location: string, scopes: readonly string[]): Promise<void> {
    try {
      const response = await this.#request(endpoint, {method: 'DELETE', url: location, scopes})
      await response.body?.cancel()
    } catch {
      // best effort
    }
  }

  /**
   * Stores a manifest or index under `target`: a tag, or its digest. The default is the reference's tag,
   * else the digest (children of an index are pushed by digest before the index).
   */
  async pushManifest(
    reference: Reference,
    manifest: {mediaType: string; bytes: Uint8Array},
    options: {target?: string; signal?: AbortSignal} = {},
  ): Promise<Descriptor> {
    const digest = digestOf(manifest.bytes)
    const target = options.target ?? reference.tag ?? digest
    const endpoint = await this.#pushEndpoint(reference.domain)
    const response = await this.#request(endpoint, {
      method: 'PUT',
      path: `${reference.path}/manifests/${target}`,
      headers: {'content-type': manifest.mediaType, 'content-length': String(manifest.bytes.length)},
      body: () => manifest.bytes,
      scopes: [pushScope(reference.path)],
      signal: options.signal,
    })
    if (response.status !== 201) {
      throw await errorFromResponse(response, () => `failed to push manifest ${familiarRepository(reference)}:${target}`)
    }
    await response.body?.cancel()
    const stored = validDigest(response.headers.get('docker-content-digest'))
    if (stored !== undefined && stored !== digest) {
      throw invalidContent(`manifest ${familiarRepository(reference)}:${target}: the registry stored ${stored}, nerd sent ${digest}`)
    }
    return {mediaType: manifest.mediaType, digest, size: manifest.bytes.length}
  }

  /** Every tag of the repository, following the registry's pagination. */
  async listTags(reference: Reference, options: {signal?: AbortSignal} = {}): Promise<string[]> {
    return this.#acrossEndpoints(reference.domain, 'resolve', async (endpoint) => {
      const tags: string[] = []
      let url: string | undefined
      do {
        const response: HttpResponse = await this.#request(endpoint, {
          method: 'GET',
          ...(url === undefined ? {path: `${reference.path}/tags/list`} : {url}),
          headers: {accept: 'application/json'},
          scopes: [pullScope(reference.path)],
          signal: options.signal,
        })
        if (!response.ok) {
          throw await errorFromResponse(response, (status) =>
            status === 404 ? `repository ${familiarRepository(reference)} not found` : `failed to list tags of ${familiarRepository(reference)}`,
          )
        }
        const page = (await response.json()) as {tags?: unknown}
        if (Array.isArray(page.tags)) tags.push(...page.tags.filter((tag): tag is string => typeof tag === 'string'))
        url = nextPage(response.headers.get('link'), response.url)
      } while (url !== undefined)
      return tags
    })
  }

  /**
   * Checks that the client's credentials are accepted by a registry, as `docker login` does:
   * `GET /v2/` through the registry's authentication. The hosts tried are those a push would use,
   * in the order hosts.toml lists them (with their TLS settings), the next one when a host cannot
   * be reached: the credentials are checked where they write, not at a pull-only mirror. Returns
   * the refresh token the token service issued, if any (docker stores it as `identitytoken`
   * instead of the password).
   */
  async checkLogin(domain: string, options: {signal?: AbortSignal} = {}): Promise<{identityToken?: string}> {
    const endpoints = await this.endpoints(domain)
    const pushing = endpoints.filter((endpoint) => endpoint.capabilities.has('push'))
    const hosts = pushing.length > 0 ? pushing : endpoints
    for (const endpoint of hosts.slice(0, -1)) {
      try {
        return await this.#checkLoginAt(endpoint, options.signal)
      } catch (error) {
        if (!(error instanceof RegistryError) || error.kind !== 'unreachable') throw error
      }
    }
    return this.#checkLoginAt(hosts[hosts.length - 1], options.signal)
  }

  /** docker's loginV2 at one endpoint, in its words. */
  async #checkLoginAt(endpoint: RegistryEndpoint, signal: AbortSignal | undefined): Promise<{identityToken?: string}> {
    let response: HttpResponse
    try {
      response = await this.#request(endpoint, {method: 'GET', path: '', scopes: [], offline: true, signal})
    } catch (error) {
      // The token service's refusal reaches docker through Go's HTTP client, which names the request.
      if (!(error instanceof RegistryError) || (error.kind !== 'unauthorized' && error.kind !== 'denied')) throw error
      throw new RegistryError(`Get ${goQuote(`${endpoint.root}/`)}: ${error.message}`, {kind: error.kind, status: error.status, code: error.code, cause: error})
    }
    await response.body?.cancel()
    if (response.status !== 200) {
      // docker does not interpret the status: a refused Basic password is a failed attempt, not a refusal.
      throw new RegistryError(`login attempt to ${endpoint.root}/ failed with status: ${response.status} ${STATUS_CODES[response.status] ?? ''}`, {kind: 'failed', status: response.status})
    }
    const agent = endpoint.root.startsWith('https:') ? await tlsAgentFor(endpoint.tls) : undefined
    const identityToken = await this.#authorizer.refreshToken({host: endpoint.host, origin: new URL(endpoint.root).origin, agent}, [])
    return identityToken === undefined ? {} : {identityToken}
  }
}

/** A whole-blob push body, checked against the descriptor before any byte is sent. */
function exactlyBytes(bytes: Uint8Array, descriptor: Descriptor): Uint8Array {
  if (bytes.length !== descriptor.size) {
    throw invalidContent(`blob ${descriptor.digest}: the content has ${bytes.length} bytes, its descriptor says ${descriptor.size}`)
  }
  return bytes
}
