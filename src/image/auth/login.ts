/** `login` and `logout` as docker does them: verify against the registry, then store; or erase. */
import {NerdError} from '../../errors.ts'
import {RegistryClient} from '../registry/client.ts'
import {RegistryError} from '../registry/errors.ts'
import type {RegistryCredentials} from '../registry/authorizer.ts'
import {eraseCredentials, getCredentials, storeCredentials} from './credentials.ts'
import type {CredentialStoreOptions} from './credentials.ts'
import {registryDomainOf, serverKey} from './docker-config.ts'

export interface LoginOptions extends CredentialStoreOptions {
  hostsDirs?: readonly string[]
  insecure?: boolean
  userAgent?: string
  signal?: AbortSignal
}

export interface LoginResult {
  /** Where the credentials were stored: `https://index.docker.io/v1/` or `host:port`. */
  serverKey: string
  /** True when the registry issued a refresh token, stored instead of the password. */
  identityToken: boolean
  /** config.json's path when the password was written into it in clear (docker warns then). */
  plaintextFile?: string
}

/**
 * The stored credentials `login` without a username or password tries first, as docker's: those
 * with a username and a password (or refresh token). Undefined when there are none.
 */
export async function reusableCredentials(server: string | undefined, options: CredentialStoreOptions = {}): Promise<(RegistryCredentials & {username: string}) | undefined> {
  const stored = await getCredentials(serverKey(server), options)
  if (stored?.username === undefined || stored.username === '' || (!stored.password && !stored.identityToken)) return undefined
  return {...stored, username: stored.username}
}

/**
 * Whether a login failed because the credentials were refused, as docker's errdefs.IsUnauthorized
 * tells it: a token service's refusal (a Basic registry's 401 is a failed attempt to docker).
 */
export function isRefusedLogin(error: unknown): boolean {
  return error instanceof RegistryError && error.kind === 'unauthorized'
}

/**
 * Checks `credentials` against the registry (`GET /v2/` through its Basic or token authentication)
 * and stores them when accepted. A refused password throws docker's words: `login attempt to
 * <url> failed with status: 401 Unauthorized` (Basic), `Get "<url>": unauthorized: ...` (token).
 */
export async function login(server: string | undefined, credentials: RegistryCredentials, options: LoginOptions = {}): Promise<LoginResult> {
  const key = serverKey(server)
  if (credentials.identityToken === undefined && (credentials.username === undefined || credentials.username === '')) {
    throw new NerdError('Non-null Username Required')
  }
  const client = new RegistryClient({
    hostsDirs: options.hostsDirs,
    insecure: options.insecure,
    userAgent: options.userAgent,
    credentials: async () => credentials,
  })
  const {identityToken} = await client.checkLogin(registryDomainOf(key), {signal: options.signal})
  const stored: RegistryCredentials = identityToken === undefined ? credentials : {username: credentials.username, identityToken}
  const {plaintextFile} = await storeCredentials(key, stored, options)
  return {serverKey: key, identityToken: stored.identityToken !== undefined, ...(plaintextFile === undefined ? {} : {plaintextFile})}
}

/** Forgets a registry's credentials, as docker's logout. */
export {eraseCredentials as logout}
