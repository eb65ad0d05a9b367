import assert from 'node:assert/strict'
import {createHash} from 'node:crypto'
import {describe, it} from 'node:test'
import {
  dockerLayerMediaType,
  dockerManifestEntry,
  parseDockerManifest,
  repositoriesFile,
  synthesizeManifest,
} from '../../../src/image/archive/docker-archive.ts'
import {blobPath, checkLayoutVersion, cleanArchivePath, digestOfBlobPath} from '../../../src/image/archive/layout.ts'
import {
  annotationsForName,
  familiarImageName,
  nameFromAnnotations,
} from '../../../src/image/archive/names.ts'
import {archivePlan} from '../../../src/image/archive/save.ts'
import {danglingImageName, isDanglingImageName} from '../../../src/image/store.ts'
import {childGcLabels, parseManifest} from '../../../src/image/manifest.ts'

const digest = (character: string): string => `sha256:${character.repeat(64)}`
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json'
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json'
const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json'
const OCI_LAYER = 'application/vnd.oci.image.layer.v1.tar+gzip'

describe('OCI layout paths', () => {
  it('maps digests to blob paths and back', () => {
    assert.equal(blobPath(digest('a')), `blobs/sha256/${'a'.repeat(64)}`)
    assert.equal(digestOfBlobPath(`blobs/sha256/${'a'.repeat(64)}`), digest('a'))
    assert.equal(digestOfBlobPath(`blobs/sha512/${'b'.repeat(128)}`), `sha512:${'b'.repeat(128)}`)
    for (const path of ['blobs/sha256/xyz', `blobs/md5/${'a'.repeat(64)}`, `${'a'.repeat(64)}/layer.tar`, `x/blobs/sha256/${'a'.repeat(64)}`]) {
      assert.equal(digestOfBlobPath(path), undefined, path)
    }
  })

  it('cleans member paths so ./a, /a and a//b/../a compare equal, never above the root', () => {
    assert.equal(cleanArchivePath('./manifest.json'), 'manifest.json')
    assert.equal(cleanArchivePath('/blobs/sha256/x'), 'blobs/sha256/x')
    assert.equal(cleanArchivePath('id//x/../layer.tar'), 'id/layer.tar')
    assert.equal(cleanArchivePath('dir/'), 'dir')
    assert.equal(cleanArchivePath('../../etc/passwd'), 'etc/passwd')
    assert.equal(cleanArchivePath('./'), undefined)
  })

  it('accepts layout versions 1.x only', () => {
    checkLayoutVersion(Buffer.from('{"imageLayoutVersion":"1.0.0"}'))
    checkLayoutVersion(Buffer.from('{"imageLayoutVersion":"1.1.0"}'))
    assert.throws(() => checkLayoutVersion(Buffer.from('{"imageLayoutVersion":"2.0.0"}')), /unsupported OCI layout version "2.0.0"/)
    assert.throws(() => checkLayoutVersion(Buffer.from('nope')), /unsupported OCI layout version null/)
  })
})

describe('docker manifest.json', () => {
  it('parses the entries of docker and skopeo archives, a missing RepoTags as null', () => {
    const text = JSON.stringify([
      {Config: 'abc.json', RepoTags: ['busybox:latest'], Layers: ['x/layer.tar']},
      {Config: 'blobs/sha256/def', Layers: []},
    ])
    assert.deepEqual(parseDockerManifest(Buffer.from(text)), [
      {Config: 'abc.json', RepoTags: ['busybox:latest'], Layers: ['x/layer.tar']},
      {Config: 'blobs/sha256/def', RepoTags: null, Layers: []},
    ])
  })

  it('refuses documents that are not a list of {Config, RepoTags, Layers}', () => {
    for (const text of ['{', '{}', '[{"Config":1,"Layers":[]}]', '[{"Config":"a","Layers":[1]}]', '[{"Config":"a","Layers":[],"RepoTags":"x"}]']) {
      assert.throws(() => parseDockerManifest(Buffer.from(text)), /invalid manifest\.json in the archive/, text)
    }
  })

  it('writes an entry over the layout blobs, RepoTags null without tags as docker does', () => {
    const config = {mediaType: OCI_CONFIG, digest: digest('c'), size: 10}
    const layers = [{mediaType: OCI_LAYER, digest: digest('1'), size: 5}, {mediaType: OCI_LAYER, digest: digest('2'), size: 6}]
    assert.deepEqual(dockerManifestEntry(config, layers, ['busybox:latest']), {
      Config: `blobs/sha256/${'c'.repeat(64)}`,
      RepoTags: ['busybox:latest'],
      Layers: [`blobs/sha256/${'1'.repeat(64)}`, `blobs/sha256/${'2'.repeat(64)}`],
    })
    assert.equal(dockerManifestEntry(config, layers, []).RepoTags, null)
  })

  it('maps tagged repositories to the hex of their top layer in the repositories file', () => {
    assert.deepEqual(
      repositoriesFile([
        {familiarTags: ['busybox:latest', 'busybox:1', 'localhost:5000/app:v2'], topLayer: digest('9')},
        {familiarTags: ['untopped:x'], topLayer: undefined},
      ]),
      {busybox: {latest: '9'.repeat(64), 1: '9'.repeat(64)}, 'localhost:5000/app': {v2: '9'.repeat(64)}},
    )
  })

  it('gives stored layers the docker media type containerd\'s importer gives them: plain, else gzip (zstd too)', () => {
    assert.equal(dockerLayerMediaType('none'), 'application/vnd.docker.image.rootfs.diff.tar')
    assert.equal(dockerLayerMediaType('gzip'), 'application/vnd.docker.image.rootfs.diff.tar.gzip')
    assert.equal(dockerLayerMediaType('zstd'), 'application/vnd.docker.image.rootfs.diff.tar.gzip')
  })

  it('synthesizes a docker schema 2 manifest whose descriptor matches its bytes', () => {
    const layers = [{mediaType: 'application/vnd.docker.image.rootfs.diff.tar', digest: digest('1'), size: 2048}]
    const {manifest, bytes, descriptor} = synthesizeManifest({digest: digest('c'), size: 300}, layers)
    assert.deepEqual(JSON.parse(bytes.toString()), {
      schemaVersion: 2,
      mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
      config: {mediaType: 'application/vnd.docker.container.image.v1+json', digest: digest('c'), size: 300},
      layers,
    })
    assert.deepEqual(parseManifest(bytes), manifest)
    assert.equal(descriptor.mediaType, 'application/vnd.docker.distribution.manifest.v2+json')
    assert.equal(descriptor.digest, `sha256:${createHash('sha256').update(bytes).digest('hex')}`)
    assert.equal(descriptor.size, bytes.length)
    assert.deepEqual(childGcLabels(descriptor.mediaType, manifest), {
      'containerd.io/gc.ref.content.config': digest('c'),
      'containerd.io/gc.ref.content.l.0': digest('1'),
    })
  })
})

describe('archive image names', () => {
  it('takes io.containerd.image.name first, else a ref.name that is a whole reference', () => {
    assert.equal(nameFromAnnotations({'io.containerd.image.name': 'docker.io/library/busybox:latest', 'org.opencontainers.image.ref.name': 'latest'}, 'index.json'), 'docker.io/library/busybox:latest')
    assert.equal(nameFromAnnotations({'io.containerd.image.name': 'busybox:1'}, 'index.json'), 'docker.io/library/busybox:1')
    assert.equal(nameFromAnnotations({'org.opencontainers.image.ref.name': 'busybox:latest'}, 'index.json'), 'docker.io/library/busybox:latest')
    assert.equal(nameFromAnnotations({'org.opencontainers.image.ref.name': 'localhost:5000/app'}, 'index.json'), 'localhost:5000/app:latest')
    assert.equal(nameFromAnnotations({'org.opencontainers.image.ref.name': 'latest'}, 'index.json'), undefined)
    assert.equal(nameFromAnnotations(undefined, 'index.json'), undefined)
    assert.throws(() => nameFromAnnotations({'io.containerd.image.name': 'Bad:Name'}, 'index.json'), /^NerdError: index\.json: invalid image name "Bad:Name": invalid reference format/)
  })

  it('annotates a saved name with the full name and its tag', () => {
    assert.deepEqual(annotationsForName('docker.io/library/busybox:latest'), {
      'io.containerd.image.name': 'docker.io/library/busybox:latest',
      'org.opencontainers.image.ref.name': 'latest',
    })
    assert.deepEqual(annotationsForName(`docker.io/library/busybox@${digest('a')}`), {'io.containerd.image.name': `docker.io/library/busybox@${digest('a')}`})
  })

  it('names images without a name by their root digest', () => {
    assert.equal(danglingImageName(digest('a')), `nerd-dangling@${digest('a')}`)
    assert.ok(isDanglingImageName(danglingImageName(digest('a'))))
    assert.ok(!isDanglingImageName('docker.io/library/busybox:latest'))
    assert.equal(familiarImageName('docker.io/library/busybox:latest'), 'busybox:latest')
    assert.equal(familiarImageName('localhost:5000/a/b:v1'), 'localhost:5000/a/b:v1')
  })
})

describe('archivePlan', () => {
  const config = {mediaType: OCI_CONFIG, digest: digest('c'), size: 100}
  const shared = {mediaType: OCI_LAYER, digest: digest('1'), size: 1000}
  const own = {mediaType: OCI_LAYER, digest: digest('2'), size: 2000}
  const manifestA = {mediaType: OCI_MANIFEST, digest: digest('a'), size: 400}
  const manifestB = {mediaType: OCI_MANIFEST, digest: digest('b'), size: 400}
  const configB = {mediaType: OCI_CONFIG, digest: digest('d'), size: 120}
  const plan = archivePlan([
    {
      target: manifestA,
      names: ['docker.io/library/busybox:latest', 'docker.io/library/busybox:1', `docker.io/library/busybox@${digest('a')}`],
      blobs: [manifestA, config, shared],
      dockerManifest: {schemaVersion: 2, config, layers: [shared]},
    },
    {target: manifestB, names: [], blobs: [manifestB, configB, shared, own], dockerManifest: {schemaVersion: 2, config: configB, layers: [shared, own]}},
  ])

  it('lists each blob once, in the order images contribute them', () => {
    assert.deepEqual(plan.blobs.map((blob) => blob.digest), [digest('a'), digest('c'), digest('1'), digest('b'), digest('d'), digest('2')])
  })

  it('gives index.json one entry per name, and one bare entry for an image saved by ID', () => {
    assert.equal(plan.index.mediaType, OCI_INDEX)
    assert.deepEqual(plan.index.manifests, [
      {...manifestA, annotations: {'io.containerd.image.name': 'docker.io/library/busybox:latest', 'org.opencontainers.image.ref.name': 'latest'}},
      {...manifestA, annotations: {'io.containerd.image.name': 'docker.io/library/busybox:1', 'org.opencontainers.image.ref.name': '1'}},
      {...manifestA, annotations: {'io.containerd.image.name': `docker.io/library/busybox@${digest('a')}`}},
      manifestB,
    ])
  })

  it('gives manifest.json one entry per image with its familiar tags, and repositories its tags', () => {
    assert.deepEqual(plan.dockerManifest, [
      {Config: blobPath(config.digest), RepoTags: ['busybox:latest', 'busybox:1'], Layers: [blobPath(shared.digest)]},
      {Config: blobPath(configB.digest), RepoTags: null, Layers: [blobPath(shared.digest), blobPath(own.digest)]},
    ])
    assert.deepEqual(plan.repositories, {busybox: {latest: '1'.repeat(64), 1: '1'.repeat(64)}})
  })
})
