import assert from 'node:assert/strict'
import {readdir, readFile, stat, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {Readable} from 'node:stream'
import {pipeline} from 'node:stream/promises'
import {describe, it} from 'node:test'
import {writeStreamAtomic} from '../../../src/files.ts'
import {suiteDirectory} from '../../helpers/temporary.ts'

describe('writeStreamAtomic', () => {
  const scratch = suiteDirectory('nerd-write-stream-')

  it('puts the whole file in place once written, readable by its owner only as docker\'s save -o and export -o', async () => {
    const path = join(scratch(), 'whole.tar')
    await writeFile(path, 'older archive', {mode: 0o644})
    await writeStreamAtomic(path, (output) => pipeline(Readable.from([Buffer.from('one '), Buffer.from('two')]), output))
    assert.equal(await readFile(path, 'utf8'), 'one two')
    assert.equal((await stat(path)).mode & 0o777, 0o600)
    assert.deepEqual(await readdir(scratch()), ['whole.tar'])
  })

  it('leaves what was there, and no temporary file, when the writing fails halfway', async () => {
    const path = join(scratch(), 'kept.tar')
    await writeFile(path, 'older archive')
    async function* halfThenFail() {
      yield Buffer.from('half of a new one')
      throw new Error('the source broke')
    }
    await assert.rejects(writeStreamAtomic(path, (output) => pipeline(Readable.from(halfThenFail()), output)), /the source broke/)
    assert.equal(await readFile(path, 'utf8'), 'older archive')
    await assert.rejects(writeStreamAtomic(join(scratch(), 'never.tar'), async () => Promise.reject(new Error('nothing to write'))), /nothing to write/)
    assert.deepEqual((await readdir(scratch())).sort(), ['kept.tar', 'whole.tar'])
  })
})
