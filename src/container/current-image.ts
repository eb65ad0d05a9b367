/**
 * What each container's image reference names today. docker's ps shows a container's image by its
 * ID once the name it was made from names another image or none (removed by `rmi -f`), as it
 * resolves the reference for every row.
 */
import {ManifestCache} from '../image/manifest-cache.ts'
import {listImages, resolveImageConfig} from '../image/store.ts'
import type {ContainerScope} from './lifecycle.ts'
import type {ContainerRecord} from './model.ts'

/**
 * The image ID (config digest) each reference (`Config.Image`, as typed) names now, undefined when
 * the name is gone: one image list, and each reference's manifest and config once, from the
 * manifest cache when it has them. A reference whose image cannot be read keeps its container's
 * ID: nothing says it names another.
 */
export async function imageIdsNamed(scope: ContainerScope, records: readonly ContainerRecord[]): Promise<Map<string, string | undefined>> {
  const named = records.filter((record) => record.Config.Image !== record.Image)
  const ids = new Map<string, string | undefined>()
  if (named.length === 0) return ids
  const images = new Map((await listImages(scope.client)).map((image) => [image.name, image]))
  const cache = new ManifestCache(scope.dataRoot)
  const first = new Map(named.map((record) => [record.Config.Image, record]))
  await Promise.all(
    [...first.values()].map(async (record) => {
      const image = images.get(record.ImageRef)
      const id = image === undefined ? undefined : await resolveImageConfig(scope.client, image, record.Platform, cache).then((resolved) => resolved.configDescriptor.digest, () => record.Image)
      ids.set(record.Config.Image, id)
    }),
  )
  return ids
}
