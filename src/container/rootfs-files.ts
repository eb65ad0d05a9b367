import {constants, type Stats} from 'node:fs'
import {lstat, open, readlink} from 'node:fs/promises'
import {basename, dirname, join} from 'node:path'
import type {Mount} from '../containerd/index.ts'

/** The directories of a snapshot's layers, top first (overlay upper and lower dirs, or a bind source). */
export function rootfsLayers(mounts: Mount[]): string[] {
  const layers: string[] = []
  for (const mount of mounts) {
    if (mount.type === 'bind') layers.push(mount.source)
    else if (mount.type === 'overlay') {
      for (const option of mount.options) {
        if (option.startsWith('upperdir=')) layers.unshift(option.slice('upperdir='.length))
        if (option.startsWith('lowerdir=')) layers.push(...option.slice('lowerdir='.length).split(':'))
      }
    }
  }
  return layers
}

/** The files a container's user is resolved from (`-u`, the image's USER, exec -u). */
export const USER_FILES = ['/etc/passwd', '/etc/group']

/**
 * Files of a container's root filesystem, read from the snapshot's layers without mounting anything.
 * A file that is not a regular file in that filesystem (missing, a directory, a device) reads as
 * undefined.
 */
export async function readRootfsFiles(mounts: Mount[], files: string[]): Promise<Record<string, string | undefined>> {
  const layers = rootfsLayers(mounts)
  const found: Record<string, string | undefined> = {}
  for (const file of files) {
    const entry = await lookupInLayers(layers, file, {followLast: true})
    if (entry?.stats.isFile()) found[file] = await readRegularFile(entry.path)
  }
  return found
}

/**
 * The text of the regular file at `path`, undefined when it is something else by the time it is
 * opened: a running container can replace its files, and a symbolic link put there since the
 * lookup must not be followed out of the layers.
 */
async function readRegularFile(path: string): Promise<string | undefined> {
  const file = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK).catch(() => undefined)
  if (!file) return undefined
  try {
    return (await file.stat()).isFile() ? await file.readFile('utf8') : undefined
  } finally {
    await file.close()
  }
}

/** What stands at a path of the filesystem the layers make: its path on the host and its lstat. */
export interface LayerEntry {
  path: string
  stats: Stats
}

/** Linux's limit on the symbolic links one lookup follows (ELOOP past it). */
const MAX_SYMLINKS = 40

/**
 * Finds `path` in the filesystem the layers (top first) make, as overlayfs shows it: the topmost
 * layer with an entry there decides, a directory merging those of the layers below down to the
 * first with a whiteout (overlayfs's 0:0 character device, or an OCI `.wh.` file) or a
 * non-directory there. Symbolic links on the way, and the last one with `followLast`, are followed
 * inside that filesystem as the container sees them (an absolute target starts at its root, `..`
 * stops there), so a link in an image never leads to a file of the host. Opaque directories (marked
 * by an extended attribute Node cannot read) still show what the layers below them hold (an image's
 * init layer holds what the kernel shows of USER_FILES, which a user is resolved from: init-layer.ts).
 * `trail`, when given, gets each path looked up on the way, in the filesystem the layers make: the
 * directories, the links and their targets', the last one looked up (not there, when the lookup
 * ends for it).
 */
export async function lookupInLayers(layers: string[], path: string, options: {followLast: boolean; trail?: string[]}): Promise<LayerEntry | undefined> {
  const pending = path.split('/').filter((part) => part !== '' && part !== '.')
  const walked: string[] = []
  // The layers whose directory merges into each directory walked so far, the root's first.
  const merged: string[][] = [layers]
  let symlinks = 0
  while (pending.length > 0) {
    const part = pending.shift()!
    if (part === '..') {
      if (walked.length > 0) {
        walked.pop()
        merged.pop()
      }
      continue
    }
    const relative = join('/', ...walked, part)
    options.trail?.push(relative)
    const entry = await entryInLayers(merged.at(-1)!, relative)
    if (!entry) return undefined
    if (entry.stats.isSymbolicLink() && (pending.length > 0 || options.followLast)) {
      if (++symlinks > MAX_SYMLINKS) return undefined
      const target = await readlink(entry.path)
      if (target.startsWith('/')) {
        walked.length = 0
        merged.length = 1
      }
      pending.unshift(...target.split('/').filter((step) => step !== '' && step !== '.'))
      continue
    }
    if (pending.length === 0) return {path: entry.path, stats: entry.stats}
    if (!entry.stats.isDirectory()) return undefined
    walked.push(part)
    merged.push(entry.layers)
  }
  // The path named a directory (the root, or one reached by `..` or a link): its topmost layer's.
  const [top] = merged.at(-1)!
  if (top === undefined) return undefined
  const directory = join(top, ...walked)
  const stats = await lstat(directory).catch(() => undefined)
  return stats && {path: directory, stats}
}

/**
 * The entry at `relative` of the directory the layers merge (top first), with the layers whose
 * directories merge there when it is a directory.
 */
async function entryInLayers(layers: string[], relative: string): Promise<(LayerEntry & {layers: string[]}) | undefined> {
  let top: LayerEntry | undefined
  const directories: string[] = []
  for (const layer of layers) {
    const path = join(layer, relative)
    const stats = await lstat(path).catch(() => undefined)
    if (stats === undefined) {
      if (await lstat(join(layer, dirname(relative), `.wh.${basename(relative)}`)).catch(() => undefined)) break
      continue
    }
    if (stats.isCharacterDevice() && stats.rdev === 0) break
    if (!stats.isDirectory()) {
      top ??= {path, stats}
      break
    }
    top ??= {path, stats}
    directories.push(layer)
  }
  return top && {...top, layers: directories}
}

/**
 * What `path` is in the filesystem the layers (top first) make, not following a symbolic link at its
 * end; undefined when it is not there.
 */
export async function statInLayers(layers: string[], path: string): Promise<Stats | undefined> {
  return (await lookupInLayers(layers, path, {followLast: false}))?.stats
}

/** Whether `path` exists in the filesystem the layers (top first) make. */
export async function existsInLayers(layers: string[], path: string): Promise<boolean> {
  return (await statInLayers(layers, path)) !== undefined
}
