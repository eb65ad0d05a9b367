import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {mkdtempSync, rmSync, symlinkSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, describe, it} from 'node:test'
import {invalidOutputPath} from '../../../src/files.ts'

describe('invalidOutputPath (docker export -o, save -o)', () => {
  const work = mkdtempSync(join(tmpdir(), 'nerd-output-path-'))
  after(() => rmSync(work, {recursive: true, force: true}))

  it('names a missing directory, or a file where a directory should be, as docker 28 does', () => {
    const missing = join(work, 'nodir')
    assert.equal(invalidOutputPath(join(missing, 'x.tar')), `invalid output path: stat ${missing}: no such file or directory`)
    assert.equal(invalidOutputPath(join(missing, 'deeper', 'x.tar')), `invalid output path: stat ${join(missing, 'deeper')}: no such file or directory`)
    writeFileSync(join(work, 'file'), '')
    assert.equal(invalidOutputPath(join(work, 'file', 'x.tar')), `invalid output path: stat ${join(work, 'file')}: not a directory`)
  })

  it('refuses a directory, a link, a device, a FIFO; a new or regular file is fine', () => {
    assert.equal(invalidOutputPath(work), 'cannot write to a directory')
    assert.equal(invalidOutputPath(`${work}/`), 'cannot write to a directory')
    symlinkSync(join(work, 'file'), join(work, 'link'))
    assert.equal(invalidOutputPath(join(work, 'link')), 'cannot write to a symbolic link directly')
    assert.equal(invalidOutputPath('/dev/null'), 'cannot write to a character device file')
    execFileSync('mkfifo', [join(work, 'fifo')])
    assert.equal(invalidOutputPath(join(work, 'fifo')), 'cannot write to a named pipe (FIFO)')
    assert.equal(invalidOutputPath(join(work, 'file')), undefined)
    assert.equal(invalidOutputPath(join(work, 'x.tar')), undefined)
    assert.equal(invalidOutputPath('x.tar'), undefined)
  })
})
