/**
 * `system df`: what images, containers and local volumes take on disk and what pruning would give
 * back, in docker's rows (and, with `-v`, its per-object tables).
 */
import {containerSize} from '../container/inspect.ts'
import {listContainerViews} from '../container/lifecycle.ts'
import type {ContainerScope} from '../container/lifecycle.ts'
import {humanSize} from '../format/index.ts'
import {summarizeImages} from '../image/list.ts'
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
  images: {Repository: string; Tag: string; ID: string; Size: string; Containers: string}[]
  containers: {ID: string; Image: string; Command: string; Size: string; Status: string; Names: string}[]
  volumes: {Name: string; Links: string; Size: string}[]
}

function reclaimable(bytes: number, total: number): string {
  return total === 0 ? humanSize(bytes) : `${humanSize(bytes)} (${Math.round((bytes / total) * 100)}%)`
}

export async function diskUsage(scope: ContainerScope, namespace: string, snapshotter: string): Promise<DiskUsage> {
  const [images, views, volumes, users] = await Promise.all([
    summarizeImages(scope.client, {unpackedIn: snapshotter}),
    listContainerViews(scope),
    listVolumes({dataRoot: scope.dataRoot, namespace}),
    volumeUsers({dataRoot: scope.dataRoot, namespace}),
  ])
  const imagesInUse = new Set(views.map((view) => view.record.Image))
  const uniqueImages = new Map(images.map((image) => [image.id, image]))
  const imageTotal = [...uniqueImages.values()].reduce((sum, image) => sum + image.size, 0)
  const imageActive = [...uniqueImages.values()].filter((image) => imagesInUse.has(image.id))
  const imageReclaimable = imageTotal - imageActive.reduce((sum, image) => sum + image.size, 0)

  const containerSizes = await Promise.all(views.map((view) => containerSize(scope, view.record.Snapshotter, view.record.Id).catch(() => ({rw: 0, rootFs: 0}))))
  const running = (status: string) => status === 'running' || status === 'paused' || status === 'restarting'
  const containerTotal = containerSizes.reduce((sum, size) => sum + size.rw, 0)
  const containerReclaimable = views.reduce((sum, view, index) => sum + (running(view.status) ? 0 : containerSizes[index]!.rw), 0)

  const volumeSizes = await Promise.all(volumes.map((volume) => volumeSize(volume).catch(() => 0)))
  const volumeTotal = volumeSizes.reduce((sum, size) => sum + size, 0)
  const volumeReclaimable = volumes.reduce((sum, volume, index) => sum + ((users.get(volume.Name)?.length ?? 0) === 0 ? volumeSizes[index]! : 0), 0)

  return {
    rows: [
      {Type: 'Images', TotalCount: String(uniqueImages.size), Active: String(imageActive.length), Size: humanSize(imageTotal), Reclaimable: reclaimable(imageReclaimable, imageTotal)},
      {Type: 'Containers', TotalCount: String(views.length), Active: String(views.filter((view) => running(view.status)).length), Size: humanSize(containerTotal), Reclaimable: reclaimable(containerReclaimable, containerTotal)},
      {Type: 'Local Volumes', TotalCount: String(volumes.length), Active: String(volumes.filter((volume) => (users.get(volume.Name)?.length ?? 0) > 0).length), Size: humanSize(volumeTotal), Reclaimable: reclaimable(volumeReclaimable, volumeTotal)},
      {Type: 'Build Cache', TotalCount: '0', Active: '0', Size: humanSize(0), Reclaimable: humanSize(0)},
    ],
    images: images.map((image) => ({
      Repository: image.repository,
      Tag: image.tag,
      ID: image.id.replace(/^sha256:/, '').slice(0, 12),
      Size: humanSize(image.size),
      Containers: String(views.filter((view) => view.record.Image === image.id).length),
    })),
    containers: views.map((view, index) => ({
      ID: view.record.Id.slice(0, 12),
      Image: view.record.ImageRef,
      Command: JSON.stringify([view.record.Path, ...view.record.Args].join(' ')),
      Size: humanSize(containerSizes[index]!.rw),
      Status: view.status,
      Names: view.record.Name,
    })),
    volumes: volumes.map((volume, index) => ({Name: volume.Name, Links: String(users.get(volume.Name)?.length ?? 0), Size: humanSize(volumeSizes[index]!)})),
  }
}
