/**
 * Unpacking an image into a snapshotter, as containerd's unpacker does client side: one committed
 * snapshot per layer, named by its chainID, each applied (Diff.Apply) on top of its parent's; then
 * the config blob is labelled with the top snapshot so the garbage collector keeps the chain.
 */
import {randomBytes} from 'node:crypto'
import type {ContainerdClient, Labels} from '../containerd/index.ts'
import {isAlreadyExists, isNotFound} from '../containerd/index.ts'
import {NerdError} from '../errors.ts'
import {goQuote} from '../format/index.ts'
import type {ImageUnpackPayload, UnpackLayer, UnpackPlan} from '../hooks/types.ts'
import {LABEL_GC_REF_SNAPSHOT, LABEL_SNAPSHOT_REF, LABEL_UNCOMPRESSED, chainIds, shortDigest} from './manifest.ts'
import type {Descriptor, ImageConfig, ImageManifest} from './manifest.ts'
import type {Platform, PlatformMatcher} from './platform.ts'
import type {ProgressListener} from './progress.ts'
import {addBlobLabels, readBlob, resolveImageConfig, toDescriptorInput} from './store.ts'

export const DEFAULT_SNAPSHOTTER = 'overlayfs'
/** Namespace label naming the snapshotter clients use in that namespace (ctr and nerdctl honour it). */
export const LABEL_DEFAULT_SNAPSHOTTER = 'containerd.io/defaults/snapshotter'
/** Prepare attempts when another unpack keeps taking the key and then losing the race. */
const PREPARE_ATTEMPTS = 3

/** The `nerd:image:unpack` payload without the command's flags (the command adds them). */
export type UnpackHookPayload = Omit<ImageUnpackPayload, 'flags'>
/** Returns the plan the plugins agreed on (the command runs the `nerd:image:unpack` hooks). */
export type UnpackHook = (payload: UnpackHookPayload) => Promise<UnpackPlan | undefined>

export interface UnpackImageOptions {
  /** The image record's name (also what hooks are told)... */
  name?: string
  /** ...or the root descriptor (index or manifest) to unpack. */
  target?: Descriptor
  /** Default: the host's. */
  platform?: Platform | PlatformMatcher | string
  /** Default: the namespace's default snapshotter, else overlayfs. */
  snapshotter?: string
  hooks?: {unpack?: UnpackHook}
  onProgress?: ProgressListener
  signal?: AbortSignal
}

export interface UnpackResult {
  /** The top layer's snapshot: the parent of containers' root filesystems. */
  chainId: string
  snapshotter: string
}

export interface UnpackLayersInput {
  name: string
  manifestDescriptor: Descriptor
  manifest: ImageManifest
  configDescriptor: Descriptor
  config: ImageConfig
  snapshotter: string
  plan?: UnpackPlan
  /** Resolves once layer `index`'s blob is in the content store: lets unpacking follow the download. */
  layerReady?: (index: number) => Promise<void>
  onProgress?: ProgressListener
  signal?: AbortSignal
}

/** The snapshotter of the namespace's `containerd.io/defaults/snapshotter` label, else overlayfs. */
export async function defaultSnapshotter(client: ContainerdClient): Promise<string> {
  try {
    return (await client.namespaces.get(client.namespace)).labels[LABEL_DEFAULT_SNAPSHOTTER] || DEFAULT_SNAPSHOTTER
  } catch (error) {
    if (isNotFound(error)) return DEFAULT_SNAPSHOTTER
    throw error
  }
}

/** What each layer becomes: its descriptor, diffID and the chainID naming its snapshot. */
export function unpackLayerList(manifest: ImageManifest, config: ImageConfig, what: string): UnpackLayer[] {
  const diffIds = config.rootfs.diff_ids
  if (diffIds.length !== manifest.layers.length) {
    throw new NerdError(`${what}: the manifest has ${manifest.layers.length} layers, the config lists ${diffIds.length} diff IDs`)
  }
  const chain = chainIds(diffIds)
  return manifest.layers.map((descriptor, index) => ({descriptor, diffId: diffIds[index], chainId: chain[index]}))
}

/** `extract-<nanoseconds>-<4 base64url chars> <chainID>`: containerd's unpacker key format. */
function extractKey(chainId: string): string {
  return `extract-${process.hrtime.bigint() % 1_000_000_000n}-${randomBytes(3).toString('base64url')} ${chainId}`
}

/**
 * Whether a snapshot exists. Under a lease one found is added to the lease and looked up again, as
 * containerd's Prepare does for an existing target: a chain left unreferenced by a failed unpack
 * could otherwise be collected after this unpack decided to build on it. One not found is not added
 * (Prepare under the lease holds what it makes): a fresh unpack saves a transaction per layer.
 */
async function snapshotExists(client: ContainerdClient, snapshotter: string, key: string): Promise<boolean> {
  const found = await snapshotPresent(client, snapshotter, key)
  if (!found || client.lease === undefined) return found
  await client.leases.addResource(client.lease, {id: key, type: `snapshots/${snapshotter}`})
  return snapshotPresent(client, snapshotter, key)
}

/** Whether the snapshot `key` is there. */
export async function snapshotPresent(client: ContainerdClient, snapshotter: string, key: string): Promise<boolean> {
  try {
    await client.snapshots.stat(snapshotter, key)
    return true
  } catch (error) {
    if (isNotFound(error)) return false
    throw error
  }
}

async function removeQuietly(client: ContainerdClient, snapshotter: string, key: string): Promise<void> {
  await client.snapshots.remove(snapshotter, key).catch(() => undefined)
}

/**
 * Applies one layer on top of `parent` as snapshot `chainId`. Returns false when the snapshot was
 * there already (committed by someone else meanwhile).
 */
async function applyLayer(client: ContainerdClient, input: UnpackLayersInput, layer: UnpackLayer, parent: string, snapshotter: string): Promise<boolean> {
  const layerPlan = input.plan?.layers?.[layer.descriptor.digest]
  const labels: Labels = {...input.plan?.labels, ...layerPlan?.labels, [LABEL_SNAPSHOT_REF]: layer.chainId}
  for (let attempt = 1; ; attempt++) {
    const key = extractKey(layer.chainId)
    let mounts
    try {
      mounts = await client.snapshots.prepare({snapshotter, key, parent, labels})
    } catch (error) {
      // With the snapshot.ref label, Prepare refuses when the chain already exists.
      if (!isAlreadyExists(error)) throw error
      if (await snapshotExists(client, snapshotter, layer.chainId)) return false
      if (attempt >= PREPARE_ATTEMPTS) throw error
      continue
    }
    try {
      const applying = layerPlan?.apply ?? layer.descriptor
      const applied = await client.diff.apply(
        {diff: toDescriptorInput(applying), mounts, ...(layerPlan?.payloads ? {payloads: layerPlan.payloads} : {})},
        {signal: input.signal},
      ).catch((error: unknown) => {
        if (input.signal?.aborted) throw error
        // containerd's unpacker's words, which docker passes on: they name the layer that failed.
        throw new NerdError(`failed to extract layer (${applying.mediaType} ${applying.digest}) to ${snapshotter} as ${goQuote(key)}: ${(error as Error).message}`, {cause: error})
      })
      if (applied.digest !== layer.diffId) {
        throw new NerdError(`layer ${layer.descriptor.digest} unpacks to ${applied.digest}, the image config says ${layer.diffId}`)
      }
      await client.snapshots.commit({snapshotter, name: layer.chainId, key, labels})
      return true
    } catch (error) {
      await removeQuietly(client, snapshotter, key)
      if (isAlreadyExists(error)) return false
      throw error
    }
  }
}

/**
 * Unpacks a manifest's layers in order under the client's lease (the caller holds one: snapshots
 * are referenced by the config label only at the end). A layer whose chainID is already committed
 * is skipped. With `layerReady`, each layer starts as soon as its blob is there and its parent done.
 */
export async function unpackLayers(client: ContainerdClient, input: UnpackLayersInput): Promise<UnpackResult> {
  const {snapshotter} = input
  const layers = unpackLayerList(input.manifest, input.config, `image ${input.name}`)
  // Layers are applied one after the other, so only Prepare, Apply and Commit stay in that chain:
  // which layers exist is asked of all at once (while their blobs may still download), and the
  // blobs' labels are written beside the next layers' work.
  const existing = await Promise.all(layers.map((layer) => snapshotExists(client, snapshotter, layer.chainId)))
  const labelling: Array<Promise<void>> = []
  let parent = ''
  for (const [index, layer] of layers.entries()) {
    await input.layerReady?.(index)
    input.signal?.throwIfAborted()
    if (!existing[index]) {
      const id = shortDigest(layer.descriptor.digest)
      input.onProgress?.({id, kind: 'layer', digest: layer.descriptor.digest, status: 'unpacking'})
      if (await applyLayer(client, input, layer, parent, snapshotter)) {
        const labelled = addBlobLabels(client, layer.descriptor.digest, {[LABEL_UNCOMPRESSED]: layer.diffId})
        // Its failure is seen below, where all of them are awaited.
        labelled.catch(() => undefined)
        labelling.push(labelled)
      }
      input.onProgress?.({id, kind: 'layer', digest: layer.descriptor.digest, status: 'done'})
    }
    parent = layer.chainId
  }
  await Promise.all(labelling)
  if (parent === '') throw new NerdError(`image ${input.name} has no layers to unpack`)
  await addBlobLabels(client, input.configDescriptor.digest, {[`${LABEL_GC_REF_SNAPSHOT}.${snapshotter}`]: parent})
  return {chainId: parent, snapshotter}
}

/** Asks the unpack hook for a plan; its snapshotter choice wins over the caller's. */
export async function unpackPlan(
  client: ContainerdClient,
  hook: UnpackHook | undefined,
  input: {name: string; manifestDescriptor: Descriptor; manifest: ImageManifest; config: ImageConfig; snapshotter: string},
): Promise<UnpackPlan> {
  if (!hook) return {}
  const payload: UnpackHookPayload = {
    name: input.name,
    descriptor: input.manifestDescriptor,
    manifest: input.manifest,
    config: input.config,
    layers: unpackLayerList(input.manifest, input.config, `image ${input.name}`),
    snapshotter: input.snapshotter,
    plan: {},
    readBlob: (digest) => readBlob(client, digest),
  }
  return (await hook(payload)) ?? {}
}

/**
 * Unpacks an image (by name or root descriptor) for a platform into a snapshotter; a no-op for
 * layers already there. Runs under the client's lease, or a new one when the client has none.
 */
export async function unpackImage(client: ContainerdClient, options: UnpackImageOptions): Promise<UnpackResult> {
  const image = options.target ?? options.name
  if (image === undefined) throw new NerdError('unpack: an image name or target descriptor is required')
  const name = options.name ?? options.target?.digest ?? ''
  const run = async (leased: ContainerdClient): Promise<UnpackResult> => {
    const resolved = await resolveImageConfig(leased, image, options.platform)
    const requested = options.snapshotter ?? (await defaultSnapshotter(leased))
    const plan = await unpackPlan(leased, options.hooks?.unpack, {...resolved, name, snapshotter: requested})
    return unpackLayers(leased, {
      ...resolved,
      name,
      snapshotter: plan.snapshotter ?? requested,
      plan,
      onProgress: options.onProgress,
      signal: options.signal,
    })
  }
  return client.lease === undefined ? client.withLease(run) : run(client)
}
