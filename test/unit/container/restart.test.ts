import assert from 'node:assert/strict'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import type {ContainerScope, LoadedContainer} from '../../../src/container/lifecycle.ts'
import {restartContainer} from '../../../src/container/run.ts'
import {containerPaths, NoSuchContainerError} from '../../../src/container/store.ts'

describe('restartContainer', () => {
  let dataRoot: string
  before(async () => {
    dataRoot = await mkdtemp(join(tmpdir(), 'nerd-restart-'))
  })
  after(() => rm(dataRoot, {recursive: true, force: true}))

  it('calls a container whose state directory a racing rm -f took no such container, before it asks containerd anything', async () => {
    const id = 'f'.repeat(64)
    // Loaded, then removed: its directory is gone. A scope that is never used (no client).
    const container = {paths: containerPaths(dataRoot, 'ns', id), record: {Id: id, Name: 'gone'}} as unknown as LoadedContainer
    await assert.rejects(restartContainer({} as ContainerScope, container, {}), (error: Error) => error instanceof NoSuchContainerError && error.message === `No such container: ${id}`)
  })
})
