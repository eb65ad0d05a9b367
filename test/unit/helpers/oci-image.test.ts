import assert from 'node:assert/strict'
import {createHash} from 'node:crypto'
import {existsSync} from 'node:fs'
import {mkdtemp, readFile, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {gunzipSync, gzipSync} from 'node:zlib'
import {Parser} from 'tar'
import type {ReadEntry} from 'tar'
import {
  FIXED_TIME,
  buildImageArchive,
  busyboxRootfs,
  chainIds,
  dir,
  file,
  opaqueWhiteout,
  payloadLayer,
  symlink,
  whiteout,
} from '../../helpers/oci-image.ts'
import type {ArchiveSpec, BuiltArchive} from '../../helpers/oci-image.ts'

interface TarMember {
  path: string
  type: string
  mode: number
  uid: number
  gid: number
  mtime: Date | undefined
  linkpath: string
  body: Buffer
}

/** Reads a tar with the `tar` package's parser: the archives must be readable by others. */
function readTar(bytes: Buffer): Promise<Map<string, TarMember>> {
  return new Promise((resolve, reject) => {
    const members = new Map<string, TarMember>()
    const parser = new Parser({
      strict: true,
      onReadEntry(entry: ReadEntry) {
        const chunks: Buffer[] = []
        entry.on('data', (chunk: Buffer) => chunks.push(chunk))
        entry.on('end', () => members.set(entry.path, {
          path: entry.path,
          type: entry.type,
          mode: entry.mode ?? -1,
          uid: entry.uid ?? -1,
          gid: entry.gid ?? -1,
          mtime: entry.mtime,
          linkpath: entry.linkpath ?? '',
          body: Buffer.concat(chunks),
        }))
      },
    })
    parser.on('error', reject)
    parser.on('end', () => resolve(members))
    parser.end(bytes)
  })
}

function sha256(bytes: Buffer | string): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`
}

function blob(members: Map<string, TarMember>, digest: string): Buffer {
  const member = members.get(`blobs/sha256/${digest.slice('sha256:'.length)}`)
  assert.ok(member, `blob ${digest} missing from the archive`)
  return member.body
}

function json(members: Map<string, TarMember>, path: string): any {
  const member = members.get(path)
  assert.ok(member, `${path} missing from the archive`)
  return JSON.parse(member.body.toString('utf8'))
}

let workDir: string
before(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'nerd-oci-image-'))
})
after(() => rm(workDir, {recursive: true, force: true}))

const twoLayers: ArchiveSpec = {
  name: 'example/app:v1',
  images: [{
    platform: {architecture: 'amd64'},
    layers: [
      {entries: [dir('tmp', {mode: 0o1777}), file('etc/motd', 'hello\n'), symlink('bin/sh', 'busybox'), dir('home/app', {uid: 1000, gid: 1000})]},
      {entries: [file('etc/motd', 'changed\n'), whiteout('/etc/gone'), opaqueWhiteout('/var/cache')], createdBy: 'second'},
    ],
    config: {Env: ['PATH=/bin', 'A=1'], Entrypoint: ['/bin/sh'], Cmd: ['-c', 'true'], WorkingDir: '/home/app', User: 'app', ExposedPorts: {'80/tcp': {}}, Volumes: {'/data': {}}, Labels: {k: 'v'}, StopSignal: 'SIGINT'},
  }],
}

async function build(spec: ArchiveSpec, fileName: string): Promise<{built: BuiltArchive; members: Map<string, TarMember>}> {
  const built = await buildImageArchive(spec, join(workDir, fileName))
  return {built, members: await readTar(await readFile(built.file))}
}

describe('buildImageArchive', () => {
  it('names every blob by the sha256 of its content, with the size descriptors claim', async () => {
    const {built, members} = await build(twoLayers, 'two.tar')
    const blobs = [...members.values()].filter((member) => member.path.startsWith('blobs/sha256/') && member.type === 'File')
    assert.ok(blobs.length >= 4)
    for (const member of blobs) assert.equal(sha256(member.body), `sha256:${member.path.slice('blobs/sha256/'.length)}`)
    const manifest = built.manifests[0]
    for (const descriptor of [built.target, manifest.config, ...manifest.layers]) {
      assert.equal(blob(members, descriptor.digest).length, descriptor.size)
    }
  })

  it('writes an OCI layout whose index names the image, and docker\'s manifest.json beside it', async () => {
    const {built, members} = await build(twoLayers, 'layout.tar')
    assert.deepEqual(json(members, 'oci-layout'), {imageLayoutVersion: '1.0.0'})
    const index = json(members, 'index.json')
    assert.equal(index.manifests.length, 1)
    assert.equal(index.manifests[0].digest, built.target.digest)
    assert.equal(index.manifests[0].mediaType, 'application/vnd.oci.image.manifest.v1+json')
    assert.deepEqual(index.manifests[0].annotations, {'io.containerd.image.name': 'docker.io/example/app:v1', 'org.opencontainers.image.ref.name': 'v1'})
    assert.equal(built.name, 'docker.io/example/app:v1')

    const manifest = JSON.parse(blob(members, built.target.digest).toString('utf8'))
    const dockerManifest = json(members, 'manifest.json')
    assert.deepEqual(dockerManifest, [{
      Config: `blobs/sha256/${manifest.config.digest.slice(7)}`,
      RepoTags: ['example/app:v1'],
      Layers: manifest.layers.map((layer: {digest: string}) => `blobs/sha256/${layer.digest.slice(7)}`),
    }])
    assert.ok(json(members, 'repositories')['example/app'].v1)
  })

  it('lists the uncompressed layer digests as diff_ids, and the chain IDs follow from them', async () => {
    const {built, members} = await build(twoLayers, 'diffids.tar')
    const manifest = JSON.parse(blob(members, built.target.digest).toString('utf8'))
    const config = JSON.parse(blob(members, manifest.config.digest).toString('utf8'))
    const diffIds = manifest.layers.map((layer: {digest: string; mediaType: string}) => {
      assert.equal(layer.mediaType, 'application/vnd.oci.image.layer.v1.tar+gzip')
      return sha256(gunzipSync(blob(members, layer.digest)))
    })
    assert.deepEqual(config.rootfs, {type: 'layers', diff_ids: diffIds})
    assert.deepEqual(built.manifests[0].diffIds, diffIds)
    assert.deepEqual(built.manifests[0].chainIds, [diffIds[0], sha256(`${diffIds[0]} ${diffIds[1]}`)])
  })

  it('writes the config the spec gives, with one history entry per layer', async () => {
    const {built, members} = await build(twoLayers, 'config.tar')
    const config = JSON.parse(blob(members, built.manifests[0].config.digest).toString('utf8'))
    assert.equal(config.architecture, 'amd64')
    assert.equal(config.os, 'linux')
    assert.equal(config.created, '2024-01-01T00:00:00Z')
    assert.deepEqual(config.config, twoLayers.images[0].config)
    assert.deepEqual(config.history.map((entry: {created_by: string}) => entry.created_by), ['nerd-test layer 1', 'second'])
  })

  it('writes layers in path order with their parents, fixed owners, modes and mtimes, and whiteouts', async () => {
    const {built, members} = await build(twoLayers, 'layers.tar')
    const [first, second] = await Promise.all(built.manifests[0].layers.map(async (layer) => readTar(gunzipSync(blob(members, layer.digest)))))
    assert.deepEqual([...first.keys()], ['bin/', 'bin/sh', 'etc/', 'etc/motd', 'home/', 'home/app/', 'tmp/'])
    assert.equal(first.get('tmp/')?.mode, 0o1777)
    assert.deepEqual([first.get('home/app/')?.uid, first.get('home/app/')?.gid], [1000, 1000])
    assert.deepEqual([first.get('etc/motd')?.uid, first.get('etc/motd')?.mode], [0, 0o644])
    assert.equal(first.get('bin/sh')?.type, 'SymbolicLink')
    assert.equal(first.get('bin/sh')?.linkpath, 'busybox')
    assert.equal(first.get('etc/motd')?.body.toString(), 'hello\n')
    for (const member of first.values()) assert.equal(member.mtime?.getTime(), FIXED_TIME.getTime())
    assert.deepEqual([...second.keys()], ['etc/', 'etc/.wh.gone', 'etc/motd', 'var/', 'var/cache/', 'var/cache/.wh..wh..opq'])
    assert.equal(second.get('etc/.wh.gone')?.body.length, 0)
  })

  it('gives the same bytes for the same spec', async () => {
    const one = await build(twoLayers, 'same-1.tar')
    const two = await build(twoLayers, 'same-2.tar')
    assert.deepEqual(await readFile(one.built.file), await readFile(two.built.file))
    const changed = await build({...twoLayers, images: [{...twoLayers.images[0], config: {Cmd: ['other']}}]}, 'changed.tar')
    assert.notEqual(changed.built.target.digest, one.built.target.digest)
    assert.deepEqual(changed.built.manifests[0].layers, one.built.manifests[0].layers)
  })

  it('stores layers uncompressed on request: the layer digest is then the diffID', async () => {
    const {built, members} = await build({...twoLayers, compression: 'none'}, 'plain.tar')
    const manifest = built.manifests[0]
    assert.deepEqual(manifest.layers.map((layer) => layer.digest), manifest.diffIds)
    assert.ok(manifest.layers.every((layer) => layer.mediaType === 'application/vnd.oci.image.layer.v1.tar'))
    const layer = await readTar(blob(members, manifest.layers[0].digest))
    assert.ok(layer.has('etc/motd'))
  })

  it('writes docker media types on request', async () => {
    const {built, members} = await build({...twoLayers, mediaTypes: 'docker'}, 'docker.tar')
    const manifest = JSON.parse(blob(members, built.target.digest).toString('utf8'))
    assert.equal(manifest.mediaType, 'application/vnd.docker.distribution.manifest.v2+json')
    assert.equal(manifest.config.mediaType, 'application/vnd.docker.container.image.v1+json')
    assert.equal(manifest.layers[0].mediaType, 'application/vnd.docker.image.rootfs.diff.tar.gzip')
  })

  it('builds a multi-platform index whose platforms the configs agree with', async () => {
    const layers = twoLayers.images[0].layers
    const {built, members} = await build({
      name: 'localhost:5000/multi',
      images: [{platform: {architecture: 'amd64'}, layers}, {platform: {architecture: 'arm64', variant: 'v8'}, layers}],
    }, 'multi.tar')
    assert.equal(built.name, 'localhost:5000/multi:latest')
    assert.equal(built.target.mediaType, 'application/vnd.oci.image.index.v1+json')
    const index = JSON.parse(blob(members, built.target.digest).toString('utf8'))
    assert.deepEqual(index.manifests.map((entry: {platform: unknown}) => entry.platform), [
      {architecture: 'amd64', os: 'linux'},
      {architecture: 'arm64', os: 'linux', variant: 'v8'},
    ])
    for (const entry of index.manifests) {
      const manifest = JSON.parse(blob(members, entry.digest).toString('utf8'))
      const config = JSON.parse(blob(members, manifest.config.digest).toString('utf8'))
      assert.equal(config.architecture, entry.platform.architecture)
      assert.equal(config.variant, entry.platform.variant)
    }
    // Same layers, one blob each.
    assert.deepEqual(built.manifests[0].layers, built.manifests[1].layers)
    assert.equal(json(members, 'index.json').manifests[0].digest, built.target.digest)
    assert.deepEqual(json(members, 'manifest.json')[0].RepoTags, ['localhost:5000/multi:latest'])
  })

  it('normalises names as docker does', async () => {
    const single = {images: [{layers: [{entries: [file('a', 'a')]}]}]}
    assert.equal((await buildImageArchive({...single, name: 'busybox'}, join(workDir, 'n1.tar'))).name, 'docker.io/library/busybox:latest')
    assert.equal((await buildImageArchive({...single, name: '127.0.0.1:5000/x/y:v2'}, join(workDir, 'n2.tar'))).name, '127.0.0.1:5000/x/y:v2')
    await assert.rejects(buildImageArchive({...single, name: 'Upper/case'}, join(workDir, 'n3.tar')), /invalid image name/)
  })

  it('refuses a path listed twice in a layer', async () => {
    await assert.rejects(
      buildImageArchive({name: 'dup', images: [{layers: [{entries: [file('a', 'x'), file('/a/', 'y')]}]}]}, join(workDir, 'dup.tar')),
      /lists a twice/,
    )
  })

  it('writes payload layers of the size asked, incompressible and fixed by their seed', async () => {
    const spec = (seed: string): ArchiveSpec => ({name: 'large', compression: 'none', images: [{layers: [payloadLayer(0, 1, seed), payloadLayer(1, 2, seed)]}]})
    const {built, members} = await build(spec('s1'), 'large-1.tar')
    const first = await readTar(blob(members, built.manifests[0].layers[0].digest))
    const payload = first.get('payload/0.bin')?.body
    assert.equal(payload?.length, 1024 * 1024)
    assert.ok(gzipSync(payload).length > payload.length * 0.99)
    assert.equal((await readTar(blob(members, built.manifests[0].layers[1].digest))).get('payload/1.bin')?.body.length, 2 * 1024 * 1024)
    const again = await buildImageArchive(spec('s1'), join(workDir, 'large-2.tar'))
    assert.deepEqual(again.manifests[0].diffIds, built.manifests[0].diffIds)
    const other = await buildImageArchive(spec('s2'), join(workDir, 'large-3.tar'))
    assert.notEqual(other.manifests[0].diffIds[0], built.manifests[0].diffIds[0])
  })
})

describe('chainIds', () => {
  it('joins each parent chain ID and the next diffID with one space', () => {
    // Values from: printf 'sha256:aaa sha256:bbb' | sha256sum, and so on.
    assert.deepEqual(chainIds(['sha256:aaa', 'sha256:bbb', 'sha256:ccc']), [
      'sha256:aaa',
      'sha256:56efb1d4f6c79b745d37d6eff87e3ed8dd2be28104e124ba73fd6e6c4892c792',
      'sha256:5f37250437ffd4d0a708296d64527afcea82547c8f3683aed2e2e1abbc1999c2',
    ])
  })
})

describe('busyboxRootfs', () => {
  const busybox = '/bin/busybox'

  it('holds busybox, one symlink per applet, the users and the web page', {skip: !existsSync(busybox) && 'no /bin/busybox'}, async () => {
    const entries = await busyboxRootfs(busybox)
    const byPath = new Map(entries.map((entry) => [entry.path, entry]))
    assert.equal(byPath.get('bin/sh')?.type, 'symlink')
    assert.ok(entries.filter((entry) => entry.type === 'symlink').length > 100)
    const passwd = byPath.get('etc/passwd')
    assert.ok(passwd?.type === 'file' && typeof passwd.content === 'string')
    assert.match(passwd.content as string, /^app:x:1000:1000:/m)
    assert.match(passwd.content as string, /^nobody:x:65534:65534:/m)
    assert.match(passwd.content as string, /^root:x:0:0:/m)
    const group = byPath.get('etc/group')
    assert.ok(group?.type === 'file')
    assert.match(group.content as string, /^app:x:1000:$/m)
    assert.equal(byPath.get('tmp')?.mode, 0o1777)
    assert.ok(byPath.has('www/index.html'))
  })

  it('refuses a dynamically linked busybox', async () => {
    await assert.rejects(busyboxRootfs(process.execPath), /dynamically linked/)
  })
})
