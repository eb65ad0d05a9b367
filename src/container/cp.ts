/**
 * `cp` between a container and the host, as docker copies: files and directory trees with their
 * modes, times and symbolic links, `-` for a tar stream, `-a` to keep owners, `-L` to follow a
 * symbolic link given as the source (a path ending in `/` or `/.` follows it anyway). Paths inside
 * the container are resolved in its root, symbolic links included, so a link can never lead out of
 * it; volumes and bind mounts are seen as the container sees them (a running container through its
 * mount namespace, a stopped one through its root filesystem mounted with its mounts on a temporary
 * directory).
 */
import type {Stats} from 'node:fs'
import {lstat, readlink, realpath, stat} from 'node:fs/promises'
import {basename, dirname, join, normalize, posix, relative, resolve} from 'node:path'
import {Readable} from 'node:stream'
import {pipeline} from 'node:stream/promises'
import {NerdError} from '../errors.ts'
import {extractInto, packAs} from './cp-archive.ts'
import {containerView, publishContainerEvent} from './lifecycle.ts'
import type {ContainerScope, LoadedContainer} from './lifecycle.ts'
import type {ContainerRecord, MountPoint} from './model.ts'
import {withMountedRootfs} from './rootfs-mount.ts'
import {releaseContainerVolumes, withContainerVolumesMounted} from './volumes.ts'

export interface CopyArguments {
  container: string
  containerPath: string
  hostPath: string
  direction: 'from-container' | 'to-container'
}

/** `cp SRC DEST`: exactly one side names a container (`name:path`); a path with a slash before its colon is local. */
export function parseCopyArguments(source: string, destination: string): CopyArguments {
  const split = (text: string): {container: string; path: string} | undefined => {
    const colon = text.indexOf(':')
    if (colon <= 0 || text.slice(0, colon).includes('/')) return undefined
    return {container: text.slice(0, colon), path: text.slice(colon + 1) || '/'}
  }
  const from = split(source)
  const to = split(destination)
  if (from && to) throw new NerdError('copying between containers is not supported')
  if (!from && !to) throw new NerdError('must specify at least one container source')
  if (from) return {container: from.container, containerPath: from.path, hostPath: destination, direction: 'from-container'}
  return {container: to!.container, containerPath: to!.path, hostPath: source, direction: 'to-container'}
}

/**
 * The host path of `path` inside `root`, with every symbolic link on the way resolved in the root
 * (the last one too with `followLast`); `..` never climbs above the root.
 */
export async function resolveInRoot(root: string, path: string, followLast: boolean): Promise<string> {
  let pending = path.split('/').filter((part) => part !== '' && part !== '.')
  let resolved: string[] = []
  let links = 0
  while (pending.length > 0) {
    const part = pending.shift()!
    if (part === '..') {
      resolved.pop()
      continue
    }
    const candidate = join(root, ...resolved, part)
    const entry = await lstat(candidate).catch(() => undefined)
    if (entry?.isSymbolicLink() && (pending.length > 0 || followLast)) {
      if (++links > 40) throw new NerdError(`too many levels of symbolic links in ${path}`)
      const target = await readlink(candidate)
      if (target.startsWith('/')) resolved = []
      pending = [...target.split('/').filter((piece) => piece !== '' && piece !== '.'), ...pending]
      continue
    }
    resolved.push(part)
  }
  return join(root, ...resolved)
}

/** `error` with the paths in its message named as the container sees them, not through the host directory `root`. */
export function inContainerTerms(error: unknown, root: string): unknown {
  if (!(error instanceof Error) || !error.message.includes(root)) return error
  return new NerdError(error.message.replaceAll(`${root}/`, '/').replaceAll(root, '/'), {cause: error})
}

/**
 * Runs `action` with a host directory that is the container's root as the container sees it: its
 * running process's root, or else its snapshot mounted with its binds and volumes. What fails names
 * the container's paths, as docker's messages do.
 */
export async function withContainerRoot<T>(scope: ContainerScope, container: LoadedContainer, action: (root: string) => Promise<T>): Promise<T> {
  const inRoot = (root: string): Promise<T> =>
    action(root).catch((error: unknown) => {
      throw inContainerTerms(error, root)
    })
  const view = await containerView(scope, container)
  if (view.pid > 0) return inRoot(`/proc/${view.pid}/root`)
  const mounts = await scope.client.snapshots.mounts(container.record.Snapshotter, container.record.Id)
  // tmpfs mounts have no content once the container is down.
  const binds = container.record.Mounts.filter((point) => point.Type !== 'tmpfs').map((point) => ({
    source: point.Source,
    target: (root: string) => resolveInRoot(root, point.Destination, true),
  }))
  // Its volumes' filesystems are mounted for the while, as docker mounts them for a stopped container's cp.
  const volumeScope = {dataRoot: scope.dataRoot, namespace: scope.client.namespace}
  try {
    return await withContainerVolumesMounted(volumeScope, container.record, () => withMountedRootfs(mounts, binds, inRoot))
  } finally {
    await releaseContainerVolumes(volumeScope, scope.client, container.record)
  }
}

export interface CopyOptions {
  /** `-a`: keep the owners the files have (else they belong to the user nerd runs as). */
  archive: boolean
  /** `-L`: copy what a symbolic link given as the source points to. */
  followLink: boolean
  /** Stops the copy (ctrl-c), which then fails. */
  signal?: AbortSignal
}

/** The name docker gives the copy of `path` (as typed): its last element; `.` for the root or a directory's contents (`/.`). */
export function copyName(path: string): string {
  const name = basename(normalize(path))
  return /(^|\/)\.$/.test(path) || name === '' || name === '..' ? '.' : name
}

/** Whether `path` (as typed) says it is a directory: it ends in `/` or `/.`. */
function assertsDirectory(path: string): boolean {
  return /(^|\/)\.?$/.test(path)
}

/** Whether a symbolic link at the end of `path` is followed: docker resolves a path ending in `/` or `/.`, and any with -L. */
function followsLast(path: string, followLink: boolean): boolean {
  return followLink || assertsDirectory(path)
}

/** The source at host path `source` (`name`: as typed); a path ending in `/` or `/.` must be a directory. */
async function statSource(source: string, name: string, missing: string): Promise<Stats> {
  const info = await lstat(source).catch(() => undefined)
  if (!info) throw new NerdError(missing)
  if (!info.isDirectory() && assertsDirectory(name)) throw new NerdError(`not a directory: ${name}`)
  return info
}

/** Which side of the copy a destination is on: the host (docker's CLI checks it) or the container (its daemon does). */
type Side = 'host' | 'container'

/**
 * Where a copy of `sourceName` lands for `destination` (`destinationName`: as typed, for messages),
 * docker's way: the directory to extract in and the name of the copy there (`.`: a directory's
 * contents into the directory itself). What is there already is never replaced by something of
 * another kind: a directory copied onto a file fails here, and the extraction refuses the rest.
 */
async function landing(sourceName: string, sourceIsDirectory: boolean, destination: string, destinationName: string, side: Side): Promise<{directory: string; name: string}> {
  const existing = await stat(destination).catch((error: NodeJS.ErrnoException) => {
    // docker's CLI fails on a host path under a file (`file/`); its daemon lets the extraction point decide.
    if (error.code === 'ENOTDIR' && side === 'host') throw new NerdError(`lstat ${resolve(destinationName)}${destinationName.endsWith('/') ? '/' : ''}: not a directory`)
    return undefined
  })
  if (existing?.isDirectory()) return {directory: destination, name: copyName(sourceName)}
  if (existing && sourceIsDirectory) throw new NerdError('cannot copy directory')
  if (!existing && assertsDirectory(destinationName) && !sourceIsDirectory) throw new NerdError(`no such directory: ${destinationName}`)
  const parent = await stat(dirname(destination)).catch(() => undefined)
  if (!parent) throw new NerdError(`no such directory: ${dirname(destinationName)}`)
  if (!parent.isDirectory()) throw new NerdError('extraction point is not a directory')
  return {directory: dirname(destination), name: basename(destination)}
}

/**
 * docker's daemon refuses to extract into a container's read-only parts: a read-only volume or bind
 * mount, or its root filesystem (`--read-only`) outside its mounts (a `--tmpfs` is not one of them).
 * `directory` is the container's path to extract in.
 */
function refuseReadOnly(record: Pick<ContainerRecord, 'Mounts' | 'HostConfig'>, directory: string): void {
  const within = (mount: MountPoint): boolean => {
    const relative = posix.relative(mount.Destination, directory)
    return relative !== '..' && !relative.startsWith('../')
  }
  const mount = record.Mounts.filter(within).sort((a, b) => b.Destination.length - a.Destination.length)[0]
  if (mount && !mount.RW) throw new NerdError('mounted volume is marked read-only')
  if (!mount && record.HostConfig.ReadonlyRootfs) throw new NerdError('container rootfs is marked read-only')
}

/**
 * The copy `copy` asks for, from or into the container, with `output` for a tar stream out and
 * `input` for one in; docker reports it as the container's archive-path or extract-to-dir.
 */
export async function copyWithContainer(
  scope: ContainerScope,
  container: LoadedContainer,
  copy: CopyArguments,
  options: CopyOptions,
  stdio: {input: NodeJS.ReadableStream; output: NodeJS.WritableStream},
): Promise<void> {
  const from = copy.direction === 'from-container'
  await withContainerRoot(scope, container, (root) =>
    from
      ? copyFromContainer(root, container.record, copy.containerPath, copy.hostPath, options, stdio.output)
      : copyToContainer(root, container.record, copy.hostPath, copy.containerPath, options, stdio.input),
  )
  await publishContainerEvent(scope, container, from ? 'archive-path' : 'extract-to-dir')
}

/** `cp CONTAINER:SRC DEST` (DEST `-`: a tar stream on `output`). */
export async function copyFromContainer(root: string, record: ContainerRecord, containerPath: string, hostPath: string, options: CopyOptions, output: NodeJS.WritableStream): Promise<void> {
  const source = await resolveInRoot(root, containerPath, followsLast(containerPath, options.followLink))
  const info = await statSource(source, containerPath, `Could not find the file ${containerPath} in container ${record.Name}`)
  if (hostPath === '-') {
    // Not ending `output`: nerd's stdout stays open until nerd exits.
    await pipeline(packAs(source, copyName(containerPath)), output, {end: false, signal: options.signal})
    return
  }
  const {directory, name} = await landing(containerPath, info.isDirectory(), hostPath, hostPath, 'host')
  await extractInto(packAs(source, name), directory, options.archive, options.signal)
}

/** A tar header's size: less than one is a stream that ended before its first header. */
const TAR_BLOCK = 512

/**
 * A tar stream the user gives (`cp - CONTAINER:DIR`) extracted as docker's daemon untars it: an empty
 * one copies nothing, one that is no tar fails in Go's archive/tar words.
 */
async function extractUserArchive(input: NodeJS.ReadableStream, destination: string, options: CopyOptions): Promise<void> {
  let received = 0
  const counted = Readable.from(
    (async function* () {
      for await (const chunk of input) {
        received += (chunk as Buffer).length
        yield chunk
      }
    })(),
  )
  try {
    await extractInto(counted, destination, options.archive, options.signal)
  } catch (error) {
    if ((error as {code?: string}).code !== 'TAR_BAD_ARCHIVE') throw error
    if (received === 0) return
    throw new NerdError(`Error processing tar file: ${received < TAR_BLOCK ? 'unexpected EOF' : 'archive/tar: invalid tar header'}`)
  }
}

/** `cp SRC CONTAINER:DEST` (SRC `-`: a tar stream on `input`, extracted into the directory DEST). */
export async function copyToContainer(root: string, record: ContainerRecord, hostPath: string, containerPath: string, options: CopyOptions, input: NodeJS.ReadableStream): Promise<void> {
  const destination = await resolveInRoot(root, containerPath, true)
  const inContainer = (path: string): string => `/${relative(root, path)}`
  if (hostPath === '-') {
    if (!(await stat(destination).catch(() => undefined))?.isDirectory()) throw new NerdError(`destination "${record.Name}:${containerPath}" must be a directory`)
    refuseReadOnly(record, inContainer(destination))
    await extractUserArchive(input, destination, options)
    return
  }
  // Go's words for the lstat docker's CLI makes of the source.
  const missing = `lstat ${hostPath}: no such file or directory`
  if (!(await lstat(hostPath).catch(() => undefined))) throw new NerdError(missing)
  const source = followsLast(hostPath, options.followLink) ? await realpath(hostPath) : hostPath
  const info = await statSource(source, hostPath, missing)
  const {directory, name} = await landing(hostPath, info.isDirectory(), destination + (containerPath.endsWith('/') ? '/' : ''), containerPath, 'container')
  refuseReadOnly(record, inContainer(directory))
  await extractInto(packAs(source, name), directory, options.archive, options.signal)
}
