import assert from 'node:assert/strict'
import {mkdtemp, readdir, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {Readable} from 'node:stream'
import {pipeline} from 'node:stream/promises'
import {after, before, describe, it} from 'node:test'
import {writeStreamAtomic} from '../../../src/files.ts'

describe('writeStreamAtomic', () => {
  let dir: string
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nerd-write-stream-'))
  })
  after(async () => {
    await rm(dir, {recursive: true, force: true})
  })

  it('puts the whole file in place once written', async () => {
    const path = join(dir, 'whole.tar')
    await writeStreamAtomic(path, (output) => pipeline(Readable.from([Buffer.from('one '), Buffer.from('two')]), output))
    assert.equal(await readFile(path, 'utf8'), 'one two')
    assert.deepEqual(await readdir(dir), ['whole.tar'])
  })

  it('leaves what was there, and no temporary file, when the writing fails halfway', async () => {
    const path = join(dir, 'kept.tar')
    await writeFile(path, 'older archive')
    async function* halfThenFail() {
      yield Buffer.from('half of a new one')
      throw new Error('the source broke')
    }
    await assert.rejects(writeStreamAtomic(path, (output) => pipeline(Readable.from(halfThenFail()), output)), /the source broke/)
    assert.equal(await readFile(path, 'utf8'), 'older archive')
    await assert.rejects(writeStreamAtomic(join(dir, 'never.tar'), async () => Promise.reject(new Error('nothing to write'))), /nothing to write/)
    assert.deepEqual((await readdir(dir)).sort(), ['kept.tar', 'whole.tar'])
  })
})
