/**
 * Whether this host can make a mount recursively read-only (runc's `rro` mount option, which needs
 * Linux >= 5.12's mount_setattr): docker >= 25 makes read-only binds so where it can. runc says what
 * it supports through `runc features`; running it costs a process, so its answer is kept under the
 * data root for as long as the binary stays the same (path, size and modification time).
 */
import {spawnSync} from 'node:child_process'
import {mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {release} from 'node:os'
import {delimiter, join} from 'node:path'
import {executableOnPath} from '../paths.ts'
import type {RecursiveReadOnly} from './spec/index.ts'

/** The containerd runtimes that run the `runc` binary. */
const RUNC_RUNTIMES = new Set(['io.containerd.runc.v2', 'io.containerd.runc.v1', 'runc'])
/** Where the runc shim finds runc when nerd's PATH lacks the sbin directories. */
const SYSTEM_PATH = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin']

export interface RecursiveReadOnlyHost {
  dataRoot: string
  /** `--runtime`; containerd's runc shim by default. */
  runtime?: string
  /** Directories to look for runc in; nerd's PATH, then the system's. */
  searchPath?: readonly string[]
  /** `uname -r`. */
  kernelRelease?: string
}

/** What the cache file holds: `runc features`' mount options for one runc binary (null: it has no `features`). */
interface CachedFeatures {
  binary: string
  size: number
  mtimeMs: number
  mountOptions: string[] | null
}

export function recursiveReadOnlySupport(host: RecursiveReadOnlyHost): RecursiveReadOnly {
  const kernel = host.kernelRelease ?? release()
  if (!kernelAtLeast(kernel, 5, 12)) return {supported: false, reason: `rro is not supported: kernel ${kernel} is older than 5.12`}
  const runtime = host.runtime ?? 'io.containerd.runc.v2'
  const unsupported = (detail = '') => ({supported: false, reason: `rro is not supported by runtime ${JSON.stringify(runtime)}${detail}`}) as const
  if (!RUNC_RUNTIMES.has(runtime)) return unsupported()
  const binary = findRunc(host.searchPath ?? [...(process.env.PATH ?? '').split(delimiter), ...SYSTEM_PATH])
  if (!binary) return unsupported(': runc was not found')
  const mountOptions = runcMountOptions(host.dataRoot, binary)
  if (mountOptions === null) return unsupported(': OCI features struct is not available')
  return mountOptions.includes('rro') ? {supported: true} : unsupported()
}

function kernelAtLeast(version: string, major: number, minor: number): boolean {
  const found = /^(\d+)\.(\d+)/.exec(version)
  if (!found) return false
  const [haveMajor, haveMinor] = [Number(found[1]), Number(found[2])]
  return haveMajor > major || (haveMajor === major && haveMinor >= minor)
}

function findRunc(directories: readonly string[]): {path: string; size: number; mtimeMs: number} | undefined {
  const path = executableOnPath('runc', directories.filter((directory) => directory.startsWith('/')).join(delimiter))
  if (path === undefined) return undefined
  const {size, mtimeMs} = statSync(path)
  return {path, size, mtimeMs}
}

/** The mount options `runc features` lists, from the cache while the binary is unchanged. */
function runcMountOptions(dataRoot: string, binary: {path: string; size: number; mtimeMs: number}): string[] | null {
  const cacheFile = join(dataRoot, 'cache', 'runc-features.json')
  try {
    const cached = JSON.parse(readFileSync(cacheFile, 'utf8')) as CachedFeatures
    if (cached.binary === binary.path && cached.size === binary.size && cached.mtimeMs === binary.mtimeMs) return cached.mountOptions
  } catch {
    // none yet, or unreadable: ask runc
  }
  const result = spawnSync(binary.path, ['features'], {encoding: 'utf8', timeout: 10_000})
  // runc did not run (or hung): no answer to keep.
  if (result.error) return null
  let mountOptions: string[] | null = null
  if (result.status === 0) {
    try {
      const features = JSON.parse(result.stdout) as {mountOptions?: unknown}
      mountOptions = Array.isArray(features.mountOptions) ? features.mountOptions.filter((option): option is string => typeof option === 'string') : []
    } catch {
      // not JSON: as if runc had no `features`
    }
  }
  const entry: CachedFeatures = {binary: binary.path, size: binary.size, mtimeMs: binary.mtimeMs, mountOptions}
  // Written beside the cache file and renamed over it, so that a concurrent reader sees one or the other.
  const temporary = `${cacheFile}.${process.pid}.tmp`
  try {
    mkdirSync(join(dataRoot, 'cache'), {recursive: true})
    writeFileSync(temporary, JSON.stringify(entry))
    renameSync(temporary, cacheFile)
  } catch {
    rmSync(temporary, {force: true})
  }
  return mountOptions
}
