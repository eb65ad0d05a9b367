/**
 * `cp` between a container and the host, as docker copies: files and directory trees with their
 * modes, times and symbolic links, `-` for a tar stream, `-a` to keep owners, `-L` to follow a
 * symbolic link given as the source (a path ending in `/` or `/.` follows it anyway). Paths inside
 * the container are resolved in its root, symbolic links included, so a link can never lead out of
 * it; volumes and bind mounts are seen as the container sees them (a running container through its
 * mount namespace, without the filesystems the runtime mounts there, proc and sysfs among them, as
 * docker's daemon sees it: cp-mounts.ts; a stopped one through its root filesystem mounted with its
 * mounts on a temporary directory). A copy out is read whole before any of it lands.
 */
import {randomBytes} from 'node:crypto'
import {closeSync, mkdirSync, renameSync} from 'node:fs'
import type {Stats} from 'node:fs'
import {lstat, readFile, rm, stat} from 'node:fs/promises'
import {basename, dirname, join, normalize, posix, resolve} from 'node:path'
import {pipeline as pipelineStreams, Readable, Transform} from 'node:stream'
import {pipeline} from 'node:stream/promises'
import {absolutePath, fsPath, readLinkName, realPathName} from '../byte-names.ts'
import {NerdError} from '../errors.ts'
import {fileFailure} from '../files.ts'
import {decompress} from '../image/archive/compression.ts'
import {makeBindSources} from './bind-sources.ts'
import {extractInto, packAs, packAt} from './cp-archive.ts'
import type {ExtractionOptions, ExtractionTarget} from './cp-archive.ts'
import {containerUserOwner} from './cp-owner.ts'
import {runningContainerView, WHOLE_TREE} from './cp-mounts.ts'
import type {TreeView} from './cp-mounts.ts'
import {fdPath, lstatAt, openDirectoryInRoot, openRoot, pathParts, rootedPath, WalkError, walkInRoot} from './cp-root.ts'
import type {Located} from './cp-root.ts'
import {containerView, publishContainerEvent, refuseDead} from './lifecycle.ts'
import type {ContainerScope, LoadedContainer} from './lifecycle.ts'
import type {ContainerRecord, MountPoint} from './model.ts'
import {withMountedRootfs} from './rootfs-mount.ts'
import {ETC_FILE_PATHS} from './spec/index.ts'
import {subpathStagingPath, unstageVolumeSubpaths} from './volume-subpaths.ts'
import {releaseContainerVolumes, withContainerVolumesMounted} from './volumes.ts'

export interface CopyArguments {
  container: string
  containerPath: string
  hostPath: string
  direction: 'from-container' | 'to-container'
}

/**
 * `cp SRC DEST`: exactly one side names a container (`name:path`), docker's way: an absolute path is
 * local, and so is one whose part before the colon starts with `.` (`./file:name`); a part before
 * the colon may hold a slash (`host/name:path`). A container side needs a path: docker's daemon
 * refuses an empty one (`name:`) before it looks for the container, rather than copying its root.
 */
export function parseCopyArguments(source: string, destination: string): CopyArguments {
  if (source === '') throw new NerdError('source can not be empty')
  if (destination === '') throw new NerdError('destination can not be empty')
  const split = (text: string): {container: string; path: string} | undefined => {
    const colon = text.indexOf(':')
    if (text.startsWith('/') || colon <= 0 || text.startsWith('.')) return undefined
    return {container: text.slice(0, colon), path: text.slice(colon + 1)}
  }
  const from = split(source)
  const to = split(destination)
  if (from && to) throw new NerdError('copying between containers is not supported')
  if (!from && !to) throw new NerdError('must specify at least one container source')
  // docker's words (api/server/httputils/form.go), the missing space too.
  if ((from ?? to)!.path === '') throw new NerdError('bad parameter: pathcannot be empty')
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
    const entry = await lstat(fsPath(candidate)).catch(() => undefined)
    if (entry?.isSymbolicLink() && (pending.length > 0 || followLast)) {
      if (++links > 40) throw new NerdError(`too many levels of symbolic links in ${path}`)
      const target = readLinkName(fsPath(candidate))
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
 * The container's mounts that docker's cp sees: its volumes and binds, not its tmpfs mounts (which
 * docker leaves out of its view of a container, and which have no content once it is down).
 */
function copiedMounts(record: ContainerRecord): MountPoint[] {
  return record.Mounts.filter((point) => point.Type !== 'tmpfs')
}

/**
 * Runs `action` with a host directory that is the container's root as the container sees it: its
 * running process's root (`pid`: that process), or else its snapshot mounted with its binds and
 * volumes. What fails names the container's paths, as docker's messages do.
 */
export async function withContainerRoot<T>(scope: ContainerScope, container: LoadedContainer, action: (root: string, pid?: number) => Promise<T>): Promise<T> {
  const inRoot = (root: string, pid?: number): Promise<T> =>
    action(root, pid).catch((error: unknown) => {
      throw inContainerTerms(error, root)
    })
  const view = await containerView(scope, container)
  if (view.pid > 0) return inRoot(`/proc/${view.pid}/root`, view.pid)
  const mounts = await scope.client.snapshots.mounts(container.record.Snapshotter, container.record.Id)
  await makeBindSources(container.record)
  const binds = copiedMounts(container.record).map((point) => ({
    source: point.Subpath === undefined ? point.Source : subpathStagingPath(container.paths, point.Destination),
    target: (root: string) => resolveInRoot(root, point.Destination, true),
  }))
  // Its volumes' filesystems are mounted for the while, as docker mounts them for a stopped container's cp.
  const volumeScope = {dataRoot: scope.dataRoot, namespace: scope.client.namespace}
  try {
    return await withContainerVolumesMounted(volumeScope, scope.client, container, () => withMountedRootfs(mounts, binds, inRoot))
  } finally {
    await unstageVolumeSubpaths(container.paths)
    await releaseContainerVolumes(volumeScope, scope.client, container.record)
  }
}

/**
 * docker's view of the running container `record` (cp-mounts.ts), whose process `pid` has the root
 * `root` (held open): the mount points of its volumes, binds and /etc files are resolved in it, as
 * its mountinfo names them without links.
 */
async function runningContainerViewOf(root: number, pid: number, record: ContainerRecord): Promise<TreeView> {
  const kept = [...copiedMounts(record).map((point) => point.Destination), ...Object.values(ETC_FILE_PATHS)].map((destination) => {
    try {
      const located = walkInRoot(root, destination, {followLast: true})
      closeSync(located.parent)
      return rootedPath(located.parts)
    } catch {
      return destination
    }
  })
  // A process that ended meanwhile took its namespace's mounts with it: the root held has none.
  return runningContainerView(await readFile(`/proc/${pid}/mountinfo`, 'utf8').catch(() => ''), kept)
}

export interface CopyOptions {
  /**
   * `-a`: what is copied into a container belongs to its user, not to the archive's owners (a copy
   * out belongs to the user nerd runs as either way, as docker's).
   */
  archive: boolean
  /** `-L`: copy what a symbolic link given as the source points to. */
  followLink: boolean
  /** Stops the copy (ctrl-c), which then fails. */
  signal?: AbortSignal
  /** Told the tar stream's bytes as they pass, for a progress display. */
  onProgress?: (bytes: number) => void
}

/** What a copy did, for docker's `Successfully copied` line. */
export interface CopyReport {
  /** The tar stream's bytes. */
  transferred: number
  /** The destination as docker names it: `CONTAINER:PATH`, or an absolute host path. */
  destination: string
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

/** docker's CLI's absolute form of a host path, keeping a trailing `/` or `/.` that says it is a directory. */
function absoluteHostPath(path: string): string {
  const absolute = absolutePath(path)
  if (/(^|\/)\.$/.test(path)) return `${absolute}/.`
  return path.endsWith('/') && absolute !== '/' ? `${absolute}/` : absolute
}

/**
 * Why a copy may not land on what lstat (or stat, through a link) says is there, in docker's CLI's
 * words (ValidateOutputPathFileMode): a device node is never replaced. (Its other refusal, Go's
 * ModeIrregular, is a file type Linux's stat never gives.)
 */
function refusedDestination(info: Stats | undefined): string | undefined {
  return info?.isCharacterDevice() || info?.isBlockDevice() ? 'got a device' : undefined
}

/** docker's CLI's check of a host destination before it copies: its parent directory must exist, and it must be no device. */
async function validateOutputPath(hostPath: string): Promise<void> {
  const parent = dirname(absolutePath(hostPath))
  if (!(await stat(fsPath(parent)).catch(() => undefined))) throw new NerdError(`invalid output path: directory "${parent}" does not exist`)
  const path = absoluteHostPath(hostPath)
  const refused = refusedDestination(await stat(fsPath(path)).catch(() => undefined))
  if (refused) throw new NerdError(`invalid output path: "${path}" must be a directory or a regular file: ${refused}`)
}

/** What a destination is, for landing: a directory, something else, or nothing. */
type Kind = 'directory' | 'other' | undefined

function kindOf(info: Stats | undefined): Kind {
  return info === undefined ? undefined : info.isDirectory() ? 'directory' : 'other'
}

/**
 * How a copy lands on a destination of kind `existing` (`destinationName`: as
 * typed), docker's way: in it under the copy's own name (`.`: a directory's contents into the
 * directory itself), or in its parent under the destination's name. What is there already is never
 * replaced by something of another kind: a directory copied onto a file fails here, and the
 * extraction refuses the rest.
 */
function landing(sourceIsDirectory: boolean, existing: Kind, destinationName: string): 'into' | 'beside' {
  if (existing === 'directory') return 'into'
  if (existing && sourceIsDirectory) throw new NerdError('cannot copy directory')
  if (!existing && assertsDirectory(destinationName) && !sourceIsDirectory) throw new NerdError('no such directory')
  return 'beside'
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
 * `stream` passed on as is, its bytes counted into `report` and told to `onProgress`. A failure of
 * `stream` fails the counted stream (a pipe would leave its reader waiting for good), and the end
 * of the counted stream before all of it was read ends `stream`.
 */
function counted(stream: AsyncIterable<Uint8Array>, report: CopyReport, onProgress?: (bytes: number) => void): Readable {
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      report.transferred += chunk.length
      onProgress?.(chunk.length)
      done(null, chunk)
    },
  })
  pipelineStreams(Readable.from(stream), counter, () => undefined)
  return counter
}

/**
 * The copy `copy` asks for, from or into the container, with `output` for a tar stream out and
 * `input` for one in; docker reports it as the container's archive-path or extract-to-dir. Paths in
 * the container are walked in its root held open (cp-root.ts), so that a running container cannot
 * lead the copy out of it.
 */
export async function copyWithContainer(
  scope: ContainerScope,
  container: LoadedContainer,
  copy: CopyArguments,
  options: CopyOptions,
  stdio: {input: NodeJS.ReadableStream; output: NodeJS.WritableStream},
): Promise<CopyReport> {
  refuseDead(container, 'copy files of')
  const from = copy.direction === 'from-container'
  if (from && copy.hostPath !== '-') await validateOutputPath(copy.hostPath)
  const report = await withContainerRoot(scope, container, async (rootPath, pid) => {
    const root = openRoot(rootPath)
    try {
      if (!from) return await copyToContainer(root, container.record, copy.hostPath, copy.containerPath, options, stdio.input)
      const view = pid === undefined ? WHOLE_TREE : await runningContainerViewOf(root, pid, container.record)
      return await copyFromContainer({root, view}, container.record, copy.containerPath, copy.hostPath, options, stdio.output)
    } finally {
      closeSync(root)
    }
  })
  await publishContainerEvent(scope, container, from ? 'archive-path' : 'extract-to-dir')
  return report
}

/**
 * Extracts `archive`, whose top entry is `name` (`.`: a directory's contents), into the host
 * directory `directory` by way of a staging directory made in it, as a file is written whole or not
 * at all: a copy that fails part way (a file the container does not let be read) leaves nothing at
 * the destination. A new name goes into place with one rename; a copy onto what is there (into a
 * directory that exists, a directory's contents) is extracted from the staged copy once it is whole.
 */
async function extractStaged(archive: Readable, directory: string, name: string, options: CopyOptions): Promise<void> {
  const parts = pathParts(await realPathName(directory))
  const staging = [...parts, `.nerd-cp-${process.pid}-${randomBytes(6).toString('hex')}`]
  const hostRoot = openRoot('/')
  // The host is no container to resolve links in: a link under the destination is refused.
  const target = (directory: string[], destination?: string[]): ExtractionTarget => ({root: hostRoot, directory, refuseLinks: true, destination})
  // Owned by the user nerd runs as, -a or not: docker's CLI extracts with NoLchown.
  const extraction = {signal: options.signal}
  try {
    try {
      mkdirSync(fsPath(rootedPath(staging)), 0o700)
    } catch (error) {
      throw fileFailure('mkdir', rootedPath([...parts, ...pathParts(name)]), error)
    }
    await extractInto(archive, target(staging, parts), extraction)
    const staged = openDirectoryInRoot(hostRoot, staging).fd
    const destination = openDirectoryInRoot(hostRoot, parts).fd
    try {
      if (name !== '.' && !lstatAt(destination, name)) renameSync(fdPath(staged, name), fdPath(destination, name))
      else await extractInto(packAt(staged, name, name, {path: [...staging, ...pathParts(name)], view: WHOLE_TREE}), target(parts), extraction)
    } finally {
      closeSync(destination)
      closeSync(staged)
    }
  } finally {
    closeSync(hostRoot)
    await rm(fsPath(rootedPath(staging)), {recursive: true, force: true})
  }
}

/**
 * Where a copy out to the host path `hostPath` lands, as go-archive's CopyInfoDestinationPath finds
 * it: a symbolic link there is written through, to its target (a dangling link's too, which the copy
 * creates), followed at most eleven times.
 */
async function linkedHostDestination(hostPath: string): Promise<string> {
  const start = absoluteHostPath(hostPath)
  let path = start
  for (let links = 0; (await lstat(fsPath(path)).catch(() => undefined))?.isSymbolicLink(); links++) {
    if (links > 10) throw new NerdError(`too many symlinks in ${start}`)
    path = resolve(dirname(path), readLinkName(fsPath(path)))
  }
  return path
}

/**
 * `cp CONTAINER:SRC DEST` (DEST `-`: a tar stream on `output`); `tree`: the container's root, held
 * open, and how much of it the copy sees.
 */
export async function copyFromContainer(tree: {root: number; view: TreeView}, record: ContainerRecord, containerPath: string, hostPath: string, options: CopyOptions, output: NodeJS.WritableStream): Promise<CopyReport> {
  // With -L, docker's CLI asks for a link's target, which its daemon names.
  const missing = (): NerdError => new NerdError(`Could not find the file ${(options.followLink && linkTargetIn(tree.root, containerPath)) || containerPath} in container ${record.Name}`)
  const unresolvable = linkFailure(tree.root, containerPath)
  if (unresolvable) throw unresolvable
  let source: Located
  try {
    source = walkInRoot(tree.root, containerPath, {followLast: followsLast(containerPath, options.followLink)})
  } catch (error) {
    if (error instanceof WalkError) throw missing()
    throw error
  }
  try {
    const info = lstatAt(source.parent, source.name)
    const shown = tree.view(source.parts)
    if (!info || shown === 'none') throw missing()
    if (!info.isDirectory() && assertsDirectory(containerPath)) throw new NerdError(`not a directory: ${containerPath}`)
    const report: CopyReport = {transferred: 0, destination: hostPath === '-' ? '-' : absoluteHostPath(hostPath)}
    const pack = (name: string): Readable => packAt(source.parent, source.name, name, {path: source.parts, view: tree.view})
    if (hostPath === '-') {
      // With -L, docker's CLI asks its daemon for the link's target, and passes on the archive named after it.
      const archived = (options.followLink && linkTargetIn(tree.root, containerPath)) || containerPath
      // Not ending `output`: nerd's stdout stays open until nerd exits.
      await pipeline(pack(copyName(archived)), output, {end: false, signal: options.signal})
      return report
    }
    const landingPath = await linkedHostDestination(hostPath)
    const existing = await stat(fsPath(landingPath)).catch((error: NodeJS.ErrnoException) => {
      // docker's CLI fails on a host path under a file (`file/`).
      if (error.code === 'ENOTDIR') throw new NerdError(`lstat ${absolutePath(hostPath)}${hostPath.endsWith('/') ? '/' : ''}: not a directory`)
      return undefined
    })
    const into = landing(info.isDirectory(), kindOf(existing), landingPath) === 'into'
    const directory = into ? landingPath : dirname(landingPath)
    if (!into) {
      // A dangling link's target may lie under a directory that is missing too.
      const parent = await stat(fsPath(directory)).catch((error: unknown) => Promise.reject(fileFailure('stat', directory, error)))
      if (!parent.isDirectory()) throw new NerdError('extraction point is not a directory')
    }
    const name = into ? copyName(containerPath) : basename(landingPath)
    await extractStaged(counted(pack(name), report, options.onProgress), directory, name, options)
    return report
  } finally {
    closeSync(source.parent)
  }
}

/**
 * docker's CLI's failure to find a host source, in Go's words: go-archive lstats its absolute path
 * (`lstat /abs/x: no such file or directory`) once the links above it are resolved, which fails
 * bare (Go's EvalSymlinks: `not a directory`) for a path that goes on under a file (`file/`).
 */
function hostSourceFailure(hostPath: string, error: unknown): Error {
  if ((error as NodeJS.ErrnoException).code === 'ENOTDIR') return new NerdError('not a directory')
  return fileFailure('lstat', absoluteHostPath(hostPath), error)
}

/**
 * A tar stream the user gives (`cp - CONTAINER:DIR`), compressed or not as docker's daemon takes it
 * (gzip, bzip2, xz, zstd), extracted into `target`; an empty one copies nothing.
 */
async function extractUserArchive(input: NodeJS.ReadableStream, target: ExtractionTarget, extraction: ExtractionOptions, report: CopyReport, onProgress?: (bytes: number) => void): Promise<void> {
  const uncompressed = Readable.from(decompress(counted(input as AsyncIterable<Uint8Array>, report, onProgress), 'the archive'))
  await extractInto(uncompressed, target, extraction)
}

/**
 * What docker's CLI copies from or to in place of `containerPath` when that is a symbolic link (its
 * ContainerStatPath's LinkTarget): the link resolved in the container as moby's FollowSymlinkInScope
 * resolves it, as far as it exists, the rest as it is (`/a -> /nowhere/x` is `/nowhere/x`).
 * undefined when it is no link: a path ending in `/` is no link to docker's daemon either, whose
 * lstat follows it.
 */
function linkTargetIn(root: number, containerPath: string): string | undefined {
  if (assertsDirectory(containerPath)) return undefined
  try {
    const located = walkInRoot(root, containerPath)
    try {
      if (!lstatAt(located.parent, located.name)?.isSymbolicLink()) return undefined
    } finally {
      closeSync(located.parent)
    }
    const target = walkInRoot(root, containerPath, {followLast: true})
    closeSync(target.parent)
    return rootedPath(target.parts)
  } catch (error) {
    if (!(error instanceof WalkError)) throw error
    // A loop, or a file on the way: docker's stat fails, and the CLI keeps the path.
    return error.code === 'ENOENT' ? posix.join(error.path, ...error.rest) : undefined
  }
}

/**
 * Why docker's daemon cannot copy from `containerPath` when it is a symbolic link, -L or not: its stat
 * of a link resolves it whole (FollowSymlinkInScope), which fails on a loop.
 */
function linkFailure(root: number, containerPath: string): NerdError | undefined {
  if (assertsDirectory(containerPath)) return undefined
  let located: Located
  try {
    located = walkInRoot(root, containerPath)
  } catch (error) {
    if (error instanceof WalkError) return undefined
    throw error
  }
  try {
    if (!lstatAt(located.parent, located.name)?.isSymbolicLink()) return undefined
  } finally {
    closeSync(located.parent)
  }
  try {
    closeSync(walkInRoot(root, containerPath, {followLast: true}).parent)
  } catch (error) {
    if (!(error instanceof WalkError)) throw error
    if (error.code === 'ELOOP') return new NerdError(`evalSymlinksInScope: too many links in ${posix.join('/', containerPath)}`)
  }
  return undefined
}

/** `cp SRC CONTAINER:DEST` (SRC `-`: a tar stream on `input`, extracted into the directory DEST); `root`: the container's root, held open. */
export async function copyToContainer(root: number, record: ContainerRecord, hostPath: string, containerPath: string, options: CopyOptions, input: NodeJS.ReadableStream): Promise<CopyReport> {
  const report: CopyReport = {transferred: 0, destination: `${record.Name}:${containerPath}`}
  // docker's CLI takes a destination it cannot stat for one that does not exist, checks the source and
  // how the copy lands, and only then does its daemon fail to find the directory to extract in.
  let destination: Located | undefined
  let walkFailure: WalkError | undefined
  try {
    destination = walkInRoot(root, containerPath, {followLast: true})
  } catch (error) {
    if (!(error instanceof WalkError)) throw error
    walkFailure = error
  }
  // The directory docker's daemon is told to extract in: the path's parent, the link target's for a link.
  const unreachable = (): NerdError =>
    walkFailure?.code === 'ENOTDIR'
      ? new NerdError('extraction point is not a directory')
      : new NerdError(`Could not find the file ${posix.dirname(linkTargetIn(root, containerPath) ?? posix.normalize(containerPath))} in container ${record.Name}`)
  try {
    const there = destination && lstatAt(destination.parent, destination.name)
    // A path ending in `/` names no file (docker's stat of it fails): a copy there goes beside it, and the extraction refuses that.
    const refused = containerPath.endsWith('/') ? undefined : refusedDestination(there)
    if (refused) throw new NerdError(`destination "${record.Name}:${containerPath}" must be a directory or a regular file: ${refused}`)
    const found = kindOf(there)
    const existing = found === 'other' && containerPath.endsWith('/') ? undefined : found
    const target = (parts: string[]): ExtractionTarget => {
      refuseReadOnly(record, rootedPath(parts))
      return {root, directory: parts, refuseLinks: false}
    }
    // The archive's owners (the host files' with a copy from the host), or with -a the container's user.
    const extraction = (): ExtractionOptions => ({owner: options.archive ? containerUserOwner(root, record.Config.User) : 'archive', signal: options.signal})
    if (hostPath === '-') {
      if (existing !== 'directory' || !destination) throw new NerdError(`destination "${record.Name}:${containerPath}" must be a directory`)
      await extractUserArchive(input, target(destination.parts), extraction(), report, options.onProgress)
      return report
    }
    const located = <T>(look: () => Promise<T>): Promise<T> =>
      look().catch((error: unknown) => {
        throw hostSourceFailure(hostPath, error)
      })
    const source = followsLast(hostPath, options.followLink) ? await located(() => realPathName(hostPath)) : hostPath
    const info = await located(() => lstat(fsPath(source)))
    if (!info.isDirectory() && assertsDirectory(hostPath)) throw new NerdError(`not a directory: ${hostPath}`)
    const into = landing(info.isDirectory(), existing, containerPath) === 'into'
    if (!destination) throw unreachable()
    // The walk resolved every link on the way: these paths have none.
    const directory = into ? destination.parts : destination.parts.slice(0, -1)
    await extractInto(counted(packAs(source, into ? copyName(hostPath) : destination.name), report, options.onProgress), target(directory), extraction())
    return report
  } finally {
    if (destination) closeSync(destination.parent)
  }
}
