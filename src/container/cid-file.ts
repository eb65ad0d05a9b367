/**
 * docker's --cidfile, made as its CLI makes it (newCIDFile): before the container is, so that a path
 * that is taken or cannot be written fails with nothing created (no container, no name held), and
 * removed again when no container came of it.
 */
import {open, rm} from 'node:fs/promises'
import type {FileHandle} from 'node:fs/promises'
import {NerdError} from '../errors.ts'
import {openFailure} from '../files.ts'

export interface CidFile {
  /** Writes the container's ID and closes the file. */
  write(id: string): Promise<void>
  /** Closes and removes the file: no container was made. */
  discard(): Promise<void>
}

export async function createCidFile(path: string): Promise<CidFile> {
  let file: FileHandle
  try {
    // Exclusive: a file made between a check and the creation is found too.
    file = await open(path, 'wx')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new NerdError(`container ID file found, make sure the other container isn't running or delete ${path}`, {cause: error})
    }
    throw new NerdError(`failed to create the container ID file: ${openFailure(path, error)}`, {cause: error})
  }
  return {
    write: async (id) => {
      try {
        await file.writeFile(id)
      } finally {
        await file.close()
      }
    },
    discard: async () => {
      await file.close().catch(() => undefined)
      await rm(path, {force: true})
    },
  }
}
