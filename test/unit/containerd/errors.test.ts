import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {
  ConnectionError,
  ContainerdError,
  fromGrpcError,
  GrpcCode,
  isAlreadyExists,
  isConnectionError,
  isFailedPrecondition,
  isNotFound,
  isUnavailable,
  reasonForErrno,
} from '../../../src/containerd/errors.ts'
import {NerdError} from '../../../src/errors.ts'

const address = 'unix:///run/containerd/containerd.sock'

describe('fromGrpcError', () => {
  it('keeps containerd\'s message and the code', () => {
    const error = fromGrpcError({code: GrpcCode.NOT_FOUND, details: 'image "nosuch:latest": not found', message: '5 NOT_FOUND: …'}, 'Images/Get', address)
    assert.ok(error instanceof ContainerdError)
    assert.ok(error instanceof NerdError)
    assert.equal(error.message, 'image "nosuch:latest": not found')
    assert.equal(error.code, 5)
    assert.equal(error.codeName, 'NOT_FOUND')
    assert.equal(error.method, 'Images/Get')
    assert.ok(isNotFound(error))
    assert.ok(!isAlreadyExists(error))
  })

  it('names the code and method when containerd sent no details', () => {
    const error = fromGrpcError({code: GrpcCode.INTERNAL, details: ''}, 'Tasks/Create', address)
    assert.equal(error.message, 'INTERNAL from Tasks/Create')
  })

  it('treats containerd\'s own UNAVAILABLE (a locked ingest) as a containerd error', () => {
    const error = fromGrpcError({code: GrpcCode.UNAVAILABLE, details: 'ref default/1/layer-sha256:ab locked for 1.2s (since 2026-01-01): unavailable'}, 'Content/Write', address)
    assert.ok(error instanceof ContainerdError)
    assert.ok(isUnavailable(error))
    assert.ok(!isConnectionError(error))
  })

  it('turns transport failures into one-line connection errors naming the address', () => {
    const refused = fromGrpcError(
      {code: GrpcCode.UNAVAILABLE, details: 'No connection established. Last error: connect ECONNREFUSED /run/containerd/containerd.sock (2026-11-23T00:00:00.000Z)'},
      'Version/Version',
      address,
    )
    assert.ok(refused instanceof ConnectionError)
    assert.equal(refused.reason, 'connection refused')
    assert.equal(refused.address, address)
    assert.equal(refused.message.split('\n').length, 1)
    assert.match(refused.message, /^Cannot connect to containerd at unix:\/\/\/run\/containerd\/containerd\.sock: connection refused\. Is containerd running\?/)
    assert.match(refused.message, /--address\.$/)

    const denied = fromGrpcError({code: GrpcCode.UNAVAILABLE, details: 'No connection established. Last error: connect EACCES /x.sock'}, 'Version/Version', address)
    assert.ok(denied instanceof ConnectionError)
    assert.equal(denied.reason, 'permission denied')

    const dropped = fromGrpcError({code: GrpcCode.UNAVAILABLE, details: 'Connection dropped'}, 'Tasks/Wait', address)
    assert.ok(dropped instanceof ConnectionError)
    assert.equal(dropped.reason, 'connection dropped')
  })

  it('passes other errors through', () => {
    const plain = new TypeError('bad')
    assert.equal(fromGrpcError(plain, 'Version/Version', address), plain)
    assert.equal(fromGrpcError('text', 'Version/Version', address).message, 'text')
  })
})

describe('helpers', () => {
  it('recognise codes only on containerd errors', () => {
    assert.ok(isFailedPrecondition(new ContainerdError(GrpcCode.FAILED_PRECONDITION, 'namespace "x" must be empty', 'Namespaces/Delete')))
    assert.ok(!isNotFound(new Error('not found')))
    assert.ok(!isNotFound(undefined))
  })

  it('map socket errnos to reasons', () => {
    assert.equal(reasonForErrno('ENOENT', 'x'), 'no such socket')
    assert.equal(reasonForErrno('ENOTDIR', 'x'), 'no such socket')
    assert.equal(reasonForErrno('EPERM', 'x'), 'permission denied')
    assert.equal(reasonForErrno('ENOTSOCK', 'x'), 'not a socket')
    assert.equal(reasonForErrno(undefined, 'something else'), 'something else')
  })

  it('connection errors tell how to start containerd, or how to get access', () => {
    const missing = new ConnectionError('unix:///nonexistent.sock', 'no such socket')
    assert.equal(
      missing.message,
      "Cannot connect to containerd at unix:///nonexistent.sock: no such socket. Is containerd running? Start it with 'sudo containerd' or 'sudo systemctl start containerd', or pass --address.",
    )
    assert.match(new ConnectionError('unix:///a.sock', 'permission denied').message, /permission denied\. Run nerd as root/)
  })
})
