/**
 * Removing images the way docker's rmi and image prune do: by name (untags that name) or by ID
 * (every name of that image, which takes `force` when there are several), refusing images that
 * containers were created from unless forced.
 */
import type {ContainerdClient} from '../containerd/index.ts'
import {NerdError} from '../errors.ts'
import {truncateId} from '../format/index.ts'
import {NONE, findImages, summarizeImages} from './list.ts'
import type {ImageSummary} from './list.ts'
import {normalizedName, parseReference} from './reference.ts'
import {deleteImage} from './store.ts'

/** The ID of a container created from the image record `name`, if any. */
async function containerUsing(client: ContainerdClient, name: string): Promise<string | undefined> {
  const [container] = await client.containers.list([`image==${name}`])
  return container?.id
}

function isReference(text: string): boolean {
  try {
    parseReference(text)
    return true
  } catch {
    return false
  }
}

/**
 * Removes the image `text` names; returns docker's report lines (`Untagged: busybox:latest`,
 * `Deleted: sha256:…` once no name is left for the image's root).
 */
export async function removeImage(client: ContainerdClient, text: string, options: {force: boolean}): Promise<string[]> {
  const summaries = await summarizeImages(client)
  const found = findImages(summaries, text)
  if (found.length === 0) throw new NerdError(`No such image: ${text}`)
  const byName = isReference(text) && found.some((summary) => summary.record.name === normalizedName(parseReference(text)))
  if (!byName && found.length > 1 && !options.force) {
    throw new NerdError(`conflict: unable to delete ${truncateId(found[0].id)} (must be forced) - image is referenced in multiple repositories`)
  }
  if (!options.force) {
    for (const summary of found) {
      const container = await containerUsing(client, summary.record.name)
      if (container === undefined) continue
      if (byName) {
        throw new NerdError(`conflict: unable to remove repository reference "${text}" (must force) - container ${truncateId(container)} is using its referenced image ${truncateId(summary.id)}`)
      }
      throw new NerdError(`conflict: unable to delete ${truncateId(summary.id)} (must be forced) - image is being used by stopped container ${truncateId(container)}`)
    }
  }
  return deleteRecords(client, found, summaries)
}

/** Deletes the records; with `sync` the last deletion waits for the garbage collection it triggers. */
async function deleteRecords(client: ContainerdClient, doomed: readonly ImageSummary[], summaries: readonly ImageSummary[], sync = false): Promise<string[]> {
  const lines: string[] = []
  const names = new Set(doomed.map((summary) => summary.record.name))
  for (const [index, summary] of doomed.entries()) {
    await deleteImage(client, summary.record.name, {sync: sync && index === doomed.length - 1})
    if (summary.repository !== NONE) lines.push(`Untagged: ${summary.repository}${summary.tag === NONE ? '' : `:${summary.tag}`}`)
  }
  const deletedIds = new Set<string>()
  for (const summary of doomed) {
    const kept = summaries.some((other) => !names.has(other.record.name) && other.id === summary.id)
    if (!kept && !deletedIds.has(summary.id)) {
      deletedIds.add(summary.id)
      lines.push(`Deleted: ${summary.id}`)
    }
  }
  return lines
}

/** Content bytes of the namespace, for `Total reclaimed space`. */
async function contentBytes(client: ContainerdClient): Promise<number> {
  let total = 0
  for await (const info of client.content.list()) total += Number(info.size)
  return total
}

export interface PruneResult {
  lines: string[]
  reclaimedBytes: number
}

/**
 * docker's image prune: dangling images (no name), or with `all` every image no container was
 * created from. Reclaimed space is what the content store shrank by once the collector ran.
 */
export async function pruneImages(client: ContainerdClient, options: {all: boolean}): Promise<PruneResult> {
  const summaries = await summarizeImages(client)
  const before = await contentBytes(client)
  const doomed: ImageSummary[] = []
  for (const summary of summaries) {
    if (!options.all && summary.repository !== NONE) continue
    if ((await containerUsing(client, summary.record.name)) !== undefined) continue
    doomed.push(summary)
  }
  const lines = (await deleteRecords(client, doomed, summaries, true)).map((line) => line.replace(/^Untagged/, 'untagged').replace(/^Deleted/, 'deleted'))
  return {lines, reclaimedBytes: Math.max(0, before - (await contentBytes(client)))}
}
