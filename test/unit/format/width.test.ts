import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {charWidth, displayWidth, ellipsis} from '../../../src/format/index.ts'

describe('displayWidth', () => {
  it('counts terminal columns', () => {
    assert.equal(displayWidth(''), 0)
    assert.equal(displayWidth('nginx:latest'), 12)
    assert.equal(displayWidth('日本語'), 6)
    assert.equal(displayWidth('ｆｕｌｌ'), 8)
    assert.equal(displayWidth('🚀x'), 3)
    assert.equal(displayWidth('e\u0301'), 1)
    assert.equal(displayWidth('a\u200bb'), 2)
    assert.equal(displayWidth('a\x1bb'), 2)
    assert.equal(displayWidth('é'), 1)
  })

  it('tells wide characters from narrow ones', () => {
    assert.equal(charWidth('a'), 1)
    assert.equal(charWidth('é'), 1)
    assert.equal(charWidth('中'), 2)
    assert.equal(charWidth('한'), 2)
  })
})

describe('ellipsis', () => {
  it('cuts like docker ps COMMAND', () => {
    assert.equal(ellipsis('/docker-entrypoint.sh nginx -g daemon off;', 20), '/docker-entrypoint.…')
    assert.equal(ellipsis('sh', 20), 'sh')
    assert.equal(ellipsis('exactly-twenty-chars', 20), 'exactly-twenty-chars')
    assert.equal(ellipsis('twenty-one-characters', 20), 'twenty-one-characte…')
  })

  it('measures wide characters as two columns', () => {
    assert.equal(ellipsis('日本語のコマンド', 7), '日本語…')
    assert.equal(ellipsis('日本語', 6), '日本語')
    assert.equal(ellipsis('a日本語', 6), 'a日本…')
  })

  it('handles the smallest widths as docker does', () => {
    assert.equal(ellipsis('abc', 0), '')
    assert.equal(ellipsis('abc', 1), 'a')
    assert.equal(ellipsis('', 1), '')
    assert.equal(ellipsis('abc', 2), 'a…')
    assert.equal(ellipsis('日本', 2), '日本')
  })
})
