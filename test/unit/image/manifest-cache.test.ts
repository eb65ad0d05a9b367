import assert from 'node:assert/strict'
import {createHash} from 'node:crypto'
import {readdir, utimes, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {describe, it} from 'node:test'
import type {ContainerdClient} from '../../../src/containerd/index.ts'
import {ManifestCache, forgetRemovedImages} from '../../../src/image/manifest-cache.ts'
import {suiteDirectory} from '../../helpers/temporary.ts'

const digestOf = (bytes: Buffer): string => `sha256:${createHash('sha256').update(bytes).digest('hex')}`

function image(seed: string) {
  const config = Buffer.from(JSON.stringify({architecture: 'amd64', os: 'linux', config: {Env: [`SEED=${seed}`]}, rootfs: {type: 'layers', diff_ids: []}}))
  const manifest = Buffer.from(JSON.stringify({schemaVersion: 2, config: {mediaType: 'application/vnd.oci.image.config.v1+json', digest: digestOf(config), size: config.length}, layers: []}))
  return {digest: digestOf(manifest), entry: {manifest, config}}
}

describe('ManifestCache', () => {
  const dataRoot = suiteDirectory('nerd-manifest-cache-')

  it('gives back what was written, under the manifest\'s digest only', async () => {
    const cache = new ManifestCache(dataRoot())
    const {digest, entry} = image('a')
    assert.equal(cache.read(digest), undefined)
    await cache.write(digest, entry)
    assert.deepEqual(cache.read(digest), entry)
    assert.equal(cache.read(image('b').digest), undefined)
    assert.equal(cache.read('sha256:../../etc/passwd'), undefined)
  })

  it('retains the entries of the manifests present only, others\' files left alone', async () => {
    const cache = new ManifestCache(dataRoot())
    await cache.retain(async () => new Set())
    const kept = image('kept')
    const gone = image('gone')
    await cache.write(kept.digest, kept.entry)
    await cache.write(gone.digest, gone.entry)
    await writeFile(join(cache.directory, 'not-an-entry'), '')
    await cache.retain(async () => new Set([kept.digest]))
    assert.deepEqual(cache.read(kept.digest), kept.entry)
    assert.equal(cache.read(gone.digest), undefined)
    assert.deepEqual((await readdir(cache.directory)).sort(), [`${kept.digest.slice('sha256:'.length)}.json`, 'not-an-entry'])
  })

  it('does not list the namespace\'s content for an empty cache', async () => {
    const client = {content: {list: () => assert.fail('content listed')}} as unknown as ContainerdClient
    await forgetRemovedImages(client, join(dataRoot(), 'no-cache-yet'))
  })

  it('ignores an entry whose bytes do not hash to their digests', async () => {
    const cache = new ManifestCache(dataRoot())
    const {digest, entry} = image('c')
    const file = join(cache.directory, `${digest.slice('sha256:'.length)}.json`)
    const forgedConfig = entry.config.toString().replace('SEED=c', 'SEED=x')
    await writeFile(file, JSON.stringify({manifest: entry.manifest.toString(), config: forgedConfig}))
    assert.equal(cache.read(digest), undefined, 'a config the manifest does not name')
    const other = image('d')
    await writeFile(file, JSON.stringify({manifest: other.entry.manifest.toString(), config: other.entry.config.toString()}))
    assert.equal(cache.read(digest), undefined, 'another manifest under this name')
    await writeFile(file, '{"manifest": 1')
    assert.equal(cache.read(digest), undefined, 'a torn file')
  })

  it('keeps the most recently written entries', async () => {
    // A data root of its own: the other tests' entries would count.
    const cache = new ManifestCache(join(dataRoot(), 'pruned'), {maxEntries: 2})
    const images = ['p1', 'p2', 'p3'].map(image)
    for (const [index, {digest, entry}] of images.entries()) {
      await cache.write(digest, entry)
      // Distinct times, whatever the file system's resolution.
      const at = new Date(Date.now() - (images.length - index) * 10_000)
      await utimes(join(cache.directory, `${digest.slice('sha256:'.length)}.json`), at, at)
    }
    await cache.write(images[2]!.digest, images[2]!.entry)
    assert.equal((await readdir(cache.directory)).length, 2)
    assert.equal(cache.read(images[0]!.digest), undefined)
    assert.deepEqual(cache.read(images[1]!.digest), images[1]!.entry)
    assert.deepEqual(cache.read(images[2]!.digest), images[2]!.entry)
  })
})
