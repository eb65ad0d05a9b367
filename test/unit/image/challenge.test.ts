import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {parseWwwAuthenticate} from '../../../src/image/registry/challenge.ts'

describe('parseWwwAuthenticate', () => {
  it('parses Docker Hub\'s Bearer challenge', () => {
    const header = 'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull"'
    assert.deepEqual(parseWwwAuthenticate(header), [
      {
        scheme: 'bearer',
        parameters: {realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/busybox:pull'},
      },
    ])
  })

  it('parses a Basic challenge', () => {
    assert.deepEqual(parseWwwAuthenticate('Basic realm="Registry Realm"'), [{scheme: 'basic', parameters: {realm: 'Registry Realm'}}])
  })

  it('keeps commas and escaped quotes inside quoted values', () => {
    const header = 'Bearer realm="https://r/token",scope="repository:a:pull,push repository:b:pull",error="say \\"hi\\""'
    assert.deepEqual(parseWwwAuthenticate(header)[0].parameters, {
      realm: 'https://r/token',
      scope: 'repository:a:pull,push repository:b:pull',
      error: 'say "hi"',
    })
  })

  it('separates several challenges in one value', () => {
    const challenges = parseWwwAuthenticate('Bearer realm="https://r/token", service="reg" , Basic realm="x"')
    assert.deepEqual(challenges, [
      {scheme: 'bearer', parameters: {realm: 'https://r/token', service: 'reg'}},
      {scheme: 'basic', parameters: {realm: 'x'}},
    ])
  })

  it('accepts unquoted values, spaces around = and any case of names', () => {
    assert.deepEqual(parseWwwAuthenticate('BEARER Realm = https://r/token , Service=reg'), [
      {scheme: 'bearer', parameters: {realm: 'https://r/token', service: 'reg'}},
    ])
  })

  it('reads a token68 credential and a scheme without parameters', () => {
    assert.deepEqual(parseWwwAuthenticate('Negotiate abc+/def==, Basic'), [
      {scheme: 'negotiate', parameters: {token68: 'abc+/def=='}},
      {scheme: 'basic', parameters: {}},
    ])
  })

  it('returns nothing for an empty header', () => {
    assert.deepEqual(parseWwwAuthenticate(''), [])
    assert.deepEqual(parseWwwAuthenticate(' , '), [])
  })
})
