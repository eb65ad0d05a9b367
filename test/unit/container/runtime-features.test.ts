import assert from 'node:assert/strict'
import {chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {recursiveReadOnlySupport} from '../../../src/container/runtime-features.ts'

describe('recursive read-only support', () => {
  let work: string
  let bin: string
  let dataRoot: string
  /** A runc that runs `script`, counting its runs. */
  const fakeRunc = (script: string) => {
    writeFileSync(join(bin, 'runc'), `#!/bin/sh\necho run >> ${join(work, 'runs')}\n${script}\n`)
    chmodSync(join(bin, 'runc'), 0o755)
  }
  const runs = () => {
    try {
      return readFileSync(join(work, 'runs'), 'utf8').split('\n').filter(Boolean).length
    } catch {
      return 0
    }
  }
  const ask = (extra: {runtime?: string; kernelRelease?: string} = {}) =>
    recursiveReadOnlySupport({dataRoot, searchPath: [bin], kernelRelease: '6.1.0-18-amd64', ...extra})

  before(() => {
    work = mkdtempSync(join(tmpdir(), 'nerd-rro-'))
    bin = join(work, 'bin')
    dataRoot = join(work, 'root')
    mkdirSync(bin)
  })
  after(() => rmSync(work, {recursive: true, force: true}))

  it('asks runc once and keeps its answer while the binary is unchanged', () => {
    fakeRunc(`echo '{"ociVersionMin":"1.0.0","mountOptions":["ro","rro","rbind"]}'`)
    assert.deepEqual(ask(), {supported: true})
    assert.deepEqual(ask(), {supported: true})
    assert.equal(runs(), 1)
    // Another runc (same path, new contents and time): asked again.
    fakeRunc(`echo '{"mountOptions":["ro","rbind"]}'`)
    utimesSync(join(bin, 'runc'), new Date(), new Date(Date.now() + 5000))
    assert.deepEqual(ask(), {supported: false, reason: 'rro is not supported by runtime "io.containerd.runc.v2"'})
    assert.equal(runs(), 2)
  })

  it('a runc without `features` cannot, nor can an old kernel or another runtime (not asked)', () => {
    fakeRunc('echo "No help topic for \'features\'" >&2; exit 1')
    utimesSync(join(bin, 'runc'), new Date(), new Date(Date.now() + 10000))
    assert.deepEqual(ask(), {supported: false, reason: 'rro is not supported by runtime "io.containerd.runc.v2": OCI features struct is not available'})
    const before = runs()
    assert.deepEqual(ask({kernelRelease: '5.10.0-28-amd64'}), {supported: false, reason: 'rro is not supported: kernel 5.10.0-28-amd64 is older than 5.12'})
    assert.deepEqual(ask({runtime: 'io.containerd.runsc.v1'}), {supported: false, reason: 'rro is not supported by runtime "io.containerd.runsc.v1"'})
    assert.equal(runs(), before)
  })
})
