/**
 * nerd on a full data root (a small tmpfs mounted as this file's data root): what cannot be written
 * is dropped or left undone where docker's daemon would do the same, and nothing is left behind.
 */
import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {existsSync, mkdirSync, readdirSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {nerdOk, removeAllContainers, until} from '../helpers/containers.ts'
import {fileDataRoot, fileNamespace, loadTestImage, nerd} from '../helpers/e2e.ts'

const IMG = 'nerd-test/busybox'
const dataRoot = fileDataRoot()
const filler = join(dataRoot, 'filler')

/** Fills the data root: a file as large as the space left. */
function fillDisk(): void {
  try {
    writeFileSync(filler, Buffer.alloc(8 * 1024 * 1024), {flag: 'a'})
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error
  }
}

/** The container directories (and what else) of this namespace, hidden files included. */
function containerEntries(): string[] {
  const dir = join(dataRoot, 'containers', fileNamespace())
  return existsSync(dir) ? readdirSync(dir) : []
}

describe('a full data root', () => {
  before(async () => {
    await loadTestImage('nerd-test/busybox:latest')
    mkdirSync(dataRoot, {recursive: true})
    // A tmpfs's root is 1777 unless told: nerd refuses a data root others may write to.
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m,mode=0700', 'nerd-e2e-full', dataRoot])
  })

  after(async () => {
    rmSync(filler, {force: true})
    await removeAllContainers()
    execFileSync('umount', [dataRoot])
  })

  it('an attached run whose log cannot be written shows all the output, warns once naming the log, and exits with the container\'s code', async () => {
    const size = 3_000_000
    try {
      const result = await nerd(['run', '--name', 'loud', IMG, 'sh', '-c', `yes 0123456789012345678901234567890123456789 | head -c ${size}; echo end; exit 3`], {timeoutMs: 30_000})
      assert.equal(result.code, 3, result.stderr)
      assert.equal(result.stdout.length, size + 4)
      assert.ok(result.stdout.endsWith('end\n'))
      const logPath = (await nerdOk(['inspect', '--format', '{{.LogPath}}', 'loud'])).trim()
      assert.equal(result.stderr, `WARNING: output left out of the container's log: write ${logPath}: no space left on device\n`)
      const listed = await nerd(['ps', '-a', '--filter', 'name=loud', '--format', '{{.Status}}'])
      // Its exit code is seen, but not recorded: the disk is full.
      assert.match(listed.stdout, /^Exited /, listed.stderr)
      // The FIFOs went with the session.
      assert.deepEqual(readdirSync(join(dataRoot, 'fifo')), [])
    } finally {
      // Its log fills the disk.
      await nerd(['rm', '-f', 'loud'])
    }
  })

  it('a container that exits on a full disk is seen out, and rm removes it', async () => {
    const id = (await nerdOk(['run', '-d', '--name', 'ends-full', IMG, 'sleep', '2'])).trim()
    fillDisk()
    try {
      // The exit handler cannot record the exit, but deletes the task all the same.
      await until('the container to exit', async () => ((await nerdOk(['ps', '-a', '--filter', 'name=ends-full', '--format', '{{.Status}}'])).startsWith('Exited') ? true : undefined))
      const removed = await nerd(['rm', 'ends-full'])
      assert.deepEqual({code: removed.code, stderr: removed.stderr}, {code: 0, stderr: ''})
      assert.ok(!containerEntries().some((entry) => entry.includes(id)), `left: ${containerEntries().join(', ')}`)
    } finally {
      rmSync(filler, {force: true})
    }
  })

  it('a create or volume create that fails on a full disk leaves nothing behind, and says which file could not be written', async () => {
    fillDisk()
    try {
      const created = await nerd(['create', '--name', 'fullc', IMG, 'true'])
      assert.equal(created.code, 1, created.stderr)
      assert.match(created.stderr, /^Error: write \/\S+: no space left on device\n$/)
      const namesDir = join(dataRoot, 'names', fileNamespace())
      assert.deepEqual(existsSync(namesDir) ? readdirSync(namesDir) : [], [])
      const volume = await nerd(['volume', 'create', 'fullv'])
      assert.deepEqual(
        {code: volume.code, stderr: volume.stderr},
        {code: 1, stderr: `Error: write ${join(dataRoot, 'volumes', fileNamespace(), 'fullv', 'volume.json')}: no space left on device\n`},
      )
      assert.ok(!existsSync(join(dataRoot, 'volumes', fileNamespace(), 'fullv')))
    } finally {
      rmSync(filler, {force: true})
    }
  })

  it('rm -f of a running container works on a full disk', async () => {
    const id = (await nerdOk(['run', '-d', '--name', 'runs-full', IMG, 'sleep', '600'])).trim()
    fillDisk()
    try {
      const removed = await nerd(['rm', '-f', 'runs-full'])
      assert.deepEqual({code: removed.code, stderr: removed.stderr}, {code: 0, stderr: ''})
      assert.ok(!containerEntries().some((entry) => entry.includes(id)), `left: ${containerEntries().join(', ')}`)
    } finally {
      rmSync(filler, {force: true})
    }
  })
})
