import assert from 'node:assert/strict'
import {mkdir, mkdtemp, readdir, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {removeStrandedCopies} from '../../../src/plugins/local-install.ts'

describe('removeStrandedCopies', () => {
  let home: string
  const saved = process.env.XDG_DATA_HOME
  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'nerd-stranded-'))
    process.env.XDG_DATA_HOME = join(home, 'data')
  })
  after(async () => {
    if (saved === undefined) delete process.env.XDG_DATA_HOME
    else process.env.XDG_DATA_HOME = saved
    await rm(home, {recursive: true, force: true})
  })

  it('removes nothing outside node_modules for a name a linked package.json gave (`../…`), nor node_modules itself', async () => {
    await mkdir(join(home, 'data/nerd/node_modules/kept'), {recursive: true})
    await mkdir(join(home, 'victim'))
    await writeFile(join(home, 'victim/secret'), 'S')
    await removeStrandedCopies(['../../../victim', '..', '', '.', 'kept/..'])
    assert.deepEqual(await readdir(join(home, 'victim')), ['secret'])
    assert.deepEqual(await readdir(join(home, 'data/nerd/node_modules')), ['kept'])
  })
})
