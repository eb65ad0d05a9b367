/**
 * Registry credentials where docker keeps them: a credential helper when config.json names one for
 * the registry, else base64 `auth` entries in config.json itself.
 */
import type {CredentialsProvider, RegistryCredentials} from '../registry/authorizer.ts'
import {IDENTITY_TOKEN_USERNAME, helperErase, helperGet, helperStore} from './credential-helper.ts'
import {credentialHelperFor, credentialStoreOf, decodedAuth, dockerConfigDir, dockerConfigPath, findAuthEntry, logoutKeys, readDockerConfig, serverKey, writeDockerConfig} from './docker-config.ts'
import type {DockerAuthEntry} from './docker-config.ts'

export interface CredentialStoreOptions {
  /** Directory of config.json (default `$DOCKER_CONFIG` or `~/.docker`). */
  configDir?: string
}

function fromAuthEntry(entry: DockerAuthEntry): RegistryCredentials | undefined {
  const credentials: RegistryCredentials = {}
  if (typeof entry.auth === 'string' && entry.auth !== '') {
    const decoded = decodedAuth(entry.auth)
    const colon = decoded.indexOf(':')
    // Warned of as the file was read.
    if (colon === -1) return undefined
    credentials.username = decoded.slice(0, colon)
    credentials.password = decoded.slice(colon + 1)
  } else if (typeof entry.username === 'string' && typeof entry.password === 'string') {
    credentials.username = entry.username
    credentials.password = entry.password
  }
  if (typeof entry.identitytoken === 'string' && entry.identitytoken !== '') {
    credentials.identityToken = entry.identitytoken
    // With an identity token the password is not used (docker stores none).
    if (credentials.password === '') delete credentials.password
  }
  return credentials.username === undefined && credentials.identityToken === undefined ? undefined : credentials
}

/** The stored credentials for a registry (`docker.io`, `host:5000`, `https://host/v1/`), if any. */
export async function getCredentials(server: string | undefined, options: CredentialStoreOptions = {}): Promise<RegistryCredentials | undefined> {
  const config = await readDockerConfig(options.configDir ?? dockerConfigDir())
  const key = serverKey(server)
  const helper = credentialHelperFor(config, key)
  if (helper !== undefined) {
    const stored = await helperGet(helper, key)
    if (stored === undefined) return undefined
    return stored.username === IDENTITY_TOKEN_USERNAME ? {identityToken: stored.secret} : {username: stored.username, password: stored.secret}
  }
  const found = findAuthEntry(config, key)
  return found === undefined ? undefined : fromAuthEntry(found[1])
}

/** Where credentials went: the registry's key, and config.json's path when a password was written in it. */
export interface StoredCredentials {
  key: string
  /** Set when a password (not a token) was written into config.json in clear (base64): docker warns then. */
  plaintextFile?: string
}

/**
 * Stores credentials for a registry, in its credential helper or in config.json. With a helper,
 * config.json gets an empty entry for the registry, as docker writes, so the login stays listed.
 * An entry that is already as it would be written is left alone, as docker's file store does.
 */
export async function storeCredentials(server: string | undefined, credentials: RegistryCredentials, options: CredentialStoreOptions = {}): Promise<StoredCredentials> {
  const configDir = options.configDir ?? dockerConfigDir()
  const config = await readDockerConfig(configDir)
  const key = serverKey(server)
  const helper = credentialHelperFor(config, key)
  const username = credentials.username ?? ''
  const auths = {...(config.auths ?? {})}
  if (helper !== undefined) {
    const secret = credentials.identityToken ?? credentials.password ?? ''
    await helperStore(helper, key, {username: credentials.identityToken === undefined ? username : IDENTITY_TOKEN_USERNAME, secret})
    auths[key] = {}
    await writeDockerConfig({...config, auths}, configDir)
    return {key}
  }
  const entry: DockerAuthEntry = {}
  if (credentials.identityToken === undefined) {
    entry.auth = Buffer.from(`${username}:${credentials.password ?? ''}`).toString('base64')
  } else {
    entry.auth = Buffer.from(`${username}:`).toString('base64')
    entry.identitytoken = credentials.identityToken
  }
  if (JSON.stringify(auths[key]) === JSON.stringify(entry)) return {key}
  auths[key] = entry
  await writeDockerConfig({...config, auths}, configDir)
  return credentials.identityToken === undefined && credentials.password ? {key, plaintextFile: dockerConfigPath(configDir)} : {key}
}

/** What a logout did: the registry's key, and the keys whose store failed to erase them. */
export interface ErasedCredentials {
  key: string
  /** A message per key whose credential helper failed (missing, holding nothing, erring); the rest went on. */
  failures: Record<string, string>
  /** Whether every key tried failed: docker's logout warns only then. */
  allFailed: boolean
}

/**
 * Removes the stored credentials of `server` as docker's logout: under each spelling it tries
 * (logoutKeys), from the key's credential helper, else config.json's auths. A helper that fails
 * does not stop the rest.
 */
export async function eraseCredentials(server: string | undefined, options: CredentialStoreOptions = {}): Promise<ErasedCredentials> {
  const configDir = options.configDir ?? dockerConfigDir()
  const config = await readDockerConfig(configDir)
  const keys = logoutKeys(server)
  const failures: Record<string, string> = {}
  const auths = {...config.auths}
  for (const key of keys) {
    const helper = credentialStoreOf(config, key)
    if (helper !== undefined) {
      try {
        await helperErase(helper, key)
      } catch (error) {
        failures[key] = (error as Error).message
        continue
      }
    }
    delete auths[key]
  }
  if (Object.keys(auths).length !== Object.keys(config.auths ?? {}).length) await writeDockerConfig({...config, auths}, configDir)
  // As docker's count: its failures are keyed by spelling, so a spelling tried twice (the host as typed) never makes them all.
  return {key: serverKey(server), failures, allFailed: Object.keys(failures).length === keys.length}
}

/** Credentials for the registry client, read from docker's configuration for each host on first use. */
export function dockerCredentials(options: CredentialStoreOptions = {}): CredentialsProvider {
  return (host) => getCredentials(host, options)
}
