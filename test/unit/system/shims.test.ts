import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {isOrphanedShim, shimCommand} from '../../../src/system/shims.ts'

const ID = 'b'.repeat(64)
const SOCKET = '/run/containerd/containerd.sock'

describe('orphaned containerd shims', () => {
  it('reads the namespace, id and address off a shim daemon\'s command line, in every spelling Go\'s flags take', () => {
    const expected = {namespace: 'default', id: ID, address: SOCKET}
    assert.deepEqual(shimCommand(['/usr/bin/containerd-shim-runc-v2', '-namespace', 'default', '-id', ID, '-address', SOCKET]), expected)
    assert.deepEqual(shimCommand(['containerd-shim-runc-v2', '--namespace=default', '-debug', '-id', ID, '-publish-binary', '/usr/bin/containerd', '-address=' + SOCKET]), expected)
  })

  it('is no shim daemon: another program, the shim run for an action, a command line without what names its task', () => {
    assert.equal(shimCommand(['/usr/bin/sleep', '-namespace', 'default', '-id', ID, '-address', SOCKET]), undefined)
    assert.equal(shimCommand(['node', '/x/containerd-shim-runc-v2', '-namespace', 'default', '-id', ID, '-address', SOCKET]), undefined)
    assert.equal(shimCommand(['/usr/bin/containerd-shim-runc-v2', '-namespace', 'default', '-id', ID, '-address', SOCKET, 'start']), undefined)
    assert.equal(shimCommand(['/usr/bin/containerd-shim-runc-v2', '-namespace', 'default', '-address', SOCKET, '-id', ID, '-bundle', '/b', 'delete']), undefined)
    assert.equal(shimCommand(['/usr/bin/containerd-shim-runc-v2', '-namespace', 'default', '-address', SOCKET]), undefined)
    assert.equal(shimCommand(['/usr/bin/containerd-shim-runc-v2', '-v']), undefined)
    assert.equal(shimCommand([]), undefined)
  })

  it('is an orphan only of this containerd and namespace, with no container or task of its id', () => {
    const shim = {namespace: 'default', id: ID, address: SOCKET}
    assert.equal(isOrphanedShim(shim, 'default', SOCKET, new Set()), true)
    assert.equal(isOrphanedShim(shim, 'default', SOCKET, new Set([ID])), false)
    assert.equal(isOrphanedShim(shim, 'default-2', SOCKET, new Set()), false)
    assert.equal(isOrphanedShim(shim, 'defaul', SOCKET, new Set()), false)
    assert.equal(isOrphanedShim(shim, 'default', '/tmp/other/containerd.sock', new Set()), false)
    assert.equal(isOrphanedShim(shim, 'default', `${SOCKET}.ttrpc`, new Set()), false)
    assert.equal(isOrphanedShim({...shim, address: `unix://${SOCKET}`}, 'default', SOCKET, new Set()), true)
  })
})
