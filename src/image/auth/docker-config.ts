/**
 * docker's client configuration file, `$DOCKER_CONFIG/config.json` (default `~/.docker/config.json`):
 * the `auths`, `credsStore` and `credHelpers` keys, and docker's naming of registries in them.
 */
import {mkdir, readFile, readlink, stat} from 'node:fs/promises'
import {homedir} from 'node:os'
import {dirname, join, resolve} from 'node:path'
import {NerdError} from '../../errors.ts'
import {openFailure, writeFileAtomic} from '../../files.ts'
import {goJSONFirstValue} from '../../format/go-json-decode.ts'

/** The key Docker Hub's credentials are stored under, whatever the user typed. */
export const DOCKER_HUB_SERVER_KEY = 'https://index.docker.io/v1/'
/** Links followed to the configuration file before it is declared a loop (Linux's own limit). */
const MAX_LINK_HOPS = 40
const DOCKER_HUB_NAMES = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io', 'registry.hub.docker.com'])

export interface DockerAuthEntry {
  /** base64 of `user:password`. */
  auth?: string
  username?: string
  password?: string
  identitytoken?: string
  registrytoken?: string
  email?: string
}

/** The parts nerd reads; every other key of the file is kept as it is when nerd writes. */
export interface DockerConfig {
  auths?: Record<string, DockerAuthEntry>
  credsStore?: string
  credHelpers?: Record<string, string>
  [key: string]: unknown
}

export function dockerConfigDir(environment: NodeJS.ProcessEnv = process.env): string {
  const configured = environment.DOCKER_CONFIG
  return configured !== undefined && configured !== '' ? configured : join(homedir(), '.docker')
}

export function dockerConfigPath(configDir = dockerConfigDir()): string {
  return join(configDir, 'config.json')
}

/** `https://host:5000/v2/` → `host:5000`: docker's ConvertToHostname. */
export function hostnameOf(server: string): string {
  let text = server.trim()
  if (text.startsWith('http://')) text = text.slice('http://'.length)
  else if (text.startsWith('https://')) text = text.slice('https://'.length)
  return text.split('/')[0]
}

/** The key a registry's credentials live under: Docker Hub's legacy URL, else `host[:port]`. */
export function serverKey(server: string | undefined): string {
  if (server === undefined || server.trim() === '' || server.trim() === DOCKER_HUB_SERVER_KEY) return DOCKER_HUB_SERVER_KEY
  const hostname = hostnameOf(server)
  return DOCKER_HUB_NAMES.has(hostname) ? DOCKER_HUB_SERVER_KEY : hostname
}

/** The registry domain to talk to for a server key (`docker.io` for Docker Hub's key). */
export function registryDomainOf(key: string): string {
  return key === DOCKER_HUB_SERVER_KEY ? 'docker.io' : hostnameOf(key)
}

/** The Go kind encoding/json names a JSON value by, in its `cannot unmarshal` error. */
function jsonKind(value: unknown): string {
  if (Array.isArray(value)) return 'array'
  return typeof value === 'boolean' ? 'bool' : typeof value
}

/**
 * Reads the configuration; a missing or empty file is an empty configuration. As docker's, its first
 * JSON value is read (json.Decoder's), and the errors are docker's: `loading config file: open …`,
 * `parsing config file (PATH): <Go's JSON error>`.
 */
export async function readDockerConfig(configDir = dockerConfigDir()): Promise<DockerConfig> {
  const path = dockerConfigPath(configDir)
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return {}
    // Go opens a directory, then fails to read it.
    throw new NerdError(code === 'EISDIR' ? `parsing config file (${path}): ${openFailure(path, error)}` : `loading config file: ${openFailure(path, error)}`, {cause: error})
  }
  const first = goJSONFirstValue(text)
  if ('error' in first) {
    if (first.error === 'EOF') return {}
    throw new NerdError(`parsing config file (${path}): ${first.error}`)
  }
  const document: unknown = JSON.parse(text.slice(0, first.end))
  if (document === null) return {}
  if (typeof document !== 'object' || Array.isArray(document)) {
    throw new NerdError(`parsing config file (${path}): json: cannot unmarshal ${jsonKind(document)} into Go value of type configfile.ConfigFile`)
  }
  warnOfUndecodableAuth(document as DockerConfig, path)
  return document as DockerConfig
}

/** The files warned about: docker loads its configuration once a command, so it warns once. */
const warnedFiles = new Set<string>()

/**
 * docker's loader refuses an `auth` that is not base64 `user:password` (decodeAuth), and its CLI
 * warns and goes on (LoadDefaultConfigFile); nerd reads such an entry as no credentials.
 */
function warnOfUndecodableAuth(config: DockerConfig, path: string): void {
  const undecodable = Object.values(config.auths ?? {}).some((entry) => typeof entry?.auth === 'string' && entry.auth !== '' && !decodedAuth(entry.auth).includes(':'))
  if (!undecodable || warnedFiles.has(path)) return
  warnedFiles.add(path)
  process.stderr.write(`WARNING: Error parsing config file (${path}): Invalid auth configuration file\n`)
}

export function decodedAuth(auth: string): string {
  return Buffer.from(auth, 'base64').toString('utf8')
}

/**
 * Writes the configuration atomically: a temporary file beside it is renamed over it, so a crash
 * never leaves half a file. As docker's configfile Save: a symbolic link is written through to its
 * target (a dangling one too), and the file keeps the mode and owner it had (copyFilePermissions);
 * a new one is its owner's only (0600).
 */
export async function writeDockerConfig(config: DockerConfig, configDir = dockerConfigDir()): Promise<void> {
  const link = dockerConfigPath(configDir)
  await mkdir(dirname(link), {recursive: true, mode: 0o700})
  const path = await linkTarget(link)
  const existing = await stat(path).catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? undefined : Promise.reject(error)))
  const mode = existing?.isFile() ? existing.mode & 0o7777 : 0o600
  // docker hands the file back to its owner only when neither id is root's.
  const owner = existing && existing.uid > 0 && existing.gid > 0 ? {uid: existing.uid, gid: existing.gid} : undefined
  try {
    await writeFileAtomic(path, `${JSON.stringify(config, null, '\t')}\n`, mode, owner)
  } catch (error) {
    throw new NerdError(`cannot write ${path}: ${(error as Error).message}`, {cause: error})
  }
}

/** Where a chain of symbolic links ends, whether or not anything is there (Go's EvalSymlinks, or the path its error names). */
async function linkTarget(path: string): Promise<string> {
  let current = path
  for (let hop = 0; hop < MAX_LINK_HOPS; hop++) {
    let target: string
    try {
      target = await readlink(current)
    } catch (error) {
      // EINVAL: not a link; ENOENT: nothing there yet.
      if ((error as NodeJS.ErrnoException).code === 'EINVAL' || (error as NodeJS.ErrnoException).code === 'ENOENT') return current
      throw error
    }
    current = resolve(dirname(current), target)
  }
  throw new NerdError(`cannot write ${path}: too many levels of symbolic links`)
}

/**
 * The spellings docker's logout erases: the server as typed, its hostname, and `http://` and
 * `https://` before that (the last three kept for configurations older logins wrote); Docker
 * Hub's key alone for Docker Hub.
 */
export function logoutKeys(server: string | undefined): string[] {
  const key = serverKey(server)
  if (key === DOCKER_HUB_SERVER_KEY) return [key]
  return [(server as string).trim(), key, `http://${key}`, `https://${key}`]
}

/** The credential helper docker's logout uses for a spelling: `credHelpers` under exactly it, else `credsStore`. */
export function credentialStoreOf(config: DockerConfig, key: string): string | undefined {
  const helper = config.credHelpers?.[key]
  if (typeof helper === 'string' && helper !== '') return helper
  return typeof config.credsStore === 'string' && config.credsStore !== '' ? config.credsStore : undefined
}

/** The auths entry for a key: the exact key, else the first whose hostname matches (as docker looks up). */
export function findAuthEntry(config: DockerConfig, key: string): [storedKey: string, entry: DockerAuthEntry] | undefined {
  const auths = config.auths ?? {}
  const storedKey = Object.hasOwn(auths, key) ? key : authKeysOf(config, key)[0]
  return storedKey === undefined ? undefined : [storedKey, auths[storedKey]]
}

/** Every auths key that spells the registry of `key`: `host`, `http://host`, `https://host/v2/`... */
function authKeysOf(config: DockerConfig, key: string): string[] {
  const hostname = key === DOCKER_HUB_SERVER_KEY ? undefined : hostnameOf(key)
  return Object.keys(config.auths ?? {}).filter((storedKey) => serverKey(storedKey) === key || (hostname !== undefined && hostnameOf(storedKey) === hostname))
}

/** The credential helper for a key: `credHelpers` (by key or hostname), else `credsStore`. */
export function credentialHelperFor(config: DockerConfig, key: string): string | undefined {
  const helpers = config.credHelpers ?? {}
  const names = key === DOCKER_HUB_SERVER_KEY ? [key, ...DOCKER_HUB_NAMES] : [key, hostnameOf(key)]
  for (const name of names) {
    const helper = helpers[name]
    if (typeof helper === 'string' && helper !== '') return helper
  }
  return typeof config.credsStore === 'string' && config.credsStore !== '' ? config.credsStore : undefined
}
