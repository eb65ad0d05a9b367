import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {createProgressRenderer, describeProgress, pullHeader, pullSummary, reportedReference} from '../../../src/image/progress.ts'
import type {ProgressEvent} from '../../../src/image/progress.ts'

const layer = (status: ProgressEvent['status'], extra: Partial<ProgressEvent> = {}): ProgressEvent => ({id: '0123456789ab', kind: 'layer', status, ...extra})

function terminal(columns = 200) {
  const writes: string[] = []
  return {writes, output: {isTTY: true, columns, write: (text: string) => writes.push(text)}}
}

describe('describeProgress', () => {
  it('words statuses as docker does', () => {
    assert.equal(describeProgress(layer('waiting')), 'Waiting')
    assert.equal(describeProgress(layer('verifying')), 'Verifying Checksum')
    assert.equal(describeProgress(layer('downloaded')), 'Download complete')
    assert.equal(describeProgress(layer('unpacking')), 'Extracting')
    assert.equal(describeProgress(layer('done')), 'Pull complete')
    assert.equal(describeProgress(layer('already exists')), 'Already exists')
    assert.equal(describeProgress(layer('already pushed')), 'Layer already exists')
    assert.equal(describeProgress(layer('mounted', {from: 'library/busybox'})), 'Mounted from library/busybox')
  })

  it('draws a 50-column bar and sizes while bytes move', () => {
    assert.equal(
      describeProgress(layer('downloading', {current: 1_500_000, total: 3_000_000})),
      `Downloading [${'='.repeat(25)}>${' '.repeat(25)}] 1.5MB/3MB`,
    )
    assert.equal(describeProgress(layer('pushing', {current: 0, total: 10})), `Pushing [>${' '.repeat(50)}] 0B/10B`)
  })
})

describe('createProgressRenderer', () => {
  it('off a terminal prints a plain line for each new status of a layer, without the byte counts', () => {
    const writes: string[] = []
    const renderer = createProgressRenderer({isTTY: false, write: (text: string) => writes.push(text)})
    renderer.listener(layer('waiting'))
    renderer.listener(layer('waiting'))
    renderer.listener(layer('downloading', {current: 5, total: 10}))
    renderer.listener(layer('downloaded'))
    renderer.listener({...layer('done'), kind: 'config'})
    renderer.listener(layer('unpacking', {current: 5, total: 10}))
    renderer.listener(layer('done'))
    renderer.close()
    renderer.listener(layer('already exists'))
    const id = layer('done').id
    assert.deepEqual(writes, [`${id}: Waiting\n`, `${id}: Download complete\n`, `${id}: Pull complete\n`])
  })

  it('keeps one line per blob and redraws them in place', () => {
    const {writes, output} = terminal()
    const renderer = createProgressRenderer(output)
    const other = (status: ProgressEvent['status']): ProgressEvent => ({...layer(status), id: 'ba9876543210'})
    renderer.listener(other('waiting'))
    renderer.listener(layer('waiting'))
    renderer.listener(layer('downloaded'))
    renderer.close()
    assert.equal(writes[0], '\x1b[2K\rba9876543210: Waiting\n')
    assert.equal(writes[1], '\x1b[1A\x1b[2K\rba9876543210: Waiting\n\x1b[2K\r0123456789ab: Waiting\n')
    assert.equal(writes[2], '\x1b[2A\x1b[2K\rba9876543210: Waiting\n\x1b[2K\r0123456789ab: Download complete\n')
  })

  it('leaves out manifests and configs, and batches byte counts', async () => {
    const {writes, output} = terminal()
    const renderer = createProgressRenderer(output)
    renderer.listener({id: 'aaaaaaaaaaaa', kind: 'config', status: 'done'})
    renderer.listener(layer('downloading', {current: 1, total: 100}))
    renderer.listener(layer('downloading', {current: 2, total: 100}))
    assert.deepEqual(writes, [])
    await new Promise((resolve) => setTimeout(resolve, 150))
    assert.equal(writes.length, 1)
    assert.match(writes[0], /0123456789ab: Downloading \[=>\s+\] 2B\/100B\n$/)
    renderer.close()
  })

  it('cuts lines to the terminal width so redrawing stays in place', () => {
    const {writes, output} = terminal(20)
    const renderer = createProgressRenderer(output)
    renderer.listener(layer('already exists'))
    renderer.close()
    assert.equal(writes[0], `\x1b[2K\r${'0123456789ab: Already exists'.slice(0, 19)}\n`)
  })
})

describe('docker\'s lines around a pull', () => {
  it('names the tag, or the digest, and the repository path without its registry', () => {
    assert.equal(pullHeader(reportedReference('busybox')!.reference), 'latest: Pulling from library/busybox')
    assert.equal(pullHeader(reportedReference('localhost:5000/team/app:2')!.reference), '2: Pulling from team/app')
    const digest = `sha256:${'a'.repeat(64)}`
    assert.equal(pullHeader(reportedReference(`busybox:1@${digest}`)!.reference), `${digest}: Pulling from library/busybox`)
  })

  it('says when the tag was assumed, and nothing for what is no reference', () => {
    assert.equal(reportedReference('busybox')?.tagAssumed, true)
    assert.equal(reportedReference('busybox:1')?.tagAssumed, false)
    assert.equal(reportedReference(`busybox@sha256:${'b'.repeat(64)}`)?.tagAssumed, false)
    assert.equal(reportedReference('ipfs://bafybeigdyr'), undefined)
    assert.equal(reportedReference('Busybox'), undefined)
  })

  it('ends with the digest and whether the name now points at another image, as docker names it', () => {
    const reference = reportedReference('docker.io/library/busybox')!.reference
    const target = {digest: `sha256:${'c'.repeat(64)}`}
    assert.deepEqual(pullSummary(reference, {target, updated: true}), [`Digest: ${target.digest}`, 'Status: Downloaded newer image for busybox:latest'])
    assert.deepEqual(pullSummary(reference, {target, updated: false}), [`Digest: ${target.digest}`, 'Status: Image is up to date for busybox:latest'])
  })
})
