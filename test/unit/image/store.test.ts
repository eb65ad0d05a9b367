import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {NerdError} from '../../../src/errors.ts'
import {
  MAX_LABEL_BYTES,
  childGcLabels,
  childrenOf,
  distributionSourceKey,
  distributionSourceLabel,
  distributionSources,
  ingestRef,
  isAttestation,
  isLayerMediaType,
  isNonDistributable,
  parseConfig,
  parseIndex,
  parseManifest,
  shortDigest,
} from '../../../src/image/manifest.ts'
import {ContainerdError, GrpcCode} from '../../../src/containerd/index.ts'
import type {ContainerdClient, ImageInput} from '../../../src/containerd/index.ts'
import {chainIds, putImage, toDescriptor, toDescriptorInput, topChainId} from '../../../src/image/store.ts'

const digest = (character: string): string => `sha256:${character.repeat(64)}`
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json'
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json'
const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json'
const OCI_LAYER = 'application/vnd.oci.image.layer.v1.tar+gzip'

const bytes = (value: unknown): Buffer => Buffer.from(JSON.stringify(value))

describe('chainIds', () => {
  // Observed on containerd 1.6.20 for a two-layer image: the snapshots ctr and nerd commit.
  const busyboxDiffId = 'sha256:d701f7d4ac1683ff19dbb336717a6534f3809b9fcf83213ad5aa78157f89961b'
  const secondDiffId = 'sha256:ada55c798a008beb7e0a0b0a71ebbcc94ae424d2c2309003f8fe21d53d05ff7c'

  it('names the first layer by its diff ID and the next ones by hashing parent and diff ID', () => {
    assert.deepEqual(chainIds([busyboxDiffId, secondDiffId]), [
      busyboxDiffId,
      'sha256:6497d3cdc8b03eb2c0ee881b53becad4ebb2c806ed4f5d3ac47dd8f70783a7cd',
    ])
  })

  it('is empty without layers, and topChainId is the last one', () => {
    assert.deepEqual(chainIds([]), [])
    assert.equal(topChainId({architecture: 'amd64', os: 'linux', rootfs: {type: 'layers', diff_ids: [busyboxDiffId, secondDiffId]}}), chainIds([busyboxDiffId, secondDiffId])[1])
    assert.equal(topChainId({architecture: 'amd64', os: 'linux', rootfs: {type: 'layers', diff_ids: []}}), undefined)
  })

  it('depends on the order of the layers', () => {
    assert.notEqual(chainIds([digest('a'), digest('b')])[1], chainIds([digest('b'), digest('a')])[1])
  })
})

describe('GC labels of manifests and indexes', () => {
  const manifest = {
    schemaVersion: 2 as const,
    mediaType: OCI_MANIFEST,
    config: {mediaType: OCI_CONFIG, digest: digest('c'), size: 10},
    layers: [
      {mediaType: OCI_LAYER, digest: digest('1'), size: 100},
      {mediaType: OCI_LAYER, digest: digest('2'), size: 200},
    ],
  }
  const index = {
    schemaVersion: 2 as const,
    mediaType: OCI_INDEX,
    manifests: [
      {mediaType: OCI_MANIFEST, digest: digest('a'), size: 1, platform: {os: 'linux', architecture: 'amd64'}},
      {mediaType: OCI_MANIFEST, digest: digest('b'), size: 1, platform: {os: 'linux', architecture: 'arm64'}},
      {mediaType: OCI_MANIFEST, digest: digest('d'), size: 1, platform: {os: 'unknown', architecture: 'unknown'}},
    ],
  }

  it('a manifest references its config and each layer by position', () => {
    assert.deepEqual(childGcLabels(OCI_MANIFEST, manifest), {
      'containerd.io/gc.ref.content.config': digest('c'),
      'containerd.io/gc.ref.content.l.0': digest('1'),
      'containerd.io/gc.ref.content.l.1': digest('2'),
    })
  })

  it('an index references every manifest, whatever its platform', () => {
    assert.deepEqual(childGcLabels(OCI_INDEX, index), {
      'containerd.io/gc.ref.content.m.0': digest('a'),
      'containerd.io/gc.ref.content.m.1': digest('b'),
      'containerd.io/gc.ref.content.m.2': digest('d'),
    })
  })

  it('docker media types get the same labels; other blobs none', () => {
    assert.deepEqual(childGcLabels('application/vnd.docker.distribution.manifest.v2+json', manifest), childGcLabels(OCI_MANIFEST, manifest))
    assert.deepEqual(childGcLabels('application/vnd.docker.distribution.manifest.list.v2+json', index), childGcLabels(OCI_INDEX, index))
    assert.deepEqual(childGcLabels(OCI_CONFIG, manifest), {})
  })

  it('children are the config then the layers, or the manifests', () => {
    assert.deepEqual(childrenOf(OCI_MANIFEST, manifest).map((child) => child.digest), [digest('c'), digest('1'), digest('2')])
    assert.deepEqual(childrenOf(OCI_INDEX, index).map((child) => child.digest), [digest('a'), digest('b'), digest('d')])
  })
})

describe('distribution.source labels', () => {
  it('name the registry host without its port', () => {
    assert.equal(distributionSourceKey('docker.io'), 'containerd.io/distribution.source.docker.io')
    assert.equal(distributionSourceKey('127.0.0.1:5000'), 'containerd.io/distribution.source.127.0.0.1')
    assert.equal(distributionSourceKey('[::1]:5000'), 'containerd.io/distribution.source.[::1]')
  })

  it('adds a repository to the list, sorted and without duplicates', () => {
    const key = 'containerd.io/distribution.source.docker.io'
    assert.deepEqual(distributionSourceLabel({}, 'docker.io', 'library/busybox'), [key, 'library/busybox'])
    assert.deepEqual(distributionSourceLabel({[key]: 'library/busybox'}, 'docker.io', 'library/alpine'), [key, 'library/alpine,library/busybox'])
    assert.equal(distributionSourceLabel({[key]: 'library/alpine,library/busybox'}, 'docker.io', 'library/busybox'), undefined)
    assert.deepEqual(distributionSources('a/b,c/d'), ['a/b', 'c/d'])
    assert.deepEqual(distributionSources(undefined), [])
  })

  it('leaves the label alone rather than exceed containerd\'s label size', () => {
    const key = 'containerd.io/distribution.source.docker.io'
    const long = 'x'.repeat(MAX_LABEL_BYTES - key.length - 1)
    assert.equal(distributionSourceLabel({[key]: long}, 'docker.io', 'library/busybox'), undefined)
  })
})

describe('blob kinds', () => {
  it('ingest refs follow containerd\'s naming, so an interrupted download is found again', () => {
    assert.equal(ingestRef({mediaType: OCI_LAYER, digest: digest('1')}), `layer-${digest('1')}`)
    assert.equal(ingestRef({mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', digest: digest('1')}), `layer-${digest('1')}`)
    assert.equal(ingestRef({mediaType: OCI_MANIFEST, digest: digest('2')}), `manifest-${digest('2')}`)
    assert.equal(ingestRef({mediaType: 'application/vnd.docker.distribution.manifest.list.v2+json', digest: digest('3')}), `index-${digest('3')}`)
    assert.equal(ingestRef({mediaType: 'application/vnd.docker.container.image.v1+json', digest: digest('4')}), `config-${digest('4')}`)
    assert.equal(ingestRef({mediaType: 'application/vnd.in-toto+json', digest: digest('5')}), `unknown-${digest('5')}`)
  })

  it('recognises layers, non-distributable layers and attestations', () => {
    assert.equal(isLayerMediaType('application/vnd.oci.image.layer.v1.tar+zstd'), true)
    assert.equal(isLayerMediaType(OCI_CONFIG), false)
    assert.equal(isNonDistributable('application/vnd.docker.image.rootfs.foreign.diff.tar.gzip'), true)
    assert.equal(isNonDistributable('application/vnd.oci.image.layer.nondistributable.v1.tar+gzip'), true)
    assert.equal(isNonDistributable(OCI_LAYER), false)
    assert.equal(isAttestation({mediaType: OCI_MANIFEST, digest: digest('a'), size: 1, platform: {os: 'unknown', architecture: 'unknown'}}), true)
    assert.equal(isAttestation({mediaType: OCI_MANIFEST, digest: digest('a'), size: 1, annotations: {'vnd.docker.reference.type': 'attestation-manifest'}}), true)
    assert.equal(isAttestation({mediaType: OCI_MANIFEST, digest: digest('a'), size: 1, platform: {os: 'linux', architecture: 'amd64'}}), false)
  })

  it('short digests are docker\'s 12 hex digits', () => {
    assert.equal(shortDigest(`sha256:0123456789abcdef${'0'.repeat(48)}`), '0123456789ab')
  })
})

describe('parsing image documents', () => {
  const refuses = (parse: () => unknown, message: RegExp): void => {
    assert.throws(parse, (error: unknown) => error instanceof NerdError && message.test(error.message))
  }

  it('accepts a manifest, an index and a config', () => {
    const manifest = {schemaVersion: 2, config: {mediaType: OCI_CONFIG, digest: digest('c'), size: 2}, layers: []}
    assert.deepEqual(parseManifest(bytes(manifest)), manifest)
    assert.deepEqual(parseIndex(bytes({schemaVersion: 2, manifests: []})).manifests, [])
    assert.deepEqual(parseConfig(bytes({rootfs: {type: 'layers', diff_ids: [digest('d')]}})).rootfs.diff_ids, [digest('d')])
  })

  it('refuses documents that would send the walk astray', () => {
    refuses(() => parseManifest(Buffer.from('{')), /^invalid image manifest: /)
    refuses(() => parseManifest(bytes([])), /not a JSON object/)
    refuses(() => parseManifest(bytes({schemaVersion: 2, layers: []})), /config must be a descriptor/)
    refuses(() => parseManifest(bytes({schemaVersion: 2, config: {mediaType: OCI_CONFIG, digest: 'nope', size: 1}, layers: []})), /config must be a descriptor/)
    refuses(() => parseManifest(bytes({schemaVersion: 2, config: {mediaType: OCI_CONFIG, digest: digest('c'), size: -1}, layers: []})), /config must be/)
    refuses(() => parseManifest(bytes({schemaVersion: 1, fsLayers: []})), /^Docker Image Format v1 and Docker Image manifest version 2, schema 1 support has been removed\. More information at https:\/\/docs\.docker\.com\/go\/deprecated-image-specs\/$/)
    refuses(() => parseIndex(bytes({manifests: [{digest: digest('a')}]}), 'index x'), /^invalid index x: manifests/)
    refuses(() => parseConfig(bytes({rootfs: {diff_ids: 'sha256:x'}})), /rootfs.diff_ids/)
    refuses(() => parseConfig(bytes({})), /rootfs.diff_ids/)
  })
})

describe('descriptor conversion', () => {
  it('turns containerd\'s 64-bit sizes into numbers and back, keeping annotations', () => {
    const descriptor = toDescriptor({mediaType: OCI_MANIFEST, digest: digest('a'), size: '1234', annotations: {a: 'b'}})
    assert.deepEqual(descriptor, {mediaType: OCI_MANIFEST, digest: digest('a'), size: 1234, annotations: {a: 'b'}})
    assert.deepEqual(toDescriptor({mediaType: OCI_MANIFEST, digest: digest('a'), size: '1', annotations: {}}), {mediaType: OCI_MANIFEST, digest: digest('a'), size: 1})
    assert.deepEqual(toDescriptorInput(descriptor), {mediaType: OCI_MANIFEST, digest: digest('a'), size: 1234, annotations: {a: 'b'}})
  })
})

describe('putImage', () => {
  const target = {mediaType: OCI_MANIFEST, digest: digest('a'), size: 10}

  /**
   * containerd's image store, with `interfere` run before each of putImage's calls: what other
   * commands (rmi, tag, a pull moving a dangling name) do between them.
   */
  function imageStore(interfere: (images: Map<string, ImageInput>, call: 'create' | 'update') => void): {client: ContainerdClient; images: Map<string, ImageInput>} {
    const images = new Map<string, ImageInput>()
    const stored = (input: ImageInput) => ({name: input.name, labels: input.labels ?? {}, target: input.target, createdAt: null, updatedAt: null})
    const client = {
      images: {
        create: async (input: ImageInput) => {
          interfere(images, 'create')
          if (images.has(input.name)) throw new ContainerdError(GrpcCode.ALREADY_EXISTS, `image "${input.name}": already exists`, 'Images/Create')
          images.set(input.name, input)
          return stored(input)
        },
        update: async (input: ImageInput) => {
          interfere(images, 'update')
          if (!images.has(input.name)) throw new ContainerdError(GrpcCode.NOT_FOUND, `image "${input.name}": not found`, 'Images/Update')
          images.set(input.name, input)
          return stored(input)
        },
      },
    }
    return {client: client as unknown as ContainerdClient, images}
  }

  it('points the name at the target whatever other commands make and delete between its calls', async () => {
    // Made again before every create, deleted again before every update, twice over; then left alone.
    let races = 2
    const {client, images} = imageStore((images, call) => {
      if (races === 0) return
      if (call === 'create') images.set('x:1', {name: 'x:1', target: toDescriptorInput({...target, digest: digest('b')})})
      else {
        images.delete('x:1')
        races--
      }
    })
    const record = await putImage(client, {name: 'x:1', target})
    assert.equal(record.target.digest, digest('a'))
    assert.equal(images.get('x:1')?.target?.digest, digest('a'))
  })

  it('gives up after a bounded number of lost rounds, with the store\'s error', async () => {
    const {client} = imageStore((images, call) => {
      if (call === 'create') images.set('x:1', {name: 'x:1', target: toDescriptorInput(target)})
      else images.delete('x:1')
    })
    await assert.rejects(putImage(client, {name: 'x:1', target}), /image "x:1": not found/)
  })
})
