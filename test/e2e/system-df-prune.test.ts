/**
 * system df and system prune end to end. Prune takes every unused network of the CNI configuration
 * directory, so this file has a directory of its own (and its containers no network), leaving the
 * other files' networks alone.
 */
import assert from 'node:assert/strict'
import {chmod, chown, mkdir, mkdtemp, readdir, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {nerdOk as nerdOkShared, removeAllContainers, until} from '../helpers/containers.ts'
import {ctr, eventsSubscribed, fileDataRoot, fileNamespace, killedLoad, loadTestImage, nerd as nerdShared, startNerd} from '../helpers/e2e.ts'
import type {NerdOptions} from '../helpers/e2e.ts'
import {deadOwnerTag} from '../helpers/owners.ts'
import {ownerTag} from '../../src/owner.ts'

let netconf: string
const nerd = (args: string[], options: NerdOptions = {}) => nerdShared(args, {netconf, ...options})
const nerdOk = (args: string[], options: NerdOptions = {}) => nerdOkShared(args, {netconf, ...options})

const IMG = 'docker.io/nerd-test/busybox:latest'

function row(table: string, type: string): string[] {
  const line = table.split('\n').find((text) => text.startsWith(type))
  assert.ok(line, `no ${type} row in\n${table}`)
  return line.slice(type.length).trim().split(/\s{2,}/)
}

describe('system df and prune', () => {
  before(async () => {
    netconf = await mkdtemp(join(tmpdir(), 'nerd-prune-net-'))
    await loadTestImage('nerd-test/busybox:latest')
  })

  after(async () => {
    await removeAllContainers({netconf})
    await rm(netconf, {recursive: true, force: true})
  })

  it('counts images, containers and volumes, active and reclaimable', async () => {
    await nerdOk(['run', '-d', '--name', 'running', '--network', 'none', '-v', 'used:/data', IMG, 'sleep', '60'])
    await nerdOk(['run', '--name', 'stopped', '--network', 'none', '-v', '/anon', IMG, 'sh', '-c', 'head -c 100000 /dev/zero > /big; head -c 12345 /dev/zero > /anon/y'])
    // As docker's LocalVolumesSize, a volume with driver options (here a bind of a host directory
    // holding a file) is not really local: in neither the summary nor -v.
    const hostDir = await mkdtemp(join(tmpdir(), 'nerd-df-bind-'))
    await writeFile(join(hostDir, 'f'), 'x'.repeat(5000))
    await nerdOk(['volume', 'create', '-o', 'type=none', '-o', 'o=bind', '-o', `device=${hostDir}`, 'withopts'])
    const table = await nerdOk(['system', 'df'])
    assert.match(table, /^TYPE\s+TOTAL\s+ACTIVE\s+SIZE\s+RECLAIMABLE$/m)
    assert.deepEqual(row(table, 'Images').slice(0, 2), ['1', '1'])
    const containers = row(table, 'Containers')
    assert.deepEqual(containers.slice(0, 2), ['2', '1'])
    assert.match(containers[3]!, /^1\d\dkB \(\d+%\)$/)
    // The summary's sizes have go-units' 4 digits, as docker's.
    assert.deepEqual(row(table, 'Local Volumes').slice(0, 3), ['2', '2', '12.35kB'])
    const verbose = await nerdOk(['system', 'df', '-v'])
    assert.match(verbose, /^Images space usage:$/m)
    assert.match(verbose, /^used\s+1\s+0B$/m)
    // docker's verbose columns.
    assert.match(verbose, /^REPOSITORY\s+TAG\s+IMAGE ID\s+CREATED\s+SIZE\s+SHARED SIZE\s+UNIQUE SIZE\s+CONTAINERS$/m)
    assert.match(verbose, /^CONTAINER ID\s+IMAGE\s+COMMAND\s+LOCAL VOLUMES\s+SIZE\s+CREATED\s+STATUS\s+NAMES$/m)
    assert.match(verbose, /^[0-9a-f]{12}\s+nerd-test\/busybox(:latest)?\s+"sh -c 'head -c 1000…"\s+1\s+1\d\dkB\s+.+ ago\s+Exited \(0\) .+ ago\s+stopped$/m)
    assert.match(verbose, /^Build cache usage: 0B\n\nCACHE ID\s+CACHE TYPE\s+SIZE\s+CREATED\s+LAST USED\s+USAGE\s+SHARED$/m)
    assert.match(verbose, /^[0-9a-f]{64}\s+1\s+12\.35kB$/m)
    assert.equal(await nerdOk(['system', 'df', '--format', '{{.Type}}']), 'Images\nContainers\nLocal Volumes\nBuild Cache\n')
    assert.match(await nerdOk(['system', 'df', '--format', 'raw']), /^type: Images\ntotal: 1\nactive: 1\nsize: \S+\nreclaimable: 0B \(0%\)\n\ntype: Containers\n/)
    const unknown = await nerd(['system', 'df', '--format', '{{.Nope}}'])
    assert.deepEqual([unknown.code, unknown.stdout, unknown.stderr], [1, '', 'Error: template parsing error: template: :1:2: executing "" at <.Nope>: can\'t evaluate field Nope in type *formatter.diskUsageImagesContext\n'])
    // With -v, a format other than table runs once on every image, container and volume, whole IDs, with nothing after it.
    const json = await nerdOk(['system', 'df', '-v', '--format', 'json'])
    assert.ok(!json.endsWith('\n'), json)
    const usage = JSON.parse(json)
    assert.deepEqual(Object.keys(usage), ['Images', 'Containers', 'Volumes', 'BuildCache'])
    assert.deepEqual(usage.BuildCache, [])
    assert.match(usage.Containers.find((container: {Names: string}) => container.Names === 'stopped').ID, /^[0-9a-f]{64}$/)
    assert.deepEqual(Object.keys(usage.Images[0]), [...Object.keys(usage.Images[0])].sort())
    const volumes = await nerdOk(['system', 'df', '-v', '--format', '{{range .Volumes}}{{println .Name .Size}}{{end}}'])
    assert.ok(volumes.split('\n').includes('used 0B'), volumes)
    assert.match(await nerdOk(['system', 'df', '-v', '--format', 'raw']), /^type: Volume\nname: used\ndriver: local\n\n/m)
    assert.doesNotMatch(verbose, /withopts/)
    await nerdOk(['volume', 'rm', 'withopts'])
    await rm(hostDir, {recursive: true, force: true})
  })

  it('lists -v\'s containers newest first, as ps -a', async () => {
    const names = ['order-1', 'order-2', 'order-3', 'order-4']
    for (const name of names) await nerdOk(['create', '--name', name, '--network', 'none', IMG, 'true'])
    try {
      const listed = await nerdOk(['system', 'df', '-v', '--format', '{{range .Containers}}{{println .Names}}{{end}}'])
      assert.equal(listed, await nerdOk(['ps', '-a', '--format', '{{.Names}}']))
      assert.deepEqual(listed.split('\n').filter((name) => name.startsWith('order-')), names.toReversed())
    } finally {
      await nerdOk(['rm', ...names])
    }
  })

  it('counts a layer images share once, as docker\'s LayersSize, and as reclaimable all but what used images hold alone', async () => {
    const bytes = (text: string): number => {
      const [, number, unit] = /^([\d.]+)(B|kB|MB|GB)/.exec(text) ?? assert.fail(`not a size: ${JSON.stringify(text)}`)
      return Number(number) * {B: 1, kB: 1e3, MB: 1e6, GB: 1e9}[unit as 'B' | 'kB' | 'MB' | 'GB']
    }
    const base = bytes(await nerdOk(['images', '--format', '{{.Size}}', 'nerd-test/busybox']))
    await nerdOk(['commit', 'running', 'df-shared:1'])
    try {
      const images = row(await nerdOk(['system', 'df']), 'Images')
      assert.equal(images[0], '2')
      assert.ok(bytes(images[2]!) < base * 1.2, `size ${images[2]} for a ${base} B base shared by both`)
      // As docker's: the used base holds no layer alone (the commit has them all), so all of it is reclaimable.
      assert.equal(images[3], `${images[2]} (100%)`)
      assert.equal((await nerdOk(['system', 'df', '--format', '{{.Type}}: {{.Reclaimable}}'])).split('\n')[0], `Images: ${images[2]} (100%)`)
      // Per image: the base's layers are all shared, the commit's own layer is its unique size.
      const verbose = await nerdOk(['system', 'df', '-v'])
      const [, baseSize, baseShared, baseUnique] = /^nerd-test\/busybox\s+latest\s+\S+\s+.+? ago\s+(\S+)\s+(\S+)\s+(\S+)\s+\d+$/m.exec(verbose) ?? assert.fail(verbose)
      // SHARED SIZE and UNIQUE SIZE have 4 digits, SIZE 3, as docker's.
      assert.equal(baseUnique, '0B')
      assert.ok(Math.abs(bytes(baseShared!) - bytes(baseSize!)) <= bytes(baseSize!) * 0.005, `${baseShared} shared of ${baseSize}`)
      const [, , commitShared, commitUnique] = /^df-shared\s+1\s+\S+\s+.+? ago\s+(\S+)\s+(\S+)\s+(\S+)\s+\d+$/m.exec(verbose) ?? assert.fail(verbose)
      assert.equal(commitShared, baseShared)
      assert.ok(bytes(commitUnique!) < base * 0.2, `unique ${commitUnique}: the commit's own layer`)
    } finally {
      await nerdOk(['rmi', 'df-shared:1'])
    }
  })

  it('prunes stopped containers, unused networks and, with --volumes, anonymous volumes', async () => {
    await nerdOk(['network', 'create', 'unused-net'])
    const anonymous = (await nerdOk(['volume', 'ls', '-q'])).split('\n').filter((name) => /^[0-9a-f]{64}$/.test(name))
    assert.equal(anonymous.length, 1)
    const output = await nerdOk(['system', 'prune', '-f', '--volumes'])
    assert.match(output, /^Deleted Containers:\n[0-9a-f]{64}\n\n/m)
    assert.match(output, /^Deleted Networks:\nunused-net\n\n/m)
    assert.match(output, new RegExp(`^Deleted Volumes:\\n${anonymous[0]}\\n\\n`, 'm'))
    assert.match(output, /^Total reclaimed space: \S+$/m)
    assert.deepEqual((await nerdOk(['ps', '-a', '--format', '{{.Names}}'])).trim(), 'running')
    assert.deepEqual((await nerdOk(['volume', 'ls', '-q'])).trim(), 'used')
    // The image is in use: it stays.
    assert.match(await nerdOk(['images']), /nerd-test\/busybox/)
  })

  it("image and system prune keep the name a container was created with, not the image's other names, and what --filter keeps", async () => {
    await nerdOk(['tag', IMG, 'other:1'])
    await nerdOk(['commit', '-c', 'LABEL prune=yes', 'running', 'labelled:1'])
    await nerdOk(['commit', 'running', 'plain:1'])
    await nerdOk(['tag', 'plain:1', 'plain:2'])
    await nerdOk(['commit', 'running', 'zed:1'])
    const names = async (): Promise<string[]> => (await nerdOk(['images', '--format', '{{.Repository}}:{{.Tag}}'])).trim().split('\n').sort()
    const idOf = async (name: string): Promise<string> => (await nerdOk(['image', 'inspect', '-f', '{{.Id}}', name])).trim()
    const [plain, zed] = [await idOf('plain:1'), await idOf('zed:1')]
    assert.equal(await nerdOk(['image', 'prune', '-a', '-f', '--filter', 'until=1h']), 'Total reclaimed space: 0B\n')
    assert.deepEqual(await names(), ['labelled:1', 'nerd-test/busybox:latest', 'other:1', 'plain:1', 'plain:2', 'zed:1'])
    assert.match(await nerdOk(['system', 'prune', '-a', '-f', '--filter', 'label=prune=yes']), /^Deleted Images:\nuntagged: labelled:1\ndeleted: sha256:[0-9a-f]{64}\n\n/m)
    assert.deepEqual(await names(), ['nerd-test/busybox:latest', 'other:1', 'plain:1', 'plain:2', 'zed:1'])
    // As docker's containerd store: the running container keeps only nerd-test/busybox, so other:1 is
    // untagged; image by image in the order of the names, each image's deleted line right after its last
    // name. docker's CLI sends -a as dangling=false: the same filter given is taken, the other refused.
    const pruned = await nerdOk(['image', 'prune', '-a', '-f', '--filter', 'label!=prune', '--filter', 'dangling=false'])
    assert.match(pruned, /\n\nTotal reclaimed space: [1-9][\d.]*[kM]?B\n$/)
    assert.equal(pruned.replace(/\n\nTotal reclaimed space: .*\n$/, ''), `Deleted Images:\nuntagged: other:1\nuntagged: plain:1\nuntagged: plain:2\ndeleted: ${plain}\nuntagged: zed:1\ndeleted: ${zed}`)
    assert.deepEqual(await names(), ['nerd-test/busybox:latest'])
    // Another name of a used image alone: untagged, nothing reclaimed.
    await nerdOk(['tag', IMG, 'other:1'])
    assert.equal(await nerdOk(['image', 'prune', '-a', '-f']), 'Deleted Images:\nuntagged: other:1\n\nTotal reclaimed space: 0B\n')
    assert.deepEqual(await names(), ['nerd-test/busybox:latest'])
    const bad = await nerd(['image', 'prune', '-f', '--filter', 'bogus=1'])
    assert.equal(bad.code, 1)
    assert.equal(bad.stderr, "Error: invalid filter 'bogus'\n")
    assert.equal(await nerdOk(['image', 'prune', '-f', '--filter', 'dangling=true']), 'Total reclaimed space: 0B\n')
    const conflicting = await nerd(['image', 'prune', '-f', '--filter', 'dangling=false'])
    assert.deepEqual([conflicting.code, conflicting.stderr], [1, "Error: invalid filter 'dangling=[false true]'\n"])
    // An empty filter is none, as docker's FilterOpt reads it.
    assert.equal(await nerdOk(['image', 'prune', '-f', '--filter', '']), 'Total reclaimed space: 0B\n')
  })

  it('image prune --filter until= compares when the image was stored, as images --filter until= does, not when its config says it was built', async () => {
    // Built on 2024-01-01 (its config's Created), stored now.
    await loadTestImage('nerd-test/multilayer:latest')
    assert.equal(await nerdOk(['images', '-q', '--filter', 'reference=nerd-test/multilayer', '--filter', 'until=1h']), '')
    assert.equal(await nerdOk(['image', 'prune', '-a', '-f', '--filter', 'until=1h']), 'Total reclaimed space: 0B\n')
    assert.match(await nerdOk(['images', '--format', '{{.Repository}}']), /^nerd-test\/multilayer$/m)
    await nerdOk(['rmi', 'nerd-test/multilayer'])
  })

  it('system prune checks every filter before it removes anything, and takes until= as a duration', async () => {
    await nerdOk(['create', '--name', 'prune-until', '--network', 'none', IMG, 'true'])
    for (const [args, message] of [
      [['--volumes', '--filter', 'until=1h'], 'Error: The "until" filter is not supported with "--volumes"\n'],
      [['--volumes', '--filter', 'dangling=true'], "Error: invalid filter 'dangling'\n"],
    ] as const) {
      const refused = await nerd(['system', 'prune', '-f', ...args])
      assert.deepEqual([refused.code, refused.stdout, refused.stderr], [1, '', message], args.join(' '))
    }
    assert.equal((await nerdOk(['ps', '-a', '-q', '--filter', 'name=prune-until'])).trim().length, 12)
    // until=1s is a whole second of the clock before now (docker's GetTimestamp drops the fraction):
    // older than it only 2 s after the create.
    await new Promise((resolve) => setTimeout(resolve, 2100))
    const output = await nerdOk(['system', 'prune', '-f', '--filter', 'until=1s'])
    assert.match(output, /^Deleted Containers:\n[0-9a-f]{64}\n\n/)
    assert.match(output, /^Total reclaimed space: \S+$/m)
    assert.equal(await nerdOk(['ps', '-a', '-q', '--filter', 'name=prune-until']), '')
  })

  it('prune deletes the leases of a nerd killed outright, and what only they held, but not those of a nerd at work', async () => {
    const namespace = `${fileNamespace()}-leases`
    const leases = async () => (await ctr(['leases', 'ls', '-q'], {namespace})).stdout.split('\n').filter(Boolean)
    const blobs = async () => (await ctr(['content', 'ls', '-q'], {namespace})).stdout.split('\n').filter(Boolean)
    await killedLoad(namespace)
    const [orphaned] = await leases()
    assert.ok(orphaned, 'a SIGKILLed load leaves its lease')
    // Another load, waiting for its archive with its lease taken.
    const live = startNerd(['load'], {namespace})
    try {
      const working = await until('the other load to take its lease', async () => (await leases()).find((lease) => lease !== orphaned))
      for (const prune of [['image', 'prune', '-f'], ['container', 'prune', '-f'], ['system', 'prune', '-f']]) {
        assert.equal((await nerd(prune, {namespace})).code, 0)
        assert.deepEqual(await leases(), [working], prune.join(' '))
        assert.deepEqual(await blobs(), [], prune.join(' '))
      }
    } finally {
      live.child.stdin.end()
    }
    assert.equal(await live.ended, 1)
    assert.equal((await nerd(['namespace', 'rm', namespace])).code, 0)
  })

  it('prune reclaims what a killed nerd\'s lease held also when another nerd\'s sweep deleted that lease first, without waiting for the collection', async () => {
    const namespace = `${fileNamespace()}-swept`
    const leases = async () => (await ctr(['leases', 'ls', '-q'], {namespace})).stdout.split('\n').filter(Boolean)
    const blobs = async () => (await ctr(['content', 'ls', '-q'], {namespace})).stdout.split('\n').filter(Boolean)
    await killedLoad(namespace)
    // A load given nothing: the sweep of its own lease deletes the killed one's, and does not wait for containerd's collection.
    assert.equal((await nerd(['load'], {namespace, input: ''})).code, 1)
    assert.deepEqual(await leases(), [])
    assert.equal((await nerd(['image', 'prune', '-f'], {namespace})).code, 0)
    assert.deepEqual(await blobs(), [])
    assert.equal((await nerd(['namespace', 'rm', namespace])).code, 0)
  })

  it('system df and prune go on past a container whose config.json nerd cannot use, warning of it once', async () => {
    const spoilt = (await nerdOk(['create', '--name', 'spoilt', '--network', 'none', IMG, 'true'])).trim()
    const prunable = (await nerdOk(['create', '--name', 'prunable', '--network', 'none', IMG, 'true'])).trim()
    const record = join(fileDataRoot(), 'containers', fileNamespace(), spoilt, 'config.json')
    await writeFile(record, '')
    const warning = `WARNING: left out container ${spoilt.slice(0, 12)} (nerd rm -f removes it): invalid container record ${record}: the file is empty\n`
    const df = await nerd(['system', 'df'])
    assert.deepEqual([df.code, df.stderr], [0, warning])
    const pruned = await nerd(['system', 'prune', '-f'])
    assert.deepEqual([pruned.code, pruned.stderr], [0, warning])
    assert.match(pruned.stdout, new RegExp(`^Deleted Containers:\n${prunable}\n\n`))
    assert.equal(await nerdOk(['rm', '-f', 'spoilt']), 'spoilt\n')
  })

  it("each prune ends with docker's prune event: of no one thing, the bytes it freed as reclaimed (a network prune's 0)", async () => {
    const events = startNerd(['events', '--filter', 'event=prune', '--format', '{{json .}}'])
    let output = ''
    events.child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()))
    try {
      await eventsSubscribed(events.child.pid!)
      await nerdOk(['run', '--name', 'freed', '--network', 'none', IMG, 'sh', '-c', 'head -c 50000 /dev/zero > /f'])
      for (const args of [['container', 'prune', '-f'], ['image', 'prune', '-f'], ['network', 'prune', '-f'], ['volume', 'prune', '-f'], ['system', 'prune', '-f', '--volumes']]) await nerdOk(args)
      const lines = await until('the prune events', async () => {
        const seen = output.split('\n').filter(Boolean)
        return seen.length >= 8 ? seen : undefined
      }, 15_000)
      const pruned = lines.map((line) => JSON.parse(line) as {status?: string; id?: string; Type: string; Action: string; Actor: {ID: string; Attributes: Record<string, string>}})
      assert.deepEqual(pruned.map((event) => `${event.Type} ${event.Action} ${JSON.stringify(event.Actor.ID)} ${Object.keys(event.Actor.Attributes).join()}`), [
        ...['container', 'image', 'network', 'volume'], ...['container', 'network', 'volume', 'image'],
      ].map((type) => `${type} prune "" reclaimed`))
      assert.ok(Number(pruned[0]!.Actor.Attributes.reclaimed) >= 50_000, pruned[0]!.Actor.Attributes.reclaimed)
      assert.ok(pruned.every((event) => /^\d+$/.test(event.Actor.Attributes.reclaimed!)), lines.join('\n'))
      assert.deepEqual([pruned[2]!.Actor.Attributes.reclaimed, pruned[5]!.Actor.Attributes.reclaimed], ['0', '0'])
      // docker's legacy fields, for containers and images only: the status, no id.
      assert.deepEqual([pruned[0]!.status, 'id' in pruned[0]!, pruned[2]!.status], ['prune', false, undefined])
    } finally {
      events.child.kill('SIGTERM')
      await events.ended
    }
  })

  it("prune removes the temporary copies of a commit's layer and an import's tarball that a nerd killed outright left, not those of a nerd at work", async () => {
    const temporary = await mkdtemp(join(tmpdir(), 'nerd-prune-tmp-'))
    try {
      const dead = await deadOwnerTag()
      const orphaned = [`nerd-commit-${dead}-a1B2c3`, `nerd-import-${dead}-d4E5f6`]
      // This test's process runs on; an older nerd's name says no process, so nobody's can be told.
      const kept = [`nerd-commit-${ownerTag()}-a1B2c3`, `nerd-import-${ownerTag()}-d4E5f6`, 'nerd-commit-g7H8i9'].sort()
      // Named as a dead nerd's, but made by another user (anyone can, in /tmp) or open to others: not nerd's.
      const planted = {[`nerd-import-${dead}-byNobody`]: {uid: 65534, mode: 0o700}, [`nerd-commit-${dead}-open`]: {uid: 0, mode: 0o755}}
      for (const prune of [['container', 'prune', '-f'], ['system', 'prune', '-f']]) {
        for (const name of [...orphaned, ...kept]) {
          await mkdir(join(temporary, name), {recursive: true, mode: 0o700})
          await writeFile(join(temporary, name, 'layer.tar.gz'), 'partial')
        }
        for (const [name, {uid, mode}] of Object.entries(planted)) {
          await mkdir(join(temporary, name), {recursive: true})
          await writeFile(join(temporary, name, 'kept'), 'theirs')
          await chown(join(temporary, name), uid, uid)
          await chmod(join(temporary, name), mode)
        }
        await nerdOk(prune, {env: {TMPDIR: temporary}})
        assert.deepEqual((await readdir(temporary)).sort(), [...kept, ...Object.keys(planted)].sort(), prune.join(' '))
      }
    } finally {
      await rm(temporary, {recursive: true, force: true})
    }
  })
})
