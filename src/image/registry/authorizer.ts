/**
 * Registry authorization: learns each host's challenge from a 401, then authorizes requests with
 * Basic credentials or Bearer tokens from the token service, cached per host and scope until they expire.
 */
import {AuthorizationFailedError, NoBasicCredentialsError, RegistryError, formatErrorDetails, parseErrorBody} from './errors.ts'
import {parseWwwAuthenticate} from './challenge.ts'
import type {AuthChallenge} from './challenge.ts'
import type {Agent} from 'node:https'
import {send} from './transport.ts'
import type {HttpResponse} from './transport.ts'

export interface RegistryCredentials {
  username?: string
  password?: string
  /** A refresh token from an earlier login (docker's `identitytoken`), exchanged for access tokens. */
  identityToken?: string
}

/**
 * Credentials for a registry host, named as the user names it (`docker.io` for Docker Hub, a mirror's
 * own `host:port` for a mirror); undefined for anonymous access.
 */
export type CredentialsProvider = (host: string) => Promise<RegistryCredentials | undefined>

/** What the authorizer needs to know about the endpoint a request goes to. */
export interface AuthTarget {
  /** `host:port` of the endpoint. */
  host: string
  /** `scheme://host:port`: challenges and tokens are kept per origin. */
  origin: string
  agent?: Agent
}

export interface AuthorizerOptions {
  credentials?: CredentialsProvider
  userAgent: string
  /** Client id sent to token services (OAuth `client_id`). */
  clientId: string
}

interface IssuedToken {
  header: string
  expiresAt: number
  refreshToken?: string
}

/** Tokens without `expires_in` live 60 seconds (the token specification's default). */
const DEFAULT_TOKEN_LIFETIME_SECONDS = 60
/**
 * Renew a little before expiry (5 s, or half of a shorter lifetime) so a token does not run out in
 * flight; the local clock counts, not `issued_at`, so clock skew does not matter.
 */
const EXPIRY_MARGIN_MS = 5_000

export function pullScope(path: string): string {
  return `repository:${path}:pull`
}

export function pushScope(path: string): string {
  return `repository:${path}:pull,push`
}

function credentialsHost(host: string): string {
  return host === 'registry-1.docker.io' ? 'docker.io' : host
}

function basicOrToken(credentials: RegistryCredentials | undefined): boolean {
  return credentials?.identityToken !== undefined || (credentials?.username !== undefined && credentials.password !== undefined)
}

function basicHeader(credentials: RegistryCredentials): string | undefined {
  if (credentials.username === undefined || credentials.password === undefined) return undefined
  return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`
}

/**
 * A 401 that a fresh token did not fix, whose Bearer challenge names the failure
 * (`error="insufficient_scope"`): containerd's `server message: insufficient_scope: authorization failed`.
 * Undefined for any other answer.
 */
export function tokenRefusal(response: HttpResponse): AuthorizationFailedError | undefined {
  const error = tokenRefusalReason(response)
  return error === undefined ? undefined : new AuthorizationFailedError(`server message: ${error}: authorization failed`)
}

/** The `error` a 401's Bearer challenge names (`insufficient_scope`); undefined when it names none. */
export function tokenRefusalReason(response: HttpResponse): string | undefined {
  if (response.status !== 401) return undefined
  const bearer = parseWwwAuthenticate(response.headers.get('www-authenticate') ?? '').find((challenge) => challenge.scheme === 'bearer')
  const error = bearer?.parameters.error
  return error === '' ? undefined : error
}

export class Authorizer {
  readonly #options: AuthorizerOptions
  readonly #challenges = new Map<string, AuthChallenge>()
  readonly #tokens = new Map<string, Promise<IssuedToken>>()
  readonly #credentials = new Map<string, Promise<RegistryCredentials | undefined>>()

  constructor(options: AuthorizerOptions) {
    this.#options = options
  }

  #credentialsFor(host: string): Promise<RegistryCredentials | undefined> {
    const key = credentialsHost(host)
    let credentials = this.#credentials.get(key)
    if (credentials === undefined) {
      credentials = this.#options.credentials?.(key) ?? Promise.resolve(undefined)
      this.#credentials.set(key, credentials)
    }
    return credentials
  }

  /**
   * The Authorization header for a request to `target` needing `scopes`, once the host is known to
   * want one (after its first 401); undefined before that or for hosts that want none.
   * `offline` asks the token service for a refresh token too (what `login` stores).
   */
  async authorization(target: AuthTarget, scopes: readonly string[], options: {offline?: boolean} = {}): Promise<string | undefined> {
    const challenge = this.#challenges.get(target.origin)
    if (challenge === undefined) return undefined
    if (challenge.scheme === 'basic') {
      const credentials = await this.#credentialsFor(target.host)
      return credentials === undefined ? undefined : basicHeader(credentials)
    }
    return (await this.#token(target, challenge, scopes, options.offline ?? false)).header
  }

  /** The refresh token the token service issued with the last offline request, if any. */
  async refreshToken(target: AuthTarget, scopes: readonly string[]): Promise<string | undefined> {
    const challenge = this.#challenges.get(target.origin)
    if (challenge?.scheme !== 'bearer') return undefined
    return (await this.#tokens.get(this.#tokenKey(target, challenge, scopes)))?.refreshToken
  }

  /**
   * Learns from a 401 answer sent with `sentAuthorization`. Returns the scopes to retry with
   * (the request's plus any the challenge asks for), or undefined when a retry cannot succeed;
   * throws NoBasicCredentialsError for a Basic challenge without credentials to answer it.
   */
  async unauthorized(
    target: AuthTarget,
    response: HttpResponse,
    scopes: readonly string[],
    sentAuthorization: string | undefined,
  ): Promise<string[] | undefined> {
    const challenges = parseWwwAuthenticate(response.headers.get('www-authenticate') ?? '')
    const challenge = challenges.find((entry) => entry.scheme === 'bearer') ?? challenges.find((entry) => entry.scheme === 'basic')
    if (challenge === undefined) return undefined
    this.#challenges.set(target.origin, challenge)

    if (challenge.scheme === 'basic') {
      const credentials = await this.#credentialsFor(target.host)
      const header = credentials === undefined ? undefined : basicHeader(credentials)
      if (header === undefined) throw new NoBasicCredentialsError()
      // Basic credentials that were already sent are wrong.
      return header === sentAuthorization ? undefined : [...scopes]
    }

    const retryScopes = [...scopes]
    const asked = challenge.parameters.scope
    if (asked !== undefined) for (const scope of asked.split(' ')) if (scope !== '' && !retryScopes.includes(scope)) retryScopes.push(scope)
    // Forget a token the registry refused, unless a concurrent request already replaced it.
    for (const key of [this.#tokenKey(target, challenge, scopes), this.#tokenKey(target, challenge, retryScopes)]) {
      const cached = this.#tokens.get(key)
      if (cached !== undefined && (await cached.catch(() => undefined))?.header === sentAuthorization) this.#tokens.delete(key)
    }
    return retryScopes
  }

  #tokenKey(target: AuthTarget, challenge: AuthChallenge, scopes: readonly string[]): string {
    return [target.origin, challenge.parameters.realm, challenge.parameters.service, [...scopes].sort().join(' ')].join('\n')
  }

  #token(target: AuthTarget, challenge: AuthChallenge, scopes: readonly string[], offline: boolean): Promise<IssuedToken> {
    const key = this.#tokenKey(target, challenge, scopes)
    const cached = this.#tokens.get(key)
    if (cached !== undefined) {
      return cached.then((token) => (token.expiresAt > Date.now() ? token : this.#refresh(key, target, challenge, scopes, offline)))
    }
    return this.#refresh(key, target, challenge, scopes, offline)
  }

  #refresh(key: string, target: AuthTarget, challenge: AuthChallenge, scopes: readonly string[], offline: boolean): Promise<IssuedToken> {
    const token = this.#fetchToken(target, challenge, scopes, offline)
    this.#tokens.set(key, token)
    token.catch(() => {
      if (this.#tokens.get(key) === token) this.#tokens.delete(key)
    })
    return token
  }

  async #fetchToken(target: AuthTarget, challenge: AuthChallenge, scopes: readonly string[], offline: boolean): Promise<IssuedToken> {
    const {realm, service} = challenge.parameters
    if (realm === undefined || realm === '') {
      throw new RegistryError(`registry ${target.host}: Bearer challenge without a realm`, {kind: 'failed'})
    }
    let url: URL
    try {
      url = new URL(realm)
    } catch {
      throw new RegistryError(`registry ${target.host}: invalid token realm "${realm}"`, {kind: 'failed'})
    }
    const credentials = await this.#credentialsFor(target.host)
    const headers: Record<string, string> = {'user-agent': this.#options.userAgent, accept: 'application/json'}
    let method = 'GET'
    let body: Uint8Array | undefined

    if (credentials?.identityToken !== undefined) {
      // OAuth2 refresh-token grant, as docker does for identity tokens.
      const form = new URLSearchParams({grant_type: 'refresh_token', refresh_token: credentials.identityToken, client_id: this.#options.clientId})
      if (service !== undefined) form.set('service', service)
      if (scopes.length > 0) form.set('scope', scopes.join(' '))
      if (offline) form.set('access_type', 'offline')
      method = 'POST'
      body = Buffer.from(form.toString())
      headers['content-type'] = 'application/x-www-form-urlencoded'
    } else {
      if (service !== undefined) url.searchParams.set('service', service)
      for (const scope of scopes) url.searchParams.append('scope', scope)
      if (credentials?.username !== undefined && credentials.username !== '') url.searchParams.set('account', credentials.username)
      if (offline) {
        url.searchParams.set('offline_token', 'true')
        url.searchParams.set('client_id', this.#options.clientId)
      }
      const basic = credentials === undefined ? undefined : basicHeader(credentials)
      if (basic !== undefined) headers.authorization = basic
    }

    const requestedAt = Date.now()
    const response = await send({method, url: url.href, headers, body, agent: target.agent})
    const text = await response.text()
    if (!response.ok) {
      const details = parseErrorBody(text)
      const kind = response.status === 401 ? 'unauthorized' : response.status === 403 ? 'denied' : 'failed'
      let reason = formatErrorDetails(details)
      if (reason === '') {
        if (kind !== 'unauthorized') reason = `token service ${url.host} answered HTTP ${response.status}`
        else reason = basicOrToken(credentials) ? 'incorrect username or password' : 'authentication required'
      }
      if (kind === 'unauthorized' && !reason.startsWith('unauthorized')) reason = `unauthorized: ${reason}`
      throw new RegistryError(reason, {kind, status: response.status, code: details[0]?.code})
    }
    let document: {token?: unknown; access_token?: unknown; expires_in?: unknown; refresh_token?: unknown}
    try {
      document = JSON.parse(text)
    } catch {
      throw new RegistryError(`token service ${url.host} answered something other than JSON`, {kind: 'failed'})
    }
    const token = typeof document.access_token === 'string' && document.access_token !== '' ? document.access_token : document.token
    if (typeof token !== 'string' || token === '') {
      throw new RegistryError(`token service ${url.host} answered without a token`, {kind: 'failed'})
    }
    const lifetime = typeof document.expires_in === 'number' && document.expires_in > 0 ? document.expires_in : DEFAULT_TOKEN_LIFETIME_SECONDS
    return {
      header: `Bearer ${token}`,
      expiresAt: requestedAt + lifetime * 1000 - Math.min(EXPIRY_MARGIN_MS, (lifetime * 1000) / 2),
      refreshToken: typeof document.refresh_token === 'string' && document.refresh_token !== '' ? document.refresh_token : undefined,
    }
  }
}
