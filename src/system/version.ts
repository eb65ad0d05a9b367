import {execFile} from 'node:child_process'
import {readFileSync, statSync} from 'node:fs'
import {mkdir} from 'node:fs/promises'
import {release} from 'node:os'
import {basename, join} from 'node:path'
import {promisify} from 'node:util'
import type {ContainerdClient} from '../containerd/index.ts'
import {asGoStruct, compareStrings} from '../format/go-values.ts'
import type {FunctionMap} from '../format/index.ts'
import {goArchitecture} from '../image/platform.ts'
import {readJsonIfExists, writeJsonAtomic} from '../files.ts'
import {codeDir, executableOnPath, initBinary, packageRoot, userCacheDir} from '../paths.ts'

export interface ComponentVersion {
  Name: string
  Version: string
  Details: Record<string, string>
}

/**
 * The Engine API version whose command surface nerd follows (docker 28.0's): nerd serves no API,
 * but scripts read `{{.Server.APIVersion}}` to tell which docker features to expect.
 */
const DOCKER_API_VERSION = '1.48'

/**
 * Shaped like `docker version --format '{{json .}}'` so docker users' templates keep working: the
 * client is docker's clientVersion, the server its types.Version, each with nerd's extra fields
 * (NodeVersion, Revision). docker's Go field `APIVersion` is `ApiVersion` in JSON: templates reach
 * it through the method of that name.
 */
export interface VersionInfo {
  Client: {
    Platform: {Name: string}
    Version: string
    ApiVersion: string
    DefaultAPIVersion: string
    GitCommit: string
    /** docker's Go version; nerd runs on Node, whose version it is. */
    GoVersion: string
    NodeVersion: string
    Os: string
    Arch: string
    BuildTime: string
    /** nerd has docker's default context only. */
    Context: string
    APIVersion: () => string
  }
  Server?: {
    Platform: {Name: string}
    Components: ComponentVersion[]
    Version: string
    ApiVersion: string
    MinAPIVersion: string
    /** containerd's revision (also under Revision, nerd's older name for it). */
    GitCommit: string
    Revision: string
    /** containerd does not say which Go built it. */
    GoVersion: string
    Os: string
    Arch: string
    KernelVersion: string
    Experimental: boolean
    BuildTime: string
    APIVersion: () => string
  }
}

interface BuildInfo {
  version: string
  commit: string
  /** When dist/ was built, RFC 3339; empty when unknown. */
  time: string
}

function buildInfo(): BuildInfo {
  const pkg = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as {version: string}
  let built: Partial<Pick<BuildInfo, 'commit' | 'time'>> = {}
  try {
    built = JSON.parse(readFileSync(join(codeDir, 'build-info.json'), 'utf8')) as typeof built
  } catch {
    // Running from sources without a build: the commit and time are unknown.
  }
  return {version: pkg.version, commit: built.commit ?? 'unknown', time: built.time ?? ''}
}

/** docker's reformatDate: an RFC 3339 time in Go's time.ANSIC layout (`Thu Feb  1 00:24:09 2024`), else the text as it is. */
export function ansicDate(text: string): string {
  const date = new Date(text)
  if (text === '' || Number.isNaN(date.getTime())) return text
  const [weekday, , month, , clock] = date.toUTCString().replace(',', '').split(' ')
  return `${weekday} ${month} ${String(date.getUTCDate()).padStart(2, ' ')} ${clock} ${date.getUTCFullYear()}`
}

/** A Go method returning a field, for templates that name docker's Go field (`.APIVersion`). */
function goMethodReturning(value: string): () => string {
  return () => value
}

export function clientVersion(): VersionInfo['Client'] {
  const {version, commit, time} = buildInfo()
  return {
    Platform: {Name: 'nerd'},
    Version: version,
    ApiVersion: DOCKER_API_VERSION,
    DefaultAPIVersion: DOCKER_API_VERSION,
    GitCommit: commit,
    GoVersion: process.version,
    NodeVersion: process.version,
    Os: process.platform,
    Arch: goArchitecture(process.arch),
    BuildTime: ansicDate(time),
    Context: 'default',
    APIVersion: goMethodReturning(DOCKER_API_VERSION),
  }
}

interface CachedToolVersion {
  /** The binary it was asked of: path, size, times and inode. */
  binary: string
  component: ComponentVersion
}

/**
 * A tool's version (runc's, the init's), kept in the user's cache under `cacheName` and asked again
 * only when the binary changes: starting runc took ~10 ms that `nerd version` waited for.
 */
async function toolVersion(binary: string | undefined, cacheName: string, ask: (binary: string) => ComponentVersion | undefined): Promise<ComponentVersion | undefined> {
  if (binary === undefined) return undefined
  const {size, mtimeMs, ctimeMs, ino} = statSync(binary)
  const identity = [binary, size, mtimeMs, ctimeMs, ino].join(':')
  const cacheDir = userCacheDir()
  const cacheFile = cacheDir && join(cacheDir, cacheName)
  const cached = cacheFile ? await readJsonIfExists<CachedToolVersion>(cacheFile).catch(() => undefined) : undefined
  if (cached?.binary === identity) return cached.component
  let component: ComponentVersion | undefined
  try {
    component = ask((await promisify(execFile)(binary, ['--version'], {timeout: 2000})).stdout)
  } catch {
    return undefined
  }
  if (component && cacheDir && cacheFile) {
    // Only a cache: a write that fails costs the next run the same ~10 ms.
    await mkdir(cacheDir, {recursive: true, mode: 0o700})
      .then(() => writeJsonAtomic(cacheFile, {binary: identity, component} satisfies CachedToolVersion))
      .catch(() => undefined)
  }
  return component
}

/** The runc on PATH: `runc --version` prints `runc version 1.1.5+ds1`, then `commit: ...`, then spec/go lines. */
export function runcVersion(): Promise<ComponentVersion | undefined> {
  return toolVersion(executableOnPath('runc'), 'runc-version.json', (output) => {
    const [first, ...rest] = output.split('\n')
    const commit = rest.find((line) => line.startsWith('commit:'))?.slice('commit:'.length).trim() ?? ''
    return {Name: 'runc', Version: first!.replace(/^runc version\s*/, '').trim(), Details: {GitCommit: commit}}
  })
}

/** The init `--init` runs, as docker's parseInitVersion reads tini's `tini version 0.19.0 - git.de40ad0` (the git part may be missing). */
export function initVersion(): Promise<ComponentVersion | undefined> {
  const binary = initBinary()
  return toolVersion(binary, 'init-version.json', (output) => {
    const [first, git] = output.split(' - ')
    const gitParts = git?.trim().split('.')
    const commit = gitParts?.length === 2 && gitParts[0] === 'git' ? gitParts[1]! : ''
    const version = /^tini version (.*)$/.exec(first!.trim())?.[1] ?? ''
    return version === '' && commit === '' ? undefined : {Name: basename(binary!), Version: version, Details: {GitCommit: commit}}
  })
}

/**
 * containerd's part, as docker's types.Version: nerd reaches containerd through a local socket
 * only, so its OS, architecture and kernel are this machine's.
 */
export async function serverVersion(client: ContainerdClient, experimental: boolean): Promise<NonNullable<VersionInfo['Server']>> {
  const [containerd, runc] = await Promise.all([client.version.version(), runcVersion()])
  const components: ComponentVersion[] = [{Name: 'containerd', Version: containerd.version, Details: {GitCommit: containerd.revision}}]
  if (runc) components.push(runc)
  return {
    Platform: {Name: 'containerd'},
    Components: components,
    Version: containerd.version,
    ApiVersion: DOCKER_API_VERSION,
    MinAPIVersion: DOCKER_API_VERSION,
    GitCommit: containerd.revision,
    Revision: containerd.revision,
    GoVersion: '',
    Os: process.platform,
    Arch: goArchitecture(process.arch),
    KernelVersion: release(),
    Experimental: experimental,
    BuildTime: '',
    APIVersion: goMethodReturning(DOCKER_API_VERSION),
  }
}

const COMPONENT_TYPE = 'types.ComponentVersion'

/** docker's version template runs on its versionInfo struct: a field it lacks is an error, a nil Server when the server could not say. */
export function versionTemplateData(info: VersionInfo): object {
  const {Client: client, Server: server} = info
  return asGoStruct(
    {
      Client: asGoStruct({...client, Platform: asGoStruct({...client.Platform}, '*system.platformInfo')}, 'system.clientVersion'),
      Server: server
        ? asGoStruct(
            {
              ...server,
              Platform: asGoStruct({...server.Platform}, 'struct { Name string }'),
              Components: server.Components.map((component) => asGoStruct({...component}, COMPONENT_TYPE)),
            },
            '*types.Version',
          )
        : null,
    },
    'system.versionInfo',
  )
}

/** The function docker's version template adds: a component's Details keys, sorted, in the order its default template lists them. */
export const VERSION_TEMPLATE_FUNCTIONS: FunctionMap = {
  getDetailsOrder: {params: [{struct: COMPONENT_TYPE}], call: (component: ComponentVersion) => Object.keys(component.Details).sort(compareStrings)},
}

function field(name: string, value: string, indent: string): string {
  return `${indent}${`${name}:`.padEnd(19 - indent.length)}${value}\n`
}

export function renderClientVersion(client: VersionInfo['Client']): string {
  return (
    'Client:\n' +
    field('Version', client.Version, ' ') +
    field('Git commit', client.GitCommit, ' ') +
    field('Node version', client.NodeVersion, ' ') +
    field('OS/Arch', `${client.Os}/${client.Arch}`, ' ')
  )
}

export function renderServerVersion(server: NonNullable<VersionInfo['Server']>): string {
  let text = '\nServer:\n'
  for (const component of server.Components) {
    text += ` ${component.Name}:\n` + field('Version', component.Version, '  ')
    for (const [key, value] of Object.entries(component.Details)) text += field(key, value, '  ')
  }
  return text
}
