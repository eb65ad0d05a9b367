/**
 * `import`: a root filesystem tarball (plain, gzip, zstd, bzip2 or xz) becomes a one-layer image.
 * The layer is stored as docker's daemon stores it: gzip and zstd tarballs as they are, any other
 * recompressed with gzip. It is read through first (truncation is refused, its diffID, the digest
 * of the tar itself, computed); the config takes `--change` instructions and a history entry with
 * the message. Sources: a file, `-` or a stream (stdin), an http(s) URL.
 */
import {createHash, randomBytes} from 'node:crypto'
import {createReadStream, createWriteStream} from 'node:fs'
import {open, rm, stat} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import type {Transform} from 'node:stream'
import {pipeline} from 'node:stream/promises'
import {fileURLToPath} from 'node:url'
import {createGzip} from 'node:zlib'
import type {ContainerdClient} from '../../containerd/index.ts'
import {NerdError} from '../../errors.ts'
import {publishEvents} from '../../system/nerd-events.ts'
import {onEarlyExit} from '../../early-exit.ts'
import {openFailure} from '../../files.ts'
import {makeOwnedDir, removeOrphanedDirs} from '../../owner.ts'
import type {ImageConfig, ImageRuntimeConfig} from '../../hooks/types.ts'
import {imageEvent} from '../events.ts'
import {childGcLabels} from '../manifest.ts'
import type {Descriptor, ImageManifest} from '../manifest.ts'
import {hostPlatform, parsePlatform} from '../platform.ts'
import {normalizedName, parseReference} from '../reference.ts'
import {MEDIA_TYPE_OCI_CONFIG, MEDIA_TYPE_OCI_LAYER_GZIP, MEDIA_TYPE_OCI_MANIFEST} from '../registry/media-types.ts'
import {failureCause, failureCode, plainHttpAnswer, send} from '../registry/transport.ts'
import type {HttpResponse} from '../registry/transport.ts'
import {jsonBlob, writeBlob} from '../store.ts'
import {unpackImage} from '../unpack.ts'
import {applyChanges} from './changes.ts'
import {MAGIC_BYTES, decompress, detectCompression, peek} from './compression.ts'
import {nameImage} from '../records.ts'
import {readTar, startsLikeTar} from './tar-reader.ts'
import type {LoadedImage} from '../records.ts'

/** A file path, `-` (stdin), an http(s) URL (as text or URL), or a stream of the tarball. */
export type ImportSource = string | URL | AsyncIterable<Uint8Array>

export interface ImportOptions {
  /** The image's name; without one the image is dangling. */
  reference?: string
  /** Dockerfile instructions applied to the config (`CMD ["sh"]`, `ENV A=1`, …). */
  changes?: readonly string[]
  /** `os/arch[/variant]` written in the config; default the host's. */
  platform?: string
  /** The history entry's comment; default `Imported from <URL>` or `Imported from -`, as docker's. */
  message?: string
  /** Default: the namespace's default snapshotter, else overlayfs. */
  snapshotter?: string
  /** Called when a URL answers, before its body is read: docker's `Downloading from <url>` moment. */
  onDownload?: (address: string) => void
  signal?: AbortSignal
}

export type ImportedImage = LoadedImage & {configDigest: string}

const MEDIA_TYPE_OCI_LAYER_ZSTD = 'application/vnd.oci.image.layer.v1.tar+zstd'
const TAR_BLOCK = 512
/**
 * The directory a tarball of unknown size (stdin, a stream, a download) is spooled in first, as
 * containerd's content writer needs the size up front: in the system's temporary directory, this
 * prefix, its nerd (owner.ts), a random part.
 */
const SPOOL_DIR_PREFIX = 'nerd-import-'

/** The tarball as a file of known size; `dispose` removes it when it is a spooled copy. */
interface LocalTarball {
  path: string
  size: number
  /** How errors name the source: the path, the URL, or `-`. */
  description: string
  /**
   * How the history entry names the source, as docker's: the URL of a download, else `-` (docker's
   * CLI sends a file as it sends stdin).
   */
  sourceName: string
  dispose(): Promise<void>
}

/** As docker's CLI tells them: by the prefix as typed (`HTTP://…` is a file name). */
function isUrl(source: string): boolean {
  return source.startsWith('http://') || source.startsWith('https://')
}

async function spool(stream: AsyncIterable<Uint8Array>, description: string, sourceName: string, options: ImportOptions, transform?: Transform): Promise<LocalTarball> {
  const [directory] = await Promise.all([makeOwnedDir(tmpdir(), SPOOL_DIR_PREFIX), removeOrphanedSpoolDirs()])
  const remove = (): Promise<void> => rm(directory, {recursive: true, force: true})
  // Whatever ends the import, nerd ended early too, the copy goes.
  const registered = onEarlyExit(remove)
  const dispose = async (): Promise<void> => {
    registered()
    await remove()
  }
  try {
    const path = join(directory, 'rootfs')
    await (transform ? pipeline(stream, transform, createWriteStream(path), {signal: options.signal}) : pipeline(stream, createWriteStream(path), {signal: options.signal}))
    return {path, size: (await stat(path)).size, description, sourceName, dispose}
  } catch (error) {
    await dispose()
    throw error
  }
}

/** Removes the spooled tarballs that nerds killed outright (SIGKILL) left. */
export function removeOrphanedSpoolDirs(): Promise<void> {
  return removeOrphanedDirs(tmpdir(), SPOOL_DIR_PREFIX)
}

/**
 * A download, over nerd's own HTTP transport: Node's fetch (its bundled undici) can fail an
 * assertion outside any promise, killing nerd, when a server that closes the connection to end
 * the body (an HTTP/1.0 one, as `python3 -m http.server`) does so while the body is paused.
 */
async function download(url: URL, address: string, options: ImportOptions): Promise<LocalTarball> {
  let response: HttpResponse
  try {
    response = await send({method: 'GET', url: url.href, headers: {}, signal: options.signal})
  } catch (error) {
    if (options.signal?.aborted) throw error
    throw new NerdError(`Get "${address}": ${goRequestFailure(url, error)}`, {cause: error})
  }
  if (!response.ok) {
    // docker's daemon (remotecontext.GetWithStatusError) quotes the server's answer.
    const body = await response.text().catch(() => undefined)
    const failed = `failed to GET ${address} with status ${`${response.status} ${response.statusText}`.trimEnd()}`
    throw new NerdError(body === undefined ? `${failed}: error reading body` : `${failed}: ${body.trim()}`)
  }
  options.onDownload?.(address)
  try {
    return await spool(response.body, url.href, url.href, options)
  } catch (error) {
    if (options.signal?.aborted || error instanceof NerdError) throw error
    throw new NerdError(`cannot fetch ${url.href}: ${failureCause(error)}`, {cause: error})
  }
}

/** How Go's HTTP client words a request that got no answer; a refused connection as its dialer says it. */
function goRequestFailure(url: URL, error: unknown): string {
  if (plainHttpAnswer(error)) return 'http: server gave HTTP response to HTTPS client'
  if (failureCode(error) !== 'ECONNREFUSED') return failureCause(error)
  const port = url.port === '' ? (url.protocol === 'https:' ? '443' : '80') : url.port
  return `dial tcp ${url.hostname}:${port}: connect: connection refused`
}

async function localTarball(source: ImportSource, options: ImportOptions): Promise<LocalTarball> {
  if (source instanceof URL) {
    if (source.protocol === 'file:') return localTarball(fileURLToPath(source), options)
    if (source.protocol === 'http:' || source.protocol === 'https:') return download(source, source.href, options)
    throw new NerdError(`cannot import from ${source.href}: only files, - (stdin) and http(s) URLs are supported`)
  }
  if (typeof source !== 'string') return spool(source, '-', '-', options)
  if (source === '-') return spool(process.stdin, '-', '-', options)
  if (isUrl(source)) return download(new URL(source), source, options)
  let info
  try {
    info = await stat(source)
  } catch (error) {
    throw new NerdError(openFailure(source, error), {cause: error})
  }
  if (info.isDirectory()) throw new NerdError(`cannot import ${source}: it is a directory`)
  // A pipe (`<(…)`, a FIFO) has no size until read: it is spooled like stdin.
  if (!info.isFile()) return spool(createReadStream(source), source, '-', options)
  return {path: source, size: info.size, description: source, sourceName: '-', dispose: async () => undefined}
}

/** The first bytes of a file: its compression's magic number. */
async function readHead(path: string): Promise<Buffer> {
  const file = await open(path)
  try {
    const head = Buffer.alloc(MAGIC_BYTES)
    const {bytesRead} = await file.read(head, 0, MAGIC_BYTES, 0)
    return head.subarray(0, bytesRead)
  } finally {
    await file.close()
  }
}

function notATar(tarball: LocalTarball): NerdError {
  return new NerdError(`cannot import ${tarball.description}: it is not a tar archive`)
}

/**
 * Reads the archive through, as docker's daemon does while it unpacks it (Go's archive/tar): one
 * cut inside an entry's data or padding is truncated, and is refused before anything is stored
 * (containerd's unpacking would name its temporary mount, or not notice a cut padding at all).
 * Returns the digest of the tar itself (the diffID), whatever follows its end included.
 */
async function checkArchive(tarball: LocalTarball, signal: AbortSignal | undefined): Promise<string> {
  const file = createReadStream(tarball.path, {highWaterMark: 1 << 20, signal})
  const diffId = createHash('sha256')
  let tar: AsyncIterator<Buffer> | undefined
  try {
    const {head, rest} = await peek(decompress(file, `the tarball ${tarball.description}`), TAR_BLOCK)
    if (!startsLikeTar(head)) throw notATar(tarball)
    const iterator = rest[Symbol.asyncIterator]()
    tar = iterator
    const next = async (): Promise<IteratorResult<Buffer>> => {
      const step = await iterator.next()
      if (!step.done) diffId.update(step.value)
      return step
    }
    // The tar reader stops at the end marker; the bytes after it are digested below.
    const hashed: AsyncIterable<Buffer> = {[Symbol.asyncIterator]: () => ({next, return: async () => ({done: true, value: undefined})})}
    // The entries' bodies, left unread, are skipped: reaching the end checks every entry's length.
    for await (const entry of readTar(hashed)) void entry
    while (!(await next()).done);
    return `sha256:${diffId.digest('hex')}`
  } finally {
    // Refused early, the decompressor and the file are let go without reading on.
    await tar?.return?.()
    file.destroy()
  }
}

/**
 * The tarball as the layer is stored, with its media type and diffID: gzip and zstd as they come,
 * anything else (plain, bzip2, xz) decompressed and gzip-compressed into a spooled copy, as docker's
 * daemon does. The check reads whichever is cheaper to read through: a plain tarball before its
 * copy is made (a bad one makes none), a bzip2 or xz one as its gzip copy.
 */
async function layerTarball(tarball: LocalTarball, options: ImportOptions): Promise<{tarball: LocalTarball; mediaType: string; diffId: string}> {
  if (tarball.size === 0) throw new NerdError(`cannot import ${tarball.description}: it is empty`)
  const compression = detectCompression(await readHead(tarball.path))
  if (compression === 'gzip') return {tarball, mediaType: MEDIA_TYPE_OCI_LAYER_GZIP, diffId: await checkArchive(tarball, options.signal)}
  if (compression === 'zstd') return {tarball, mediaType: MEDIA_TYPE_OCI_LAYER_ZSTD, diffId: await checkArchive(tarball, options.signal)}
  const plainDiffId = compression === 'none' ? await checkArchive(tarball, options.signal) : undefined
  const uncompressed = decompress(createReadStream(tarball.path, {highWaterMark: 1 << 20, signal: options.signal}), `the tarball ${tarball.description}`)
  const gzipped = await spool(uncompressed, tarball.description, tarball.sourceName, options, createGzip())
  try {
    return {tarball: gzipped, mediaType: MEDIA_TYPE_OCI_LAYER_GZIP, diffId: plainDiffId ?? (await checkArchive(gzipped, options.signal))}
  } catch (error) {
    await gzipped.dispose()
    throw error
  }
}

/** Streams the checked tarball into the content store as the layer. */
async function storeLayer(client: ContainerdClient, tarball: LocalTarball, mediaType: string, signal: AbortSignal | undefined): Promise<Descriptor> {
  const stored = createHash('sha256')
  async function* hashed(): AsyncGenerator<Buffer, void, undefined> {
    for await (const chunk of createReadStream(tarball.path, {highWaterMark: 1 << 20, signal})) {
      stored.update(chunk as Buffer)
      yield chunk as Buffer
    }
  }
  const ref = `nerd-import-${Date.now()}-${randomBytes(4).toString('hex')}`
  try {
    // The digest is not known before the bytes pass: containerd commits what arrived (no `expected`).
    await client.content.write(ref, () => hashed(), {expected: '', total: tarball.size, signal})
    return {mediaType, digest: `sha256:${stored.digest('hex')}`, size: tarball.size}
  } catch (error) {
    await client.content.abort(ref).catch(() => undefined)
    throw error
  }
}

/** The config of an imported image: the platform, the changes, the one layer and its history. */
export function importedConfig(input: {platform: string | undefined; changes: readonly string[]; diffId: string; comment: string; created: Date}): ImageConfig {
  const platform = input.platform === undefined ? hostPlatform() : parsePlatform(input.platform)
  const created = input.created.toISOString()
  const runtime: ImageRuntimeConfig = applyChanges({}, input.changes)
  return {
    created,
    architecture: platform.architecture,
    os: platform.os,
    ...(platform.variant ? {variant: platform.variant} : {}),
    config: runtime,
    rootfs: {type: 'layers', diff_ids: [input.diffId]},
    history: [{created, comment: input.comment}],
  }
}

/**
 * Imports a root filesystem tarball as a one-layer image, unpacks it and names it (or records it
 * as dangling). Everything happens under a lease: a failure leaves no image.
 */
export async function importRootfs(client: ContainerdClient, source: ImportSource, options: ImportOptions = {}): Promise<ImportedImage> {
  // Everything that can be refused without reading the tarball is refused first.
  const changes = options.changes ?? []
  applyChanges({}, changes)
  if (options.platform !== undefined) parsePlatform(options.platform)
  // The name as typed, refused in the reference parser's words, as docker's daemon does.
  const typed = options.reference === undefined ? undefined : parseReference(options.reference)
  const name = typed === undefined ? undefined : normalizedName(typed)
  if (typed?.digest !== undefined) throw new NerdError('cannot import digest reference')
  const given = await localTarball(source, options)
  let tarball = given
  try {
    const stored = await layerTarball(given, options)
    tarball = stored.tarball
    return await client.withLease(async (leased) => {
      const layer = await storeLayer(leased, tarball, stored.mediaType, options.signal)
      const configDocument = importedConfig({platform: options.platform, changes, diffId: stored.diffId, comment: options.message || `Imported from ${tarball.sourceName}`, created: new Date()})
      const config = jsonBlob(configDocument, MEDIA_TYPE_OCI_CONFIG)
      await writeBlob(leased, config.descriptor, config.bytes)
      const manifestDocument: ImageManifest = {schemaVersion: 2, mediaType: MEDIA_TYPE_OCI_MANIFEST, config: config.descriptor, layers: [layer]}
      const manifest = jsonBlob(manifestDocument, MEDIA_TYPE_OCI_MANIFEST)
      await writeBlob(leased, manifest.descriptor, manifest.bytes, {labels: childGcLabels(MEDIA_TYPE_OCI_MANIFEST, manifestDocument)})
      await unpackImage(leased, {name: options.reference ?? manifest.descriptor.digest, target: manifest.descriptor, snapshotter: options.snapshotter, signal: options.signal})
      const [recorded] = await nameImage(leased, {names: name === undefined ? [] : [name], target: manifest.descriptor}, config.descriptor.digest)
      // docker's order: the name's tag, then the import.
      const image = {id: config.descriptor.digest, config: configDocument}
      await publishEvents(leased, [...(recorded.familiarName === undefined ? [] : [imageEvent('tag', image, recorded.familiarName)]), imageEvent('import', image)])
      return {...recorded, configDigest: config.descriptor.digest}
    })
  } finally {
    await tarball.dispose()
    if (tarball !== given) await given.dispose()
  }
}
