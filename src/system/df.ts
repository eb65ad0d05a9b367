/**
 * `system df`: what images, containers and local volumes take on disk and what pruning would give
 * back, in docker's rows (and, with `-v`, its per-object tables).
 */
import {containerSizes} from '../container/inspect.ts'
import {newestFirst} from '../container/filters.ts'
import {listContainerViews} from '../container/lifecycle.ts'
import {CONTAINER_CONTEXT, psFormat, psRow} from '../container/view.ts'
import type {ContainerScope} from '../container/lifecycle.ts'
import type {ContainerView} from '../container/model.ts'
import type {ContainerdClient} from '../containerd/index.ts'
import {goStructRow, humanSize} from '../format/index.ts'
import {asGoStruct, compareStrings} from '../format/go-values.ts'
import {IMAGE_CONTEXT, imageRawFormat, imageRow, NONE, summarizeImages, unpackedLayerSize} from '../image/list.ts'
import type {ImageSummary, ImageUsage} from '../image/list.ts'
import {chainIds} from '../image/store.ts'
import {isOnLocalDisk, listVolumes, VOLUME_CONTEXT, VOLUME_RAW_FORMAT, volumeRow, volumeSize, volumeUsers} from '../volume/index.ts'

export interface UsageRow {
  Type: 'Images' | 'Containers' | 'Local Volumes' | 'Build Cache'
  TotalCount: string
  Active: string
  Size: string
  Reclaimable: string
}

/**
 * The summary rows, and for `-v` the images, containers and volumes as docker's listing contexts
 * (Go structs whose fields templates read: `system df -v --format` runs on all of them at once).
 */
export interface DiskUsage {
  rows: UsageRow[]
  images: object[]
  containers: object[]
  volumes: object[]
}

/** docker's `raw` format of the summary. */
export const USAGE_RAW_FORMAT = 'type: {{.Type}}\ntotal: {{.TotalCount}}\nactive: {{.Active}}\nsize: {{.Size}}\nreclaimable: {{.Reclaimable}}\n'

/** docker's `raw` format of `-v`: each object's raw format, headed by its type (nerd has no build cache to list). */
export const VERBOSE_RAW_FORMAT = `{{range .Images}}type: Image
${imageRawFormat(true)}
{{end -}}
{{range .Containers}}type: Container
${psFormat('raw', {size: true})}
{{end -}}
{{range .Volumes}}type: Volume
${VOLUME_RAW_FORMAT}
{{end -}}
{{range .BuildCache}}{{end -}}`

/** What docker's `-v --format` template runs on: every image, container, volume and build cache (none) at once. */
export function verboseContext(usage: DiskUsage): object {
  return asGoStruct({Images: usage.images, Containers: usage.containers, Volumes: usage.volumes, BuildCache: []}, '*formatter.diskUsageContext')
}

/** The Go type of each summary row, named in template errors as docker's. */
const ROW_CONTEXTS: Record<UsageRow['Type'], string> = {
  Images: '*formatter.diskUsageImagesContext',
  Containers: '*formatter.diskUsageContainersContext',
  'Local Volumes': '*formatter.diskUsageVolumesContext',
  'Build Cache': '*formatter.diskUsageBuilderContext',
}

/** A summary row; its sizes are go-units' HumanSize (4 digits), the percentage an integer division. */
function usageRow(type: UsageRow['Type'], counts: {total: number; active: number}, size: number, reclaimableBytes: number): UsageRow {
  const reclaimable = humanSize(reclaimableBytes, 4)
  return goStructRow(
    {
      Type: type,
      TotalCount: String(counts.total),
      Active: String(counts.active),
      Size: humanSize(size, 4),
      Reclaimable: size > 0 && type !== 'Build Cache' ? `${reclaimable} (${Math.floor((reclaimableBytes * 100) / size)}%)` : reclaimable,
    },
    ROW_CONTEXTS[type],
  )
}

interface ImagesOnDisk {
  /** docker's LayersSize: every unpacked layer once. */
  total: number
  /**
   * By image ID: its own size (its layers counted whole), what of that is layers other images hold
   * too, and how many containers use it.
   */
  images: Map<string, ImageUsage>
}

/**
 * The images' disk usage as docker's: each unpacked layer (a snapshot named by its chain ID) counted
 * once however many images share it, and an image not unpacked in `snapshotter` by its content's size.
 */
async function imageUsage(client: ContainerdClient, images: readonly ImageSummary[], snapshotter: string, containersOf: ReadonlyMap<string, number>): Promise<ImagesOnDisk> {
  const measured = new Map<string, Promise<number | undefined>>()
  const measure = (chainId: string): Promise<number | undefined> => {
    let size = measured.get(chainId)
    if (!size) {
      size = unpackedLayerSize(client, snapshotter, chainId)
      measured.set(chainId, size)
    }
    return size
  }
  /** Chain ID → size of each image's layers; undefined for an image not unpacked here. */
  const layers = new Map<string, Map<string, number> | undefined>()
  for (const image of images) {
    const chains = image.config ? chainIds(image.config.rootfs.diff_ids) : []
    const sizes = await Promise.all(chains.map(measure))
    layers.set(image.id, chains.length > 0 && sizes.every((size) => size !== undefined) ? new Map(chains.map((chain, index) => [chain, sizes[index]!])) : undefined)
  }
  const holders = new Map<string, number>()
  for (const own of layers.values()) for (const chain of own?.keys() ?? []) holders.set(chain, (holders.get(chain) ?? 0) + 1)
  const usage: ImagesOnDisk = {total: 0, images: new Map()}
  const counted = new Set<string>()
  for (const image of images) {
    const own = layers.get(image.id)
    const entries = own ? [...own] : []
    const size = own ? entries.reduce((sum, [, bytes]) => sum + bytes, 0) : image.size
    const shared = entries.filter(([chain]) => holders.get(chain)! > 1).reduce((sum, [, bytes]) => sum + bytes, 0)
    usage.images.set(image.id, {size, shared, containers: containersOf.get(image.id) ?? 0})
    usage.total += own ? entries.filter(([chain]) => !counted.has(chain)).reduce((sum, [, bytes]) => sum + bytes, 0) : size
    for (const [chain] of entries) counted.add(chain)
  }
  return usage
}

/**
 * docker's Images RECLAIMABLE (formatter diskUsageImagesContext.Reclaimable): all the layers but
 * what each image a container uses holds alone, its size less its shared size. A layer an unused
 * image shares with a used one counts as reclaimable, as in docker.
 */
export function reclaimableImageBytes(total: number, images: readonly ImageUsage[]): number {
  return total - images.filter((image) => image.containers !== 0).reduce((sum, image) => sum + image.size - image.shared, 0)
}

/**
 * The images of docker's `-v` table: one per image (in the order given), named by the first of its
 * names in the daemon's order (by name; dangling ones left out) when that is a tag, else `<none>`
 * (RepoTags[0]); their digest is not shown.
 */
export function verboseImages(images: readonly ImageSummary[]): ImageSummary[] {
  const byId = new Map<string, ImageSummary[]>()
  for (const image of images) byId.set(image.id, [...(byId.get(image.id) ?? []), image])
  return [...byId.values()].map((records) => {
    const [first] = records.filter((record) => record.repository !== NONE).sort((a, b) => compareStrings(a.record.name, b.record.name))
    return first !== undefined && first.tag !== NONE ? first : {...records[0]!, repository: NONE, tag: NONE}
  })
}

/** `noTrunc`: whole IDs, as docker's `-v` shows them for a format other than a table. */
export async function diskUsage(scope: ContainerScope, namespace: string, snapshotter: string, options: {noTrunc?: boolean} = {}): Promise<DiskUsage> {
  const noTrunc = options.noTrunc ?? false
  const [images, views, volumes, users] = await Promise.all([
    summarizeImages(scope.client),
    // As docker's daemon lists them for its -v (daemon.Containers), and ps -a.
    listContainerViews(scope).then(newestFirst),
    // As docker's: a volume with driver options is not really local, so neither counted nor listed.
    listVolumes({dataRoot: scope.dataRoot, namespace}).then((all) => all.filter(isOnLocalDisk)),
    volumeUsers({dataRoot: scope.dataRoot, namespace}),
  ])
  const containersOf = new Map<string, number>()
  for (const view of views) containersOf.set(view.record.Image, (containersOf.get(view.record.Image) ?? 0) + 1)
  const uniqueImages = new Map(images.map((image) => [image.id, image]))
  const imagesOnDisk = await imageUsage(scope.client, [...uniqueImages.values()], snapshotter, containersOf)
  const imageUses = [...imagesOnDisk.images.values()]

  // As docker's, only the writable layer's size (SizeRw): df shows no virtual size.
  const sizes = await containerSizes(scope, views.map((view) => view.record), {writableOnly: true})
  const rw = (view: ContainerView) => sizes.get(view.record.Id)!.rw
  const running = (status: string) => status === 'running' || status === 'paused' || status === 'restarting'
  const containerTotal = views.reduce((sum, view) => sum + rw(view), 0)
  const containerReclaimable = views.reduce((sum, view) => sum + (running(view.status) ? 0 : rw(view)), 0)

  const volumeSizes = await Promise.all(volumes.map((volume) => volumeSize(volume).catch(() => 0)))
  const volumeTotal = volumeSizes.reduce((sum, size) => sum + size, 0)
  const volumeReclaimable = volumes.reduce((sum, volume, index) => sum + ((users.get(volume.Name)?.length ?? 0) === 0 ? volumeSizes[index]! : 0), 0)

  const volumeLinks = (name: string) => users.get(name)?.length ?? 0
  return {
    rows: [
      usageRow('Images', {total: uniqueImages.size, active: imageUses.filter((use) => use.containers > 0).length}, imagesOnDisk.total, reclaimableImageBytes(imagesOnDisk.total, imageUses)),
      usageRow('Containers', {total: views.length, active: views.filter((view) => running(view.status)).length}, containerTotal, containerReclaimable),
      usageRow('Local Volumes', {total: volumes.length, active: volumes.filter((volume) => volumeLinks(volume.Name) > 0).length}, volumeTotal, volumeReclaimable),
      usageRow('Build Cache', {total: 0, active: 0}, 0, 0),
    ],
    images: verboseImages(images).map((image) => goStructRow(imageRow(image, {noTrunc, usage: imagesOnDisk.images.get(image.id)!, digest: ''}), IMAGE_CONTEXT)),
    containers: views.map((view) => goStructRow(psRow(view, {noTrunc, size: sizes.get(view.record.Id)}), CONTAINER_CONTEXT)),
    volumes: volumes.map((volume, index) => goStructRow(volumeRow(volume, {refCount: volumeLinks(volume.Name), size: volumeSizes[index]!}), VOLUME_CONTEXT)),
  }
}
