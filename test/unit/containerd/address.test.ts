import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {parseAddress} from '../../../src/containerd/address.ts'
import {NerdError} from '../../../src/errors.ts'

describe('parseAddress', () => {
  it('takes a plain socket path', () => {
    assert.deepEqual(parseAddress('/run/containerd/containerd.sock'), {
      path: '/run/containerd/containerd.sock',
      target: 'unix:///run/containerd/containerd.sock',
    })
  })

  it('takes a unix:// URL with an absolute path', () => {
    assert.deepEqual(parseAddress('unix:///nonexistent.sock'), {path: '/nonexistent.sock', target: 'unix:///nonexistent.sock'})
  })

  it('accepts the scheme in any case', () => {
    assert.equal(parseAddress('UNIX:///a.sock').path, '/a.sock')
  })

  it('resolves relative paths against the working directory', () => {
    assert.equal(parseAddress('run/c.sock').path, `${process.cwd()}/run/c.sock`)
    assert.equal(parseAddress('unix://run/c.sock').target, `unix://${process.cwd()}/run/c.sock`)
  })

  it('normalises the path', () => {
    assert.equal(parseAddress('/run//containerd/../containerd/containerd.sock').path, '/run/containerd/containerd.sock')
  })

  it('rejects other schemes, naming the address', () => {
    assert.throws(() => parseAddress('tcp://127.0.0.1:1234'), (error: Error) => error instanceof NerdError && error.message.includes('tcp://127.0.0.1:1234'))
  })

  it('rejects empty addresses', () => {
    assert.throws(() => parseAddress('  '), NerdError)
    assert.throws(() => parseAddress('unix://'), NerdError)
  })
})
