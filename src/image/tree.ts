/**
 * What `images --tree` shows of each image, as docker's containerd image store reports it with
 * its manifests (daemon/containerd/image_list.go): one entry per root digest with all its names,
 * and one per platform manifest of it, present or not, with its content and unpacked sizes and
 * whether a container uses it. Attestations and other manifests that are no image are not shown;
 * their content still counts in the image's sizes, as docker counts it.
 */
import type {ContainerdClient} from '../containerd/index.ts'
import {NerdError} from '../errors.ts'
import type {TreeChild, TreeImage} from '../format/image-tree.ts'
import {unpackedSize} from './list.ts'
import type {ImageSummary} from './list.ts'
import {ANNOTATION_DOCKER_REFERENCE_TYPE, isLayerMediaType, parseConfig, parseManifest} from './manifest.ts'
import type {Descriptor, ImageManifest} from './manifest.ts'
import {configPlatform, formatPlatform} from './platform.ts'
import {familiarName, parseReference} from './reference.ts'
import {usedImageIds} from './remove.ts'
import type {ImageUser} from './remove.ts'
import {blobPresent, isDanglingImageName, presentManifests, readBlob} from './store.ts'

/**
 * docker's refusals of the flags `--tree` does not take yet, in its order and words (its
 * `--digests` is named `--show-digest` there); undefined when none is given. An empty --format is
 * none, as in docker.
 */
export function treeFlagConflict(flags: {quiet?: boolean; 'no-trunc'?: boolean; digests?: boolean; format?: string}): NerdError | undefined {
  const refused = flags.quiet ? '--quiet' : flags['no-trunc'] ? '--no-trunc' : flags.digests ? '--show-digest' : flags.format ? '--format' : undefined
  return refused === undefined ? undefined : new NerdError(`${refused} is not yet supported with --tree`)
}

interface ManifestEntry {
  child: TreeChild
  /** Not an image (an attestation, an unknown/unknown platform, layers of no layer type): not shown. */
  hidden: boolean
}

/**
 * One manifest as docker's multiPlatformSummary sees it: its content size counts what of it is
 * here (manifest, config, layers); available when all of that is; the unpacked size and the
 * containers only for an available one. `usedConfigs`: the image IDs (config digests) containers use.
 */
async function manifestEntry(client: ContainerdClient, descriptor: Descriptor, snapshotter: string, usedConfigs: ReadonlySet<string>): Promise<ManifestEntry> {
  let manifest: ImageManifest | undefined
  let contentSize = 0
  let missing = false
  if (await blobPresent(client, descriptor.digest)) {
    contentSize += descriptor.size
    manifest = parseManifest(await readBlob(client, descriptor.digest), `manifest ${descriptor.digest}`)
    for (const blob of [manifest.config, ...manifest.layers]) {
      if (await blobPresent(client, blob.digest)) contentSize += blob.size
      else missing = true
    }
  }
  const available = manifest !== undefined && !missing
  const {platform} = descriptor
  const hidden = descriptor.annotations?.[ANNOTATION_DOCKER_REFERENCE_TYPE] !== undefined
    || (platform?.os === 'unknown' && platform.architecture === 'unknown')
    || (manifest !== undefined && manifest.layers.length > 0 && !manifest.layers.some((layer) => isLayerMediaType(layer.mediaType)))
  const child: TreeChild = {platform: formatPlatform(platform ?? {os: '', architecture: ''}), available, id: descriptor.digest, diskUsage: contentSize, contentSize, inUse: false}
  if (!available || hidden) return {child, hidden}
  const config = parseConfig(await readBlob(client, manifest!.config.digest), `config ${manifest!.config.digest}`)
  if (platform === undefined) child.platform = formatPlatform(configPlatform(config))
  child.diskUsage += (await unpackedSize(client, config, snapshotter)) ?? 0
  child.inUse = usedConfigs.has(manifest!.config.digest)
  return {child, hidden}
}

/** A record's name as docker lists it in RepoTags (`busybox:1`, `x@sha256:…`). */
function listedName(name: string): string {
  try {
    return familiarName(parseReference(name, {defaultTag: false}))
  } catch {
    return name
  }
}

/**
 * The images of the tree, in the order of `summaries` (newest first): the records of one root
 * digest are one image, named by all of them; a dangling record only when no named one shares its
 * root, and untagged images only with `all`, as docker's CLI leaves them out. `summaries` are the
 * listing's after its filters; `users` the namespace's containers.
 */
export async function imageTree(
  client: ContainerdClient,
  summaries: readonly ImageSummary[],
  options: {all: boolean; snapshotter: string; users: readonly ImageUser[]; everyImage: readonly ImageSummary[]},
): Promise<TreeImage[]> {
  const usedConfigs = usedImageIds(options.users, options.everyImage)
  const byRoot = new Map<string, ImageSummary[]>()
  for (const summary of summaries) byRoot.set(summary.record.target.digest, [...(byRoot.get(summary.record.target.digest) ?? []), summary])
  const images = await Promise.all([...byRoot.values()].map(async (records): Promise<TreeImage | undefined> => {
    const names = records.filter((record) => !isDanglingImageName(record.record.name)).map((record) => listedName(record.record.name))
    if (names.length === 0 && !options.all) return undefined
    const entries = await Promise.all((await presentManifests(client, records[0].record.target)).map((descriptor) => manifestEntry(client, descriptor, options.snapshotter, usedConfigs)))
    const children = entries.filter((entry) => !entry.hidden).map((entry) => entry.child)
    return {
      names,
      id: records[0].id,
      diskUsage: entries.reduce((sum, entry) => sum + entry.child.diskUsage, 0),
      contentSize: entries.reduce((sum, entry) => sum + entry.child.contentSize, 0),
      inUse: children.some((child) => child.inUse),
      children,
    }
  }))
  return images.filter((image) => image !== undefined)
}
