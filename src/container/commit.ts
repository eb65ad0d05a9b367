/**
 * `diff` and `commit`: a container's changes to its image, as containerd's Diff service writes them
 * (a layer between the snapshot the container's is prepared on, its image's init snapshot, and the
 * container's), listed docker's way or committed as a new image layer on top of the container's image.
 */
import {createHash, randomBytes} from 'node:crypto'
import {createReadStream, createWriteStream} from 'node:fs'
import type {Stats} from 'node:fs'
import {rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join, posix} from 'node:path'
import {Readable} from 'node:stream'
import {pipeline} from 'node:stream/promises'
import {createGunzip, createGzip} from 'node:zlib'
import type {ContainerdClient} from '../containerd/index.ts'
import {onEarlyExit} from '../early-exit.ts'
import {encodeName} from '../byte-names.ts'
import {NerdError} from '../errors.ts'
import type {ImageConfig, ImageRuntimeConfig} from '../hooks/types.ts'
import {applyChanges} from '../image/archive/changes.ts'
import {familiarImageName} from '../image/archive/names.ts'
import {nameImage} from '../image/records.ts'
import {readTar, type TarEntry} from '../image/archive/tar-reader.ts'
import {tarEnd, tarPadding} from '../image/archive/tar-writer.ts'
import {imageEvent} from '../image/events.ts'
import {childGcLabels} from '../image/manifest.ts'
import type {Descriptor, ImageManifest} from '../image/manifest.ts'
import {MEDIA_TYPE_OCI_CONFIG, MEDIA_TYPE_OCI_LAYER, MEDIA_TYPE_OCI_LAYER_GZIP, MEDIA_TYPE_OCI_MANIFEST} from '../image/registry/media-types.ts'
import {newTagName, parseReference} from '../image/reference.ts'
import {jsonBlob, listImages, PARENT_IMAGE_LABEL, resolveImageConfig, writeBlob} from '../image/store.ts'
import type {ImageRecord, ResolvedImageConfig} from '../image/store.ts'
import {unpackImage} from '../image/unpack.ts'
import {makeOwnedDir, removeOrphanedDirs} from '../owner.ts'
import {publishEvent} from '../system/nerd-events.ts'
import {deviceNumbers, entryType} from './cp-archive.ts'
import {containerView, pauseTask, publishContainerEvent, refuseDead, resumeTask} from './lifecycle.ts'
import type {ContainerScope, LoadedContainer} from './lifecycle.ts'
import {markThisProcess} from './process-mark.ts'
import {existsInLayers, rootfsLayers, statInLayers} from './rootfs-files.ts'
import {isInitSnapshotName} from './init-layer.ts'
import type {ContainerRecord, DockerConfig} from './model.ts'
import {ETC_FILE_PATHS} from './spec/index.ts'

/** The directory a rewritten layer is written in, in the system's temporary directory: this prefix, its nerd (owner.ts), a random part. */
const LAYER_DIR_PREFIX = 'nerd-commit-'

/** The diff ID of a layer without entries: a tar of its end marker only. */
const EMPTY_LAYER_DIFF_ID = 'sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef'

/** A layer entry's path as docker prints it: absolute, no trailing slash. */
function entryPath(entry: TarEntry): string {
  return posix.join('/', entry.path).replace(/\/$/, '') || '/'
}

/**
 * An empty mount point the runtime made for one of the /etc files nerd binds, where the image has
 * none: not the container's doing. Only a container that a nerd without init snapshots created on
 * its image's layers has them in its own layer; a newer one's init snapshot holds them (init-layer.ts).
 */
async function isRuntimeMountPoint(entry: TarEntry, lower: string[]): Promise<boolean> {
  const path = entryPath(entry)
  return entry.size === 0 && entry.type === 'File' && Object.values(ETC_FILE_PATHS).includes(path) && !(await existsInLayers(lower, path))
}

export interface Change {
  kind: 'A' | 'C' | 'D'
  /** Absolute, as docker prints it. */
  path: string
}

/**
 * Runs `action` with the container's changes written as a layer blob (under the caller's lease) by
 * the Diff service, between a read-only view of the snapshot the container started from and the
 * container's own; `lower` are the view's layer directories, top first, and `parent` the snapshot they make.
 */
async function withChanges<T>(
  client: ContainerdClient,
  container: LoadedContainer,
  mediaType: string,
  action: (layer: Descriptor, lower: string[], parent: string) => Promise<T>,
  signal?: AbortSignal,
): Promise<T> {
  const {Snapshotter, Id} = container.record
  const parent = (await client.snapshots.stat(Snapshotter, Id)).parent
  if (!parent) throw new NerdError(`container ${container.record.Name} has no image layers to compare with`)
  const upper = await client.snapshots.mounts(Snapshotter, Id)
  const key = `nerd-diff-${Id.slice(0, 12)}-${randomBytes(4).toString('hex')}`
  const lower = await client.snapshots.view({snapshotter: Snapshotter, key, parent, labels: {}})
  try {
    const diff = await client.diff.diff({left: lower, right: upper, mediaType, ref: key, labels: {}}, {signal})
    return await action({mediaType: diff.mediaType, digest: diff.digest, size: Number(diff.size)}, rootfsLayers(lower), parent)
  } finally {
    await client.snapshots.remove(Snapshotter, key).catch(() => undefined)
  }
}

/**
 * docker's order of changes, its walk of the container's layer: depth first, each directory's names
 * sorted by their bytes. So a directory's contents come right after it (`/a`, `/a/x`, `/a-b`),
 * where a sort of whole paths would put `/a-b` first (`-` sorts before `/`).
 */
function walkOrder(a: Change, b: Change): number {
  const left = a.path.split('/')
  const right = b.path.split('/')
  for (let index = 0; index < Math.min(left.length, right.length); index++) {
    if (left[index] !== right[index]) return Buffer.compare(Buffer.from(left[index]!), Buffer.from(right[index]!))
  }
  return left.length - right.length
}

/**
 * docker's `diff`: A for an added path, C for a changed one, D for a deleted one, in docker's order (walkOrder). A
 * directory that is still one with the same mode and owner is listed only for what changed inside
 * it, as docker compares no directory times: so the directories the runtime's mount points touched
 * are left out with them. Nor is a file the layer holds only because overlayfs copied it up, its
 * metadata as it was (sameAsBefore): docker compares stats, not layers.
 */
export async function containerChanges(scope: ContainerScope, container: LoadedContainer): Promise<Change[]> {
  refuseDead(container, 'diff')
  return scope.client.withLease((leased) =>
    withChanges(leased, container, MEDIA_TYPE_OCI_LAYER, async (layer, lower) => {
      const changes: Change[] = []
      const sameDirectories = new Set<string>()
      const layerFiles = new Map<string, LayerFile>()
      for await (const entry of readTar(leased.content.read(layer.digest))) {
        const path = entryPath(entry)
        const name = posix.basename(path)
        if (name === '.wh..wh..opq') continue
        if (name.startsWith('.wh.')) {
          changes.push({kind: 'D', path: posix.join(posix.dirname(path), name.slice('.wh.'.length))})
          continue
        }
        if (await isRuntimeMountPoint(entry, lower)) continue
        const file = entry.type === 'Link' ? layerFiles.get(posix.join('/', entry.linkpath ?? '')) : {type: entry.type, size: entry.type === 'SymbolicLink' ? encodeName(entry.linkpath ?? '').length : entry.size}
        if (entry.type !== 'Link') layerFiles.set(path, file!)
        const before = await statInLayers(lower, path)
        if (before && file && sameAsBefore(entry, file, before)) {
          if (entry.type === 'Directory') sameDirectories.add(path)
          // overlayfs copied it up for its metadata alone (a hard link made to it, say).
          else continue
        }
        changes.push({kind: before ? 'C' : 'A', path})
      }
      return keptChanges(changes, sameDirectories).sort(walkOrder)
    }),
  )
}

/** What a layer's entry is, a hard link's the file it links to: its type and size (a symbolic link's, its target's length). */
interface LayerFile {
  type: TarEntry['type']
  size: number
}

/**
 * Whether the layer's `entry` (`file`: what it is) is what the lower layers had, `before`, as
 * docker's diff compares them (go-archive's statDifferent): type, mode, owner, device number, and
 * for what is no directory its size and time; not its inode, change time or link count, which
 * overlayfs's copy-up changes. Times in whole seconds, as the layer has them.
 */
function sameAsBefore(entry: TarEntry, file: LayerFile, before: Stats): boolean {
  const device = deviceNumbers(before.rdev)
  const same = file.type === entryType(before) && entry.mode === (before.mode & 0o7777) && entry.uid === before.uid && entry.gid === before.gid && (entry.header.devmaj ?? 0) === device.devmaj && (entry.header.devmin ?? 0) === device.devmin
  if (!same || file.type === 'Directory') return same
  return file.size === before.size && Math.floor((entry.header.mtime?.getTime() ?? 0) / 1000) === Math.floor(before.mtimeMs / 1000)
}

/** Marks every directory above each of `paths` (the root too), normalized absolute paths, in `marked`. */
function markAncestors(paths: Iterable<string>, marked: Set<string>): void {
  for (const path of paths) {
    for (let directory = path; directory !== '/'; ) {
      directory = posix.dirname(directory)
      // What is marked has its ancestors marked already.
      if (marked.has(directory)) break
      marked.add(directory)
    }
  }
}

/**
 * The changes docker lists: those but the directories in `sameDirectories` (still directories, with
 * the same mode and owner) under which no other change is. (The root is never listed for what
 * changed inside it.)
 */
export function keptChanges(changes: readonly Change[], sameDirectories: ReadonlySet<string>): Change[] {
  const changedInside = new Set<string>()
  markAncestors(changes.flatMap((change) => (sameDirectories.has(change.path) ? [] : [change.path])), changedInside)
  return changes.filter((change) => !sameDirectories.has(change.path) || (change.path !== '/' && changedInside.has(change.path)))
}

export interface CommitOptions {
  /** The new image's name, normalized (commitImageName); a dangling image without it. */
  name?: string
  message?: string
  author?: string
  /** Dockerfile instructions (`--change`) applied to the image's config. */
  changes?: string[]
  /** Pause a running container while its changes are read (docker's default). */
  pause?: boolean
  /** Stops the commit (ctrl-c): the container is resumed, and what the commit made goes with its lease. */
  signal?: AbortSignal
}

/**
 * The defaults of the image docker commits: the container's own config (the image's, with what
 * `run` set: env, command, working directory, labels, …), in the fields an image config has.
 */
function committedRuntimeConfig(config: DockerConfig): ImageRuntimeConfig {
  const some = <T extends object>(value: T | null | undefined): value is T => value !== null && value !== undefined && Object.keys(value).length > 0
  return {
    ...(config.User ? {User: config.User} : {}),
    ...(some(config.ExposedPorts) ? {ExposedPorts: config.ExposedPorts} : {}),
    ...(some(config.Env) ? {Env: config.Env} : {}),
    ...(config.Entrypoint ? {Entrypoint: config.Entrypoint} : {}),
    ...(config.Cmd ? {Cmd: config.Cmd} : {}),
    ...(some(config.Volumes) ? {Volumes: config.Volumes} : {}),
    ...(config.WorkingDir ? {WorkingDir: config.WorkingDir} : {}),
    ...(some(config.Labels) ? {Labels: config.Labels} : {}),
    ...(config.StopSignal ? {StopSignal: config.StopSignal} : {}),
    ...(config.Healthcheck ? {Healthcheck: config.Healthcheck} : {}),
    ...(config.Shell?.length ? {Shell: config.Shell} : {}),
  }
}

/**
 * The image the container was made from, which docker finds by its ID: under the name it was made
 * from while that name still is that image, else under any other name the image has (the name
 * removed, or given to another image since). Gone when no name is left.
 */
async function containerImage(client: ContainerdClient, record: ContainerRecord): Promise<ResolvedImageConfig> {
  const byId = async (image: string | ImageRecord): Promise<ResolvedImageConfig | undefined> => {
    const resolved = await resolveImageConfig(client, image, record.Platform).catch(() => undefined)
    return resolved?.configDescriptor.digest === record.Image ? resolved : undefined
  }
  let found = await byId(record.ImageRef)
  for (const image of found ? [] : await listImages(client)) {
    found = await byId(image)
    if (found) return found
  }
  if (!found) throw new NerdError(`cannot commit ${record.Name}: its image ${record.ImageRef} is gone (No such image: ${record.Image})`)
  return found
}

/**
 * The name `commit` gives its image, as docker's client reads the reference before the daemon looks
 * for the container (client/container_commit.go): a valid name, with no digest.
 */
export function commitImageName(reference: string): string {
  return newTagName(parseReference(reference))
}

/** `commit`: the container's changes as one more layer on its image; returns the new image's ID. */
export async function commitContainer(scope: ContainerScope, container: LoadedContainer, options: CommitOptions = {}): Promise<string> {
  refuseDead(container, 'commit')
  const {name} = options
  const {client} = scope
  const {record} = container
  // As docker's BuildFromConfig: the changes apply to the container's config, its variables theirs.
  const runtimeConfig = applyChanges(committedRuntimeConfig(record.Config), options.changes ?? [])
  const base = await containerImage(client, record)
  const running = (await containerView(scope, container)).status === 'running'
  const pause = running && options.pause !== false
  const {signal} = options
  // As docker's daemon, which unpauses however its client ends: on a signal through `signal`, and
  // before nerd dies of a second one; a nerd killed outright leaves the resume to the next command
  // that looks at the container (the mark, see lifecycle.ts's seeOutDeadCommit).
  const resume = async (): Promise<void> => {
    await resumeTask(scope, container).catch(() => undefined)
    await rm(container.paths.commitPause, {force: true})
  }
  if (pause) {
    await markThisProcess(container.paths.commitPause)
    await pauseTask(scope, container)
  }
  const resumedEarly = pause ? onEarlyExit(resume) : undefined
  try {
    const id = await client.withLease((leased) => withChanges(leased, container, MEDIA_TYPE_OCI_LAYER_GZIP, async (diffLayer, lower, parent) => {
      const {layer, diffId} = await withoutRuntimeMountPoints(leased, diffLayer, lower, parent)
      // As docker's: no changes add no layer, only a history entry that says so.
      const empty = diffId === EMPTY_LAYER_DIFF_ID
      const created = new Date().toISOString()
      // docker's CREATED BY: the container's command without its entrypoint.
      const command = (record.Config.Cmd ?? []).join(' ')
      const config: ImageConfig = {
        ...base.config,
        created,
        ...(options.author ? {author: options.author} : {}),
        config: runtimeConfig,
        rootfs: {type: 'layers', diff_ids: [...base.config.rootfs.diff_ids, ...(empty ? [] : [diffId])]},
        history: [
          ...(base.config.history ?? []),
          {created, created_by: command, ...(options.author ? {author: options.author} : {}), ...(options.message ? {comment: options.message} : {}), ...(empty ? {empty_layer: true} : {})},
        ],
      }
      const configBlob = jsonBlob(config, MEDIA_TYPE_OCI_CONFIG)
      await writeBlob(leased, configBlob.descriptor, configBlob.bytes)
      const manifestDocument: ImageManifest = {
        schemaVersion: 2,
        mediaType: MEDIA_TYPE_OCI_MANIFEST,
        config: configBlob.descriptor,
        layers: [...base.manifest.layers, ...(empty ? [] : [layer])],
      }
      const manifest = jsonBlob(manifestDocument, MEDIA_TYPE_OCI_MANIFEST)
      await writeBlob(leased, manifest.descriptor, manifest.bytes, {labels: childGcLabels(MEDIA_TYPE_OCI_MANIFEST, manifestDocument)})
      await unpackImage(leased, {name: name ?? manifest.descriptor.digest, target: manifest.descriptor, snapshotter: record.Snapshotter, signal})
      await nameImage(leased, {names: name === undefined ? [] : [name], target: manifest.descriptor, labels: {[PARENT_IMAGE_LABEL]: record.Image}}, configBlob.descriptor.digest)
      if (name !== undefined) await publishEvent(leased, imageEvent('tag', {id: configBlob.descriptor.digest, config}, familiarImageName(name)))
      return configBlob.descriptor.digest
    }, signal))
    // Before the container resumes, as docker's order is: pause, commit, unpause.
    await publishContainerEvent(scope, container, 'commit', {comment: options.message ?? '', imageID: id, imageRef: name === undefined ? '' : familiarImageName(name)})
    return id
  } finally {
    resumedEarly?.()
    if (pause) await resume()
  }
}

/** The diff ID of a layer the Diff service wrote: the uncompressed digest, which it records as a label. */
async function layerDiffId(client: ContainerdClient, layer: Descriptor): Promise<string> {
  const diffId = (await client.content.info(layer.digest)).labels['containerd.io/uncompressed']
  if (!diffId) throw new NerdError(`the Diff service gave layer ${layer.digest} no uncompressed digest`)
  return diffId
}

/**
 * The layer without the runtime's mount points (see isRuntimeMountPoint) and the directories that
 * hold nothing else, rewritten when it has any; its diff ID (the uncompressed digest, which the Diff
 * service records as a label) with it. A container on its image's init snapshot (`parent`) has them
 * there, not in its own layer: its layer is not read again, while the container is paused.
 */
async function withoutRuntimeMountPoints(client: ContainerdClient, layer: Descriptor, lower: string[], parent: string): Promise<{layer: Descriptor; diffId: string}> {
  if (isInitSnapshotName(parent)) return {layer, diffId: await layerDiffId(client, layer)}
  const entries = (): AsyncIterable<TarEntry> => readTar(Readable.from(client.content.read(layer.digest)).pipe(createGunzip()))
  const dropped = new Set<string>()
  const directories: string[] = []
  const paths: string[] = []
  for await (const entry of entries()) {
    const path = entryPath(entry)
    paths.push(path)
    if (await isRuntimeMountPoint(entry, lower)) dropped.add(path)
    else if (entry.type === 'Directory') directories.push(path)
  }
  if (dropped.size === 0) return {layer, diffId: await layerDiffId(client, layer)}
  for (const directory of emptiedDirectories(paths, directories, dropped)) dropped.add(directory)
  const [work] = await Promise.all([makeOwnedDir(tmpdir(), LAYER_DIR_PREFIX), removeOrphanedLayerDirs()])
  try {
    const file = join(work, 'layer.tar.gz')
    const uncompressed = createHash('sha256')
    const compressed = createHash('sha256')
    let size = 0
    const kept = async function* (): AsyncGenerator<Buffer> {
      for await (const entry of entries()) {
        if (dropped.has(entryPath(entry))) continue
        yield* entry.headerBlocks
        for await (const piece of entry.body) yield piece
        yield tarPadding(entry.size)
      }
      yield tarEnd()
    }
    const hashing = (hash: ReturnType<typeof createHash>, count: boolean) =>
      async function* (source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
        for await (const chunk of source) {
          hash.update(chunk)
          if (count) size += chunk.length
          yield chunk
        }
      }
    await pipeline(kept(), hashing(uncompressed, false), createGzip(), hashing(compressed, true), createWriteStream(file))
    const rewritten: Descriptor = {mediaType: layer.mediaType, digest: `sha256:${compressed.digest('hex')}`, size}
    const diffId = `sha256:${uncompressed.digest('hex')}`
    await client.content.write(`commit-${rewritten.digest}`, (offset) => createReadStream(file, {start: offset}), {
      expected: rewritten.digest,
      total: size,
      labels: {'containerd.io/uncompressed': diffId},
    })
    return {layer: rewritten, diffId}
  } finally {
    await rm(work, {recursive: true, force: true})
  }
}

/** Removes the directories of rewritten layers that nerds killed outright (SIGKILL) left. */
export function removeOrphanedLayerDirs(): Promise<void> {
  return removeOrphanedDirs(tmpdir(), LAYER_DIR_PREFIX)
}

/**
 * Of a layer's `directories` (`paths` are all its entries), those that hold entries, all of them
 * `dropped` or emptied in turn: a directory emptied of emptied directories goes too. One holding an
 * entry that stays, or nothing at all, stays: so does every directory above that entry, and the
 * root, when the layer has an entry for it.
 */
export function emptiedDirectories(paths: readonly string[], directories: readonly string[], dropped: ReadonlySet<string>): string[] {
  const holding = new Set<string>()
  markAncestors(paths, holding)
  // A directory that holds something is emptied unless something below it stays, so only the other entries keep what is above them.
  const candidates = new Set(directories)
  const keeping = new Set<string>()
  markAncestors(paths.filter((path) => !dropped.has(path) && !(candidates.has(path) && holding.has(path))), keeping)
  return directories.filter((directory) => directory !== '/' && holding.has(directory) && !keeping.has(directory))
}
