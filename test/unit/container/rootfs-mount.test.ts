import assert from 'node:assert/strict'
import {execFile} from 'node:child_process'
import {mkdir, mkdtemp, readdir, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {fileURLToPath} from 'node:url'
import {promisify} from 'node:util'
import {compactMountOptions, removeOrphanedRootfsMounts} from '../../../src/container/rootfs-mount.ts'
import {deadOwnerTag} from '../../helpers/owners.ts'

const rootfsMount = fileURLToPath(new URL('../../../src/container/rootfs-mount.ts', import.meta.url))

describe('compactMountOptions', () => {
  const snapshots = '/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs/snapshots'
  const overlay = (layers: number): string[] => [
    'index=off',
    `workdir=${snapshots}/${layers + 1}/work`,
    `upperdir=${snapshots}/${layers + 1}/fs`,
    `lowerdir=${Array.from({length: layers}, (_, index) => `${snapshots}/${layers - index}/fs`).join(':')}`,
  ]

  it('leaves options that fit in a page as they are', () => {
    assert.deepEqual(compactMountOptions(overlay(40)), {options: overlay(40).join(',')})
    assert.deepEqual(compactMountOptions(['rbind', 'ro']), {options: 'rbind,ro'})
  })

  it('names the layers of a long lowerdir relative to their common parent, where mount is to run', () => {
    const {options, cwd} = compactMountOptions(overlay(130))
    assert.equal(cwd, snapshots)
    assert.ok(options.length < 4096, `${options.length} bytes`)
    assert.equal(options, [...overlay(130).slice(0, 3), `lowerdir=${Array.from({length: 130}, (_, index) => `${130 - index}/fs`).join(':')}`].join(','))
  })

  it('compacts layers in different directories to the deepest one holding them all', () => {
    const long = 'x'.repeat(4096)
    assert.deepEqual(compactMountOptions([`lowerdir=/a/b/${long}:/a/c/d`]), {options: `lowerdir=b/${long}:c/d`, cwd: '/a'})
  })
})

describe('withMountedRootfs', () => {
  let work: string
  before(async () => {
    // Not named as a root's directory (nerd-rootfs-…): a sweep would take it for one.
    work = await mkdtemp(join(tmpdir(), 'nerd-mount-test-'))
  })
  after(async () => {
    // What a failing run left mounted goes first: removing the tree would reach into it.
    const left = (await readFile('/proc/mounts', 'utf8')).split('\n').map((line) => line.split(' ')[1] ?? '').filter((target) => target.startsWith(work))
    for (const target of left) await promisify(execFile)('umount', ['-l', target])
    await rm(work, {recursive: true, force: true})
  })

  it('unmounts at nerd\'s exit when the work never settles (Node ends such a process with 13)', {skip: process.getuid?.() !== 0 && 'mounting needs root'}, async () => {
    const layer = join(work, 'layer')
    const temporary = join(work, 'tmp')
    await mkdir(layer)
    await mkdir(temporary)
    await writeFile(join(layer, 'f'), 'f')
    const script = join(work, 'hang.ts')
    await writeFile(
      script,
      `import {withMountedRootfs} from ${JSON.stringify(rootfsMount)}
await withMountedRootfs([{type: 'bind', source: ${JSON.stringify(layer)}, target: '', options: ['rbind', 'ro']}], [], async (root) => {
  console.log(root)
  return new Promise(() => {})
})
`,
    )
    const {code, stdout} = await new Promise<{code: number | null; stdout: string}>((resolve) => {
      const child = execFile(process.execPath, [script], {env: {...process.env, TMPDIR: temporary, NODE_TEST_CONTEXT: undefined}}, (_error, stdout) => resolve({code: child.exitCode, stdout}))
    })
    assert.equal(code, 13)
    assert.match(stdout, /nerd-rootfs-/)
    assert.ok(!(await readFile('/proc/mounts', 'utf8')).includes(temporary), 'nothing mounted under the temporary directory')
    assert.deepEqual((await readdir(temporary)).filter((name) => name.startsWith('nerd-rootfs-')), [])
  })

  it("sweeps only its own roots in the temporary directory, not a mount elsewhere (a volume's) named as one", {skip: process.getuid?.() !== 0 && 'mounting needs root'}, async () => {
    const name = `nerd-rootfs-${await deadOwnerTag()}-x`
    const temporary = join(work, 'sweep-tmp')
    const orphan = join(temporary, name, 'root')
    const volume = join(work, 'volumes', name, '_data')
    for (const directory of [orphan, volume]) {
      await mkdir(directory, {recursive: true, mode: 0o700})
      await promisify(execFile)('mount', ['-t', 'tmpfs', 'tmpfs', directory])
    }
    const mounted = async (): Promise<string[]> => (await readFile('/proc/self/mountinfo', 'utf8')).split('\n').map((line) => line.split(' ')[4] ?? '').filter((target) => target.startsWith(work))
    const saved = process.env.TMPDIR
    process.env.TMPDIR = temporary
    try {
      await removeOrphanedRootfsMounts()
    } finally {
      if (saved === undefined) delete process.env.TMPDIR
      else process.env.TMPDIR = saved
    }
    assert.deepEqual(await mounted(), [volume])
    assert.deepEqual(await readdir(temporary), [])
  })
})
