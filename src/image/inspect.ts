/**
 * docker's `image inspect` document and `history` rows, from an image's summary (list.ts): every
 * record sharing the image ID contributes its tags and repository digests.
 */
import type {ContainerdClient} from '../containerd/index.ts'
import {NerdError} from '../errors.ts'
import {CONFIG_TYPE, GRAPH_DRIVER_TYPE} from '../container/inspect-types.ts'
import {goLocalRFC3339, goRFC3339Nano, goUnixTime, humanSize, timeAgo, truncateId} from '../format/index.ts'
import {goStruct, MAP, omitEmpty, pointerTo, renamed, SLICE, withGoType} from '../format/go-types.ts'
import type {Descriptor, ImageConfig} from './manifest.ts'
import type {Healthcheck} from '../hooks/types.ts'
import {findImages, NONE, summarizeImages, withResolvedPlatform} from './list.ts'
import type {ImageSummary} from './list.ts'
import {configPlatform, formatPlatform, onlyPlatform, parsePlatform, platformMismatch, platformNotProvided} from './platform.ts'
import {InvalidReferenceError} from './reference.ts'
import {NoPlatformManifestError, PARENT_IMAGE_LABEL, resolveImageConfig, type ResolvedImageConfig} from './store.ts'

/** The fields of docker's `image inspect` that an image in containerd has. */
export interface DockerImageInspect {
  Id: string
  RepoTags: string[]
  RepoDigests: string[]
  Parent: string
  Comment: string
  Created: string
  DockerVersion: string
  Author: string
  Config: Record<string, unknown>
  Architecture: string
  Variant?: string
  Os: string
  OsVersion?: string
  Size: number
  /** The snapshotter, as docker's containerd image store names it. */
  GraphDriver: {Data: null; Name: string}
  RootFS: {Type: string; Layers: string[]}
  Metadata: {LastTagTime: string}
  /** The image's target, as docker's containerd store (API 1.48): the index or manifest the name points to. */
  Descriptor: Descriptor
}

const ZERO_TIME = '0001-01-01T00:00:00Z'

/** docker's Go type of the document, image.InspectResponse, as templates see it (goTypedValue). */
const IMAGE_TYPE = goStruct('image.InspectResponse', {
  ID: renamed('Id'), RepoTags: SLICE, RepoDigests: SLICE, Created: 'string', Container: 'string', ContainerConfig: pointerTo(CONFIG_TYPE),
  Config: pointerTo(CONFIG_TYPE), Variant: 'string', OsVersion: 'string', VirtualSize: 'int', GraphDriver: GRAPH_DRIVER_TYPE,
  RootFS: goStruct('image.RootFS', {Type: 'string', Layers: SLICE}), Metadata: goStruct('image.Metadata', {LastTagTime: 'time'}),
  Descriptor: pointerTo(goStruct('v1.Descriptor', {
    MediaType: renamed('mediaType', 'string'), Digest: renamed('digest', 'string'), Size: renamed('size', 'int'), URLs: renamed('urls', SLICE),
    Annotations: renamed('annotations', MAP), Data: renamed('data', SLICE), ArtifactType: renamed('artifactType', 'string'),
    Platform: renamed('platform', pointerTo(goStruct('v1.Platform', {
      Architecture: renamed('architecture', 'string'), OS: renamed('os', 'string'), OSVersion: renamed('os.version', 'string'),
      OSFeatures: renamed('os.features', SLICE), Variant: renamed('variant', 'string'),
    }, ['Architecture', 'OS', 'OSVersion', 'OSFeatures', 'Variant']))),
  }, ['MediaType', 'Digest', 'Size', 'URLs', 'Annotations', 'Data', 'Platform', 'ArtifactType'])),
  // docker's client asks for no manifests: the daemon leaves them out, and templates see an empty list.
  Manifests: SLICE,
})

/** An OCI descriptor with ocispec.Descriptor's members in its order, the empty ones left out (omitempty). */
function ociDescriptor(descriptor: Descriptor): Descriptor {
  const {mediaType, digest, size, urls, annotations, platform, artifactType} = descriptor
  const ordered = {
    mediaType,
    digest,
    size,
    urls,
    annotations,
    platform: platform && omitEmpty({architecture: platform.architecture, os: platform.os, 'os.version': platform['os.version'], 'os.features': platform['os.features'], variant: platform.variant}, ['os.version', 'os.features', 'variant']),
    artifactType,
  }
  return omitEmpty(ordered, ['urls', 'annotations', 'platform', 'artifactType']) as Descriptor
}

/** docker's HealthcheckConfig as Go marshals it: every field is omitempty. */
function withoutZeroFields(healthcheck: Healthcheck): Healthcheck {
  return Object.fromEntries(Object.entries(healthcheck).filter(([, value]) => !(value === undefined || value === null || value === 0 || (Array.isArray(value) && value.length === 0)))) as Healthcheck
}


/** docker's Config block: the image's runtime config with docker's defaults for what it leaves out. */
function dockerConfig(config: ImageConfig | undefined): Record<string, unknown> {
  const runtime = config?.config ?? {}
  return {
    Hostname: '',
    Domainname: '',
    User: runtime.User ?? '',
    AttachStdin: false,
    AttachStdout: false,
    AttachStderr: false,
    ...(runtime.ExposedPorts && Object.keys(runtime.ExposedPorts).length > 0 ? {ExposedPorts: runtime.ExposedPorts} : {}),
    Tty: false,
    OpenStdin: false,
    StdinOnce: false,
    Env: runtime.Env ?? null,
    Cmd: runtime.Cmd ?? null,
    ...(runtime.Healthcheck ? {Healthcheck: withoutZeroFields(runtime.Healthcheck)} : {}),
    ...(runtime.ArgsEscaped === true ? {ArgsEscaped: true} : {}),
    Image: '',
    Volumes: runtime.Volumes ?? null,
    WorkingDir: runtime.WorkingDir ?? '',
    Entrypoint: runtime.Entrypoint ?? null,
    OnBuild: runtime.OnBuild ?? null,
    Labels: runtime.Labels ?? null,
    ...(runtime.StopSignal ? {StopSignal: runtime.StopSignal} : {}),
    ...(runtime.Shell?.length ? {Shell: runtime.Shell} : {}),
  }
}

/** The familiar `repository:tag` and `repository@digest` names of the records in `group` (one image ID). */
function repoNames(group: readonly ImageSummary[]): {tags: string[]; digests: string[]} {
  const tags = new Set<string>()
  const digests = new Set<string>()
  for (const summary of group) {
    if (summary.repository === NONE) continue
    if (summary.tag !== NONE) tags.add(`${summary.repository}:${summary.tag}`)
    digests.add(`${summary.repository}@${summary.digest}`)
  }
  return {tags: [...tags], digests: [...digests]}
}

/**
 * docker's inspect document of `image`, named by every record of `group` (the records with its ID),
 * unpacked in `snapshotter`; `target` is the descriptor it is inspected as (the platform's manifest
 * for --platform).
 */
export function inspectDocument(image: ImageSummary, group: readonly ImageSummary[], snapshotter: string, target: Descriptor = image.record.target): DockerImageInspect {
  const {tags, digests} = repoNames(group)
  const config = image.config
  const lastTagTime = group.map((summary) => summary.record.updatedAt ?? summary.record.createdAt).filter((time) => time !== undefined).sort((a, b) => b.getTime() - a.getTime())[0]
  return withGoType({
    Id: image.id,
    RepoTags: tags,
    RepoDigests: digests,
    // As docker's containerd store: the image it was committed from, which its records' label names.
    Parent: group.map((summary) => summary.record.labels[PARENT_IMAGE_LABEL]).find((parent) => parent !== undefined) ?? '',
    Comment: config?.history?.at(-1)?.comment ?? '',
    Created: goRFC3339Nano(config?.created),
    DockerVersion: '',
    Author: config?.author ?? '',
    Config: dockerConfig(config),
    Architecture: config?.architecture ?? '',
    ...(config?.variant ? {Variant: config.variant} : {}),
    Os: config?.os ?? '',
    ...(config?.['os.version'] ? {OsVersion: config['os.version']} : {}),
    Size: image.size,
    GraphDriver: {Data: null, Name: snapshotter},
    RootFS: {Type: config?.rootfs.type ?? 'layers', Layers: config?.rootfs.diff_ids ?? []},
    Metadata: {LastTagTime: lastTagTime?.toISOString() ?? ZERO_TIME},
    Descriptor: ociDescriptor(target),
  }, IMAGE_TYPE)
}

/**
 * The config of `image` for `--platform` (`history`, `image inspect`): the index's manifest for it,
 * or the image's own when it is one platform's; in docker's words when the image has none for it.
 */
export async function imageConfigForPlatform(client: ContainerdClient, image: ImageSummary, reference: string, specifier: string): Promise<ResolvedImageConfig> {
  const platform = parsePlatform(specifier)
  const wanted = formatPlatform(platform)
  let resolved: ResolvedImageConfig
  try {
    resolved = await resolveImageConfig(client, image.record, platform)
  } catch (error) {
    if (!(error instanceof NoPlatformManifestError)) throw error
    throw platformNotProvided(reference, platform)
  }
  const actual = configPlatform(resolved.config)
  if (!resolved.index && !onlyPlatform(platform).match(actual)) {
    throw new NerdError(platformMismatch(reference, actual, wanted))
  }
  return resolved
}

/**
 * Looks up `inspect`'s images by reference, ID or ID prefix, listing them (with their unpacked sizes
 * in `snapshotter`, the SIZE `images` shows) on first use; with `platform`, each image as that
 * platform's (imageConfigForPlatform). A word that is no valid reference names
 * no image, so docker's "No such ..." reports it beside the others found.
 */
export function imageInspector(client: ContainerdClient, snapshotter: string, platform?: string): (name: string) => Promise<DockerImageInspect | undefined> {
  let listed: Promise<ImageSummary[]> | undefined
  return async (name) => {
    listed ??= summarizeImages(client, {unpackedIn: snapshotter})
    const summaries = await listed
    let image: ImageSummary | undefined
    try {
      ;[image] = findImages(summaries, name)
    } catch (error) {
      if (error instanceof InvalidReferenceError) return undefined
      throw error
    }
    if (!image) return undefined
    const group = summaries.filter((summary) => summary.id === image.id)
    if (platform === undefined) return inspectDocument(image, group, snapshotter)
    // `--platform`: that platform's image (ID, config, layers, size) under the image's names.
    const resolved = await imageConfigForPlatform(client, image, name, platform)
    return inspectDocument(await withResolvedPlatform(client, image, resolved, {unpackedIn: snapshotter}), group, snapshotter, resolved.manifestDescriptor)
  }
}

/** One line of `docker history`, as templates see it. */
export interface HistoryRow {
  ID: string
  CreatedAt: string
  CreatedSince: string
  CreatedBy: string
  Size: string
  Comment: string
}

export interface HistoryOptions {
  /** `-H`: sizes and dates for humans (default), else bytes and RFC 3339. */
  human: boolean
  noTrunc: boolean
  now?: Date
}

const CREATED_BY_WIDTH = 45
const MISSING = '<missing>'
/** docker's formatter shows no age for a date up to this one (formatter_history.go's epoch): `N/A`. */
const HISTORY_EPOCH = Date.UTC(2000, 0, 1)

/**
 * The image's history, newest first, as docker prints it: `ids` (the image's and those of the images
 * it was committed from, imageAncestors) on the newest lines, one each, and `<missing>` on the
 * others; each entry that made a layer gets that layer's size, in order. An entry without a date is
 * docker's 0 (1970); its age, and that of any date up to 2000, is `N/A`.
 */
export function historyRows(ids: readonly string[], config: ImageConfig, layerSizes: readonly number[], options: HistoryOptions): HistoryRow[] {
  const history = config.history ?? []
  let layer = 0
  const rows = history.map((entry): HistoryRow => {
    const size = entry.empty_layer ? 0 : (layerSizes[layer++] ?? 0)
    const created = goUnixTime(entry.created ? new Date(entry.created).getTime() : 0)
    let createdBy = (entry.created_by ?? '').replaceAll('\t', ' ')
    if (!options.noTrunc && [...createdBy].length > CREATED_BY_WIDTH) createdBy = `${[...createdBy].slice(0, CREATED_BY_WIDTH - 1).join('')}…`
    const rfc3339 = goLocalRFC3339(created)
    return {
      ID: MISSING,
      CreatedAt: rfc3339,
      CreatedSince: !options.human ? rfc3339 : created.getTime() <= HISTORY_EPOCH ? 'N/A' : timeAgo(created, options.now),
      CreatedBy: createdBy,
      Size: options.human ? humanSize(size) : String(size),
      Comment: entry.comment ?? '',
    }
  })
  rows.reverse()
  for (const [index, row] of rows.slice(0, ids.length).entries()) row.ID = truncateId(ids[index]!, options.noTrunc)
  return rows
}
