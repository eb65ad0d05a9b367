/** `login` and `logout` as docker does them: verify against the registry, then store; or erase. */
import {NerdError} from '../../errors.ts'
import {RegistryClient} from '../registry/client.ts'
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
}

/**
 * Checks `credentials` against the registry (`GET /v2/` through its Basic or token authentication)
 * and stores them when accepted. Without credentials, the stored ones are checked again, as
 * `docker login` without a password does. A refused password throws `unauthorized: ...`.
 */
export async function login(server: string | undefined, credentials: {username: string; password: string} | undefined, options: LoginOptions = {}): Promise<LoginResult> {
  const key = serverKey(server)
  let checked: RegistryCredentials | undefined = credentials
  if (checked === undefined) {
    checked = await getCredentials(key, options)
    if (checked === undefined) throw new NerdError(`no stored credentials for ${key}: a username and password are needed`)
  }
  if (checked.identityToken === undefined && (checked.username === undefined || checked.username === '')) {
    throw new NerdError('Non-null Username Required')
  }
  const attempted = checked
  const client = new RegistryClient({
    hostsDirs: options.hostsDirs,
    insecure: options.insecure,
    userAgent: options.userAgent,
    credentials: async () => attempted,
  })
  const {identityToken} = await client.checkLogin(registryDomainOf(key), {signal: options.signal})
  const stored: RegistryCredentials =
    identityToken === undefined ? attempted : {username: attempted.username, identityToken}
  await storeCredentials(key, stored, options)
  return {serverKey: key, identityToken: stored.identityToken !== undefined}
}

/** Forgets a registry's credentials: `removed` is false when there were none (docker: "Not logged in to ..."). */
export async function logout(server: string | undefined, options: CredentialStoreOptions = {}): Promise<{serverKey: string; removed: boolean}> {
  const {key, removed} = await eraseCredentials(server, options)
  return {serverKey: key, removed}
}
