import {readFile} from 'node:fs/promises'
import {join} from 'node:path'
import type {Mount} from '../containerd/index.ts'

/**
 * Files of a container's root filesystem, read from the snapshot's layers top-down (overlay lowerdirs, or the bind
 * source of a one-layer image), without mounting anything.
 */
export async function readRootfsFiles(mounts: Mount[], files: string[]): Promise<Record<string, string | undefined>> {
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

