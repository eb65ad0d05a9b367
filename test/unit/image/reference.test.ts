import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {NerdError} from '../../../src/errors.ts'
import {
  familiarName,
  familiarRepository,
  normalizedName,
  parseDigest,
  parseReference,
  registryHost,
  repository,
  withDigest,
  withTag,
} from '../../../src/image/reference.ts'

const HEX = 'a'.repeat(64)
const DIGEST = `sha256:${HEX}`

describe('parseReference', () => {
  const valid: Array<[input: string, normalized: string, familiar: string]> = [
    ['busybox', 'docker.io/library/busybox:latest', 'busybox:latest'],
    ['busybox:1.36', 'docker.io/library/busybox:1.36', 'busybox:1.36'],
    ['user/app', 'docker.io/user/app:latest', 'user/app:latest'],
    ['docker.io/busybox', 'docker.io/library/busybox:latest', 'busybox:latest'],
    ['index.docker.io/library/busybox', 'docker.io/library/busybox:latest', 'busybox:latest'],
    ['docker.io/library/busybox:latest', 'docker.io/library/busybox:latest', 'busybox:latest'],
    ['docker.io/library/a/b', 'docker.io/library/a/b:latest', 'library/a/b:latest'],
    ['host:5000/a/b:tag', 'host:5000/a/b:tag', 'host:5000/a/b:tag'],
    ['localhost/x', 'localhost/x:latest', 'localhost/x:latest'],
    ['localhost:5000/x', 'localhost:5000/x:latest', 'localhost:5000/x:latest'],
    ['localhost', 'docker.io/library/localhost:latest', 'localhost:latest'],
    ['example.com/app', 'example.com/app:latest', 'example.com/app:latest'],
    ['127.0.0.1:5000/app', '127.0.0.1:5000/app:latest', '127.0.0.1:5000/app:latest'],
    ['[::1]:5000/app', '[::1]:5000/app:latest', '[::1]:5000/app:latest'],
    ['Registry.Example.com/app', 'Registry.Example.com/app:latest', 'Registry.Example.com/app:latest'],
    ['a/b/c/d', 'docker.io/a/b/c/d:latest', 'a/b/c/d:latest'],
    ['my_app', 'docker.io/library/my_app:latest', 'my_app:latest'],
    ['my__app', 'docker.io/library/my__app:latest', 'my__app:latest'],
    ['my--app.v2', 'docker.io/library/my--app.v2:latest', 'my--app.v2:latest'],
    ['busybox:Tag_1.0-x', 'docker.io/library/busybox:Tag_1.0-x', 'busybox:Tag_1.0-x'],
    [`busybox@${DIGEST}`, `docker.io/library/busybox@${DIGEST}`, `busybox@${DIGEST}`],
    [`busybox:1.36@${DIGEST}`, `docker.io/library/busybox:1.36@${DIGEST}`, `busybox:1.36@${DIGEST}`],
    [`host:5000/app@${DIGEST}`, `host:5000/app@${DIGEST}`, `host:5000/app@${DIGEST}`],
    [`busybox:${'t'.repeat(128)}`, `docker.io/library/busybox:${'t'.repeat(128)}`, `busybox:${'t'.repeat(128)}`],
  ]
  for (const [input, normalized, familiar] of valid) {
    it(`parses ${input.length > 40 ? `${input.slice(0, 40)}…` : input}`, () => {
      const reference = parseReference(input)
      assert.equal(normalizedName(reference), normalized)
      assert.equal(familiarName(reference), familiar)
    })
  }

  it('splits domain, path, tag and digest', () => {
    assert.deepEqual(parseReference('host:5000/a/b:tag'), {domain: 'host:5000', path: 'a/b', tag: 'tag'})
    assert.deepEqual(parseReference(`busybox:1.36@${DIGEST}`), {domain: 'docker.io', path: 'library/busybox', tag: '1.36', digest: DIGEST})
    assert.deepEqual(parseReference(`busybox@${DIGEST}`), {domain: 'docker.io', path: 'library/busybox', digest: DIGEST})
  })

  it('adds no tag when asked not to', () => {
    assert.deepEqual(parseReference('busybox', {defaultTag: false}), {domain: 'docker.io', path: 'library/busybox'})
  })

  const invalid: Array<[input: string, message: string]> = [
    ['Busybox', 'invalid reference format: repository name (library/Busybox) must be lowercase'],
    ['user/App', 'invalid reference format: repository name (user/App) must be lowercase'],
    ['host:5000/App:tag', 'invalid reference format: repository name (App) must be lowercase'],
    ['', 'invalid reference format'],
    ['busybox:', 'invalid reference format'],
    [':tag', 'invalid reference format'],
    ['busybox::tag', 'invalid reference format'],
    ['-busybox', 'invalid reference format'],
    ['busybox-', 'invalid reference format'],
    ['a/', 'invalid reference format'],
    ['a//b', 'invalid reference format'],
    ['my___app', 'invalid reference format'],
    ['my..app', 'invalid reference format'],
    ['busybox latest', 'invalid reference format'],
    ['http://host/app', 'invalid reference format'],
    ['busybox:.tag', 'invalid reference format'],
    ['busybox:-tag', 'invalid reference format'],
    [`busybox:${'t'.repeat(129)}`, 'invalid reference format'],
    ['busybox@sha256:abc', 'invalid reference format'],
    [`busybox@sha256:${'A'.repeat(64)}`, 'invalid checksum digest format'],
    [`busybox@sha256:${'a'.repeat(63)}`, 'invalid checksum digest length'],
    [`busybox@md5:${'a'.repeat(32)}`, 'unsupported digest algorithm'],
    [HEX, `invalid repository name (${HEX}), cannot specify 64-byte hexadecimal strings`],
    [`user/${'a'.repeat(241)}`, 'repository name must not be more than 255 characters'],
  ]
  for (const [input, message] of invalid) {
    it(`refuses ${JSON.stringify(input.length > 40 ? `${input.slice(0, 40)}…` : input)} with docker's message`, () => {
      assert.throws(() => parseReference(input), (error: unknown) => {
        assert.ok(error instanceof NerdError)
        assert.equal(error.message, message)
        assert.equal(error.exitCode, 1)
        return true
      })
    })
  }
})

describe('reference helpers', () => {
  it('repository and familiarRepository', () => {
    assert.equal(repository(parseReference('busybox')), 'docker.io/library/busybox')
    assert.equal(familiarRepository(parseReference('busybox')), 'busybox')
    assert.equal(familiarRepository(parseReference('user/app')), 'user/app')
    assert.equal(familiarRepository(parseReference('localhost:5000/app')), 'localhost:5000/app')
  })

  it('registryHost sends Docker Hub traffic to registry-1.docker.io', () => {
    assert.equal(registryHost(parseReference('busybox')), 'registry-1.docker.io')
    assert.equal(registryHost(parseReference('127.0.0.1:5000/app')), '127.0.0.1:5000')
    assert.equal(registryHost({domain: 'quay.io'}), 'quay.io')
  })

  it('withTag replaces the tag and keeps a digest', () => {
    const pinned = parseReference(`busybox:old@${DIGEST}`)
    assert.equal(normalizedName(withTag(pinned, 'new')), `docker.io/library/busybox:new@${DIGEST}`)
    assert.throws(() => withTag(pinned, '-bad'), {message: 'invalid tag format'})
  })

  it('withDigest pins the reference and keeps the tag', () => {
    assert.equal(familiarName(withDigest(parseReference('busybox'), DIGEST)), `busybox:latest@${DIGEST}`)
    assert.throws(() => withDigest(parseReference('busybox'), 'sha256:xyz'), {message: 'invalid digest format'})
  })

  it('parseDigest checks algorithm, length and hex', () => {
    assert.equal(parseDigest(DIGEST), DIGEST)
    assert.equal(parseDigest(`sha512:${'0'.repeat(128)}`), `sha512:${'0'.repeat(128)}`)
    assert.throws(() => parseDigest('sha256'), {message: 'invalid checksum digest format'})
    assert.throws(() => parseDigest('sha256:'), {message: 'invalid checksum digest format'})
    assert.throws(() => parseDigest(`sha256:${'a'.repeat(32)}`), {message: 'invalid checksum digest length'})
    assert.throws(() => parseDigest(`sha256:${'g'.repeat(64)}`), {message: 'invalid checksum digest format'})
    assert.throws(() => parseDigest(`foo:${'a'.repeat(64)}`), {message: 'unsupported digest algorithm'})
  })
})
