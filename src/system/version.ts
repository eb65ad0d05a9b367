import {execFile} from 'node:child_process'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {promisify} from 'node:util'
import type {ContainerdClient} from '../containerd/index.ts'
import {goArchitecture} from '../image/platform.ts'
import {codeDir, packageRoot} from '../paths.ts'

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

/** `runc --version` prints `runc version 1.1.5+ds1`, then `commit: ...`, then spec/go lines. */
async function runcVersion(): Promise<ComponentVersion | undefined> {
  try {
    const {stdout} = await promisify(execFile)('runc', ['--version'], {timeout: 2000})
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
