import assert from 'node:assert/strict'
import {chmodSync, chownSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, it} from 'node:test'
import {placeInitLayer} from '../../../src/container/init-layer.ts'

/** What stands at `path`: its kind, mode, owner, a link's target. */
function described(path: string): string | undefined {
  const stats = lstatSync(path, {throwIfNoEntry: false})
  if (!stats) return undefined
  if (stats.isSymbolicLink()) return `link ${readlinkSync(path)}`
  const kind = stats.isDirectory() ? 'directory' : `file of ${stats.size}`
  return `${kind} ${(stats.mode & 0o7777).toString(8)} ${stats.uid}:${stats.gid}`
}

describe("docker's init layer written into a snapshot", () => {
  let work: string
  let image: string
  let host: string

  beforeEach(() => {
    work = mkdtempSync(join(tmpdir(), 'nerd-init-layer-'))
    ;[image, host] = ['image', 'host'].map((name) => join(work, name))
    for (const directory of [image, host]) mkdirSync(directory)
    // The image: its own /etc (mode and owner of its own), an /etc/mtab file, links that lead to the
    // host directory, /proc; no /sys.
    mkdirSync(join(image, 'etc'))
    chownSync(join(image, 'etc'), 7, 8)
    chmodSync(join(image, 'etc'), 0o750)
    writeFileSync(join(image, 'etc/passwd'), 'root:x:0:0::/root:/bin/sh\n')
    chmodSync(join(image, 'etc/passwd'), 0o644)
    writeFileSync(join(image, 'etc/mtab'), "the image's\n")
    symlinkSync(host, join(image, 'dev'))
    symlinkSync(join(host, 'dockerenv'), join(image, '.dockerenv'))
    mkdirSync(join(image, 'proc'))
    chmodSync(join(image, 'proc'), 0o555)
  })
  afterEach(() => rmSync(work, {recursive: true, force: true}))

  it("writes into the image's filesystem: each path made, what is no directory replaced, its directories and other files kept", async () => {
    await placeInitLayer(image)
    assert.deepEqual(
      Object.fromEntries(readdirSync(image, {recursive: true}).map(String).sort().map((path) => [path, described(join(image, path))])),
      {
        '.dockerenv': 'file of 0 755 0:0',
        dev: 'directory 755 0:0',
        'dev/console': 'file of 0 755 0:0',
        'dev/pts': 'directory 755 0:0',
        'dev/shm': 'directory 755 0:0',
        etc: 'directory 750 7:8',
        'etc/hostname': 'file of 0 755 0:0',
        'etc/hosts': 'file of 0 755 0:0',
        'etc/mtab': 'link /proc/mounts',
        'etc/passwd': 'file of 26 644 0:0',
        'etc/resolv.conf': 'file of 0 755 0:0',
        proc: 'directory 555 0:0',
        sys: 'directory 755 0:0',
      },
    )
    assert.equal(readFileSync(join(image, 'etc/passwd'), 'utf8'), 'root:x:0:0::/root:/bin/sh\n')
    assert.deepEqual(readdirSync(host), [])
    assert.equal(existsSync(join(host, 'dockerenv')), false)
  })

  it('keeps a directory the image has where the init layer puts a file', async () => {
    mkdirSync(join(image, 'etc/hostname'))
    await placeInitLayer(image)
    assert.equal(described(join(image, 'etc/hostname')), 'directory 755 0:0')
  })
})
