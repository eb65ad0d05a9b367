/**
 * The container lifecycle under concurrent commands and interrupted ones, with docker as the
 * reference: a container's state stays whole, every command succeeds or fails on one clear line,
 * and nothing is left behind (tasks, containerd records, snapshots, state directories, names).
 */
import assert from 'node:assert/strict'
import {writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {nerdOk, removeAllContainers} from '../helpers/containers.ts'
import {fileDataRoot, fileNamespace, loadTestImage} from '../helpers/e2e.ts'

const IMG = 'nerd-test/busybox'

describe('the container lifecycle under concurrency and interruption', () => {
  before(async () => {
    await loadTestImage('nerd-test/busybox:latest')
  })

  after(async () => {
    await removeAllContainers()
  })

  it('a name left empty by a create killed while reserving it is taken over', async () => {
    const namesDir = join(fileDataRoot(), 'names', fileNamespace())
    await nerdOk(['create', '--network', 'none', '--name', 'other', IMG, 'true'])
    await writeFile(join(namesDir, 'emptyname'), '')
    await nerdOk(['create', '--network', 'none', '--name', 'emptyname', IMG, 'true'])
    assert.equal(await nerdOk(['inspect', '-f', '{{.Name}}', 'emptyname']), '/emptyname\n')
    await nerdOk(['rm', 'emptyname', 'other'])
  })
})
