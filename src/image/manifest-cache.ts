/**
 * Image manifests and their configs as nerd last read them from containerd, kept under the data root
 * so that running an image again reads neither (two Content.Read streams, a few ms of every run).
 * An entry is used only when its bytes hash to the digests that name them, so it can never say
 * other than what containerd would; a missing, damaged or foreign entry is read from containerd.
 * Commands that remove images drop the entries of manifests gone from containerd (forgetRemovedImages):
 * an entry holds its image's config, Env included, which must not outlive the image.
 */
import {createHash} from 'node:crypto'
import {readFileSync} from 'node:fs'
import {mkdir, readdir, rm, stat} from 'node:fs/promises'
import {join} from 'node:path'
import type {ContainerdClient} from '../containerd/index.ts'
import {writeFileAtomic} from '../files.ts'

/** Entries kept (a few KB each); writing one more removes the least recently written. */
const DEFAULT_MAX_ENTRIES = 256

export interface CachedManifest {
  manifest: Buffer
  config: Buffer
}

export class ManifestCache {
  readonly directory: string
  readonly #maxEntries: number

  /** The cache under a data root. */
  constructor(dataRoot: string, options: {maxEntries?: number} = {}) {
    this.directory = join(dataRoot, 'cache', 'manifests')
    this.#maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES
  }

  /** The manifest named by `digest` and its config, when cached and intact. */
  read(digest: string): CachedManifest | undefined {
    const hex = digestHex(digest)
    if (hex === undefined) return undefined
    let entry: {manifest?: unknown; config?: unknown}
    try {
      entry = JSON.parse(readFileSync(join(this.directory, `${hex}.json`), 'utf8')) as typeof entry
    } catch {
      return undefined
    }
    if (typeof entry.manifest !== 'string' || typeof entry.config !== 'string') return undefined
    const manifest = Buffer.from(entry.manifest, 'utf8')
    const config = Buffer.from(entry.config, 'utf8')
    if (sha256(manifest) !== digest) return undefined
    let configDigest: unknown
    try {
      configDigest = (JSON.parse(entry.manifest) as {config?: {digest?: unknown}}).config?.digest
    } catch {
      return undefined
    }
    return sha256(config) === configDigest ? {manifest, config} : undefined
  }

  /** Keeps a manifest (named by `digest`) and its config; failing to is no one's concern. */
  async write(digest: string, entry: CachedManifest): Promise<void> {
    const hex = digestHex(digest)
    if (hex === undefined) return
    try {
      await mkdir(this.directory, {recursive: true, mode: 0o700})
      await writeFileAtomic(join(this.directory, `${hex}.json`), JSON.stringify({manifest: entry.manifest.toString('utf8'), config: entry.config.toString('utf8')}), 0o600)
      await this.#prune()
    } catch {
      // The next run reads containerd again.
    }
  }

  /** Drops the entries of the manifests `present` lacks; `present` is not asked when there is no entry. */
  async retain(present: () => Promise<ReadonlySet<string>>): Promise<void> {
    const entries = (await readdir(this.directory).catch(() => [])).flatMap((name) => {
      const hex = /^([0-9a-f]{64})\.json$/.exec(name)?.[1]
      return hex === undefined ? [] : [{name, digest: `sha256:${hex}`}]
    })
    if (entries.length === 0) return
    const digests = await present()
    for (const {name, digest} of entries) if (!digests.has(digest)) await rm(join(this.directory, name), {force: true})
  }

  async #prune(): Promise<void> {
    const names = (await readdir(this.directory)).filter((name) => name.endsWith('.json'))
    if (names.length <= this.#maxEntries) return
    const written = await Promise.all(names.map(async (name) => ({name, at: (await stat(join(this.directory, name))).mtimeMs})))
    written.sort((a, b) => a.at - b.at)
    for (const {name} of written.slice(0, names.length - this.#maxEntries)) await rm(join(this.directory, name), {force: true})
  }
}

/**
 * Drops the cache's entries of the manifests the namespace of `client` no longer has: run by the
 * commands that remove images, once they did. An entry whose image is in another namespace goes
 * too, which only costs that image's next run a read from containerd.
 */
export async function forgetRemovedImages(client: ContainerdClient, dataRoot: string): Promise<void> {
  // Listing the namespace's content costs a walk of all its blobs: not done for an empty cache.
  await new ManifestCache(dataRoot).retain(async () => {
    const present = new Set<string>()
    for await (const info of client.content.list()) present.add(info.digest)
    return present
  })
}

function digestHex(digest: string): string | undefined {
  return /^sha256:([0-9a-f]{64})$/.exec(digest)?.[1]
}

function sha256(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`
}
