import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {NerdError} from '../../../src/errors.ts'
import {chainIds} from '../../../src/image/manifest.ts'
import {unpackLayerList} from '../../../src/image/unpack.ts'

const digest = (character: string): string => `sha256:${character.repeat(64)}`
const layer = (character: string) => ({mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: digest(character), size: 10})
const manifest = (layers: ReturnType<typeof layer>[]) => ({
  schemaVersion: 2 as const,
  config: {mediaType: 'application/vnd.oci.image.config.v1+json', digest: digest('c'), size: 1},
  layers,
})
const config = (diffIds: string[]) => ({architecture: 'amd64', os: 'linux', rootfs: {type: 'layers', diff_ids: diffIds}})

describe('unpackLayerList', () => {
  it('pairs each layer blob with its diff ID and the chain ID its snapshot gets', () => {
    const diffIds = [digest('d'), digest('e'), digest('f')]
    const layers = unpackLayerList(manifest([layer('1'), layer('2'), layer('3')]), config(diffIds), 'image x')
    assert.deepEqual(
      layers.map(({descriptor, diffId, chainId}) => [descriptor.digest, diffId, chainId]),
      [
        [digest('1'), diffIds[0], chainIds(diffIds)[0]],
        [digest('2'), diffIds[1], chainIds(diffIds)[1]],
        [digest('3'), diffIds[2], chainIds(diffIds)[2]],
      ],
    )
    assert.equal(layers[0].chainId, diffIds[0])
  })

  it('refuses a config whose diff IDs do not match the layers', () => {
    assert.throws(
      () => unpackLayerList(manifest([layer('1'), layer('2')]), config([digest('d')]), 'image x'),
      (error: unknown) => error instanceof NerdError && error.message === 'image x: the manifest has 2 layers, the config lists 1 diff IDs',
    )
  })
})
