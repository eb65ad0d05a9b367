/**
 * docker's MountPoint.Setup for binds: the missing source of a `-v` bind is made, a directory, at
 * each start and for a stopped container's cp (docker's openContainerFS sets its mounts up the same
 * way), not once at create: a host directory cleaned away between runs is there again.
 */
import {mkdir} from 'node:fs/promises'
import {fileFailure} from '../files.ts'
import {NerdError} from '../errors.ts'
import type {ContainerRecord} from './model.ts'

export async function makeBindSources(record: Pick<ContainerRecord, 'Mounts'>): Promise<void> {
  for (const point of record.Mounts) {
    if (!point.CreateSource) continue
    await mkdir(point.Source, {recursive: true, mode: 0o755}).catch((error: NodeJS.ErrnoException) => {
      // A file there, or on the way, is left for the runtime to refuse, as docker's daemon leaves it.
      if (error.code === 'EEXIST' || error.code === 'ENOTDIR') return
      throw new NerdError(`error while creating mount source path '${point.Source}': ${fileFailure('mkdir', error.path ?? point.Source, error).message}`, {cause: error})
    })
  }
}
