/**
 * docker's export: the container's filesystem as one tar stream, without its volumes and binds (their
 * mount points stay, empty). containerd's Diff service writes it, as the difference between nothing
 * and the container's snapshot: its archive keeps what Node cannot read, the files' capabilities
 * (`security.capability`, as docker's export keeps them), and it reads a running container's
 * snapshot mounted read-only beside it, as it does for commit.
 */
import {randomBytes} from 'node:crypto'
import {Readable} from 'node:stream'
import {pipeline} from 'node:stream/promises'
import {MEDIA_TYPE_OCI_LAYER} from '../image/registry/media-types.ts'
import {publishContainerEvent, refuseDead} from './lifecycle.ts'
import type {ContainerScope, LoadedContainer} from './lifecycle.ts'

/** Writes the tar stream to `output` (`end`: and ends it; not nerd's stdout; `signal`: stops it). */
export async function exportContainer(scope: ContainerScope, container: LoadedContainer, output: NodeJS.WritableStream, options: {end: boolean; signal?: AbortSignal}): Promise<void> {
  refuseDead(container, 'export')
  const {record} = container
  const {signal} = options
  const mounts = await scope.client.snapshots.mounts(record.Snapshotter, record.Id)
  // The archive is a blob as large as the filesystem: its lease is deleted with a garbage
  // collection at once, so that the space is free again when the export ends.
  await scope.client.withLease(
    async (leased) => {
      const ref = `nerd-export-${record.Id.slice(0, 12)}-${randomBytes(4).toString('hex')}`
      const archive = await leased.diff.diff({left: [], right: mounts, mediaType: MEDIA_TYPE_OCI_LAYER, ref, labels: {}}, {signal})
      await pipeline(Readable.from(leased.content.read(archive.digest, {signal})), output, {end: options.end, signal})
    },
    {sync: true},
  )
  await publishContainerEvent(scope, container, 'export')
}
