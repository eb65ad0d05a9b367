/**
 * Images other tools make that nerd met only in the wild, end to end with the built nerd: an index
 * inside an index, a docker archive with zstd layers, an OCI artifact, an AI model, a layer that
 * does not extract. Content reaches the test registry byte for byte (pushLayout), as skopeo cannot
 * copy some of it.
 */
import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {createHash} from 'node:crypto'
import {mkdir, mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {hostPlatform} from '../../src/image/platform.ts'
import {nerdOk} from '../helpers/containers.ts'
import {ctr, nerd, skopeo, testEnvironment} from '../helpers/e2e.ts'
import {buildImageArchive, busyboxRootfs, file} from '../helpers/oci-image.ts'
import type {BuiltArchive, LayerSpec} from '../helpers/oci-image.ts'
import {pushLayout, putManifest, uploadBlob} from '../helpers/registry.ts'

const host = hostPlatform().architecture
const other = host === 'arm64' ? 'amd64' : 'arm64'

let workDir: string
let base: LayerSpec

function sha256(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`
}

/** Builds an archive and unpacks it beside it (its OCI layout, to push from). */
async function built(name: string, spec: Omit<Parameters<typeof buildImageArchive>[0], 'name'>): Promise<{archive: BuiltArchive; layout: string}> {
  const archive = await buildImageArchive({name, ...spec}, join(workDir, `${name.replaceAll(/[/:]/g, '_')}.tar`))
  const layout = join(workDir, name.replaceAll(/[/:]/g, '_'))
  await mkdir(layout, {recursive: true})
  execFileSync('tar', ['-C', layout, '-xf', archive.file])
  return {archive, layout}
}

/** Two platforms, the host's and another, each with /etc/platform naming it, their index inside another index. */
function nestedSpec() {
  const image = (architecture: string) => ({platform: {architecture}, layers: [base, {entries: [file('etc/platform', `${architecture}\n`)]}], config: {Cmd: ['sh']}})
  return {images: [image(host), image(other)], nestedIndex: true}
}

/** The digests of the blobs in this file's namespace. */
async function contentDigests(): Promise<string> {
  const listed = await ctr(['content', 'ls', '-q'])
  assert.equal(listed.code, 0, listed.stderr)
  return listed.stdout
}

/** Puts in the registry a manifest whose config and one layer have these media types; its blobs' digests, manifest first. */
async function pushArtifact(repository: string, configMediaType: string, layerMediaType: string): Promise<string[]> {
  const config = Buffer.from('{}')
  const data = Buffer.from('not an image\n')
  await uploadBlob(testEnvironment.registry, repository, config)
  await uploadBlob(testEnvironment.registry, repository, data)
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    artifactType: 'application/vnd.example.thing',
    config: {mediaType: configMediaType, digest: sha256(config), size: config.length, data: config.toString('base64')},
    layers: [{mediaType: layerMediaType, digest: sha256(data), size: data.length}],
  }))
  await putManifest(testEnvironment.registry, repository, 'v1', 'application/vnd.oci.image.manifest.v1+json', manifest)
  return [sha256(manifest), sha256(config), sha256(data)]
}

async function assertNothingStored(digests: string[]): Promise<void> {
  const stored = await contentDigests()
  for (const digest of digests) assert.ok(!stored.includes(digest), `${digest} was stored`)
}

describe('image interoperability', () => {
  before(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'nerd-interop-'))
    base = {entries: await busyboxRootfs()}
  })

  after(async () => {
    if (workDir) await rm(workDir, {recursive: true, force: true})
  })

  it('pulls an index inside an index for the platform asked for, as containerd follows it; run, inspect and history then work', async () => {
    const {archive, layout} = await built('interop/nested-pull:v1', nestedSpec())
    const name = `${testEnvironment.registry}/interop/nested-pull:v1`
    await pushLayout(testEnvironment.registry, layout, archive.target, 'interop/nested-pull', 'v1')
    const pulled = await nerd(['pull', '-q', name])
    assert.equal(pulled.code, 0, pulled.stderr)
    assert.equal(await nerdOk(['run', '--rm', name, 'cat', '/etc/platform']), `${host}\n`)
    const hostManifest = archive.manifests[0]
    assert.equal((await nerdOk(['image', 'inspect', '-f', '{{.Id}}', name])).trim(), hostManifest.config.digest)
    assert.equal((await nerdOk(['history', '-q', name])).split('\n').filter(Boolean).length, 2)
    const otherPulled = await nerd(['pull', '-q', '--platform', `linux/${other}`, name])
    assert.equal(otherPulled.code, 0, otherPulled.stderr)
    assert.equal((await nerdOk(['image', 'inspect', '--platform', `linux/${other}`, '-f', '{{.Id}}', name])).trim(), archive.manifests[1].config.digest)
  })

  it('loads an index inside an index: the ID it prints is the image\'s, which run, history and push (the whole tree) then use', async () => {
    const {archive} = await built('interop/nested-load:v1', nestedSpec())
    const loaded = await nerd(['load', '-i', archive.file])
    assert.equal(loaded.code, 0, loaded.stderr)
    const name = 'interop/nested-load:v1'
    assert.equal(loaded.stdout, `Loaded image: ${name}\n`)
    assert.equal((await nerdOk(['image', 'inspect', '-f', '{{.Id}}', name])).trim(), archive.manifests[0].config.digest)
    assert.equal(await nerdOk(['run', '--rm', name, 'cat', '/etc/platform']), `${host}\n`)
    assert.equal((await nerdOk(['history', '-q', name])).split('\n').filter(Boolean).length, 2)
    const pushedName = `${testEnvironment.registry}/interop/nested-pushed:v1`
    await nerdOk(['tag', name, pushedName])
    const pushed = await nerd(['push', '-q', pushedName])
    assert.equal(pushed.code, 0, pushed.stderr)
    const raw = await skopeo(['inspect', '--tls-verify=false', '--raw', `docker://${pushedName}`])
    assert.equal(raw.code, 0, raw.stderr)
    assert.equal(sha256(Buffer.from(raw.stdout)), archive.target.digest)
  })

  it('loads a docker archive (manifest.json alone) whose layers are zstd, as containerd\'s importer does', async () => {
    const archive = await buildImageArchive({
      name: 'interop/zstd-docker:v1',
      images: [{layers: [base, {entries: [file('etc/zstd', 'zstd layer\n')]}]}],
      compression: 'zstd',
      mediaTypes: 'docker',
      dockerOnly: true,
    }, join(workDir, 'zstd-docker.tar'))
    const loaded = await nerd(['load', '-i', archive.file])
    assert.equal(loaded.code, 0, loaded.stderr)
    assert.equal(loaded.stdout, 'Loaded image: interop/zstd-docker:v1\n')
    assert.equal(await nerdOk(['run', '--rm', 'interop/zstd-docker:v1', 'cat', '/etc/zstd']), 'zstd layer\n')
  })

  it('refuses an OCI artifact in docker\'s words before anything of it is stored', async () => {
    const repository = 'interop/artifact'
    const digests = await pushArtifact(repository, 'application/vnd.oci.empty.v1+json', 'application/vnd.example.thing.data')
    const pulled = await nerd(['pull', '-q', `${testEnvironment.registry}/${repository}:v1`])
    assert.equal(pulled.code, 1)
    assert.equal(pulled.stderr, 'Error: unsupported media type application/vnd.oci.empty.v1+json\n')
    await assertNothingStored(digests)
  })

  it('refuses an AI model in docker\'s words (its own, though under the docker prefix) on pull and run', async () => {
    const name = `${testEnvironment.registry}/interop/ai:v1`
    const digests = await pushArtifact('interop/ai', 'application/vnd.docker.ai.model.config.v0.1+json', 'application/vnd.docker.ai.gguf.v3')
    const refusal = 'Error: AI models are not yet supported by the Engine, please use "docker model pull/run" instead\n'
    const pulled = await nerd(['pull', '-q', name])
    assert.equal(pulled.code, 1)
    assert.equal(pulled.stderr, refusal)
    const ran = await nerd(['run', '--rm', name])
    assert.equal(ran.code, 125)
    assert.ok(ran.stderr.endsWith(refusal), ran.stderr)
    await assertNothingStored(digests)
  })

  it('names the layer that fails to extract, as containerd\'s unpacker', async () => {
    // A gzip layer whose descriptor says it is a plain tar.
    const {archive, layout} = await built('interop/lie:v1', {images: [{layers: [base, {entries: [file('etc/lie', 'lie\n')]}]}]})
    const [image] = archive.manifests
    const repository = 'interop/lie'
    await pushLayout(testEnvironment.registry, layout, image.descriptor, repository, 'honest')
    const layers = image.layers.map((layer, index) => (index === 1 ? {...layer, mediaType: 'application/vnd.oci.image.layer.v1.tar'} : layer))
    const manifest = Buffer.from(JSON.stringify({schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: image.config, layers}))
    await putManifest(testEnvironment.registry, repository, 'v1', 'application/vnd.oci.image.manifest.v1+json', manifest)
    const pulled = await nerd(['pull', '-q', `${testEnvironment.registry}/${repository}:v1`])
    assert.equal(pulled.code, 1)
    const key = `extract-\\d+-[\\w-]{4} ${image.chainIds[1]}`
    assert.match(pulled.stderr, new RegExp(`^Error: failed to extract layer \\(application/vnd\\.oci\\.image\\.layer\\.v1\\.tar ${image.layers[1].digest}\\) to overlayfs as "${key}": .+\\n$`))
  })
})
