import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {closeSync, readSync} from 'node:fs'
import {mkdir, mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {mkfifo, reopenOrphanedFifos} from '../../../src/container/io.ts'

/** An owner (owner.ts) no process has: the nerd that made the FIFOs, killed. */
const DEAD_OWNER = '4026531836-999999-1'

describe('reopenOrphanedFifos', () => {
  let root: string
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'nerd-io-'))
  })
  after(async () => {
    await rm(root, {recursive: true, force: true})
  })

  /** FIFOs of the dead owner's, held as a shim holds them (writing ends, and a reading one) by a shell; their names removed. */
  async function shimHolding(name: string): Promise<{pid: number; stop(): Promise<void>}> {
    const dir = join(root, `io-${DEAD_OWNER}-${name}`)
    await mkdir(dir)
    await mkfifo([join(dir, 'stdout'), join(dir, 'stderr')])
    const shell = spawn('sh', ['-c', `exec 7<>"$1/stdout" 8<>"$1/stderr" 3>"$1/stdout" 4>"$1/stderr"; exec 7<&- 8<&-; rm -r "$1"; echo ready; exec sleep 60`, 'sh', dir], {stdio: ['ignore', 'pipe', 'inherit']})
    await new Promise((resolve) => shell.stdout.once('data', resolve))
    return {pid: shell.pid!, stop: () => new Promise((resolve) => (shell.once('exit', resolve), shell.kill('SIGKILL')))}
  }

  it('opens the output again through the descriptors the shim writes with, though its names are gone; the end comes with the writer\'s', async () => {
    const shim = await shimHolding('live')
    const ends = reopenOrphanedFifos(DEAD_OWNER, shim.pid)
    assert.ok(ends, 'the FIFOs are found')
    assert.equal(ends.stdin, undefined)
    assert.equal(typeof ends.stderr, 'number')
    await shim.stop()
    // Its writer gone, the FIFO reads its end (0 bytes), not EAGAIN.
    assert.equal(readSync(ends.stdout, Buffer.alloc(16)), 0)
    closeSync(ends.stdout)
    closeSync(ends.stderr!)
  })

  it('finds nothing of another owner, nor of a shim that no longer writes them', async () => {
    const shim = await shimHolding('other')
    assert.equal(reopenOrphanedFifos('4026531836-999998-1', shim.pid), undefined)
    await shim.stop()
    assert.equal(reopenOrphanedFifos(DEAD_OWNER, shim.pid), undefined)
  })
})
