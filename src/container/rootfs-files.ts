import type {Stats} from 'node:fs'
import {lstat, readFile} from 'node:fs/promises'
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

/**
 * Files of a container's root filesystem, read from the snapshot's layers top-down, without
 * mounting anything.
 */
export async function readRootfsFiles(mounts: Mount[], files: string[]): Promise<Record<string, string | undefined>> {
  const layers = rootfsLayers(mounts)
  const found: Record<string, string | undefined> = {}
  for (const file of files) {
    for (const layer of layers) {
      try {
        found[file] = await readFile(join(layer, file), 'utf8')
        break
      } catch {
        // a layer without the file (or a whiteout): look further down
      }
    }
  }
  return found
}


/**
 * What `path` is in the filesystem the layers (top first) make, undefined when it is not there: the
 * topmost layer that has it or a whiteout of it (overlayfs's 0:0 character device, or an OCI `.wh.`
 * file) decides.
 */
export async function statInLayers(layers: string[], path: string): Promise<Stats | undefined> {
  for (const layer of layers) {
    const entry = await lstat(join(layer, path)).catch(() => undefined)
    if (entry) return entry.isCharacterDevice() && entry.rdev === 0 ? undefined : entry
    if (await lstat(join(layer, dirname(path), `.wh.${basename(path)}`)).catch(() => undefined)) return undefined
  }
  return undefined
}

/** Whether `path` exists in the filesystem the layers (top first) make. */
export async function existsInLayers(layers: string[], path: string): Promise<boolean> {
  return (await statInLayers(layers, path)) !== undefined
}
