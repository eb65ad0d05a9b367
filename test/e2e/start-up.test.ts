/**
 * Work nerd's common commands must not do on their way: building an ICU collator (the first
 * localeCompare or Intl.Collator of a process) costs ~5 ms, a tenth of nerd's own start. A probe
 * loaded into nerd's node (NODE_OPTIONS --require) reports any such call on stderr.
 */
import assert from 'node:assert/strict'
import {execFile} from 'node:child_process'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {promisify} from 'node:util'
import {after, before, describe, it} from 'node:test'
import {removeAllContainers} from '../helpers/containers.ts'
import {loadTestImage, nerd, nerdEntry, nerdGlobals} from '../helpers/e2e.ts'

const run = promisify(execFile)
const IMG = 'docker.io/nerd-test/busybox:latest'
const PROBE = `
const report = (what) => process.stderr.write('COLLATOR: ' + what + ' ' + (new Error().stack.split('\\n')[3] ?? '').trim() + '\\n')
const localeCompare = String.prototype.localeCompare
String.prototype.localeCompare = function (...args) { report('localeCompare'); return localeCompare.apply(this, args) }
const Collator = Intl.Collator
Intl.Collator = function (...args) { report('Intl.Collator'); return new Collator(...args) }
`

let workDir: string
let env: Record<string, string>

describe('start-up work', () => {
  before(async () => {
    await loadTestImage('nerd-test/busybox:latest')
    workDir = await mkdtemp(join(tmpdir(), 'nerd-start-up-'))
    await writeFile(join(workDir, 'probe.cjs'), PROBE)
    env = {NODE_OPTIONS: `--require ${join(workDir, 'probe.cjs')}`}
  })

  after(async () => {
    await removeAllContainers()
    await rm(workDir, {recursive: true, force: true})
  })

  it('the probe sees a collator being built', async () => {
    const {stderr} = await run(process.execPath, ['--eval', "'a'.localeCompare('b'); new Intl.Collator()"], {env: {...process.env, ...env}})
    assert.match(stderr, /COLLATOR: localeCompare/)
    assert.match(stderr, /COLLATOR: Intl.Collator/)
  })

  for (const args of [
    ['version'],
    ['ps', '-a'],
    ['images'],
    ['run', '--rm', '--network', 'none', IMG, 'true'],
    ['run', '--rm', '-p', '127.0.0.1::80', IMG, 'true'],
  ]) {
    it(`nerd ${args.join(' ')} builds no collator`, async () => {
      const result = await nerd(args, {env})
      assert.equal(result.code, 0, result.stderr)
      assert.doesNotMatch(result.stderr, /COLLATOR/)
    })
  }
})

describe('bin/run.js run by its own #! line (npm link, npm install -g)', () => {
  it("passes every argument to nerd: node does not take nerd's --env-file as its own", async () => {
    const path = `${dirname(process.execPath)}:${process.env.PATH ?? ''}`
    const result = await run(nerdEntry, [...nerdGlobals(), 'run', '--rm', '--env-file', '/nonexistent-env-file', IMG, 'true'], {env: {...process.env, PATH: path}}).then(
      () => ({code: 0, stderr: ''}),
      (error: {code: number; stderr: string}) => ({code: error.code, stderr: error.stderr}),
    )
    assert.deepEqual(result, {code: 125, stderr: 'Error: open /nonexistent-env-file: no such file or directory\n'})
  })
})
