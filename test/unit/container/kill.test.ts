import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {ContainerdError, GrpcCode} from '../../../src/containerd/index.ts'
import type {Process} from '../../../src/containerd/index.ts'
import {killContainer} from '../../../src/container/lifecycle.ts'
import type {ContainerScope, LoadedContainer} from '../../../src/container/lifecycle.ts'
import {containerPaths} from '../../../src/container/store.ts'

const ID = 'a'.repeat(64)
const container = {
  record: {Id: ID, Name: 'raced', Config: {StopSignal: 'SIGTERM'}, HostConfig: {RestartPolicy: {Name: 'no', MaximumRetryCount: 0}}},
  paths: containerPaths('/nonexistent', 'ns', ID),
  labels: {},
} as unknown as LoadedContainer

/** A containerd whose Kill fails as a shim exiting after a concurrent delete makes it fail; Get then answers `after`. */
function scopeOfExitingShim(after: Process | undefined): ContainerScope {
  let gets = 0
  const tasks = {
    get: async () => {
      if (gets++ === 0) return {id: ID, pid: 42, status: 'RUNNING'}
      if (!after) throw new ContainerdError(GrpcCode.NOT_FOUND, `task ${ID}: not found`, 'Tasks/Get')
      return after
    },
    kill: async () => {
      throw new ContainerdError(GrpcCode.UNKNOWN, 'ttrpc: closed: unknown', 'Tasks/Kill')
    },
  }
  return {client: {tasks, events: {publish: async () => undefined}, namespace: 'ns'}, dataRoot: '/nonexistent'} as unknown as ContainerScope
}

describe('kill racing a stop or rm', () => {
  it('takes a closed shim connection for the process gone when the task is gone or stopped, as a NotFound', async () => {
    await killContainer(scopeOfExitingShim(undefined), container, 'HUP')
    await killContainer(scopeOfExitingShim({id: ID, pid: 42, status: 'STOPPED'} as Process), container, 'HUP')
  })

  it('reports the closed connection when the process still runs', async () => {
    await assert.rejects(killContainer(scopeOfExitingShim({id: ID, pid: 42, status: 'RUNNING'} as Process), container, 'HUP'), /ttrpc: closed/)
  })
})
