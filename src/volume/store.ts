/**
 * The volume store (layout in model.ts). Every change to a volume, and every mount or copy into it,
 * holds that volume's lock, so concurrent nerd processes create a volume once, mount its filesystem
 * once, copy image content into it once, and never remove it half-way through one of those.
 * The locks live apart from the volumes (`volumes/.locks/<namespace>/<name>`), so a volume's
 * directory can go while its lock is held.
 */
import {randomBytes} from 'node:crypto'
import {chmod, mkdir, readdir, rename, rm, stat} from 'node:fs/promises'
import {closeSync, existsSync, fstatSync} from 'node:fs'
import {join} from 'node:path'
import {InvalidFileError, NerdError} from '../errors.ts'
import {withGoType} from '../format/go-types.ts'
import {compareStrings, naturalCompare} from '../format/go-values.ts'
import {readCheckedJson, warnLeftOut, withFileLock, writeJsonAtomic} from '../files.ts'
import {sortedByKey} from '../labels.ts'
import {nullable, objectOf, oneOf, recordOf} from '../json-shape.ts'
import {fdPath} from '../container/cp-root.ts'
import {copyDirectoryContents, directorySize, isMountPoint, mountFilesystem, openVolumeSubpath, removeTree, unmountFilesystem} from './host.ts'
import {matchesLabelFilters} from './filters.ts'
import type {VolumePruneFilters} from './filters.ts'
import {
  ANONYMOUS_LABEL,
  checkLocalOptions,
  checkVolumeDriver,
  createdAtText,
  isVolumeName,
  LOCAL_DRIVER,
  validateVolumeName,
  volumeFilesystem,
} from './model.ts'
import {VOLUME_TYPE} from './model.ts'
import type {Volume, VolumeCreateRequest, VolumeRecord, VolumeScope} from './model.ts'

/** Which containers use a volume (their IDs); in-use.ts reads them from the container store. */
export type VolumeUsers = (name: string) => Promise<string[]>

const DATA_DIR = '_data'
const RECORD_FILE = 'volume.json'
/** Where a copy-up is made before it is moved into `_data`; one left by a nerd killed meanwhile goes at the next. */
const COPY_UP_DIR = 'copy-up'

/** Where a namespace's volumes live: one directory per volume, named as the volume. */
export function volumesDir(dataRoot: string, namespace: string): string {
  return join(dataRoot, 'volumes', namespace)
}

function volumeDir(scope: VolumeScope, name: string): string {
  return join(volumesDir(scope.dataRoot, scope.namespace), name)
}

/** Where the locks of a namespace's volumes are taken. */
export function volumeLocksDir(dataRoot: string, namespace: string): string {
  // Names never start with a dot, nor do containerd namespaces: `.locks` is no volume's or namespace's.
  return join(dataRoot, 'volumes', '.locks', namespace)
}

function withVolumeLock<T>(scope: VolumeScope, name: string, fn: () => Promise<T>): Promise<T> {
  return withFileLock(join(volumeLocksDir(scope.dataRoot, scope.namespace), name), fn)
}

/** The Mountpoint of the volume `name`, made or to be made. */
export function volumeMountpoint(scope: VolumeScope, name: string): string {
  return join(volumeDir(scope, name), DATA_DIR)
}

function toVolume(scope: VolumeScope, record: VolumeRecord): Volume {
  return withGoType({
    CreatedAt: record.CreatedAt,
    Driver: record.Driver,
    Labels: record.Labels,
    Mountpoint: volumeMountpoint(scope, record.Name),
    Name: record.Name,
    Options: record.Options,
    Scope: record.Scope,
  }, VOLUME_TYPE)
}

const RECORD_SHAPE = objectOf({
  Name: 'string',
  Driver: oneOf(LOCAL_DRIVER),
  CreatedAt: 'string',
  Labels: nullable(recordOf('string')),
  Options: nullable(recordOf('string')),
  Scope: 'string',
})

/** The volume of that name, undefined when there is none; InvalidFileError naming its volume.json when that cannot be used. */
export async function getVolume(scope: VolumeScope, name: string): Promise<Volume | undefined> {
  if (!isVolumeName(name)) return undefined
  const path = join(volumeDir(scope, name), RECORD_FILE)
  const record = await readCheckedJson<VolumeRecord>(path, 'volume record', RECORD_SHAPE)
  if (record && record.Name !== name) throw new InvalidFileError('volume record', path, `Name is ${JSON.stringify(record.Name)}, not the volume's ${JSON.stringify(name)}`)
  return record && toVolume(scope, record)
}

/**
 * getVolume under the volume's lock, for a create that has claimed the volume (volume/in-use.ts): a
 * removal that found it unused before the claim has finished by then, and a later one sees the claim,
 * so what is found stays.
 */
export async function getClaimedVolume(scope: VolumeScope, name: string): Promise<Volume | undefined> {
  if (!isVolumeName(name)) return undefined
  return withVolumeLock(scope, name, () => getVolume(scope, name))
}

/** The name of a new anonymous volume: 64 hex digits, as docker's. */
export function anonymousVolumeName(): string {
  return randomBytes(32).toString('hex')
}

function noSuchVolume(name: string): NerdError {
  return new NerdError(`get ${name}: no such volume`)
}

/** getVolume of one that must exist (`volume inspect`): docker's daemon's error when it does not. */
export async function requireVolume(scope: VolumeScope, name: string): Promise<Volume> {
  const volume = await getVolume(scope, name)
  if (!volume) throw noSuchVolume(name)
  return volume
}

/**
 * `volume create`, and the volumes `run` makes: a new volume, or the existing one of that name as it
 * is (docker's create is idempotent). Without a name the volume gets a 64-hex one and is anonymous.
 */
export async function createVolume(scope: VolumeScope, request: VolumeCreateRequest = {}): Promise<Volume> {
  return (await createVolumeIfMissing(scope, request)).volume
}

/** createVolume, telling whether the volume is new: docker reports a create event for a new one only. */
export async function createVolumeIfMissing(scope: VolumeScope, request: VolumeCreateRequest = {}): Promise<{volume: Volume; created: boolean}> {
  const named = request.name !== undefined && request.name !== ''
  const name = named ? request.name! : anonymousVolumeName()
  if (named) validateVolumeName(name)
  checkVolumeDriver(name, request.driver)
  const options = request.options && sortedByKey(request.options)
  checkLocalOptions(name, options ?? {})
  const labels = named ? request.labels && sortedByKey(request.labels) : sortedByKey({...request.labels, [ANONYMOUS_LABEL]: ''})
  await sweepLeftovers(scope)
  return withVolumeLock(scope, name, async () => {
    const existing = await getVolume(scope, name)
    if (existing) return {volume: existing, created: false}
    const dir = volumeDir(scope, name)
    // What is left of a volume without its record is no volume: the new one starts empty.
    await deleteRecordless(scope, name)
    const data = join(dir, DATA_DIR)
    const record: VolumeRecord = {Name: name, Driver: LOCAL_DRIVER, CreatedAt: createdAtText(new Date()), Labels: labels ?? null, Options: options ?? null, Scope: 'local'}
    try {
      await mkdir(data, {recursive: true})
      await chmod(data, 0o755)
      await writeJsonAtomic(join(dir, RECORD_FILE), record)
    } catch (error) {
      await rm(dir, {recursive: true, force: true}).catch(() => undefined)
      throw error
    }
    return {volume: toVolume(scope, record), created: true}
  })
}

/**
 * Every volume of the namespace, by name in docker's natural order. One whose record cannot be used
 * is left out with a warning naming the file: the others are still listed (and pruned).
 */
export async function listVolumes(scope: VolumeScope): Promise<Volume[]> {
  let names: string[]
  try {
    names = await readdir(volumesDir(scope.dataRoot, scope.namespace))
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw error
  }
  const volumes = await Promise.all(
    names.sort(naturalCompare).map((name) =>
      getVolume(scope, name).catch((error: unknown) => {
        if (!(error instanceof InvalidFileError)) throw error
        warnLeftOut(`volume ${name} (nerd volume rm removes it)`, error)
        return undefined
      }),
    ),
  )
  return volumes.filter((volume) => volume !== undefined)
}

/**
 * Mounts the volume's filesystem on its `_data` unless it is already (answering whether it mounted
 * it), as docker's local driver mounts a volume with driver options. The caller holds the volume's lock.
 */
async function mountLocked(volume: Volume): Promise<boolean> {
  const filesystem = volumeFilesystem(volume.Options)
  if (!filesystem || (await isMountPoint(volume.Mountpoint))) return false
  try {
    await mountFilesystem(filesystem.type, filesystem.device, filesystem.options, volume.Mountpoint)
  } catch (error) {
    // docker hides a CIFS password that the mount error repeats.
    const reason = (error as Error).message.replace(/password=[^,\s]*/g, 'password=********')
    throw new NerdError(`error while mounting volume '${volume.Mountpoint}': failed to mount local volume: ${reason}`, {cause: error})
  }
  return true
}

async function releaseLocked(volume: Volume): Promise<void> {
  if (volumeFilesystem(volume.Options)) await unmountIfMounted(volume.Mountpoint)
}

/** Unmounts what is mounted on a volume's `_data`, if anything. */
async function unmountIfMounted(mountpoint: string): Promise<void> {
  try {
    if (await isMountPoint(mountpoint)) await unmountFilesystem(mountpoint)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return
    throw new NerdError(`error while unmounting volume '${mountpoint}': ${(error as Error).message}`, {cause: error})
  }
}

/**
 * Runs `use` (creating a task that binds these volumes in, or mounting a stopped container's root)
 * with the filesystems of those that have one mounted on their `_data`, holding their locks
 * throughout: no releaseVolume unmounts one before `use` has bound it. The locks are taken in name
 * order, so that two callers sharing volumes never wait on each other in a circle.
 */
export async function withVolumesMounted<T>(scope: VolumeScope, volumes: readonly Volume[], use: () => Promise<T>): Promise<T> {
  const byName = new Map(volumes.filter((volume) => volumeFilesystem(volume.Options)).map((volume) => [volume.Name, volume]))
  const mounted = [...byName.values()].sort((a, b) => compareStrings(a.Name, b.Name))
  const next = (index: number): Promise<T> =>
    index === mounted.length
      ? use()
      : withVolumeLock(scope, mounted[index]!.Name, async () => {
          await mountLocked(mounted[index]!)
          return next(index + 1)
        })
  return next(0)
}

/**
 * docker's local driver unmounting a volume whose mount count fell to 0: the filesystem mounted on
 * `_data` is unmounted unless `inUse`, asked under the volume's lock, says a container still runs
 * with it (a tmpfs volume's content goes with it). A volume without a filesystem of its own is left.
 */
export async function releaseVolume(scope: VolumeScope, volume: Volume, inUse: () => Promise<boolean>): Promise<void> {
  if (!volumeFilesystem(volume.Options)) return
  await withVolumeLock(scope, volume.Name, async () => {
    if (!(await inUse())) await releaseLocked(volume)
  })
}

/**
 * docker's copy-up: when the volume is empty, `sourceDir` (the container's content at the mount target,
 * `shownAs` in messages; missing or no directory when the image has none there) is copied into it
 * with modes, owners, times and links, and `sourceDir`'s own mode and owner go onto the volume's
 * root. With a `subpath`, all this goes into that directory of the
 * volume instead, as docker's copy-up into a `volume-subpath` mount (none when it is missing or no
 * directory). Nothing happens when there is nothing to copy or the volume has content. Answers whether it copied. A filesystem the volume has is mounted for the copy only, as
 * docker's create mounts it (so what goes into a tmpfs no container has mounted goes with it, as in docker).
 */
export async function copyUpIfEmpty(
  scope: VolumeScope,
  volume: Volume,
  sourceDir: string,
  {shownAs = sourceDir, subpath}: {shownAs?: string | undefined; subpath?: string | undefined} = {},
): Promise<boolean> {
  const source = await stat(sourceDir).catch(() => undefined)
  if (!source?.isDirectory()) return false
  return withVolumeLock(scope, volume.Name, async () => {
    let mountedHere: boolean
    try {
      mountedHere = await mountLocked(volume)
    } catch (error) {
      throw new NerdError(`failed to populate volume: ${(error as Error).message}`, {cause: error})
    }
    let subpathFd: number | undefined
    try {
      if (subpath !== undefined) {
        try {
          subpathFd = openVolumeSubpath(volume.Mountpoint, subpath)
        } catch {
          return false // the start says why
        }
        if (!fstatSync(subpathFd).isDirectory()) return false
      }
      const target = subpathFd === undefined ? volume.Mountpoint : fdPath(subpathFd)
      if ((await readdir(target)).length > 0) return false
      try {
        // A filesystem of the volume's own has no place no container sees: it is copied into as it is.
        await copyDirectoryContents(sourceDir, target, volumeFilesystem(volume.Options) ? undefined : join(volumeDir(scope, volume.Name), COPY_UP_DIR))
      } catch (error) {
        // Left half filled, the volume would count as filled: the next container would get no copy-up.
        for (const name of await readdir(target).catch(() => [])) await removeTree(join(target, name)).catch(() => undefined)
        throw new NerdError(`failed to copy ${shownAs} into volume ${volume.Name}: ${(error as Error).message}`, {cause: error})
      }
      return true
    } finally {
      if (subpathFd !== undefined) closeSync(subpathFd)
      if (mountedHere) await releaseLocked(volume)
    }
  })
}

/** Bytes the volume's content takes, counted as docker does (volume inspect --size, prune). */
export function volumeSize(volume: Volume): Promise<number> {
  return directorySize(volume.Mountpoint)
}

/** Unmounts the volume's filesystem and deletes the volume; the caller holds the lock and knows no container uses it. */
async function deleteLocked(scope: VolumeScope, volume: Volume): Promise<void> {
  await releaseLocked(volume)
  await deleteDirectory(scope, volume.Name)
}

/**
 * Where a removal puts a volume's directory before deleting it: a name no volume has (names never
 * start with a dot), and random rather than the volume's, which may be as long as a name can be.
 */
const TRASH_PREFIX = '.trash-'

async function deleteDirectory(scope: VolumeScope, name: string): Promise<void> {
  // Renamed away in one step first: a removal cut short (SIGKILL) leaves no volume of the name,
  // and nothing a create of that name would take up; sweepLeftovers deletes the rest.
  const trash = join(volumesDir(scope.dataRoot, scope.namespace), `${TRASH_PREFIX}${randomBytes(8).toString('hex')}`)
  try {
    await rename(volumeDir(scope, name), trash)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return
    throw error
  }
  await removeTree(trash)
}

/** Deletes the directory of `name` if it is no volume (no record: an older nerd's removal cut short, a create killed); the caller holds the lock. */
async function deleteRecordless(scope: VolumeScope, name: string): Promise<void> {
  const dir = volumeDir(scope, name)
  if (!existsSync(dir) || existsSync(join(dir, RECORD_FILE))) return
  await unmountIfMounted(join(dir, DATA_DIR))
  await deleteDirectory(scope, name)
}

/**
 * Deletes what removals cut short left in the namespace's volumes directory (create, rm and prune
 * call it): the trash of a removal, and directories that are no volume. Best effort: what cannot
 * go now is tried again next time.
 */
async function sweepLeftovers(scope: VolumeScope): Promise<void> {
  const dir = volumesDir(scope.dataRoot, scope.namespace)
  const entries = await readdir(dir).catch(() => [])
  for (const entry of entries) {
    if (entry.startsWith(TRASH_PREFIX)) await removeTree(join(dir, entry)).catch(() => undefined)
    else if (isVolumeName(entry) && !existsSync(join(dir, entry, RECORD_FILE))) {
      await withVolumeLock(scope, entry, () => deleteRecordless(scope, entry)).catch(() => undefined)
    }
  }
}

/**
 * deleteLocked of a volume whose record cannot be used, so whose options are unknown: whatever is
 * mounted on its `_data` is unmounted first.
 */
async function deleteUnreadableLocked(scope: VolumeScope, name: string): Promise<void> {
  await unmountIfMounted(join(volumeDir(scope, name), DATA_DIR))
  await deleteDirectory(scope, name)
}

export interface RemoveVolumeOptions {
  /** `rm -f`: a volume that does not exist is no error. */
  force?: boolean
  inUseBy: VolumeUsers
}

/**
 * `volume rm`: refused while a container uses the volume (docker's `volume is in use - [IDs]`).
 * Whether there was one to remove (forced, a missing volume is no error). A volume whose record
 * cannot be used is removed all the same: nothing else would.
 */
export async function removeVolume(scope: VolumeScope, name: string, options: RemoveVolumeOptions): Promise<boolean> {
  const missing = () => {
    if (!options.force) throw noSuchVolume(name)
    return false
  }
  if (!isVolumeName(name)) return missing()
  await sweepLeftovers(scope)
  return withVolumeLock(scope, name, async () => {
    const volume = await getVolume(scope, name).catch((error: unknown) => {
      if (error instanceof InvalidFileError) return error
      throw error
    })
    if (!volume) return missing()
    const users = await options.inUseBy(name)
    if (users.length > 0) throw new NerdError(`remove ${name}: volume is in use - [${users.join(', ')}]`)
    if (volume instanceof InvalidFileError) await deleteUnreadableLocked(scope, name)
    else await deleteLocked(scope, volume)
    return true
  })
}

/**
 * Whether the volume's content is on this disk: true unless it has driver options (tmpfs, binds,
 * remote filesystems). Like docker, prune and `system df` take only these.
 */
export function isOnLocalDisk(volume: Volume): boolean {
  return Object.keys(volume.Options ?? {}).length === 0
}

export interface PruneReport {
  /** Names of the removed volumes. */
  removed: string[]
  /** Bytes their content took. */
  reclaimed: number
}

/**
 * `volume prune`: the volumes no container uses among those the filters keep (only anonymous ones
 * unless `all`), of those on this disk (isOnLocalDisk).
 */
export async function pruneVolumes(scope: VolumeScope, filters: VolumePruneFilters, inUseBy: VolumeUsers): Promise<PruneReport> {
  const report: PruneReport = {removed: [], reclaimed: 0}
  await sweepLeftovers(scope)
  for (const candidate of await listVolumes(scope)) {
    if (!isOnLocalDisk(candidate) || !matchesLabelFilters(candidate, filters)) continue
    try {
      await withVolumeLock(scope, candidate.Name, async () => {
        const volume = await getVolume(scope, candidate.Name)
        if (!volume || (await inUseBy(volume.Name)).length > 0) return
        const size = await volumeSize(volume)
        await deleteLocked(scope, volume)
        report.removed.push(volume.Name)
        report.reclaimed += size
      })
    } catch (error) {
      // As docker's daemon, one volume does not stop the prune: it is said and passed over.
      process.stderr.write(`WARNING: failed to prune volume ${candidate.Name}: ${(error as Error).message}\n`)
    }
  }
  return report
}
