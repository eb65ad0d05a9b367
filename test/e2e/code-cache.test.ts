/**
 * The bundle's code cache (bin/bundle.cjs): taken after a command's first run, one per command,
 * reused after that, and never read when another user owns it or V8 rejects it.
 */
import assert from 'node:assert/strict'
import {chown, mkdir, mkdtemp, readdir, rm, stat, utimes, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {fileURLToPath} from 'node:url'
import {nerdOk} from '../helpers/containers.ts'
import {nerd} from '../helpers/e2e.ts'

let cacheHome: string
let env: Record<string, string>
const bundlePath = fileURLToPath(new URL('../../dist/nerd.cjs', import.meta.url))
const cacheDir = () => join(cacheHome, 'nerd', 'code-cache', encodeURIComponent(bundlePath))

async function cacheFor(command: string): Promise<string> {
  const names = (await readdir(cacheDir())).filter((name) => name.endsWith(`-${command}`))
  assert.equal(names.length, 1, `one cache for ${command}: ${names.join(' ')}`)
  return join(cacheDir(), names[0]!)
}

describe('the code cache of the bundle', () => {
  before(async () => {
    cacheHome = await mkdtemp(join(tmpdir(), 'nerd-code-cache-'))
    env = {XDG_CACHE_HOME: cacheHome}
  })

  after(async () => {
    await rm(cacheHome, {recursive: true, force: true})
  })

  it('is written by a command\'s first run, per command (its words), and kept by the runs after it', async () => {
    await nerdOk(['version'], {env})
    const versionCache = await cacheFor('version')
    const written = await stat(versionCache)
    assert.ok(written.size > 100_000, `a cache of the code that ran: ${written.size} bytes`)
    assert.equal(written.mode & 0o777, 0o600)
    await nerdOk(['namespace', 'ls'], {env})
    await cacheFor('namespace-ls')
    await nerdOk(['version'], {env})
    assert.equal((await stat(versionCache)).mtimeMs, written.mtimeMs)
  })

  it('is not taken from a run that failed, which compiled little of what the command needs', async () => {
    const failed = await nerd(['inspect', 'no-such-object-anywhere'], {env})
    assert.equal(failed.code, 1)
    assert.deepEqual((await readdir(cacheDir())).filter((name) => name.endsWith('-inspect')), [])
  })

  it('replaces a cache V8 rejects, and one another user owns, without a word on the output', async () => {
    const versionCache = await cacheFor('version')
    await writeFile(versionCache, 'not a code cache')
    const result = await nerd(['version', '--format', '{{.Client.Version}}'], {env})
    assert.deepEqual([result.code, result.stderr], [0, ''])
    assert.match(result.stdout, /^\d+\.\d+\.\d+\n$/)
    assert.ok((await stat(versionCache)).size > 100_000)
    await chown(versionCache, 65534, 65534)
    await nerdOk(['version'], {env})
    assert.equal((await stat(versionCache)).uid, process.getuid!())
  })

  it('is never taken from another build of the bundle, even one of the same size; caches of removed installs go', async () => {
    const before = await cacheFor('version')
    const gone = join(cacheHome, 'nerd', 'code-cache', encodeURIComponent('/nonexistent/nerd/dist/nerd.cjs'))
    await mkdir(gone, {recursive: true})
    // A new build or install: new times (npm packs every file with the same mtime, so ctime counts too).
    const {atime, mtime} = await stat(bundlePath)
    await utimes(bundlePath, atime, new Date(mtime.getTime() + 1000))
    try {
      await nerdOk(['version'], {env})
      const after = await cacheFor('version')
      assert.notEqual(after, before)
      assert.deepEqual(await readdir(join(cacheHome, 'nerd', 'code-cache')), [encodeURIComponent(bundlePath)])
    } finally {
      await utimes(bundlePath, atime, mtime)
    }
  })
})

describe("node's own compile cache", () => {
  it('is not used: its directory is the shared temp dir, where another user could plant code root then runs', async () => {
    const temp = await mkdtemp(join(tmpdir(), 'nerd-tmpdir-'))
    try {
      await nerdOk(['version'], {env: {TMPDIR: temp, XDG_CACHE_HOME: join(temp, 'cache')}})
      assert.deepEqual((await readdir(temp)).filter((name) => name !== 'cache'), [])
    } finally {
      await rm(temp, {recursive: true, force: true})
    }
  })
})
