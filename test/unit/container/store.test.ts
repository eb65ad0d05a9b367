import assert from 'node:assert/strict'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {
  NameConflictError,
  containerPaths,
  createContainerDir,
  idOfName,
  readState,
  releaseName,
  removeContainerFiles,
  reserveName,
  resolveContainerId,
  updateState,
} from '../../../src/container/store.ts'

const id = (digit: string): string => digit.repeat(64)
let root: string

describe('container store', () => {
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'nerd-store-'))
  })

  after(async () => {
    await rm(root, {recursive: true, force: true})
  })

  it('gives a name to exactly one of many concurrent claimants', async () => {
    const ids = ['1', '2', '3', '4', '5', '6', '7', '8'].map(id)
    await Promise.all(ids.map((each) => createContainerDir(containerPaths(root, 'ns', each))))
    const results = await Promise.allSettled(ids.map((each) => reserveName(root, 'ns', 'web', each)))
    const won = results.filter((result) => result.status === 'fulfilled')
    assert.equal(won.length, 1)
    const owner = await idOfName(root, 'ns', 'web')
    for (const result of results) {
      if (result.status === 'rejected') {
        assert.ok(result.reason instanceof NameConflictError)
        assert.match(result.reason.message, new RegExp(`already in use by container "${owner}"`))
      }
    }
  })

  it('takes over a name whose owner is gone, and releases only its own', async () => {
    await createContainerDir(containerPaths(root, 'ns', id('a')))
    await reserveName(root, 'ns', 'stale', id('a'))
    await removeContainerFiles(root, 'ns', id('a'), undefined)
    await createContainerDir(containerPaths(root, 'ns', id('b')))
    await reserveName(root, 'ns', 'stale', id('b'))
    await releaseName(root, 'ns', 'stale', id('a'))
    assert.equal(await idOfName(root, 'ns', 'stale'), id('b'))
  })

  it('resolves full ids, names and unique prefixes, and refuses ambiguous ones', async () => {
    await createContainerDir(containerPaths(root, 'ns2', `ab${'0'.repeat(62)}`))
    await createContainerDir(containerPaths(root, 'ns2', `ac${'0'.repeat(62)}`))
    await reserveName(root, 'ns2', 'named', `ab${'0'.repeat(62)}`)
    assert.equal(await resolveContainerId(root, 'ns2', 'named'), `ab${'0'.repeat(62)}`)
    assert.equal(await resolveContainerId(root, 'ns2', 'ac'), `ac${'0'.repeat(62)}`)
    await assert.rejects(resolveContainerId(root, 'ns2', 'a'), /multiple IDs found with provided prefix: a/)
    await assert.rejects(resolveContainerId(root, 'ns2', 'zz'), /No such container: zz/)
  })

  it('serializes state updates', async () => {
    const paths = containerPaths(root, 'ns3', id('c'))
    await createContainerDir(paths)
    await Promise.all(Array.from({length: 10}, () => updateState(paths, (state) => ({RestartCount: state.RestartCount + 1}))))
    assert.equal((await readState(paths)).RestartCount, 10)
  })
})
