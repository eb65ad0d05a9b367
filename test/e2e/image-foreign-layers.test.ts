/**
 * Foreign (non-distributable) layers, end to end with the built nerd: a layer whose descriptor
 * lists `urls` is fetched from them first (a Windows base layer is served only there), from the
 * registry when none of them gives it, and checked against its digest either way.
 */
import assert from 'node:assert/strict'
import {execFile} from 'node:child_process'
import {mkdtemp, readFile, rm} from 'node:fs/promises'
import {createServer} from 'node:http'
import type {Server} from 'node:http'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {promisify} from 'node:util'
import {after, before, describe, it} from 'node:test'
import {freePort, putManifest, startRegistry, uploadBlob} from '../helpers/registry.ts'
import type {RunningRegistry} from '../helpers/registry.ts'
import {nerd} from '../helpers/e2e.ts'
import {buildImageArchive, busyboxRootfs, file} from '../helpers/oci-image.ts'
import type {BuiltArchive, Descriptor} from '../helpers/oci-image.ts'

const run = promisify(execFile)
const FOREIGN_LAYER = 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip'

let workDir: string
let registry: RunningRegistry
/** One image per test, by repository: their foreign layers differ, so none is in the content store from another test. */
const images = new Map<string, BuiltArchive>()
let blobDir: string
/** Serves /<repository> (that image's foreign layer), /corrupt (as many other bytes as e2e/corrupt's layer); 404 for anything else. Logs the paths asked for. */
let layerServer: Server
let layerPort: number
const requests: string[] = []

function blob(descriptor: Descriptor): Promise<Buffer> {
  return readFile(join(blobDir, 'blobs', 'sha256', descriptor.digest.slice('sha256:'.length)))
}

/**
 * Pushes the test image to `repository` with its second layer made foreign, listing `urls`; its
 * blob goes to the registry too when `layerInRegistry`.
 */
async function pushWithForeignLayer(repository: string, urls: string[], layerInRegistry: boolean): Promise<void> {
  const [built] = (images.get(repository) as BuiltArchive).manifests
  const [base, foreign] = built.layers
  await uploadBlob(registry.host, repository, await blob(built.config))
  await uploadBlob(registry.host, repository, await blob(base))
  if (layerInRegistry) await uploadBlob(registry.host, repository, await blob(foreign))
  const manifest = {
    schemaVersion: 2,
    mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
    config: {mediaType: built.config.mediaType, digest: built.config.digest, size: built.config.size},
    layers: [
      {mediaType: base.mediaType, digest: base.digest, size: base.size},
      {mediaType: FOREIGN_LAYER, digest: foreign.digest, size: foreign.size, urls},
    ],
  }
  await putManifest(registry.host, repository, 'v1', manifest.mediaType, Buffer.from(JSON.stringify(manifest)))
}

describe('foreign layers', () => {
  before(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'nerd-foreign-'))
    layerPort = await freePort()
    registry = await startRegistry({dir: join(workDir, 'registry'), allowLayerUrls: ['^http://127\\.0\\.0\\.1']})
    blobDir = join(workDir, 'blobs')
    await run('mkdir', ['-p', blobDir])
    const base = {entries: await busyboxRootfs()}
    const layers = new Map<string, Buffer>()
    for (const repository of ['e2e/urlonly', 'e2e/both', 'e2e/corrupt']) {
      const built = await buildImageArchive({
        name: `nerd-e2e/${repository}:v1`,
        images: [{layers: [base, {entries: [file('etc/foreign', `${repository} from the url\n`)]}]}],
        mediaTypes: 'docker',
      }, join(workDir, `${repository.replace('/', '-')}.tar`))
      await run('tar', ['-C', blobDir, '-xf', built.file])
      images.set(repository, built)
      layers.set(`/${repository}`, await blob(built.manifests[0].layers[1]))
    }
    layerServer = createServer((request, response) => {
      requests.push(request.url ?? '')
      const layer = layers.get(request.url ?? '')
      if (layer) response.end(layer)
      else if (request.url === '/corrupt') response.end(Buffer.alloc((layers.get('/e2e/corrupt') as Buffer).length, 1))
      else response.writeHead(404).end()
    })
    await new Promise<void>((resolve) => layerServer.listen(layerPort, '127.0.0.1', resolve))
  })

  after(async () => {
    await new Promise((resolve) => layerServer?.close(resolve))
    await registry?.stop()
    if (workDir) await rm(workDir, {recursive: true, force: true})
  })

  it('pulls a layer the registry does not have from the first of its urls that serves it', async () => {
    const name = `${registry.host}/e2e/urlonly:v1`
    await pushWithForeignLayer('e2e/urlonly', [`http://127.0.0.1:${layerPort}/missing`, `http://127.0.0.1:${layerPort}/e2e/urlonly`], false)
    requests.length = 0
    const pulled = await nerd(['pull', '-q', name])
    assert.equal(pulled.code, 0, pulled.stderr)
    assert.deepEqual(requests, ['/missing', '/e2e/urlonly'])
    const ran = await nerd(['run', '--rm', name, 'cat', '/etc/foreign'])
    assert.equal(ran.code, 0, ran.stderr)
    assert.equal(ran.stdout, 'e2e/urlonly from the url\n')
    assert.equal((await nerd(['rmi', name])).code, 0)
  })

  it('pulls the layer from the registry when no url gives it; bytes that are not the layer fail the pull', async () => {
    const closed = await freePort()
    const name = `${registry.host}/e2e/both:v1`
    await pushWithForeignLayer('e2e/both', [`http://127.0.0.1:${closed}/layer`], true)
    const pulled = await nerd(['pull', '-q', name])
    assert.equal(pulled.code, 0, pulled.stderr)
    assert.equal((await nerd(['rmi', name])).code, 0)

    const corrupt = `${registry.host}/e2e/corrupt:v1`
    await pushWithForeignLayer('e2e/corrupt', [`http://127.0.0.1:${layerPort}/corrupt`], false)
    const failed = await nerd(['pull', '-q', corrupt])
    assert.equal(failed.code, 1)
    assert.match(failed.stderr, /digest/)
    assert.equal((await nerd(['images', '-q', corrupt])).stdout, '')
  })
})
