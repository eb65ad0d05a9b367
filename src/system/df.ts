/**
 * `system df`: what images, containers and local volumes take on disk and what pruning would give
 * back, in docker's rows (and, with `-v`, its per-object tables).
 */
import {containerSize} from '../container/inspect.ts'
import {listContainerViews} from '../container/lifecycle.ts'
import {psRow} from '../container/view.ts'
import type {ContainerScope} from '../container/lifecycle.ts'
import type {ContainerdClient} from '../containerd/index.ts'
import {unlessNotFound} from '../containerd/index.ts'
import {humanSize, timeAgo} from '../format/index.ts'
import {listedImages, summarizeImages} from '../image/list.ts'
import type {ImageSummary} from '../image/list.ts'
import {chainIds} from '../image/store.ts'
import {listVolumes, volumeSize, volumeUsers} from '../volume/index.ts'

export interface UsageRow {
  Type: 'Images' | 'Containers' | 'Local Volumes' | 'Build Cache'
  TotalCount: string
  Active: string
  Size: string
  Reclaimable: string
}

export interface DiskUsage {
  rows: UsageRow[]
  images: {Repository: string; Tag: string; ID: string; CreatedSince: string; Size: string; SharedSize: string; UniqueSize: string; Containers: string}[]
  containers: {ID: string; Image: string; Command: string; LocalVolumes: string; Size: string; RunningFor: string; Status: string; Names: string}[]
  volumes: {Name: string; Links: string; Size: string}[]
}

/** docker's percentage is an integer division. */
function reclaimable(bytes: number, total: number): string {
  return total === 0 ? humanSize(bytes) : `${humanSize(bytes)} (${Math.floor((bytes * 100) / total)}%)`
}

interface ImageUsage {
  /** docker's LayersSize: every unpacked layer once. */
  total: number
  /** What the images no container uses hold that no other image shares. */
  reclaimable: number
  /** Each image's own size, its layers counted whole, by image ID. */
  sizes: Map<string, number>
  /** What of each image's size is layers other images hold too, by image ID. */
  shared: Map<string, number>
}

/**
 * The images' disk usage as docker's: each unpacked layer (a snapshot named by its chain ID) counted
 * once however many images share it, and an image not unpacked in `snapshotter` by its content's size.
 */
async function imageUsage(client: ContainerdClient, images: readonly ImageSummary[], snapshotter: string, inUse: ReadonlySet<string>): Promise<ImageUsage> {
  const measured = new Map<string, Promise<number | undefined>>()
  const measure = (chainId: string): Promise<number | undefined> => {
    let size = measured.get(chainId)
    if (!size) {
      size = client.snapshots.usage(snapshotter, chainId).then((usage) => Number(usage.size), unlessNotFound)
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
  const usage: ImageUsage = {total: 0, reclaimable: 0, sizes: new Map(), shared: new Map()}
  const counted = new Set<string>()
  for (const image of images) {
    const own = layers.get(image.id)
    const entries = own ? [...own] : []
    const size = own ? entries.reduce((sum, [, bytes]) => sum + bytes, 0) : image.size
    usage.sizes.set(image.id, size)
    usage.shared.set(image.id, entries.filter(([chain]) => holders.get(chain)! > 1).reduce((sum, [, bytes]) => sum + bytes, 0))
    usage.total += own ? entries.filter(([chain]) => !counted.has(chain)).reduce((sum, [, bytes]) => sum + bytes, 0) : size
    for (const [chain] of entries) counted.add(chain)
    if (!inUse.has(image.id)) usage.reclaimable += own ? entries.filter(([chain]) => holders.get(chain) === 1).reduce((sum, [, bytes]) => sum + bytes, 0) : size
  }
  return usage
}

export async function diskUsage(scope: ContainerScope, namespace: string, snapshotter: string): Promise<DiskUsage> {
  const [images, views, volumes, users] = await Promise.all([
    summarizeImages(scope.client),
    listContainerViews(scope),
    listVolumes({dataRoot: scope.dataRoot, namespace}),
    volumeUsers({dataRoot: scope.dataRoot, namespace}),
  ])
  const imagesInUse = new Set(views.map((view) => view.record.Image))
  const uniqueImages = new Map(images.map((image) => [image.id, image]))
  const imageActive = [...uniqueImages.values()].filter((image) => imagesInUse.has(image.id))
  const imageSizes = await imageUsage(scope.client, [...uniqueImages.values()], snapshotter, imagesInUse)

  const containerSizes = await Promise.all(views.map((view) => containerSize(scope, view.record.Snapshotter, view.record.Id).catch(() => ({rw: 0, rootFs: 0}))))
  const running = (status: string) => status === 'running' || status === 'paused' || status === 'restarting'
  const containerTotal = containerSizes.reduce((sum, size) => sum + size.rw, 0)
  const containerReclaimable = views.reduce((sum, view, index) => sum + (running(view.status) ? 0 : containerSizes[index]!.rw), 0)

  const volumeSizes = await Promise.all(volumes.map((volume) => volumeSize(volume).catch(() => 0)))
  const volumeTotal = volumeSizes.reduce((sum, size) => sum + size, 0)
  const volumeReclaimable = volumes.reduce((sum, volume, index) => sum + ((users.get(volume.Name)?.length ?? 0) === 0 ? volumeSizes[index]! : 0), 0)

  return {
    rows: [
      {Type: 'Images', TotalCount: String(uniqueImages.size), Active: String(imageActive.length), Size: humanSize(imageSizes.total), Reclaimable: reclaimable(imageSizes.reclaimable, imageSizes.total)},
      {Type: 'Containers', TotalCount: String(views.length), Active: String(views.filter((view) => running(view.status)).length), Size: humanSize(containerTotal), Reclaimable: reclaimable(containerReclaimable, containerTotal)},
      {Type: 'Local Volumes', TotalCount: String(volumes.length), Active: String(volumes.filter((volume) => (users.get(volume.Name)?.length ?? 0) > 0).length), Size: humanSize(volumeTotal), Reclaimable: reclaimable(volumeReclaimable, volumeTotal)},
      {Type: 'Build Cache', TotalCount: '0', Active: '0', Size: humanSize(0), Reclaimable: humanSize(0)},
    ],
    images: listedImages(images).map((image) => {
      const size = imageSizes.sizes.get(image.id) ?? image.size
      const shared = imageSizes.shared.get(image.id) ?? 0
      return {
        Repository: image.repository,
        Tag: image.tag,
        ID: image.id.replace(/^sha256:/, '').slice(0, 12),
        CreatedSince: image.created ? timeAgo(image.created) : 'N/A',
        Size: humanSize(size),
        SharedSize: humanSize(shared),
        UniqueSize: humanSize(size - shared),
        Containers: String(views.filter((view) => view.record.Image === image.id).length),
      }
    }),
    containers: views.map((view, index) => {
      const {ID, Image, Command, LocalVolumes, RunningFor, Status, Names} = psRow(view)
      return {ID, Image, Command, LocalVolumes, Size: humanSize(containerSizes[index]!.rw), RunningFor, Status, Names}
    }),
    volumes: volumes.map((volume, index) => ({Name: volume.Name, Links: String(users.get(volume.Name)?.length ?? 0), Size: humanSize(volumeSizes[index]!)})),
  }
}
