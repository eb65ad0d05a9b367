/**
 * An attached process's stdio goes no faster than its slower end, as docker's attach: a reader of
 * nerd's output that stalls holds the container's writes up, and a process that does not read its
 * input holds nerd's reading of it up. nerd's own memory (its peak resident set, VmHWM) stays well
 * below what went through it, and every byte still arrives.
 */
import assert from 'node:assert/strict'
import {execFile} from 'node:child_process'
import {createHash} from 'node:crypto'
import {readFileSync} from 'node:fs'
import {after, before, describe, it} from 'node:test'
import {promisify} from 'node:util'
import {removeAllContainers, until} from '../helpers/containers.ts'
import {loadTestImage, nerd, nerdCommandLine, startNerd} from '../helpers/e2e.ts'
import type {StartedNerd} from '../helpers/e2e.ts'

const IMG = 'nerd-test/busybox'
const MIB = 1024 * 1024
/** What goes through nerd in each test: more than nerd's own footprint, so that holding it shows. */
const VOLUME = 320 * MIB
/** nerd's peak resident set may not reach this while the other end stalls (it starts near 100 MiB). */
const PEAK_LIMIT_KIB = (VOLUME / 1024) * 0.7

/** The peak resident set of the process, in KiB. */
function peakResidentKib(pid: number): number {
  return Number(/^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1])
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** All of the child's stdout, from now on, and its exit. */
async function readAll(started: StartedNerd): Promise<{output: Buffer; ended: NodeJS.Signals | number | null}> {
  const chunks: Buffer[] = []
  started.child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk))
  const ended = await started.ended
  return {output: Buffer.concat(chunks), ended}
}

describe('attached stdio under back-pressure', () => {
  before(async () => {
    await loadTestImage('nerd-test/busybox:latest')
  })

  after(async () => {
    await removeAllContainers()
  })

  it('a stalled reader of a foreground run holds the container\'s writes up instead of growing nerd\'s memory, and then gets every byte', async () => {
    const run = startNerd(['run', '--rm', '--name', 'stalled-reader', '--network', 'none', IMG, 'sh', '-c', `head -c ${VOLUME} /dev/zero; echo done > /tmp/done; sleep 1`])
    const pid = run.child.pid!
    // Nothing reads nerd's stdout for a while, from the container's start (a loaded machine may take
    // seconds to get there): it has written a pipe's worth and waits.
    await until('the container to run', async () => ((await nerd(['inspect', '-f', '{{.State.Running}}', 'stalled-reader'])).stdout === 'true\n' ? true : undefined))
    await sleep(6000)
    const peak = peakResidentKib(pid)
    // Looked at without failing: the output is read to its end below whatever the answer.
    const running = (await nerd(['inspect', '-f', '{{.State.Running}}', 'stalled-reader'])).stdout.trim()
    const {output, ended} = await readAll(run)
    assert.equal(ended, 0)
    assert.equal(output.length, VOLUME)
    assert.ok(output.every((byte) => byte === 0), 'the bytes as written')
    assert.ok(peak < PEAK_LIMIT_KIB, `nerd's peak resident set ${peak} KiB while ${VOLUME / MIB} MiB waited for its reader`)
    assert.equal(running, 'true', 'the container waited for the reader')
  })

  it('output left in the pipes by a process that has exited still reaches a reader that stalled past the exit', async () => {
    // Small enough to fit the pipes between the process and the reader (a shell's pipe, as a user's):
    // the process exits while nothing is read.
    const size = 150 * 1024
    const command = `${nerdCommandLine(['run', '--rm', '--network', 'none', IMG, 'head', '-c', String(size), '/dev/zero'])} | (sleep 5; wc -c)`
    const {stdout} = await promisify(execFile)('sh', ['-c', command], {env: {...process.env, NERD_TOML: '/dev/null'}})
    assert.equal(stdout.trim(), String(size))
  })

  /**
   * Feeds VOLUME bytes (each MiB different, so that a block lost, repeated or out of order changes
   * the sum) into the nerd's stdin as fast as it takes them; its peak resident set 4.5 s in, while
   * the container does not read yet; then its stdout and exit.
   */
  async function feedStalledInput(started: StartedNerd): Promise<{sent: string; peak: number; output: Buffer; ended: NodeJS.Signals | number | null}> {
    const block = Buffer.alloc(MIB)
    const sent = createHash('md5')
    const feeding = (async () => {
      for (let index = 0; index < VOLUME / MIB; index++) {
        block.fill(index % 251)
        block.writeUInt32BE(index)
        sent.update(block)
        if (!started.child.stdin.write(Buffer.from(block))) await new Promise((resolve) => started.child.stdin.once('drain', resolve))
      }
      started.child.stdin.end()
    })()
    const result = readAll(started)
    await sleep(4500)
    const peak = peakResidentKib(started.child.pid!)
    await feeding
    return {sent: sent.digest('hex'), peak, ...(await result)}
  }

  it('input a process does not read yet stays in nerd\'s stdin (run -i), and reaches it whole and in order', async () => {
    const run = startNerd(['run', '-i', '--rm', '--network', 'none', IMG, 'sh', '-c', 'sleep 6; md5sum'])
    const {sent, peak, output, ended} = await feedStalledInput(run)
    assert.equal(ended, 0)
    assert.equal(output.toString().split(' ')[0], sent)
    assert.ok(peak < PEAK_LIMIT_KIB, `nerd's peak resident set ${peak} KiB while ${VOLUME / MIB} MiB of input waited for the process`)
  })

  it('attach\'s input waits for the container as run -i\'s does', async () => {
    await nerd(['run', '-di', '--name', 'attach-input', '--network', 'none', IMG, 'sh', '-c', `sleep 6; head -c ${VOLUME} | md5sum`])
    const attach = startNerd(['attach', 'attach-input'])
    const {sent, peak, output, ended} = await feedStalledInput(attach)
    assert.equal(ended, 0)
    assert.equal(output.toString().split(' ')[0], sent)
    assert.ok(peak < PEAK_LIMIT_KIB, `attach's peak resident set ${peak} KiB while ${VOLUME / MIB} MiB of input waited for the container`)
  })
})
