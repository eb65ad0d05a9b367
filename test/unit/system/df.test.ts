import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {repositoryAndTag} from '../../../src/image/list.ts'
import type {ImageSummary} from '../../../src/image/list.ts'
import {reclaimableImageBytes, verboseImages} from '../../../src/system/df.ts'

const hex = (char: string): string => `sha256:${char.repeat(64)}`

function summary(name: string, id: string): ImageSummary {
  const [repository, tag] = repositoryAndTag(name)
  return {record: {name, target: {mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: hex('f'), size: 1}, labels: {}}, repository, tag, digest: hex('f'), id, platform: 'linux/amd64', size: 1}
}

describe('system df -v images', () => {
  it('lists an image once, named by the first of its names by name (RepoTags[0]), <none> when that is no tag', () => {
    const rows = verboseImages([
      summary('docker.io/library/busybox:latest', hex('a')),
      summary('docker.io/me/app:1', hex('b')),
      summary('127.0.0.1:5000/x/y:2', hex('a')),
      summary(`docker.io/library/busybox@${hex('f')}`, hex('a')),
      summary(`docker.io/me/only@${hex('e')}`, hex('c')),
      summary('docker.io/me/other:1', hex('c')),
      summary(`nerd-dangling@${hex('d')}`, hex('d')),
    ])
    assert.deepEqual(rows.map((row) => [row.id, row.repository, row.tag]), [
      [hex('a'), '127.0.0.1:5000/x/y', '2'],
      [hex('b'), 'me/app', '1'],
      [hex('c'), '<none>', '<none>'],
      [hex('d'), '<none>', '<none>'],
    ])
  })
})

describe('system df images reclaimable', () => {
  it('is every layer but what the used images hold alone, as docker\'s diskUsageImagesContext', () => {
    // A base (1000 B, all shared with its child) and a child of it (1000 shared + 50 of its own): 1050 B of layers.
    const base = {size: 1000, shared: 1000}
    const child = {size: 1050, shared: 1000}
    assert.equal(reclaimableImageBytes(1050, [{...base, containers: 0}, {...child, containers: 0}]), 1050)
    // A used base holds nothing alone: its layers are the child's too, so docker counts them reclaimable.
    assert.equal(reclaimableImageBytes(1050, [{...base, containers: 2}, {...child, containers: 0}]), 1050)
    assert.equal(reclaimableImageBytes(1050, [{...base, containers: 0}, {...child, containers: 1}]), 1000)
    assert.equal(reclaimableImageBytes(1050, [{...base, containers: 1}, {...child, containers: 1}]), 1000)
    assert.equal(reclaimableImageBytes(700, [{size: 700, shared: 0, containers: 1}]), 0)
  })
})
