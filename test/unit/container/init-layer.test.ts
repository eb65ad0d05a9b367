import assert from 'node:assert/strict'
import {chmodSync, chownSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, it} from 'node:test'
import type {Mount} from '../../../src/containerd/index.ts'
import {placeInitLayer} from '../../../src/container/init-layer.ts'
import {writableLayer} from '../../../src/container/rootfs-files.ts'

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
  let upper: string
  let image: string
  let host: string

  beforeEach(() => {
    work = mkdtempSync(join(tmpdir(), 'nerd-init-layer-'))
    ;[upper, image, host] = ['upper', 'image', 'host'].map((name) => join(work, name))
    for (const directory of [upper, image, host]) mkdirSync(directory)
    // The image: its own /etc (mode and owner of its own), an /etc/mtab file, links that lead to the
    // host directory, /proc; no /sys.
    mkdirSync(join(image, 'etc'))
    chownSync(join(image, 'etc'), 7, 8)
    chmodSync(join(image, 'etc'), 0o750)
    writeFileSync(join(image, 'etc/passwd'), 'root:x:0:0::/root:/bin/sh\n')
    writeFileSync(join(image, 'etc/mtab'), "the image's\n")
    symlinkSync(host, join(image, 'dev'))
    symlinkSync(join(host, 'dockerenv'), join(image, '.dockerenv'))
    mkdirSync(join(image, 'proc'))
  })
  afterEach(() => rmSync(work, {recursive: true, force: true}))

  it('writes into an upper layer over the image: each path made, what is no directory replaced, directories copied up with their mode and owner', async () => {
    await placeInitLayer(upper, [upper, image])
    assert.deepEqual(
      Object.fromEntries(readdirSync(upper, {recursive: true}).map(String).sort().map((path) => [path, described(join(upper, path))])),
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
        'etc/resolv.conf': 'file of 0 755 0:0',
        sys: 'directory 755 0:0',
      },
    )
    assert.deepEqual(readdirSync(host), [], 'nothing written through the image\'s links')
  })

  it('writes into a whole filesystem (a bind, or a mount): the image\'s own replaced in it, its directories and other files kept', async () => {
    await placeInitLayer(image, [image])
    assert.deepEqual(
      ['.dockerenv', 'dev', 'dev/pts', 'etc', 'etc/mtab', 'etc/hosts', 'proc'].map((path) => described(join(image, path))),
      ['file of 0 755 0:0', 'directory 755 0:0', 'directory 755 0:0', 'directory 750 7:8', 'link /proc/mounts', 'file of 0 755 0:0', 'directory 755 0:0'],
    )
    assert.equal(readFileSync(join(image, 'etc/passwd'), 'utf8'), 'root:x:0:0::/root:/bin/sh\n')
    assert.deepEqual(readdirSync(host), [])
    assert.equal(existsSync(join(host, 'dockerenv')), false)
  })

  it('keeps a directory the image has where the init layer puts a file', async () => {
    mkdirSync(join(image, 'etc/hostname'))
    await placeInitLayer(upper, [upper, image])
    assert.equal(described(join(upper, 'etc/hostname')), undefined)
  })
})

describe('the layer a snapshot is written in without mounting it', () => {
  const mount = (type: string, options: string[]): Mount => ({type, source: '/snapshots/1/fs', target: '', options})
  it("is an overlay's upper directory or a writable bind's source", () => {
    assert.equal(writableLayer([mount('overlay', ['index=off', 'workdir=/s/2/work', 'upperdir=/s/2/fs', 'lowerdir=/s/1/fs'])]), '/s/2/fs')
    assert.equal(writableLayer([mount('bind', ['rbind', 'rw'])]), '/snapshots/1/fs')
  })
  it('is none for a read-only bind, an overlay without an upper directory, or a filesystem to mount', () => {
    assert.equal(writableLayer([mount('bind', ['rbind', 'ro'])]), undefined)
    assert.equal(writableLayer([mount('overlay', ['lowerdir=/s/2/fs:/s/1/fs'])]), undefined)
    assert.equal(writableLayer([mount('btrfs', ['subvolid=5'])]), undefined)
  })
})
