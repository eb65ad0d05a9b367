import assert from 'node:assert/strict'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, it} from 'node:test'
import {invalidOutputPath} from '../../../src/files.ts'

describe('invalidOutputPath (docker save -o)', () => {
  it('names a missing directory as docker does; a file in an existing or the current directory is fine', () => {
    const missing = join(tmpdir(), `nerd-no-such-dir-${process.pid}`)
    assert.equal(invalidOutputPath(join(missing, 'x.tar')), `invalid output path: directory "${missing}" does not exist`)
    assert.equal(invalidOutputPath(join(tmpdir(), 'x.tar')), undefined)
    assert.equal(invalidOutputPath('x.tar'), undefined)
  })
})
