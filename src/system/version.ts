import {execFile} from 'node:child_process'
import {readFileSync, statSync} from 'node:fs'
import {mkdir} from 'node:fs/promises'
import {join} from 'node:path'
import {promisify} from 'node:util'
import type {ContainerdClient} from '../containerd/index.ts'
import {goArchitecture} from '../image/platform.ts'
import {readJsonIfExists, writeJsonAtomic} from '../files.ts'
import {codeDir, executableOnPath, packageRoot, userCacheDir} from '../paths.ts'

export interface ComponentVersion {
  Name: string
  Version: string
  Details: Record<string, string>
}

/** Shaped like `docker version --format '{{json .}}'` so docker users' templates keep working. */
export interface VersionInfo {
  Client: {
    Version: string
    GitCommit: string
    NodeVersion: string
    Os: string
    Arch: string
  }
  Server?: {
    Version: string
    Revision: string
    Components: ComponentVersion[]
  }
}

interface BuildInfo {
  version: string
  commit: string
}

function buildInfo(): BuildInfo {
  const pkg = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as {version: string}
  let commit = 'unknown'
  try {
    commit = (JSON.parse(readFileSync(join(codeDir, 'build-info.json'), 'utf8')) as {commit: string}).commit
  } catch {
    // Running from sources without a build: the commit is unknown.
  }
  return {version: pkg.version, commit}
}

export function clientVersion(): VersionInfo['Client'] {
  const {version, commit} = buildInfo()
  return {Version: version, GitCommit: commit, NodeVersion: process.version, Os: process.platform, Arch: goArchitecture(process.arch)}
}

interface CachedRuncVersion {
  /** The binary it was asked of: path, size, times and inode. */
  binary: string
  component: ComponentVersion
}

/**
 * runc's version, kept in the user's cache and asked again only when the binary changes: starting
 * runc took ~10 ms that `nerd version` waited for.
 */
async function runcVersion(): Promise<ComponentVersion | undefined> {
  const binary = executableOnPath('runc')
  if (binary === undefined) return undefined
  const {size, mtimeMs, ctimeMs, ino} = statSync(binary)
  const identity = [binary, size, mtimeMs, ctimeMs, ino].join(':')
  const cacheDir = userCacheDir()
  const cacheFile = cacheDir && join(cacheDir, 'runc-version.json')
  const cached = cacheFile ? await readJsonIfExists<CachedRuncVersion>(cacheFile).catch(() => undefined) : undefined
  if (cached?.binary === identity) return cached.component
  const component = await askRunc(binary)
  if (component && cacheDir && cacheFile) {
    // Only a cache: a write that fails costs the next run the same ~10 ms.
    await mkdir(cacheDir, {recursive: true, mode: 0o700})
      .then(() => writeJsonAtomic(cacheFile, {binary: identity, component} satisfies CachedRuncVersion, 0o600))
      .catch(() => undefined)
  }
  return component
}

/** `runc --version` prints `runc version 1.1.5+ds1`, then `commit: ...`, then spec/go lines. */
async function askRunc(binary: string): Promise<ComponentVersion | undefined> {
  try {
    const {stdout} = await promisify(execFile)(binary, ['--version'], {timeout: 2000})
    const [first, ...rest] = stdout.split('\n')
    const commit = rest.find((line) => line.startsWith('commit:'))?.slice('commit:'.length).trim() ?? ''
    return {Name: 'runc', Version: first.replace(/^runc version\s*/, '').trim(), Details: {GitCommit: commit}}
  } catch {
    return undefined
  }
}

export async function serverVersion(client: ContainerdClient): Promise<NonNullable<VersionInfo['Server']>> {
  const [containerd, runc] = await Promise.all([client.version.version(), runcVersion()])
  const components: ComponentVersion[] = [{Name: 'containerd', Version: containerd.version, Details: {GitCommit: containerd.revision}}]
  if (runc) components.push(runc)
  return {Version: containerd.version, Revision: containerd.revision, Components: components}
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
