/**
 * cp's tar streams, as docker's: an archive keeps owners, modes, times and symbolic links as they
 * are (`-a` only matters when extracting), and extraction writes link targets verbatim, absolute
 * ones included, yet never writes outside its directory: no entry may climb out with `..`, nor lie
 * under a symbolic link, whether the link was there before or came earlier in the same archive.
 */
import {lstatSync} from 'node:fs'
import {lutimes} from 'node:fs/promises'
import {basename, dirname, join} from 'node:path'
import {pipeline} from 'node:stream/promises'
import type {Pack, ReadEntry} from 'tar'
import {NerdError} from '../errors.ts'

/** A tar stream of `source` whose top entry is named `name` (`.`: a directory's contents under their own names). */
export async function packAs(source: string, isDirectory: boolean, name: string): Promise<Pack> {
  const tar = await import('tar')
  if (isDirectory) return tar.c({cwd: source, prefix: name}, ['.'])
  return tar.c(
    {
      cwd: dirname(source),
      onWriteEntry: (entry) => {
        entry.path = name
      },
    },
    [basename(source)],
  )
}

/**
 * Admits archive entries one by one as they are read, for extraction into `directory`: names them
 * relative to it without `.` or `..` (a leading `/` counts from the directory, as docker's untar
 * has it) and refuses any entry, or hard link target, that would leave it. `undefined` for the
 * directory itself, which stays as it is.
 */
function extractionGuard(directory: string): (entry: Pick<ReadEntry, 'path' | 'type' | 'linkpath'>) => string | undefined {
  // What each path is once the entries admitted so far are written: a directory or not.
  const directories = new Map<string, boolean>()
  const inside = (path: string): string => {
    const parts = path.split('/').filter((part) => part !== '' && part !== '.')
    if (parts.includes('..')) throw new NerdError(`"${path}" is outside of "${directory}"`)
    return parts.join('/') || '.'
  }
  const refuseLinksAbove = (path: string): void => {
    const parts = path.split('/')
    for (let depth = 1; depth < parts.length; depth++) {
      const above = parts.slice(0, depth).join('/')
      let isDirectory = directories.get(above)
      if (isDirectory === undefined) {
        // Not in the archive: what is there already (a missing one is made a directory).
        isDirectory = !lstatSync(join(directory, above), {throwIfNoEntry: false})?.isSymbolicLink()
        directories.set(above, isDirectory)
      }
      if (!isDirectory) throw new NerdError(`cannot extract "${path}" through the symbolic link "${above}"`)
    }
  }
  return (entry) => {
    const path = inside(entry.path)
    if (path === '.') return undefined
    refuseLinksAbove(path)
    if (entry.type === 'Link') {
      entry.linkpath = inside(entry.linkpath ?? '')
      refuseLinksAbove(entry.linkpath)
    }
    directories.set(path, entry.type === 'Directory')
    return path
  }
}

/**
 * Extracts `archive` into `directory` (`keepOwners`: with the owners it records, else the user nerd
 * runs as). The `tar` package's own guard would make absolute link targets relative, so it is off
 * and extractionGuard stands in; a refused entry or one that cannot be written fails the copy.
 */
export async function extractInto(archive: NodeJS.ReadableStream | Pack, directory: string, keepOwners: boolean): Promise<void> {
  const tar = await import('tar')
  const admit = extractionGuard(directory)
  const directoryTimes: {path: string; atime?: Date; mtime: Date}[] = []
  const unpack = new tar.Unpack({
    cwd: directory,
    preserveOwner: keepOwners,
    preservePaths: true,
    // A file replaced is made anew, with the archive's mode, as docker's untar does.
    unlink: true,
    filter: (_path, entry) => {
      const read = entry as ReadEntry
      try {
        const path = admit(read)
        if (path === undefined) return false
        read.path = path
        if (read.type === 'Directory' && read.mtime) directoryTimes.push({path, atime: read.atime, mtime: read.mtime})
        return true
      } catch (error) {
        unpack.abort(error as Error)
        return false
      }
    },
    onwarn: (code, message) => {
      if (code === 'TAR_ENTRY_ERROR') unpack.abort(new NerdError(message))
    },
  })
  await pipeline(archive, unpack)
  // Writing a directory's entries changed its time after tar set it; as docker's untar, set them last.
  for (const {path, atime, mtime} of directoryTimes) await lutimes(join(directory, path), atime ?? mtime, mtime)
}
