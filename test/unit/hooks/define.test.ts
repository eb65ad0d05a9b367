import assert from 'node:assert/strict'
import {test} from 'node:test'
import {defineHook} from '../../../src/hooks/define.ts'
import type {NerdHookContext} from '../../../src/hooks/types.ts'

test('defineHook returns the hook itself, typed by its event', async () => {
  const hook = async (payload: {spec: {ociVersion: string}}) => ({spec: {...payload.spec, hostname: 'typed'}})
  const defined = defineHook<'nerd:container:create'>(hook)
  const payload = {
    id: 'c',
    name: 'n',
    image: {name: 'i', descriptor: {mediaType: 'm', digest: 'sha256:x', size: 1}, config: {architecture: 'amd64', os: 'linux', rootfs: {type: 'layers', diff_ids: []}}},
    spec: {ociVersion: '1.1.0'},
    labels: {},
    snapshotter: 'overlayfs',
    flags: {},
  }
  assert.deepEqual(await defined(payload, {} as NerdHookContext), {spec: {ociVersion: '1.1.0', hostname: 'typed'}})
  assert.equal(defined, hook)
})
