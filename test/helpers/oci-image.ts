/**
 * Builds container images offline, with no daemon and no network, as archives that `ctr images
 * import`, `skopeo copy oci-archive:` / `docker-archive:` and `docker load` all accept: an OCI image
 * layout (`oci-layout`, `index.json`, `blobs/sha256/…`) plus docker's `manifest.json` and
 * `repositories` naming the same blobs (the shape `docker save` writes since docker 25).
 *
 * Layers are described as entry lists and written as tar streams with fixed owners, modes and
 * mtimes, in path order, so the same description always gives the same digests (re-pushing a test
 * image stores nothing new, and tests can compare digests across runs). Headers are encoded by the
 * `tar` package; digests come from node:crypto.
 */
import {createCipheriv, createHash, randomUUID} from 'node:crypto'
import type {Hash} from 'node:crypto'
import {execFileSync} from 'node:child_process'
import {createReadStream, createWriteStream} from 'node:fs'
import {mkdir, mkdtemp, readFile, rename, rm, stat, writeFile} from 'node:fs/promises'
import {dirname, join, posix} from 'node:path'
import {Readable, Transform} from 'node:stream'
import {pipeline} from 'node:stream/promises'
import {createGzip, createZstdCompress, zstdCompressSync} from 'node:zlib'
import {Header, Pax} from 'tar'

/** Content of a regular file in a layer. */
export type FileContent =
  | string
  | Buffer
  /** A file of the build machine, copied as is. */
  | {fromFile: string}
  /** `size` bytes that do not compress, the same bytes for the same seed. */
  | {pseudoRandom: number; seed: string}

interface Ownership {
  mode?: number
  uid?: number
  gid?: number
}

/** One path of a layer, relative to the image's root (a leading `/` is accepted and dropped). */
export type LayerEntry =
  | (Ownership & {type: 'dir'; path: string})
  | (Ownership & {type: 'file'; path: string; content: FileContent})
  | (Ownership & {type: 'symlink'; path: string; target: string})

export interface LayerSpec {
  entries: LayerEntry[]
  /** The history line `docker history` shows for the layer. */
  createdBy?: string
}

/** The `config` object of an image config: what a container started from the image inherits. */
export interface ContainerConfig {
  User?: string
  ExposedPorts?: Record<string, Record<string, never>>
  Env?: string[]
  Entrypoint?: string[]
  Cmd?: string[]
  Volumes?: Record<string, Record<string, never>>
  WorkingDir?: string
  Labels?: Record<string, string>
  StopSignal?: string
  Healthcheck?: {Test: string[]; Interval?: number; Timeout?: number; Retries?: number}
  Shell?: string[]
}

export interface Platform {
  architecture: string
  os: string
  variant?: string
}

export interface ImageSpec {
  /** Defaults to the build machine's (linux/amd64 or linux/arm64). */
  platform?: Partial<Platform>
  layers: LayerSpec[]
  /** `Env` defaults to a PATH. */
  config?: ContainerConfig
}

export interface ArchiveSpec {
  /** Image name, docker style: `nerd-test/busybox:latest`, `127.0.0.1:5000/x:v1`. */
  name: string
  /** One image gives a plain manifest; several give an index (a multi-platform image). */
  images: ImageSpec[]
  /** Layer compression; gzip unless told. */
  compression?: Compression
  /** OCI media types unless told; `docker` writes schema 2 manifests and a manifest list. */
  mediaTypes?: 'oci' | 'docker'
  /** The index of several images sits inside another index, as its one entry (no platform): OCI allows it. */
  nestedIndex?: boolean
  /** manifest.json and repositories alone, no OCI layout (index.json, oci-layout): a docker archive as docker wrote them before 25. */
  dockerOnly?: boolean
}

export type Compression = 'gzip' | 'zstd' | 'none'


export interface Descriptor {
  mediaType: string
  digest: string
  size: number
  platform?: Platform
  annotations?: Record<string, string>
}

export interface BuiltManifest {
  descriptor: Descriptor
  platform: Platform
  config: Descriptor
  layers: Descriptor[]
  /** Digests of the uncompressed layers, as listed in the config's `rootfs.diff_ids`. */
  diffIds: string[]
  /** Snapshot names containerd gives the layers once unpacked. */
  chainIds: string[]
}

export interface BuiltArchive {
  file: string
  /** The fully qualified name (`docker.io/nerd-test/busybox:latest`) importers give the image. */
  name: string
  /** What the name points at: the manifest, or the index of a multi-platform image. */
  target: Descriptor
  manifests: BuiltManifest[]
}

/** Modification time of every file in every layer and archive, and the images' creation time. */
export const FIXED_TIME = new Date('2024-01-01T00:00:00Z')
export const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'

const MEDIA_TYPES = {
  oci: {
    index: 'application/vnd.oci.image.index.v1+json',
    manifest: 'application/vnd.oci.image.manifest.v1+json',
    config: 'application/vnd.oci.image.config.v1+json',
    gzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
    zstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
    none: 'application/vnd.oci.image.layer.v1.tar',
  },
  docker: {
    index: 'application/vnd.docker.distribution.manifest.list.v2+json',
    manifest: 'application/vnd.docker.distribution.manifest.v2+json',
    config: 'application/vnd.docker.container.image.v1+json',
    gzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
    zstd: 'application/vnd.docker.image.rootfs.diff.tar.zstd',
    none: 'application/vnd.docker.image.rootfs.diff.tar',
  },
} as const

export function dir(path: string, ownership: Ownership = {}): LayerEntry {
  return {type: 'dir', path, ...ownership}
}

export function file(path: string, content: FileContent, ownership: Ownership = {}): LayerEntry {
  return {type: 'file', path, content, ...ownership}
}

export function symlink(path: string, target: string): LayerEntry {
  return {type: 'symlink', path, target}
}

/** Deletes `path` of the layers below (an OCI whiteout file). */
export function whiteout(path: string): LayerEntry {
  const clean = relativePath(path)
  return file(posix.join(posix.dirname(clean), `.wh.${posix.basename(clean)}`), '')
}

/** Hides everything the layers below have in directory `path` (an opaque whiteout). */
export function opaqueWhiteout(path: string): LayerEntry {
  return file(posix.join(relativePath(path), '.wh..wh..opq'), '')
}

/** `chain[0] = diffIds[0]`, `chain[i] = sha256(chain[i-1] + " " + diffIds[i])`. */
export function chainIds(diffIds: string[]): string[] {
  const chain: string[] = []
  for (const diffId of diffIds) {
    const parent = chain.at(-1)
    chain.push(parent === undefined ? diffId : `sha256:${sha256Hex(`${parent} ${diffId}`)}`)
  }
  return chain
}

export const PASSWD = [
  'root:x:0:0:root:/root:/bin/sh',
  'app:x:1000:1000:app:/home/app:/bin/sh',
  'nobody:x:65534:65534:nobody:/nonexistent:/bin/false',
  '',
].join('\n')
export const GROUP = ['root:x:0:', 'app:x:1000:', 'nobody:x:65534:', ''].join('\n')
export const INDEX_HTML = '<!doctype html>\n<title>nerd-test</title>\n<h1>nerd test page</h1>\n'

/**
 * A busybox root filesystem: `/bin/busybox` and one symlink per applet in /bin, /etc/passwd and
 * /etc/group (root, app 1000:1000, nobody), /tmp (1777), /home/app owned by app, /www/index.html,
 * and the empty directories runtimes mount over. `busybox` must be statically linked: nothing else
 * of the build machine goes into the image.
 */
export async function busyboxRootfs(busybox = '/bin/busybox'): Promise<LayerEntry[]> {
  await assertStaticExecutable(busybox)
  const applets = execFileSync(busybox, ['--list'], {encoding: 'utf8'})
    .split('\n')
    .filter((applet) => applet !== '' && applet !== 'busybox')
  return [
    dir('bin'),
    file('bin/busybox', {fromFile: busybox}, {mode: 0o755}),
    ...applets.map((applet) => symlink(`bin/${applet}`, 'busybox')),
    dir('dev'),
    dir('etc'),
    file('etc/passwd', PASSWD),
    file('etc/group', GROUP),
    dir('home'),
    dir('home/app', {uid: 1000, gid: 1000}),
    dir('proc'),
    dir('root', {mode: 0o700}),
    dir('sys'),
    dir('tmp', {mode: 0o1777}),
    dir('usr'),
    dir('usr/bin'),
    dir('var'),
    dir('www'),
    file('www/index.html', INDEX_HTML),
  ]
}

/** A layer holding one file, `payload/<index>.bin`, of `mebibytes` MiB that do not compress. */
export function payloadLayer(index: number, mebibytes: number, seed = 'nerd-test'): LayerSpec {
  return {
    entries: [file(`payload/${index}.bin`, {pseudoRandom: mebibytes * 1024 * 1024, seed: `${seed}/${index}`})],
    createdBy: `payload ${index}: ${mebibytes} MiB`,
  }
}

/** A zstd skippable frame (magic 0x184D2A50 to 0x184D2A5F) holding `size` bytes. */
export function skippableZstdFrame(size: number): Buffer {
  const frame = Buffer.alloc(8 + size, 0x41)
  frame.writeUInt32LE(0x184d2a5e, 0)
  frame.writeUInt32LE(size, 4)
  return frame
}

/**
 * `bytes` as a zstd stream of several frames, the shape of pzstd's output (and of zstd:chunked
 * layers, which add skippable frames): one frame for each piece `bytes` is cut into at `cuts`.
 */
export function zstdFrames(bytes: Buffer, cuts: number[]): Buffer {
  const ends = [...cuts, bytes.length]
  return Buffer.concat(ends.map((end, index) => zstdCompressSync(bytes.subarray(ends[index - 1] ?? 0, end))))
}

/** Writes the archive described by `spec` to `out` (a tar file). */
export async function buildImageArchive(spec: ArchiveSpec, out: string): Promise<BuiltArchive> {
  if (spec.images.length === 0) throw new Error(`image ${spec.name}: no images`)
  const media = MEDIA_TYPES[spec.mediaTypes ?? 'oci']
  const compression = spec.compression ?? 'gzip'
  const reference = imageReference(spec.name)
  await mkdir(dirname(out), {recursive: true})
  const work = await mkdtemp(join(dirname(out), '.oci-build-'))
  try {
    const blobs = new BlobDirectory(join(work, 'blobs', 'sha256'))
    await mkdir(blobs.directory, {recursive: true})

    const manifests: BuiltManifest[] = []
    for (const image of spec.images) {
      manifests.push(await writeImage(image, blobs, media, compression))
    }
    let target: Descriptor
    if (manifests.length === 1) {
      target = manifests[0].descriptor
    } else {
      const index = {
        schemaVersion: 2,
        mediaType: media.index,
        manifests: manifests.map((manifest) => ({...manifest.descriptor, platform: manifest.platform})),
      }
      target = await blobs.writeJson(index, media.index)
      if (spec.nestedIndex) target = await blobs.writeJson({schemaVersion: 2, mediaType: media.index, manifests: [target]}, media.index)
    }

    const layoutIndex = {
      schemaVersion: 2,
      mediaType: MEDIA_TYPES.oci.index,
      manifests: [{
        ...target,
        annotations: {'io.containerd.image.name': reference.fullName, 'org.opencontainers.image.ref.name': reference.tag},
      }],
    }
    // docker-archive has no notion of platforms: it describes the first image only.
    const first = manifests[0]
    const dockerManifest = [{
      Config: `blobs/sha256/${hex(first.config.digest)}`,
      RepoTags: [reference.familiarName],
      Layers: first.layers.map((layer) => `blobs/sha256/${hex(layer.digest)}`),
    }]
    const repositories = {[reference.familiarRepository]: {[reference.tag]: hex(first.layers.at(-1)?.digest ?? first.config.digest)}}

    const outerEntries: TarEntry[] = [
      tarDirectory('blobs/'),
      tarDirectory('blobs/sha256/'),
      ...await Promise.all(blobs.names().map(async (name) => {
        const path = join(blobs.directory, name)
        return tarFile(`blobs/sha256/${name}`, {fromFile: path}, (await stat(path)).size)
      })),
      ...(spec.dockerOnly ? [] : [tarFile('oci-layout', '{"imageLayoutVersion":"1.0.0"}'), tarFile('index.json', JSON.stringify(layoutIndex))]),
      tarFile('manifest.json', JSON.stringify(dockerManifest)),
      tarFile('repositories', JSON.stringify(repositories)),
    ]
    const partial = `${out}.${randomUUID()}.partial`
    await pipeline(tarStream(outerEntries), createWriteStream(partial))
    await rename(partial, out)
    return {file: out, name: reference.fullName, target, manifests}
  } finally {
    await rm(work, {recursive: true, force: true})
  }
}

async function writeImage(
  image: ImageSpec,
  blobs: BlobDirectory,
  media: (typeof MEDIA_TYPES)[keyof typeof MEDIA_TYPES],
  compression: Compression,
): Promise<BuiltManifest> {
  const platform: Platform = {architecture: hostArchitecture(), os: 'linux', ...image.platform}
  const layers: Descriptor[] = []
  const diffIds: string[] = []
  for (const layer of image.layers) {
    const written = await blobs.writeLayer(layer.entries, media[compression], compression)
    layers.push(written.descriptor)
    diffIds.push(written.diffId)
  }
  const created = FIXED_TIME.toISOString().replace('.000Z', 'Z')
  const config = {
    created,
    architecture: platform.architecture,
    ...(platform.variant === undefined ? {} : {variant: platform.variant}),
    os: platform.os,
    config: {...image.config, Env: image.config?.Env ?? [DEFAULT_PATH]},
    rootfs: {type: 'layers', diff_ids: diffIds},
    history: image.layers.map((layer, index) => ({created, created_by: layer.createdBy ?? `nerd-test layer ${index + 1}`})),
  }
  const configDescriptor = await blobs.writeJson(config, media.config)
  const manifest = {schemaVersion: 2, mediaType: media.manifest, config: configDescriptor, layers}
  const descriptor = await blobs.writeJson(manifest, media.manifest)
  return {descriptor, platform, config: configDescriptor, layers, diffIds, chainIds: chainIds(diffIds)}
}

/** The content-addressed blob directory of the layout being built. */
class BlobDirectory {
  readonly directory: string
  readonly #written = new Set<string>()

  constructor(directory: string) {
    this.directory = directory
  }

  names(): string[] {
    return [...this.#written].sort()
  }

  async writeJson(value: unknown, mediaType: string): Promise<Descriptor> {
    const bytes = Buffer.from(JSON.stringify(value))
    const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`
    if (!this.#written.has(hex(digest))) {
      await writeFile(join(this.directory, hex(digest)), bytes)
      this.#written.add(hex(digest))
    }
    return {mediaType, digest, size: bytes.length}
  }

  /** Writes a layer; the diffID is the digest of the tar before compression. */
  async writeLayer(entries: LayerEntry[], mediaType: string, compression: Compression): Promise<{descriptor: Descriptor; diffId: string}> {
    const tarEntries = await layerTarEntries(entries)
    const uncompressed = createHash('sha256')
    const stored = createHash('sha256')
    let size = 0
    const partial = join(this.directory, `.${randomUUID()}.partial`)
    const transforms: Transform[] = [hashing(uncompressed)]
    if (compression !== 'none') transforms.push(compression === 'gzip' ? createGzip() : createZstdCompress(), hashing(stored))
    transforms.push(new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        size += chunk.length
        callback(null, chunk)
      },
    }))
    await pipeline([Readable.from(tarStream(tarEntries)), ...transforms, createWriteStream(partial)])
    const diffId = `sha256:${uncompressed.digest('hex')}`
    const digest = compression === 'none' ? diffId : `sha256:${stored.digest('hex')}`
    await rename(partial, join(this.directory, hex(digest)))
    this.#written.add(hex(digest))
    return {descriptor: {mediaType, digest, size}, diffId}
  }
}

function hashing(hash: Hash): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk)
      callback(null, chunk)
    },
  })
}

interface TarEntry {
  path: string
  type: 'Directory' | 'File' | 'SymbolicLink'
  mode: number
  uid: number
  gid: number
  size: number
  linkpath?: string
  content?: FileContent
}

function tarDirectory(path: string): TarEntry {
  return {path, type: 'Directory', mode: 0o755, uid: 0, gid: 0, size: 0}
}

function tarFile(path: string, content: string | {fromFile: string}, size?: number): TarEntry {
  const length = typeof content === 'string' ? Buffer.byteLength(content) : size ?? 0
  return {path, type: 'File', mode: 0o644, uid: 0, gid: 0, size: length, content}
}

/**
 * Turns a layer description into tar entries in path order, adding the parent directories the
 * description leaves out (as docker's layers carry them) and refusing a path given twice.
 */
async function layerTarEntries(entries: LayerEntry[]): Promise<TarEntry[]> {
  const byPath = new Map<string, TarEntry>()
  for (const entry of entries) {
    const path = relativePath(entry.path)
    if (byPath.has(path)) throw new Error(`layer lists ${path} twice`)
    const owner = {uid: entry.uid ?? 0, gid: entry.gid ?? 0}
    if (entry.type === 'dir') {
      byPath.set(path, {path: `${path}/`, type: 'Directory', mode: entry.mode ?? 0o755, ...owner, size: 0})
    } else if (entry.type === 'symlink') {
      byPath.set(path, {path, type: 'SymbolicLink', mode: entry.mode ?? 0o777, ...owner, size: 0, linkpath: entry.target})
    } else {
      const size = await contentSize(entry.content)
      byPath.set(path, {path, type: 'File', mode: entry.mode ?? 0o644, ...owner, size, content: entry.content})
    }
  }
  for (const path of [...byPath.keys()]) {
    for (let parent = posix.dirname(path); parent !== '.'; parent = posix.dirname(parent)) {
      if (!byPath.has(parent)) byPath.set(parent, tarDirectory(`${parent}/`))
    }
  }
  return [...byPath.keys()].sort().map((path) => byPath.get(path) as TarEntry)
}

async function contentSize(content: FileContent): Promise<number> {
  if (typeof content === 'string') return Buffer.byteLength(content)
  if (Buffer.isBuffer(content)) return content.length
  if ('fromFile' in content) return (await stat(content.fromFile)).size
  return content.pseudoRandom
}

async function* tarStream(entries: TarEntry[]): AsyncGenerator<Buffer> {
  for (const entry of entries) {
    const fields = {
      path: entry.path,
      type: entry.type,
      mode: entry.mode,
      uid: entry.uid,
      gid: entry.gid,
      size: entry.size,
      mtime: FIXED_TIME,
      linkpath: entry.linkpath,
      uname: '',
      gname: '',
    }
    const header = new Header(fields)
    // A path or link target too long for the ustar fields travels in a PAX extended header first.
    if (header.encode()) yield new Pax({path: entry.path, linkpath: entry.linkpath, size: entry.size}).encode()
    yield header.block as Buffer
    if (entry.content === undefined || entry.size === 0) continue
    let written = 0
    for await (const chunk of contentChunks(entry.content)) {
      written += chunk.length
      yield chunk
    }
    if (written !== entry.size) throw new Error(`${entry.path}: expected ${entry.size} bytes, read ${written}`)
    const padding = (512 - (entry.size % 512)) % 512
    if (padding > 0) yield Buffer.alloc(padding)
  }
  yield Buffer.alloc(1024)
}

async function* contentChunks(content: FileContent): AsyncGenerator<Buffer> {
  if (typeof content === 'string') {
    yield Buffer.from(content)
  } else if (Buffer.isBuffer(content)) {
    yield content
  } else if ('fromFile' in content) {
    yield* createReadStream(content.fromFile)
  } else {
    // AES-CTR keystream: fast, incompressible, and a function of the seed only.
    const key = createHash('sha256').update(content.seed).digest().subarray(0, 16)
    const cipher = createCipheriv('aes-128-ctr', key, Buffer.alloc(16))
    const chunkSize = 1024 * 1024
    for (let remaining = content.pseudoRandom; remaining > 0; remaining -= chunkSize) {
      yield cipher.update(Buffer.alloc(Math.min(chunkSize, remaining)))
    }
  }
}

function relativePath(path: string): string {
  const clean = posix.normalize(path).replace(/^\/+/, '').replace(/\/+$/, '')
  if (clean === '' || clean === '.' || clean.startsWith('../')) throw new Error(`invalid layer path ${JSON.stringify(path)}`)
  return clean
}

interface ImageReference {
  fullName: string
  familiarName: string
  familiarRepository: string
  tag: string
}

/** Docker's normalisation: `nerd-test/busybox` → `docker.io/nerd-test/busybox:latest`. */
function imageReference(name: string): ImageReference {
  const match = /^([a-z0-9._:/-]+?)(?::([\w][\w.-]{0,127}))?$/.exec(name)
  if (!match) throw new Error(`invalid image name ${JSON.stringify(name)} (a lower-case name with an optional tag)`)
  const [, repository, tag = 'latest'] = match
  const [first, ...rest] = repository.split('/')
  const hasDomain = rest.length > 0 && (first.includes('.') || first.includes(':') || first === 'localhost')
  const domain = hasDomain ? first : 'docker.io'
  let path = hasDomain ? rest.join('/') : repository
  if (domain === 'docker.io' && !path.includes('/')) path = `library/${path}`
  const familiarRepository = domain === 'docker.io' ? path.replace(/^library\//, '') : `${domain}/${path}`
  return {fullName: `${domain}/${path}:${tag}`, familiarName: `${familiarRepository}:${tag}`, familiarRepository, tag}
}

function hostArchitecture(): string {
  const architectures: Record<string, string> = {x64: 'amd64', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64'}
  return architectures[process.arch] ?? process.arch
}

/** Refuses a dynamically linked executable (one with an ELF program interpreter). */
async function assertStaticExecutable(path: string): Promise<void> {
  const elf = await readFile(path)
  if (elf.length < 64 || elf.readUInt32BE(0) !== 0x7f454c46) throw new Error(`${path} is not an ELF executable`)
  if (elf[4] !== 2 || elf[5] !== 1) throw new Error(`${path}: only 64-bit little-endian ELF is supported`)
  const programHeaders = Number(elf.readBigUInt64LE(0x20))
  const entrySize = elf.readUInt16LE(0x36)
  const count = elf.readUInt16LE(0x38)
  const PT_INTERP = 3
  for (let index = 0; index < count; index++) {
    if (elf.readUInt32LE(programHeaders + index * entrySize) === PT_INTERP) {
      throw new Error(`${path} is dynamically linked; test images need a static busybox (Debian package busybox-static)`)
    }
  }
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex')
}

function hex(digest: string): string {
  return digest.slice('sha256:'.length)
}
