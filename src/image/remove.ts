/**
 * Removing images the way docker's rmi and image prune do (moby's image_delete.go): a name untags
 * that name and the image goes with its last one; an ID removes every name of the image, which
 * takes force when they are not all of one repository. Containers use an image by its ID: one that
 * runs is a conflict force cannot override, a stopped one a conflict force does; untagging the last
 * name of an image a container uses leaves it nameless, not deleted, and so does removing unforced
 * the only name of an image others were committed from (reported deleted all the same). An image
 * that goes takes the nameless images it was committed from with it, unless told not to prune.
 */
import type {ContainerdClient} from '../containerd/index.ts'
import {isNotFound} from '../containerd/index.ts'
import {NerdError} from '../errors.ts'
import {truncateId} from '../format/index.ts'
import {compareStrings} from '../format/go-values.ts'
import {imageAncestors, imageChildren, imageParents, lookupImages, noSuchImage, NoSuchImageError, summarizeImages, untilComparedTime} from './list.ts'
import type {ImageSummary} from './list.ts'
import {configPlatform, formatPlatform, platformNotProvided, strictPlatform} from './platform.ts'
import type {Platform} from './platform.ts'
import {familiarName, normalizedName, parseReference, repository} from './reference.ts'
import type {Reference} from './reference.ts'
import {danglingImageName, deleteImage, isDanglingImageName, NoPlatformManifestError, putImage, resolveImageConfig} from './store.ts'
import {publishEvent} from '../system/nerd-events.ts'
import {imageEvent} from './events.ts'
import {withinPruneFilter} from '../prune-filter.ts'
import type {PruneFilter} from '../prune-filter.ts'

/** A container as image removal sees it (container/lifecycle.ts lists them). */
export interface ImageUser {
  /** The container's ID. */
  id: string
  /** The image ID nerd recorded when it created the container; absent for one another client made. */
  imageId?: string
  /** The image record containerd's container names. */
  imageName: string
  /** The image as given to run or create (docker's Config.Image); absent for one another client made. */
  reference?: string
  /** The IDs of the images it mounts (`--mount type=image`). */
  mountedImageIds?: string[]
  running: boolean
}

/** The containers using image `id`: by the ID recorded, else by the ID of the record they name while it is there. */
function usersOf(id: string, users: readonly ImageUser[], summaries: readonly ImageSummary[]): ImageUser[] {
  return users.filter((user) => userImageId(user, summaries) === id)
}

/** The ID of the image a container uses: recorded, or else the one its image's name has now. */
function userImageId(user: ImageUser, summaries: readonly ImageSummary[]): string | undefined {
  return user.imageId ?? summaries.find((summary) => summary.record.name === user.imageName)?.id
}

/** The IDs of the images the containers use (userImageId). */
export function usedImageIds(users: readonly ImageUser[], summaries: readonly ImageSummary[]): Set<string> {
  return new Set(users.flatMap((user) => userImageId(user, summaries) ?? []))
}

/** A record's name as a reference; undefined for a dangling record or a name outside docker's grammar. */
function nameOf(summary: ImageSummary): Reference | undefined {
  if (isDanglingImageName(summary.record.name)) return undefined
  try {
    return parseReference(summary.record.name, {defaultTag: false})
  } catch {
    return undefined
  }
}

/** docker's isSingleReference: the names are of one repository, at most one of them a tag. */
function isSingleReference(names: readonly Reference[]): boolean {
  return names.length > 0 && new Set(names.map(repository)).size === 1 && names.filter((name) => name.digest === undefined).length <= 1
}

function conflict(id: string, forceable: boolean, why: string): NerdError {
  return new NerdError(`conflict: unable to delete ${truncateId(id)} (${forceable ? 'must be forced' : 'cannot be forced'}) - ${why}`)
}

/** What rmi does with the image a word names. */
export interface RemovalPlan {
  /** The records to delete, in docker's order. */
  records: ImageSummary[]
  /** The image loses its last name but stays, nameless: a container uses it, or images were committed from it. */
  keep: boolean
  /** The image ID reported deleted: undefined while a container keeps the image, not while its children do (as docker's containerd store). */
  deleted?: string
  /** The records of each nameless image it was committed from that goes with it, its parent first (danglingParents). */
  parents?: ImageSummary[][]
}

/**
 * The records of the images `image` (its records) was committed from that docker's rmi prunes with
 * it (image_delete.go deleteAll): up the parent labels, as long as they are nameless and no container
 * uses them. None at all when the image has other records (docker's conflict check of the parents
 * counts the image's), or when the chain names an image that is gone (docker's walk fails, and it
 * prunes nothing).
 */
function danglingParents(summaries: readonly ImageSummary[], image: readonly ImageSummary[], users: readonly ImageUser[]): ImageSummary[][] {
  if (image.length > 1) return []
  const chain = imageAncestors(summaries, image[0]!)
  // imageAncestors stops at a parent that is gone too: here that fails the walk.
  const beyond = imageParents(summaries).get(chain.at(-1) ?? image[0]!.id)
  if (beyond !== undefined && !chain.includes(beyond) && !summaries.some((summary) => summary.id === beyond)) return []
  const pruned: ImageSummary[][] = []
  for (const parent of chain) {
    const records = summaries.filter((summary) => summary.id === parent)
    if (!records.every((summary) => isDanglingImageName(summary.record.name)) || usersOf(parent, users, summaries).length > 0) break
    pruned.push(records)
  }
  return pruned
}

/**
 * Decides, as moby's image_delete.go does, what removing `text` does (or the conflict that refuses
 * it). `users` are the namespace's containers; `prune` (rmi without --no-prune) takes the image's
 * nameless parents along.
 */
export function planRemoval(summaries: readonly ImageSummary[], text: string, options: {force: boolean; users: readonly ImageUser[]; prune?: boolean}): RemovalPlan {
  const {by, found} = lookupImages(summaries, text)
  if (found.length === 0) throw noSuchImage(text)
  const {id} = found[0]
  const image = summaries.filter((summary) => summary.id === id)
  const names = image.filter((summary) => nameOf(summary) !== undefined)
  const single = isSingleReference(names.map(nameOf) as Reference[])
  const using = usersOf(id, options.users, summaries)
  const running = using.find((user) => user.running)
  const stopped = using.find((user) => !user.running)
  // docker's containerd store keeps an image other images were committed from as a dangling record when
  // its only name goes unforced, and reports it deleted all the same (image_delete.go imageDeleteHelper).
  const deleting = (): RemovalPlan => {
    const plan: RemovalPlan = {records: image, keep: !options.force && image.length === 1 && names.length === 1 && imageChildren(summaries)(id).length > 0, deleted: id}
    const parents = options.prune ? danglingParents(summaries, image, options.users) : []
    return parents.length > 0 ? {...plan, parents} : plan
  }

  if (by === 'id') {
    if (running) throw conflict(id, false, `image is being used by running container ${truncateId(running.id)}`)
    if (!options.force) {
      if (names.length > 0 && !single) throw conflict(id, true, 'image is referenced in multiple repositories')
      if (stopped) throw conflict(id, true, `image is being used by stopped container ${truncateId(stopped.id)}`)
    }
    return deleting()
  }

  // By a name, docker's containerd store counts the containers that mount the image too (not by its ID).
  const usingOrMounting = [...using, ...options.users.filter((user) => user.mountedImageIds?.includes(id))]
  if (!options.force && usingOrMounting.length > 0 && single) {
    // Untagged, the image would be left without a name under the container: docker wants that forced.
    const reference = nameOf(found[0])
    throw new NerdError(`conflict: unable to delete ${reference ? familiarName(reference) : text} (must be forced) - container ${truncateId(usingOrMounting[0]!.id)} is using its referenced image ${truncateId(id)}`)
  }
  const untagged = withOrphanedDigests(found, names)
  if (untagged.length < names.length) return {records: untagged, keep: false}
  // That was the image's last name. A container, running or stopped, keeps the image nameless
  // (forced, as the untagging of a single reference must be), as docker's containerd store does
  // without a word; else it goes, with the records that never had a name.
  if (usingOrMounting.length > 0) return {records: untagged, keep: true}
  return deleting()
}

/**
 * Removes the image `text` names; returns docker's report lines (`Untagged: busybox:latest`,
 * `Deleted: sha256:…` when the image goes).
 */
export async function removeImage(client: ContainerdClient, text: string, options: {force: boolean; users: readonly ImageUser[]; prune?: boolean}): Promise<string[]> {
  const summaries = await summarizeImages(client)
  const plan = planRemoval(summaries, text, options)
  if (plan.keep) {
    // Named nothing, the image would go with the garbage collection: a dangling record holds it, with
    // the record's labels (its parent, for the walks up its line).
    const records = new Map(plan.records.map((summary) => [summary.record.target.digest, summary.record]))
    for (const {target, labels} of records.values()) await putImage(client, {name: danglingImageName(target.digest), target, labels})
  }
  const parents = plan.parents ?? []
  // An image that goes takes its content with it before rmi returns, as docker's and nerdctl's rmi:
  // left to the collector's schedule, a load or pull right after could find the content still there
  // and keep it (an index loaded for one platform would again hold every platform it had).
  const {lines, deleted} = await untag(client, plan.records, {sync: plan.deleted !== undefined && !plan.keep && parents.length === 0, named: familiarRecordName})
  // A concurrent rmi deleted them first: one deletion per reference, as docker's, and the others find no such image.
  if (deleted === 0) throw noSuchImage(text)
  if (plan.deleted === undefined) return lines
  await publishEvent(client, imageEvent('delete', {id: plan.deleted}))
  lines.push(`Deleted: ${plan.deleted}`)
  for (const [index, records] of parents.entries()) {
    if ((await untag(client, records, {sync: index === parents.length - 1, named: familiarRecordName})).deleted === 0) break
    await publishEvent(client, imageEvent('delete', {id: records[0]!.id}))
    lines.push(`Deleted: ${records[0]!.id}`)
  }
  return lines
}

/** The name rmi's `Untagged:` gives a record: its familiar name; none for a dangling one. */
function familiarRecordName(summary: ImageSummary): string | undefined {
  const name = nameOf(summary)
  return name && familiarName(name)
}

/**
 * `rmi --platform`, as docker's containerd image store does it (image_delete.go,
 * deleteImagePlatforms): for each platform in turn, the manifest the image `text` names has for
 * exactly that platform leaves the content store with its config and layers, whatever other image
 * uses them (which is why docker wants it forced); the image's records stay. `Deleted:` lines name
 * the manifests.
 */
export async function removeImagePlatforms(client: ContainerdClient, text: string, platforms: readonly Platform[], options: {force: boolean}): Promise<string[]> {
  if (!options.force) throw new NerdError('Content will be removed from all images referencing this variant. Use —-force to force delete.')
  const [image] = lookupImages(await summarizeImages(client), text).found
  if (!image) throw noSuchImage(text)
  const lines: string[] = []
  for (const platform of platforms) {
    try {
      lines.push(`Deleted: ${await deletePlatformContent(client, image, platform)}`)
    } catch (error) {
      const failure = `failed to delete platform ${formatPlatform(platform)} for image ${image.id}: ${(error as Error).message}`
      // docker's CLI takes a platform the image lacks for an image not found: rmi -f reports it and goes on.
      throw error instanceof NoPlatformManifestError ? new NoSuchImageError(failure, {cause: error}) : new NerdError(failure, {cause: error})
    }
  }
  return lines
}

/** Deletes the content of the image's manifest present for exactly `platform`; the manifest's digest. */
async function deletePlatformContent(client: ContainerdClient, image: ImageSummary, platform: Platform): Promise<string> {
  const matcher = strictPlatform(platform)
  const name = nameOf(image)
  // docker's errPlatformNotFound, which its delete gives no platform to name.
  const notProvided = new NoPlatformManifestError(platformNotProvided(name ? familiarName(name) : image.record.target.digest).message)
  const resolved = await resolveImageConfig(client, image.record, matcher).catch((error: unknown) => Promise.reject(error instanceof NoPlatformManifestError ? notProvided : error))
  if (!resolved.index && !matcher.match(configPlatform(resolved.config))) throw notProvided
  const {manifestDescriptor, manifest} = resolved
  for (const blob of [manifestDescriptor, manifest.config, ...manifest.layers]) {
    await client.content.delete(blob.digest).catch((error: unknown) => {
      if (!isNotFound(error)) throw error
    })
  }
  return manifestDescriptor.digest
}

/**
 * docker drops the digest names (`repo@sha256:…`) of a repository with its last tag there: the
 * records to untag for `untagging`, with those.
 */
function withOrphanedDigests(untagging: readonly ImageSummary[], names: readonly ImageSummary[]): ImageSummary[] {
  const left = names.filter((summary) => !untagging.includes(summary))
  const orphaned = left.filter((summary) => {
    const name = nameOf(summary) as Reference
    if (name.digest === undefined) return false
    const sameRepository = (other: ImageSummary): boolean => repository(nameOf(other) as Reference) === repository(name)
    return untagging.some(sameRepository) && !left.some((other) => sameRepository(other) && nameOf(other)?.digest === undefined)
  })
  return [...untagging, ...orphaned]
}

/**
 * Deletes the records; `Untagged:` lines and docker's untag events for those `named` names, and how
 * many it deleted: not one that another nerd deleted meanwhile. With `sync` the last deletion waits
 * for the garbage collection.
 */
async function untag(client: ContainerdClient, doomed: readonly ImageSummary[], options: {sync: boolean; named: (summary: ImageSummary) => string | undefined}): Promise<{lines: string[]; deleted: number}> {
  const lines: string[] = []
  let deleted = 0
  for (const [index, summary] of doomed.entries()) {
    if (!(await deleteImage(client, summary.record.name, {sync: options.sync && index === doomed.length - 1}))) continue
    deleted++
    const name = options.named(summary)
    if (name === undefined) continue
    lines.push(`Untagged: ${name}`)
    await publishEvent(client, imageEvent('untag', summary, name))
  }
  return {lines, deleted}
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

/** A record image prune deletes; `deleted`, the image's ID when it is the image's last record. */
export interface PruneStep {
  summary: ImageSummary
  deleted?: string
}

/**
 * The names a container keeps from image prune, as docker's containerd store (image_prune.go
 * filterImagesUsedByContainers): the one it was created with (`busybox` as `busybox:latest`), and
 * for a `name:tag@digest` also `name:tag`. A container created by image ID keeps none by name.
 */
function creationNames(user: ImageUser): string[] {
  try {
    const reference = parseReference(user.reference ?? user.imageName)
    const names = [normalizedName(reference)]
    if (reference.tag !== undefined && reference.digest !== undefined) names.push(normalizedName({...reference, digest: undefined}))
    return names
  } catch {
    return []
  }
}

/**
 * What docker's image prune deletes, in the order of their names, as docker decides: dangling
 * records (no name), or with `all` every record, that the filters take (`until=` as `images`
 * compares it, `label=` and `label!=` on the image's config). A container keeps the name it was
 * created with and its image's dangling record, not the image's other names. An image a container
 * uses keeps its last record (docker's keeps it only for a container created by ID or digest, and
 * deletes the image of one whose creation name now names another: nerd, as its rmi, never deletes
 * an image a container uses).
 */
export function planPrune(summaries: readonly ImageSummary[], options: {all: boolean; filter: PruneFilter; users: readonly ImageUser[]}): PruneStep[] {
  const used = usedImageIds(options.users, summaries)
  const kept = new Set(options.users.flatMap(creationNames))
  const prunable = summaries.filter((summary) => {
    const dangling = isDanglingImageName(summary.record.name)
    return (options.all || dangling) && !(dangling && used.has(summary.id)) && !kept.has(summary.record.name)
      && withinPruneFilter(options.filter, untilComparedTime(summary), summary.config?.config?.Labels ?? {})
  })
  const records = new Map<string, number>()
  for (const summary of summaries) records.set(summary.id, (records.get(summary.id) ?? 0) + 1)
  const steps: PruneStep[] = []
  for (const summary of prunable.sort((a, b) => compareStrings(a.record.name, b.record.name))) {
    const left = records.get(summary.id)! - 1
    if (left === 0 && used.has(summary.id)) continue
    records.set(summary.id, left)
    steps.push(left === 0 ? {summary, deleted: summary.id} : {summary})
  }
  return steps
}

/**
 * docker's image prune (planPrune), reported as its pruneAll: image by image, `untagged: name` (a
 * dangling record's root digest, as its imageFamiliarName) and, when that took the image,
 * `deleted: id`. Reclaimed space is what the content store shrank by once the collector ran.
 */
export async function pruneImages(client: ContainerdClient, options: {all: boolean; filter: PruneFilter; users: readonly ImageUser[]}): Promise<PruneResult> {
  const before = await contentBytes(client)
  const steps = planPrune(await summarizeImages(client), options)
  const lines: string[] = []
  const named = (summary: ImageSummary): string | undefined => (isDanglingImageName(summary.record.name) ? summary.record.target.digest : familiarRecordName(summary))
  for (const [index, step] of steps.entries()) {
    const {lines: untagged, deleted} = await untag(client, [step.summary], {sync: index === steps.length - 1, named})
    lines.push(...untagged.map((line) => line.replace(/^Untagged/, 'untagged')))
    if (step.deleted === undefined || deleted === 0) continue
    await publishEvent(client, imageEvent('delete', {id: step.deleted}))
    lines.push(`deleted: ${step.deleted}`)
  }
  return {lines, reclaimedBytes: Math.max(0, before - (await contentBytes(client)))}
}
