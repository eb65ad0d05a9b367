import assert from 'node:assert/strict'
import {chmod, chown, lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, stat, symlink, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {parsePruneFilters} from '../../../src/volume/filters.ts'
import {isMountPoint, mountFilesystem, unmountFilesystem} from '../../../src/volume/host.ts'
import {ANONYMOUS_LABEL} from '../../../src/volume/model.ts'
import {
  copyUpIfEmpty,
  createVolume,
  createVolumeIfMissing,
  getClaimedVolume,
  getVolume,
  listVolumes,
  pruneVolumes,
  releaseVolume,
  removeVolume,
  requireVolume,
  volumeSize,
  withVolumesMounted,
} from '../../../src/volume/store.ts'

const nobody = async () => [] as string[]

describe('volume store', () => {
  let dataRoot: string
  let scope: {dataRoot: string; namespace: string}
  before(async () => {
    dataRoot = await mkdtemp(join(tmpdir(), 'nerd-volume-store-'))
    scope = {dataRoot, namespace: 'unit'}
  })
  after(() => rm(dataRoot, {recursive: true, force: true}))

  it('creates a volume under volumes/<namespace>/<name> with _data and volume.json', async () => {
    const volume = await createVolume(scope, {name: 'first', labels: {b: '2', a: '1'}})
    assert.equal(volume.Mountpoint, join(dataRoot, 'volumes/unit/first/_data'))
    assert.equal((await stat(volume.Mountpoint)).mode & 0o7777, 0o755)
    assert.match(volume.CreatedAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
    assert.deepEqual(Object.keys(volume), ['CreatedAt', 'Driver', 'Labels', 'Mountpoint', 'Name', 'Options', 'Scope'])
    assert.deepEqual(Object.keys(volume.Labels), ['a', 'b'])
    const record = JSON.parse(await readFile(join(dataRoot, 'volumes/unit/first/volume.json'), 'utf8'))
    assert.deepEqual(record, {Name: 'first', Driver: 'local', CreatedAt: volume.CreatedAt, Labels: {a: '1', b: '2'}, Options: null, Scope: 'local'})
  })

  it('keeps labels and options a create did not give as null, as docker\'s nil maps, and empty ones given as empty', async () => {
    const bare = await createVolume(scope, {name: 'bare'})
    assert.deepEqual([bare.Labels, bare.Options], [null, null])
    assert.deepEqual([(await getVolume(scope, 'bare'))!.Labels, (await getVolume(scope, 'bare'))!.Options], [null, null])
    const anonymous = await createVolume(scope)
    assert.deepEqual([anonymous.Labels, anonymous.Options], [{[ANONYMOUS_LABEL]: ''}, null])
    const given = await createVolume(scope, {name: 'given-empty', labels: {}, options: {}})
    assert.deepEqual([given.Labels, given.Options], [{}, {}])
    for (const name of ['bare', anonymous.Name, 'given-empty']) await removeVolume(scope, name, {inUseBy: nobody})
  })

  it('takes an empty driver for the local one, as docker\'s store', async () => {
    assert.equal((await createVolume(scope, {name: 'local-empty', driver: ''})).Driver, 'local')
    await removeVolume(scope, 'local-empty', {inUseBy: nobody})
  })

  it('returns the existing volume when one of that name exists, as docker does', async () => {
    const before = await getVolume(scope, 'first')
    const again = await createVolume(scope, {name: 'first', labels: {other: 'x'}})
    assert.deepEqual(again, before)
  })

  it('creates concurrently once, and tells the one create that made the volume', async () => {
    const outcomes = await Promise.all(Array.from({length: 8}, () => createVolumeIfMissing(scope, {name: 'raced'})))
    assert.equal(new Set(outcomes.map((outcome) => outcome.volume.CreatedAt)).size, 1)
    assert.equal(outcomes.filter((outcome) => outcome.created).length, 1)
  })

  it('names an unnamed volume with 64 hex and marks it anonymous', async () => {
    const volume = await createVolume(scope)
    assert.match(volume.Name, /^[0-9a-f]{64}$/)
    assert.deepEqual(volume.Labels, {[ANONYMOUS_LABEL]: ''})
    await removeVolume(scope, volume.Name, {inUseBy: nobody})
  })

  it('refuses another driver and bad names', async () => {
    await assert.rejects(createVolume(scope, {name: 'nfsy', driver: 'nfs'}), {message: 'create nfsy: error looking up volume plugin nfs: plugin "nfs" not found'})
    await assert.rejects(createVolume(scope, {name: '../escape'}), /includes invalid characters/)
    assert.equal(await getVolume(scope, '../unit/first'), undefined)
  })

  it('lists volumes in natural order and ignores unfinished directories', async () => {
    await createVolume(scope, {name: 'v10'})
    await createVolume(scope, {name: 'v9'})
    await mkdir(join(dataRoot, 'volumes/unit/half-made/_data'), {recursive: true})
    assert.deepEqual((await listVolumes(scope)).map((volume) => volume.Name), ['first', 'raced', 'v9', 'v10'])
    assert.deepEqual(await listVolumes({dataRoot, namespace: 'empty'}), [])
  })

  it('refuses to remove a volume in use, naming the containers', async () => {
    await assert.rejects(removeVolume(scope, 'v9', {inUseBy: async () => ['c1', 'c2']}), {message: 'remove v9: volume is in use - [c1, c2]'})
    assert.ok(await getVolume(scope, 'v9'))
  })

  it('inspects one that must exist in the daemon\'s words', async () => {
    assert.equal((await requireVolume(scope, 'first')).Name, 'first')
    await assert.rejects(requireVolume(scope, 'nope'), {message: 'get nope: no such volume'})
  })

  it('removes a volume and its content; a missing one is an error unless forced', async () => {
    const volume = (await getVolume(scope, 'v9'))!
    await writeFile(join(volume.Mountpoint, 'file'), 'data')
    assert.equal(await removeVolume(scope, 'v9', {inUseBy: nobody}), true)
    assert.equal(await getVolume(scope, 'v9'), undefined)
    await assert.rejects(stat(join(dataRoot, 'volumes/unit/v9')), {code: 'ENOENT'})
    await assert.rejects(removeVolume(scope, 'v9', {inUseBy: nobody}), {message: 'get v9: no such volume'})
    assert.equal(await removeVolume(scope, 'v9', {force: true, inUseBy: nobody}), false)
    await assert.rejects(removeVolume(scope, '/abs', {inUseBy: nobody}), {message: 'get /abs: no such volume'})
    // Longer than a volume's name can be (and than its lock's file name holds): none has it.
    for (const long of ['d'.repeat(242), 'd'.repeat(252), 'd'.repeat(300)]) {
      await assert.rejects(removeVolume(scope, long, {inUseBy: nobody}), {message: `get ${long}: no such volume`})
      assert.equal(await removeVolume(scope, long, {force: true, inUseBy: nobody}), false)
      await assert.rejects(requireVolume(scope, long), {message: `get ${long}: no such volume`})
      assert.equal(await getClaimedVolume(scope, long), undefined)
    }
  })

  it('a create starts empty where a removal cut short left a directory, and create, rm and prune sweep what removals left', async () => {
    const volumes = join(dataRoot, 'volumes/unit')
    // A removal killed half-way: by an older nerd (the record gone, the data left), and by this one (its trash).
    const old = await createVolume(scope, {name: 'revived'})
    await writeFile(join(old.Mountpoint, 'old'), 'data')
    await rm(join(volumes, 'revived/volume.json'))
    await mkdir(join(volumes, 'stray/_data'), {recursive: true})
    await mkdir(join(volumes, '.trash-gone-0123abcd/_data'), {recursive: true})
    const fresh = await createVolume(scope, {name: 'revived'})
    assert.deepEqual(await readdir(fresh.Mountpoint), [])
    assert.deepEqual((await readdir(volumes)).filter((entry) => ['stray', '.trash-gone-0123abcd'].includes(entry)), [])
    for (const sweep of [() => removeVolume(scope, 'revived', {inUseBy: nobody}), () => pruneVolumes(scope, parsePruneFilters([], false), nobody)]) {
      await mkdir(join(volumes, 'stray2/_data'), {recursive: true})
      await mkdir(join(volumes, '.trash-gone-4567cdef'), {recursive: true})
      await sweep()
      assert.deepEqual((await readdir(volumes)).filter((entry) => ['stray2', '.trash-gone-4567cdef', 'revived'].includes(entry)), [])
    }
  })

  it('removes a volume whose name is as long as names can be: its trash name is not made from it', async () => {
    const long = 'l'.repeat(241)
    await createVolume(scope, {name: long})
    assert.equal(await removeVolume(scope, long, {inUseBy: nobody}), true)
    assert.deepEqual((await readdir(join(dataRoot, 'volumes/unit'))).filter((entry) => entry.includes('lll')), [])
  })

  it('prune goes on past a volume it cannot remove, and says which on stderr', async () => {
    const pruneScope = {dataRoot, namespace: 'prune-failing'}
    await createVolume(pruneScope, {name: 'a-failing'})
    await createVolume(pruneScope, {name: 'b-fine'})
    const inUseBy = async (name: string) => {
      if (name === 'a-failing') throw new Error('cannot tell')
      return []
    }
    const warnings: string[] = []
    const write = process.stderr.write
    process.stderr.write = ((text: string) => warnings.push(text)) as typeof process.stderr.write
    try {
      assert.deepEqual(await pruneVolumes(pruneScope, parsePruneFilters([], true), inUseBy), {removed: ['b-fine'], reclaimed: 0})
    } finally {
      process.stderr.write = write
    }
    assert.deepEqual(warnings, ['WARNING: failed to prune volume a-failing: cannot tell\n'])
    assert.deepEqual((await listVolumes(pruneScope)).map((volume) => volume.Name), ['a-failing'])
  })

  it('prunes anonymous unused volumes, all unused ones with all, never ones with driver options', async () => {
    const pruneScope = {dataRoot, namespace: 'prune'}
    const anonymousUsed = await createVolume(pruneScope)
    const anonymousFree = await createVolume(pruneScope)
    await writeFile(join(anonymousFree.Mountpoint, 'f'), 'x'.repeat(1500))
    await createVolume(pruneScope, {name: 'named', labels: {keep: 'no'}})
    await createVolume(pruneScope, {name: 'kept', labels: {keep: 'yes'}})
    await createVolume(pruneScope, {name: 'tmp', options: {type: 'tmpfs', device: 'tmpfs'}})
    const inUseBy = async (name: string) => (name === anonymousUsed.Name ? ['c'] : [])

    assert.deepEqual(await pruneVolumes(pruneScope, parsePruneFilters([], false), inUseBy), {removed: [anonymousFree.Name], reclaimed: 1500})
    assert.deepEqual(await pruneVolumes(pruneScope, parsePruneFilters(['label!=keep=yes'], true), inUseBy), {removed: ['named'], reclaimed: 0})
    assert.deepEqual((await listVolumes(pruneScope)).map((volume) => volume.Name).sort(), [anonymousUsed.Name, 'kept', 'tmp'].sort())
  })

  it("mounts a bind-backed volume's device on its _data with its options (ro, bind not recursive), refusing a missing device or a file, as docker's local driver", {skip: process.getuid?.() !== 0 && 'mounting needs root'}, async () => {
    const device = join(dataRoot, 'device')
    await mkdir(join(device, 'inner'), {recursive: true})
    await writeFile(join(device, 'f'), '12345')
    const mountinfo = async (path: string) => (await readFile('/proc/self/mountinfo', 'utf8')).split('\n').filter((line) => line.split(' ')[4] === path)
    const bound = await createVolume(scope, {name: 'bound', options: {type: 'none', o: 'bind,ro', device}})
    const shadow = join(device, 'inner')
    await mountFilesystem('tmpfs', 'tmpfs', 'size=1m', shadow)
    try {
      await writeFile(join(shadow, 'below'), 'on the tmpfs under the device')
      await withVolumesMounted(scope, [bound], async () => {
        const [mount] = await mountinfo(bound.Mountpoint)
        assert.match(mount ?? '', /^\S+ \S+ \S+ \S*\/device \S+ ro,/, mount)
        assert.equal(await readFile(join(bound.Mountpoint, 'f'), 'utf8'), '12345')
        await assert.rejects(writeFile(join(bound.Mountpoint, 'written'), 'x'), {code: 'EROFS'})
        assert.deepEqual(await readdir(join(bound.Mountpoint, 'inner')), [], 'what is mounted under the device is not in a bind')
        assert.equal(await volumeSize(bound), 5)
      })
      await releaseVolume(scope, bound, async () => false)
      assert.deepEqual(await mountinfo(bound.Mountpoint), [])
      assert.deepEqual(await readdir(bound.Mountpoint), [])
    } finally {
      await unmountFilesystem(shadow)
    }
    const missing = await createVolume(scope, {name: 'unbound', options: {type: 'none', o: 'bind', device: join(dataRoot, 'nowhere')}})
    await assert.rejects(withVolumesMounted(scope, [missing], async () => 'used'), {
      message: `error while mounting volume '${missing.Mountpoint}': failed to mount local volume: mount ${join(dataRoot, 'nowhere')}:${missing.Mountpoint}, flags: 0x1000: no such file or directory`,
    })
    await assert.rejects(copyUpIfEmpty(scope, missing, device), {message: /^failed to populate volume: error while mounting volume '.*unbound\/_data': /})
    const file = await createVolume(scope, {name: 'on-a-file', options: {type: 'none', o: 'bind', device: join(device, 'f')}})
    await assert.rejects(withVolumesMounted(scope, [file], async () => 'used'), {
      message: `error while mounting volume '${file.Mountpoint}': failed to mount local volume: mount ${join(device, 'f')}:${file.Mountpoint}, flags: 0x1000: not a directory`,
    })
    await removeVolume(scope, 'bound', {inUseBy: nobody})
    assert.equal(await readFile(join(device, 'f'), 'utf8'), '12345', 'the device keeps its content when the volume goes')
  })

  it('copies image content into an empty volume once, keeping modes, owners and symlinks', async () => {
    const image = join(dataRoot, 'image-dir')
    await mkdir(join(image, 'sub'), {recursive: true})
    await writeFile(join(image, 'sub/script'), '#!/bin/sh\n')
    // chown clears set-user-ID, so it goes first.
    await chown(join(image, 'sub/script'), 1234, 5678)
    await chmod(join(image, 'sub/script'), 0o4750)
    await symlink('sub/script', join(image, 'link'))
    await chown(image, 42, 43)
    await chmod(image, 0o1777)
    const volume = await createVolume(scope, {name: 'copied'})

    assert.equal(await copyUpIfEmpty(scope, volume, image), true)
    const script = await stat(join(volume.Mountpoint, 'sub/script'))
    assert.equal(script.mode & 0o7777, 0o4750)
    assert.deepEqual([script.uid, script.gid], [1234, 5678])
    assert.equal(await readlink(join(volume.Mountpoint, 'link')), 'sub/script')
    const root = await lstat(volume.Mountpoint)
    assert.deepEqual([root.mode & 0o7777, root.uid, root.gid], [0o1777, 42, 43])

    await writeFile(join(image, 'later'), 'not copied')
    assert.equal(await copyUpIfEmpty(scope, volume, image), false)
    await assert.rejects(stat(join(volume.Mountpoint, 'later')), {code: 'ENOENT'})
    assert.equal(await copyUpIfEmpty(scope, await createVolume(scope, {name: 'no-source'}), join(image, 'missing')), false)
  })

  it('mounts a tmpfs volume on _data at first use with its options, once, and unmounts it on a release nobody holds back and at rm', {skip: process.getuid?.() !== 0 && 'mounting needs root'}, async () => {
    const volume = await createVolume(scope, {name: 'in-memory', options: {type: 'tmpfs', device: 'tmpfs', o: 'size=1m,mode=0710'}})
    assert.equal(await isMountPoint(volume.Mountpoint), false)
    try {
      await withVolumesMounted(scope, [volume], async () => undefined)
      await withVolumesMounted(scope, [volume], async () => undefined)
      const mounts = (await readFile('/proc/self/mountinfo', 'utf8')).split('\n').filter((line) => line.split(' ')[4] === volume.Mountpoint)
      assert.equal(mounts.length, 1)
      assert.match(mounts[0]!, / - tmpfs tmpfs rw,.*size=1024k,mode=710/)
      await writeFile(join(volume.Mountpoint, 'f'), 'abc')
      assert.equal(await volumeSize(volume), 3)

      await releaseVolume(scope, volume, async () => true)
      assert.equal(await isMountPoint(volume.Mountpoint), true, 'kept while a container runs with it')
      await releaseVolume(scope, volume, async () => false)
      assert.equal(await isMountPoint(volume.Mountpoint), false)
      await assert.rejects(stat(join(volume.Mountpoint, 'f')), {code: 'ENOENT'})

      assert.equal(await withVolumesMounted(scope, [volume, volume], () => isMountPoint(volume.Mountpoint)), true)
      await removeVolume(scope, 'in-memory', {inUseBy: nobody})
      assert.equal(await getVolume(scope, 'in-memory'), undefined)
    } finally {
      if (await isMountPoint(volume.Mountpoint).catch(() => false)) await releaseVolume(scope, volume, async () => false)
    }
  })

  it('reports a filesystem that cannot be mounted in docker words', {skip: process.getuid?.() !== 0 && 'mounting needs root'}, async () => {
    const volume = await createVolume(scope, {name: 'broken', options: {type: 'tmpfs', device: 'tmpfs', o: 'size=bogus,nope'}})
    await assert.rejects(withVolumesMounted(scope, [volume], async () => undefined), {
      message: `error while mounting volume '${volume.Mountpoint}': failed to mount local volume: mount tmpfs:${volume.Mountpoint}, data: size=bogus,nope: invalid argument`,
    })
  })

  it('mounts a tmpfs volume for a copy-up only, as docker\'s create, unless it was mounted already', {skip: process.getuid?.() !== 0 && 'mounting needs root'}, async () => {
    const image = join(dataRoot, 'image-for-tmpfs')
    await mkdir(image, {recursive: true})
    await writeFile(join(image, 'f'), 'image')
    const volume = await createVolume(scope, {name: 'copied-tmpfs', options: {type: 'tmpfs', device: 'tmpfs', o: 'size=1m'}})
    try {
      assert.equal(await copyUpIfEmpty(scope, volume, image), true)
      assert.equal(await isMountPoint(volume.Mountpoint), false, 'unmounted after the copy')
      await withVolumesMounted(scope, [volume], async () => undefined)
      assert.equal(await copyUpIfEmpty(scope, volume, image), true)
      assert.equal(await isMountPoint(volume.Mountpoint), true, 'left mounted for whoever mounted it')
      assert.equal(await readFile(join(volume.Mountpoint, 'f'), 'utf8'), 'image')
    } finally {
      await removeVolume(scope, 'copied-tmpfs', {inUseBy: nobody})
    }
  })
})
