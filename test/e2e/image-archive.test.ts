/**
 * save, load and import against the test containerd ($NERD_TEST_ADDRESS). Archives are built
 * offline from busybox-static; what nerd loads or imports, ctr runs; what nerd saves, skopeo reads
 * as a docker archive and as an OCI archive, and nerd loads back with the same image IDs; what
 * skopeo writes as a docker archive, nerd loads.
 */
import assert from 'node:assert/strict'
import {execFile, spawn} from 'node:child_process'
import {createReadStream, createWriteStream} from 'node:fs'
import {mkdtemp, readFile, rm, stat, truncate, writeFile} from 'node:fs/promises'
import {createServer} from 'node:http'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {pipeline} from 'node:stream/promises'
import {promisify} from 'node:util'
import {createGunzip, createGzip, gzipSync} from 'node:zlib'
import {after, before, describe, it} from 'node:test'
import {connect} from '../../src/containerd/index.ts'
import type {ContainerdClient} from '../../src/containerd/index.ts'
import {NerdError} from '../../src/errors.ts'
import {importRootfs, loadImages, saveImages} from '../../src/image/archive/index.ts'
import type {LoadedImage} from '../../src/image/archive/index.ts'
import {blobLabels, deleteImage, getImage, listImages, readBlob, resolveImageConfig} from '../../src/image/store.ts'
import {until} from '../helpers/containers.ts'
import {ctr, nerd, nerdCommandLine, nerdEntry, nerdOnTerminal, uniqueNamespace} from '../helpers/e2e.ts'
import {buildImageArchive, busyboxRootfs, file, payloadLayer, skippableZstdFrame, zstdFrames} from '../helpers/oci-image.ts'
import type {BuiltArchive, LayerSpec} from '../helpers/oci-image.ts'

const run = promisify(execFile)
const address = process.env.NERD_TEST_ADDRESS
const namespace = uniqueNamespace(import.meta.url)
const freshNamespace = `${namespace}-fresh`

let workDir: string
let client: ContainerdClient
let fresh: ContainerdClient
let busybox: BuiltArchive
let second: BuiltArchive
let multiarch: BuiltArchive
let containerCount = 0

/** Removes everything a namespace holds (images, ingests, leases), then the namespace. */
async function removeNamespace(on: ContainerdClient): Promise<void> {
  for (const image of await listImages(on)) await on.images.delete(image.name, {sync: false})
  for (const status of await on.content.listStatuses()) await on.content.abort(status.ref).catch(() => undefined)
  for (const lease of await on.leases.list()) await on.leases.delete(lease.id, {sync: false})
  // One synchronous deletion runs the garbage collection that takes blobs and snapshots away.
  const trigger = await on.leases.create({id: `cleanup-${Date.now()}`})
  await on.leases.delete(trigger.id, {sync: true})
  await on.namespaces.delete(on.namespace).catch((error: Error) => console.error(`namespace ${on.namespace} not removed: ${error.message}`))
}

/** `ctr run --rm` of `image` in `on`'s namespace; returns what the container printed. */
async function runImage(image: string, args: string[] = [], on: string = namespace): Promise<string> {
  // ctr run can exit before it has copied a short-lived process's output (seen on a loaded machine):
  // an empty answer from a successful run is asked again.
  for (let attempt = 1; ; attempt++) {
    const result = await ctr(['run', '--rm', image, `archive-${process.pid}-${++containerCount}`, ...args], {namespace: on})
    assert.equal(result.code, 0, `ctr run ${image} failed: ${result.stderr}`)
    if (result.stdout !== '' || attempt === 3) return result.stdout
  }
}

async function load(path: string, on: ContainerdClient = client, options: Parameters<typeof loadImages>[2] = {}): Promise<{names: string[]; events: LoadedImage[]}> {
  const events: LoadedImage[] = []
  const names = await loadImages(on, createReadStream(path), {...options, onImage: (event) => events.push(event)})
  return {names, events}
}

async function save(references: string[], path: string, options: Parameters<typeof saveImages>[3] = {}): Promise<void> {
  await saveImages(client, references, createWriteStream(path), options)
}

async function tarList(path: string): Promise<string[]> {
  return (await run('tar', ['-tf', path])).stdout.trim().split('\n')
}

async function tarRead(path: string, member: string): Promise<string> {
  return (await run('tar', ['-xOf', path, member], {maxBuffer: 64 << 20})).stdout
}

async function gzipFile(from: string, to: string): Promise<void> {
  await pipeline(createReadStream(from), createGzip(), createWriteStream(to))
}

const busyboxLayer = async (): Promise<LayerSpec> => ({entries: await busyboxRootfs(), createdBy: 'busybox'})

describe('image archives: save, load, import', {skip: address ? false : 'NERD_TEST_ADDRESS is not set'}, () => {
  before(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'nerd-archive-e2e-'))
    client = await connect({address: address as string, namespace})
    fresh = client.withNamespace(freshNamespace)
    const base = await busyboxLayer()
    busybox = await buildImageArchive({name: 'nerd-e2e/busybox:v1', images: [{layers: [base], config: {Cmd: ['sh']}}]}, join(workDir, 'busybox.tar'))
    second = await buildImageArchive({
      name: 'nerd-e2e/second:v1',
      images: [{layers: [base, {entries: [file('etc/second', 'second image\n')]}], config: {Cmd: ['/bin/busybox', 'cat', '/etc/second']}}],
    }, join(workDir, 'second.tar'))
    multiarch = await buildImageArchive({
      name: 'nerd-e2e/multiarch:v1',
      images: [
        {platform: {architecture: 'amd64'}, layers: [base, {entries: [file('etc/arch', 'amd64\n')]}]},
        {platform: {architecture: 'arm64', variant: 'v8'}, layers: [base, {entries: [file('etc/arch', 'arm64\n')]}]},
      ],
    }, join(workDir, 'multiarch.tar'))
  })

  after(async () => {
    if (client) {
      await removeNamespace(fresh)
      await removeNamespace(client)
      client.close()
    }
    if (workDir) await rm(workDir, {recursive: true, force: true})
  })

  it('loads an OCI archive that ctr then runs, labelled for the garbage collector and unpacked', async () => {
    const {names, events} = await load(busybox.file)
    assert.deepEqual(names, ['docker.io/nerd-e2e/busybox:v1'])
    const [manifest] = busybox.manifests
    assert.deepEqual(events, [{
      name: 'docker.io/nerd-e2e/busybox:v1',
      familiarName: 'nerd-e2e/busybox:v1',
      target: {mediaType: busybox.target.mediaType, digest: busybox.target.digest, size: busybox.target.size},
      configDigest: manifest.config.digest,
    }])
    assert.equal((await getImage(client, 'docker.io/nerd-e2e/busybox:v1'))?.target.digest, busybox.target.digest)
    const manifestLabels = await blobLabels(client, manifest.descriptor.digest)
    assert.equal(manifestLabels?.['containerd.io/gc.ref.content.config'], manifest.config.digest)
    assert.equal(manifestLabels?.['containerd.io/gc.ref.content.l.0'], manifest.layers[0].digest)
    assert.equal((await blobLabels(client, manifest.config.digest))?.['containerd.io/gc.ref.snapshot.overlayfs'], manifest.chainIds.at(-1))
    assert.equal(await runImage('docker.io/nerd-e2e/busybox:v1', ['/bin/busybox', 'echo', 'hi']), 'hi\n')
    // Nothing of the load is left half-done: no ingest, no lease.
    assert.deepEqual(await client.content.listStatuses(), [])
    assert.deepEqual(await client.leases.list(), [])
  })

  it('loads the same archive gzip-compressed', async () => {
    const gzipped = join(workDir, 'busybox.tar.gz')
    await gzipFile(busybox.file, gzipped)
    const {names} = await load(gzipped, fresh)
    assert.deepEqual(names, ['docker.io/nerd-e2e/busybox:v1'])
    assert.equal((await getImage(fresh, 'docker.io/nerd-e2e/busybox:v1'))?.target.digest, busybox.target.digest)
    assert.equal(await runImage('docker.io/nerd-e2e/busybox:v1', ['/bin/busybox', 'echo', 'gzipped'], freshNamespace), 'gzipped\n')
    await deleteImage(fresh, 'docker.io/nerd-e2e/busybox:v1', {sync: true})
  })

  it('nerd load reads bzip2 and xz archives, from a file and from stdin, with the bzip2 and xz commands; without them it says so', async () => {
    for (const command of ['bzip2', 'xz']) {
      const compressed = join(workDir, `busybox.tar.${command}`)
      await run('sh', ['-c', `${command} -c < "$1" > "$2"`, 'sh', busybox.file, compressed])
      const fromFile = await nerd(['load', '-q', '-i', compressed], {namespace: freshNamespace})
      assert.deepEqual([fromFile.code, fromFile.stdout, fromFile.stderr], [0, 'Loaded image: nerd-e2e/busybox:v1\n', ''], command)
      await deleteImage(fresh, 'docker.io/nerd-e2e/busybox:v1', {sync: true})
      const fromStdin = await nerd(['load', '-q'], {namespace: freshNamespace, input: await readFile(compressed)})
      assert.deepEqual([fromStdin.code, fromStdin.stdout, fromStdin.stderr], [0, 'Loaded image: nerd-e2e/busybox:v1\n', ''], command)
      assert.equal(await runImage('docker.io/nerd-e2e/busybox:v1', ['/bin/busybox', 'echo', command], freshNamespace), `${command}\n`)
      await deleteImage(fresh, 'docker.io/nerd-e2e/busybox:v1', {sync: true})

      const withoutCommand = await nerd(['load', '-i', compressed], {namespace: freshNamespace, env: {PATH: join(workDir, 'no-commands')}})
      assert.deepEqual([withoutCommand.code, withoutCommand.stderr], [1, `Error: the archive is ${command}-compressed: nerd reads it with the ${command} command, which is not installed\n`])
      assert.deepEqual(await listImages(fresh), [])
    }
  })

  it('nerd load reads a zstd archive of several frames (pzstd\'s output, `cat a.zst b.zst`), a skippable frame first', async () => {
    const tar = await readFile(busybox.file)
    const compressed = join(workDir, 'busybox.tar.zst')
    await writeFile(compressed, Buffer.concat([skippableZstdFrame(4), zstdFrames(tar, [100_001, 200_003])]))
    const loaded = await nerd(['load', '-q', '-i', compressed], {namespace: freshNamespace})
    assert.deepEqual([loaded.code, loaded.stdout, loaded.stderr], [0, 'Loaded image: nerd-e2e/busybox:v1\n', ''])
    assert.equal(await runImage('docker.io/nerd-e2e/busybox:v1', ['/bin/busybox', 'echo', 'framed'], freshNamespace), 'framed\n')
    await deleteImage(fresh, 'docker.io/nerd-e2e/busybox:v1', {sync: true})
  })

  it('saves two images into one archive that loads back with the same IDs and names', async () => {
    await load(second.file)
    const ids = async (): Promise<string[]> => Promise.all(['docker.io/nerd-e2e/busybox:v1', 'docker.io/nerd-e2e/second:v1'].map(
      async (name) => (await resolveImageConfig(client, name)).configDescriptor.digest,
    ))
    const before = await ids()
    assert.deepEqual(before, [busybox.manifests[0].config.digest, second.manifests[0].config.digest])
    const archive = join(workDir, 'two.tar')
    await save(['nerd-e2e/busybox:v1', 'nerd-e2e/second'], archive)

    const members = await tarList(archive)
    for (const member of ['oci-layout', 'index.json', 'manifest.json', 'repositories']) assert.ok(members.includes(member), member)
    const blobs = new Set([...busybox.manifests, ...second.manifests].flatMap((manifest) => [manifest.descriptor, manifest.config, ...manifest.layers].map((blob) => blob.digest)))
    assert.deepEqual(members.filter((member) => member.startsWith('blobs/sha256/') && member.length > 13).sort(), [...blobs].map((digest) => `blobs/sha256/${digest.slice(7)}`).sort())
    const index = JSON.parse(await tarRead(archive, 'index.json')) as {manifests: Array<{digest: string; annotations: Record<string, string>}>}
    assert.deepEqual(index.manifests.map((entry) => [entry.digest, entry.annotations]), [
      [busybox.target.digest, {'io.containerd.image.name': 'docker.io/nerd-e2e/busybox:v1', 'org.opencontainers.image.ref.name': 'v1'}],
      [second.target.digest, {'io.containerd.image.name': 'docker.io/nerd-e2e/second:v1', 'org.opencontainers.image.ref.name': 'v1'}],
    ])
    const dockerManifest = JSON.parse(await tarRead(archive, 'manifest.json')) as Array<{Config: string; RepoTags: string[]; Layers: string[]}>
    assert.deepEqual(dockerManifest.map((entry) => entry.RepoTags), [['nerd-e2e/busybox:v1'], ['nerd-e2e/second:v1']])
    assert.deepEqual(dockerManifest[1].Layers, second.manifests[0].layers.map((layer) => `blobs/sha256/${layer.digest.slice(7)}`))

    for (const name of ['docker.io/nerd-e2e/busybox:v1', 'docker.io/nerd-e2e/second:v1']) assert.ok(await deleteImage(client, name, {sync: true}))
    assert.equal(await blobLabels(client, second.manifests[0].layers[1].digest), undefined, 'the deleted images\' blobs are gone')
    const {names} = await load(archive)
    assert.deepEqual(names, ['docker.io/nerd-e2e/busybox:v1', 'docker.io/nerd-e2e/second:v1'])
    assert.deepEqual(await ids(), before)
    assert.equal(await runImage('docker.io/nerd-e2e/second:v1'), 'second image\n')
  })

  it('writes archives skopeo reads as docker-archive, oci-archive, and copies into an OCI layout', async () => {
    const archive = join(workDir, 'busybox-saved.tar')
    await save(['nerd-e2e/busybox:v1'], archive)
    const [manifest] = busybox.manifests
    const fromOci = JSON.parse((await run('skopeo', ['inspect', `oci-archive:${archive}`])).stdout) as {Digest: string; Architecture: string}
    assert.equal(fromOci.Digest, busybox.target.digest)
    const fromDocker = JSON.parse((await run('skopeo', ['inspect', '--config', `docker-archive:${archive}`])).stdout) as {rootfs: {diff_ids: string[]}; config: {Cmd: string[]}}
    assert.deepEqual(fromDocker.rootfs.diff_ids, manifest.diffIds)
    assert.deepEqual(fromDocker.config.Cmd, ['sh'])

    const layout = join(workDir, 'oci-layout')
    await run('skopeo', ['copy', `docker-archive:${archive}`, `oci:${layout}:busybox`])
    const copied = JSON.parse((await run('skopeo', ['inspect', '--config', `oci:${layout}:busybox`])).stdout) as {rootfs: {diff_ids: string[]}}
    assert.deepEqual(copied.rootfs.diff_ids, manifest.diffIds)
  })

  it('loads the docker archive skopeo writes (v1.2 layout, layer symlinks, uncompressed layers)', async () => {
    const layout = join(workDir, 'oci-layout-for-docker')
    const archive = join(workDir, 'skopeo-docker.tar')
    await run('skopeo', ['copy', `oci-archive:${second.file}`, `oci:${layout}:second`])
    await run('skopeo', ['copy', `oci:${layout}:second`, `docker-archive:${archive}:nerd-e2e/from-skopeo:v2`])
    assert.ok((await tarList(archive)).some((member) => member.endsWith('/layer.tar')), 'skopeo wrote the legacy layer paths')
    const {names, events} = await load(archive)
    assert.deepEqual(names, ['docker.io/nerd-e2e/from-skopeo:v2'])
    assert.equal(events[0].target.mediaType, 'application/vnd.docker.distribution.manifest.v2+json')
    const resolved = await resolveImageConfig(client, 'docker.io/nerd-e2e/from-skopeo:v2')
    assert.deepEqual(resolved.config.rootfs.diff_ids, second.manifests[0].diffIds)
    assert.deepEqual(resolved.manifest.layers.map((layer) => layer.mediaType), ['application/vnd.docker.image.rootfs.diff.tar', 'application/vnd.docker.image.rootfs.diff.tar'])
    assert.equal(await runImage('docker.io/nerd-e2e/from-skopeo:v2'), 'second image\n')
  })

  it('loads a docker archive whose members\' paths are longer than ustar holds, from a writer that fills the ustar prefix next to the PAX path (node-tar)', async () => {
    const {create} = await import('tar')
    const built = second.manifests[0]
    for (const length of [300, 1000]) {
      const staging = await mkdtemp(join(workDir, 'deep-'))
      const deep = Array.from({length: length / 10}, (_, index) => `dir${String(index).padStart(6, '0')}`).join('/')
      await run('tar', ['-xf', second.file, '-C', staging])
      await run('mkdir', ['-p', join(staging, deep)])
      const moved = (digest: string): string => `${deep}/${digest.slice(7)}`
      for (const blob of [built.config, ...built.layers]) await run('mv', [join(staging, 'blobs/sha256', blob.digest.slice(7)), join(staging, moved(blob.digest))])
      await writeFile(join(staging, 'manifest.json'), JSON.stringify([{Config: moved(built.config.digest), RepoTags: [`nerd-e2e/deep:${length}`], Layers: built.layers.map((layer) => moved(layer.digest))}]))
      const archive = join(workDir, `deep-${length}.tar`)
      await create({file: archive, cwd: staging, portable: true}, ['manifest.json', 'dir000000'])
      const {names} = await load(archive)
      assert.deepEqual(names, [`docker.io/nerd-e2e/deep:${length}`])
      assert.deepEqual((await resolveImageConfig(client, `docker.io/nerd-e2e/deep:${length}`)).config.rootfs.diff_ids, built.diffIds)
    }
  })

  it('fails on a truncated archive in one line, leaving no image, ingest or lease behind', async () => {
    const whole = await readFile(second.file)
    const cut = join(workDir, 'truncated.tar')
    await writeFile(cut, whole.subarray(0, Math.floor(whole.length * 0.6)))
    const gzipped = join(workDir, 'truncated.tar.gz')
    await gzipFile(second.file, gzipped)
    await truncate(gzipped, Math.floor((await stat(gzipped)).size * 0.6))
    for (const path of [cut, gzipped]) {
      await assert.rejects(load(path, fresh), (error: unknown) => {
        assert.ok(error instanceof NerdError, String(error))
        assert.equal(error.message, 'unexpected EOF: the archive is truncated')
        return true
      })
      assert.deepEqual(await listImages(fresh), [], path)
      assert.deepEqual(await fresh.content.listStatuses(), [], path)
      assert.deepEqual(await fresh.leases.list(), [], path)
    }
  })

  it('a `nerd load` stopped with SIGTERM halfway leaves no image, ingest or lease, and dies of the signal', async () => {
    const whole = await readFile(second.file)
    const emptyToml = join(workDir, 'empty.toml')
    await writeFile(emptyToml, '')
    const child = spawn(process.execPath, ['--', nerdEntry, '--address', address as string, '--namespace', freshNamespace, '--data-root', join(workDir, 'data'), 'load'], {
      env: {...process.env, NERD_TOML: emptyToml},
      stdio: ['pipe', 'ignore', 'pipe'],
    })
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    // What nerd has not read of the half by the time it dies of the signal cannot be written: no error of the test's.
    child.stdin.on('error', () => undefined)
    const exited = new Promise<{code: number | null; signal: NodeJS.Signals | null}>((resolve) => child.once('exit', (code, signal) => resolve({code, signal})))
    // Half the archive, and no end: the load waits for the rest with its lease open (its blobs may
    // be in the content store already, from this file's other namespace).
    child.stdin.write(whole.subarray(0, Math.floor(whole.length / 2)))
    try {
      await until('the load to take its lease', async () => ((await fresh.leases.list()).length > 0 ? true : undefined))
      child.kill('SIGTERM')
      assert.deepEqual(await exited, {code: null, signal: 'SIGTERM'}, stderr)
    } finally {
      child.kill('SIGKILL')
    }
    assert.equal(stderr, '')
    assert.deepEqual(await listImages(fresh), [])
    assert.deepEqual(await fresh.content.listStatuses(), [])
    assert.deepEqual(await fresh.leases.list(), [])
  })

  it('a `nerd load` SIGKILLed while it writes a layer leaves nothing once the next nerd takes a lease', async () => {
    // A layer no other namespace has, so the load writes it (an ingest under the load's own name).
    const killedNamespace = `${namespace}-killed`
    const killed = client.withNamespace(killedNamespace)
    const archive = await buildImageArchive({name: 'nerd-e2e/killed:v1', images: [{layers: [payloadLayer(0, 8, `killed-${process.pid}-${Date.now()}`)]}]}, join(workDir, 'killed.tar'))
    const whole = await readFile(archive.file)
    const emptyToml = join(workDir, 'empty.toml')
    await writeFile(emptyToml, '')
    const nerdArgs = ['--', nerdEntry, '--address', address as string, '--namespace', killedNamespace, '--data-root', join(workDir, 'data')]
    const child = spawn(process.execPath, [...nerdArgs, 'load'], {env: {...process.env, NERD_TOML: emptyToml}, stdio: ['pipe', 'ignore', 'ignore']})
    child.stdin.on('error', () => undefined)
    const exited = new Promise((resolve) => child.once('exit', resolve))
    try {
      // Most of the archive, and no end: the load stops inside the layer, its ingest begun.
      child.stdin.write(whole.subarray(0, Math.floor(whole.length * 0.7)))
      await until('the load to write the layer', async () => ((await killed.content.listStatuses()).some((status) => Number(status.offset) > 0) ? true : undefined))
    } finally {
      child.kill('SIGKILL')
    }
    await exited
    assert.equal((await killed.leases.list()).length, 1)
    try {
      // Any command taking a lease sweeps those of dead nerds: here the next load.
      const next = await run(process.execPath, [...nerdArgs, 'load', '-i', busybox.file], {env: {...process.env, NERD_TOML: emptyToml}})
      assert.match(next.stdout, /Loaded image: nerd-e2e\/busybox:v1/)
      assert.deepEqual(await killed.leases.list(), [])
      assert.deepEqual(await killed.content.listStatuses(), [])
    } finally {
      await removeNamespace(killed)
    }
  })

  it('loads every platform of a multi-platform archive by default, and one with --platform', async () => {
    assert.deepEqual((await load(multiarch.file)).names, ['docker.io/nerd-e2e/multiarch:v1'])
    assert.equal(await runImage('docker.io/nerd-e2e/multiarch:v1', ['/bin/busybox', 'cat', '/etc/arch']), 'amd64\n')
    await save(['nerd-e2e/multiarch:v1'], join(workDir, 'all.tar'), {allPlatforms: true})
    const everyLayer = await tarList(join(workDir, 'all.tar'))
    for (const manifest of multiarch.manifests) assert.ok(everyLayer.includes(`blobs/sha256/${manifest.layers[1].digest.slice(7)}`))
    assert.ok(await deleteImage(client, 'docker.io/nerd-e2e/multiarch:v1', {sync: true}))
    const {names} = await load(multiarch.file, client, {platform: 'linux/amd64'})
    assert.deepEqual(names, ['docker.io/nerd-e2e/multiarch:v1'])
    // A platform asked for that an index lacks: docker's containerd store loads the image and fails.
    await assert.rejects(load(multiarch.file, fresh, {platform: 'linux/s390x'}), /^NerdError: image nerd-e2e\/multiarch:v1 was loaded, but doesn't provide the requested platform \(linux\/s390x\)$/)
    assert.ok(await deleteImage(fresh, 'docker.io/nerd-e2e/multiarch:v1', {sync: true}))
    // Saved again, only the loaded platform's blobs go into the archive, under the image's own index.
    const archive = join(workDir, 'multiarch-saved.tar')
    await save(['nerd-e2e/multiarch:v1'], archive)
    const members = await tarList(archive)
    assert.ok(members.includes(`blobs/sha256/${multiarch.target.digest.slice(7)}`))
    const [amd64, arm64] = multiarch.manifests
    assert.ok(members.includes(`blobs/sha256/${amd64.layers[1].digest.slice(7)}`))
    assert.ok(!members.includes(`blobs/sha256/${arm64.layers[1].digest.slice(7)}`))
    await assert.rejects(save(['nerd-e2e/multiarch:v1'], join(workDir, 'all.tar'), {allPlatforms: true}), /^NerdError: nerd-e2e\/multiarch:v1: its linux\/arm64\/v8 image is not in the content store in full/)
    await assert.rejects(save(['nerd-e2e/multiarch:v1'], join(workDir, 'arm.tar'), {platform: 'linux/arm64'}),
      /^NerdError: no suitable export target found: image with reference nerd-e2e\/multiarch:v1 was found but does not provide the specified platform \(linux\/arm64\)$/)
  })

  it('save --platform writes that platform\'s manifest alone and refuses an image without it; load --platform loads an archive that lacks it and fails, as docker\'s containerd store', async () => {
    await load(busybox.file)
    await load(second.file)
    await load(multiarch.file)
    const [amd64] = multiarch.manifests
    const single = join(workDir, 'multiarch-amd64.tar')
    const saved = await nerd(['save', '--platform', 'linux/amd64', '-o', single, 'nerd-e2e/multiarch:v1'], {namespace})
    assert.deepEqual([saved.code, saved.stderr], [0, ''])
    const index = JSON.parse(await tarRead(single, 'index.json')) as {manifests: Array<{digest: string}>}
    assert.deepEqual(index.manifests.map((entry) => entry.digest), [amd64.descriptor.digest])
    assert.ok(!(await tarList(single)).includes(`blobs/sha256/${multiarch.target.digest.slice(7)}`), 'the index is not saved')
    const fromOci = JSON.parse((await run('skopeo', ['inspect', '--override-arch', 'amd64', `oci-archive:${single}`])).stdout) as {Digest: string}
    assert.equal(fromOci.Digest, amd64.descriptor.digest)

    const never = join(workDir, 'never.tar')
    const mismatched = await nerd(['save', '--platform', 'linux/s390x', '-o', never, 'nerd-e2e/busybox:v1'], {namespace})
    assert.deepEqual([mismatched.code, mismatched.stderr], [1, 'Error: no suitable export target found: image with reference nerd-e2e/busybox:v1 was found but does not provide the specified platform (linux/s390x)\n'])
    await assert.rejects(stat(never), {code: 'ENOENT'})

    const two = join(workDir, 'two-for-platform.tar')
    await save(['nerd-e2e/busybox:v1', 'nerd-e2e/second:v1'], two)
    const lacking = await nerd(['load', '--platform', 'linux/s390x', '-i', busybox.file], {namespace: freshNamespace})
    assert.deepEqual([lacking.code, lacking.stdout, lacking.stderr], [1, '', 'Error: image nerd-e2e/busybox:v1 was loaded, but doesn\'t provide the requested platform (linux/s390x)\n'])
    const both = await nerd(['load', '--platform', 'linux/s390x', '-i', two], {namespace: freshNamespace})
    assert.deepEqual([both.code, both.stdout, both.stderr], [1, '', 'Error: images [nerd-e2e/busybox:v1, nerd-e2e/second:v1] were loaded, but don\'t provide the requested platform (linux/s390x)\n'])
    assert.deepEqual((await listImages(fresh)).map((image) => image.name).sort(), ['docker.io/nerd-e2e/busybox:v1', 'docker.io/nerd-e2e/second:v1'])
    for (const name of ['docker.io/nerd-e2e/busybox:v1', 'docker.io/nerd-e2e/second:v1']) assert.ok(await deleteImage(fresh, name, {sync: true}))
  })

  it('save, export and cp to - into a pipe whose reader quits die of SIGPIPE, as docker\'s CLI (status 141 in a shell), export\'s lease gone, as other output does; a reader that had it all is no failure', async () => {
    await load(busybox.file)
    const created = await nerd(['create', '--name', 'piped', '--network', 'none', 'nerd-e2e/busybox:v1'])
    assert.equal(created.code, 0, created.stderr)
    try {
      const piped = async (args: string[]): Promise<string[]> => {
        const {stdout, stderr} = await run('bash', ['-c', `${nerdCommandLine(args)} | head -c 10 >/dev/null; echo "status \${PIPESTATUS[0]}"`], {timeout: 30_000})
        return [stdout, stderr]
      }
      for (const args of [['save', 'nerd-e2e/busybox:v1'], ['export', 'piped'], ['cp', 'piped:/bin', '-']]) assert.deepEqual(await piped(args), ['status 141\n', ''], args.join(' '))
      assert.deepEqual(await client.leases.list(), [])
      const inspect = ['image', 'inspect', ...Array<string>(300).fill('nerd-e2e/busybox:v1')]
      assert.ok((await nerd(inspect)).stdout.length > 1 << 16, 'more than a pipe holds')
      assert.deepEqual(await piped(inspect), ['status 141\n', ''])
      // tar stops reading at the archive's end, before nerd's stdout closes.
      const whole = await run('bash', ['-c', `${nerdCommandLine(['save', 'nerd-e2e/busybox:v1'])} | tar -t >/dev/null; echo "status \${PIPESTATUS[0]}"`], {timeout: 30_000})
      assert.deepEqual([whole.stdout, whole.stderr], ['status 0\n', ''])
    } finally {
      await nerd(['rm', '-f', 'piped'])
    }
  })

  it('keeps the image a name pointed at before as a dangling image', async () => {
    const retagged = join(workDir, 'retagged.tar')
    const index = JSON.parse(await tarRead(busybox.file, 'index.json')) as {manifests: Array<{annotations: Record<string, string>}>}
    index.manifests[0].annotations['io.containerd.image.name'] = 'docker.io/nerd-e2e/second:v1'
    const staging = await mkdtemp(join(workDir, 'retag-'))
    await run('tar', ['-xf', busybox.file, '-C', staging])
    await writeFile(join(staging, 'index.json'), JSON.stringify(index))
    await run('tar', ['-cf', retagged, '-C', staging, '.'])
    const {events} = await load(retagged)
    assert.equal(events[0].name, 'docker.io/nerd-e2e/second:v1')
    assert.equal(events[0].replaced, second.target.digest)
    assert.equal((await getImage(client, `nerd-dangling@${second.target.digest}`))?.target.digest, second.target.digest)
  })

  it('saves an image by ID without its names; loaded, it is a dangling image, recorded once', async () => {
    const archive = join(workDir, 'by-id.tar')
    const id = busybox.manifests[0].config.digest
    await save([id.slice(7, 19)], archive)
    const full = join(workDir, 'by-full-id.tar')
    await save([id], full)
    assert.deepEqual(await readFile(full), await readFile(archive))
    const index = JSON.parse(await tarRead(archive, 'index.json')) as {manifests: Array<{digest: string; annotations?: Record<string, string>}>}
    assert.deepEqual(index.manifests, [{mediaType: busybox.target.mediaType, digest: busybox.target.digest, size: busybox.target.size}])
    assert.deepEqual(JSON.parse(await tarRead(archive, 'manifest.json'))[0].RepoTags, null)
    for (let round = 0; round < 2; round++) {
      const {names, events} = await load(archive, fresh)
      assert.deepEqual(names, [`nerd-dangling@${busybox.target.digest}`])
      assert.equal(events[0].familiarName, undefined)
      assert.equal(events[0].configDigest, id)
    }
    assert.deepEqual((await listImages(fresh)).map((image) => image.name), [`nerd-dangling@${busybox.target.digest}`])
    assert.equal(await runImage(`nerd-dangling@${busybox.target.digest}`, ['/bin/busybox', 'echo', 'dangling'], freshNamespace), 'dangling\n')
    await deleteImage(fresh, `nerd-dangling@${busybox.target.digest}`, {sync: true})
  })

  it('loads a nameless copy of an image that is here under another manifest as that image: no dangling one, nothing to prune', async () => {
    // The same config under a docker manifest with uncompressed layers (skopeo's docker archive)...
    const layout = join(workDir, 'oci-layout-same-id')
    const dockerArchive = join(workDir, 'same-id-docker.tar')
    await run('skopeo', ['copy', `oci-archive:${second.file}`, `oci:${layout}:second`])
    await run('skopeo', ['copy', `oci:${layout}:second`, `docker-archive:${dockerArchive}:nerd-e2e/same-id:v1`])
    await load(dockerArchive, fresh)
    // ...and under its OCI manifest, without a name.
    const nameless = join(workDir, 'same-id-nameless.tar')
    const staging = await mkdtemp(join(workDir, 'nameless-'))
    await run('tar', ['-xf', second.file, '-C', staging])
    const index = JSON.parse(await readFile(join(staging, 'index.json'), 'utf8')) as {manifests: Array<{annotations?: Record<string, string>}>}
    for (const manifest of index.manifests) delete manifest.annotations
    await writeFile(join(staging, 'index.json'), JSON.stringify(index))
    await run('tar', ['-cf', nameless, '-C', staging, 'oci-layout', 'index.json', 'blobs'])
    const {names, events} = await load(nameless, fresh)
    assert.deepEqual(names, ['docker.io/nerd-e2e/same-id:v1'])
    assert.equal(events[0].configDigest, second.manifests[0].config.digest)
    assert.deepEqual((await listImages(fresh)).map((image) => image.name), ['docker.io/nerd-e2e/same-id:v1'])
    const pruned = await nerd(['image', 'prune', '-f'], {namespace: freshNamespace})
    assert.equal(pruned.code, 0, pruned.stderr)
    assert.equal(pruned.stdout, 'Total reclaimed space: 0B\n')
    await deleteImage(fresh, 'docker.io/nerd-e2e/same-id:v1', {sync: true})
  })

  it('load without -i on a terminal refuses in docker\'s words rather than wait for input', async () => {
    assert.deepEqual(await nerdOnTerminal(['load']), {code: 1, screen: ['Error: requested load from stdin, but stdin is empty']})
  })

  it('refuses to save an image that does not exist', async () => {
    await assert.rejects(save(['nerd-e2e/nothing:here'], join(workDir, 'none.tar')), /^NerdError: No such image: nerd-e2e\/nothing:here$/)
  })

  it('takes an ID prefix of 4 digits or more, no shorter one, as the other image commands (docker\'s checkTruncatedID)', async () => {
    const content = await mkdtemp(join(workDir, 'tiny-'))
    await writeFile(join(content, 'file'), 'tiny\n')
    const tarball = join(workDir, 'tiny.tar')
    await run('tar', ['-cf', tarball, '-C', content, '.'])
    const {configDigest} = await importRootfs(client, tarball, {reference: 'nerd-e2e/prefixed:1'})
    const hex = configDigest.slice('sha256:'.length)
    await assert.rejects(save([hex.slice(0, 3)], join(workDir, 'short.tar')), {message: `No such image: ${hex.slice(0, 3)}`})
    await save([hex.slice(0, 4)], join(workDir, 'prefixed.tar'))
  })

  it('imports a root filesystem tarball with --change instructions, from a file, a stream and a loopback URL', async () => {
    const [manifest] = busybox.manifests
    const rootfsGz = join(workDir, 'rootfs.tar.gz')
    await writeFile(rootfsGz, (await run('tar', ['-xOf', busybox.file, `blobs/sha256/${manifest.layers[0].digest.slice(7)}`], {encoding: 'buffer', maxBuffer: 64 << 20})).stdout)
    const rootfs = join(workDir, 'rootfs.tar')
    await pipeline(createReadStream(rootfsGz), createGunzip(), createWriteStream(rootfs))

    const imported = await importRootfs(client, rootfsGz, {reference: 'nerd-e2e/imported:v1', changes: ['CMD ["/bin/busybox","echo","imported"]', 'ENV GREETING=hello']})
    assert.equal(imported.name, 'docker.io/nerd-e2e/imported:v1')
    const config = (await resolveImageConfig(client, imported.name)).config
    assert.deepEqual(config.rootfs.diff_ids, manifest.diffIds)
    assert.deepEqual(config.config?.Cmd, ['/bin/busybox', 'echo', 'imported'])
    assert.deepEqual(config.config?.Env, ['GREETING=hello'])
    // A file is named as docker's CLI names what it sends itself, stdin or a file: `-`.
    assert.equal(config.history?.[0].comment, 'Imported from -')
    assert.equal(await runImage('docker.io/nerd-e2e/imported:v1'), 'imported\n')

    const fromStream = await importRootfs(client, createReadStream(rootfs), {reference: 'nerd-e2e/imported:plain', message: 'plain tar', changes: ['ENTRYPOINT ["/bin/busybox", "echo"]', 'CMD ["from", "stdin"]']})
    const plain = await resolveImageConfig(client, fromStream.name)
    // As docker's daemon: a plain tar is stored gzip-compressed.
    assert.equal(plain.manifest.layers[0].mediaType, 'application/vnd.oci.image.layer.v1.tar+gzip')
    assert.deepEqual(plain.config.rootfs.diff_ids, manifest.diffIds)
    assert.equal(plain.config.history?.[0].comment, 'plain tar')
    assert.equal(await runImage('docker.io/nerd-e2e/imported:plain'), 'from stdin\n')

    const notATar = join(workDir, 'not-a-tar.gz')
    await writeFile(notATar, gzipSync(Buffer.from('just text, no tar headers\n'.repeat(100))))
    await assert.rejects(importRootfs(client, notATar, {reference: 'nerd-e2e/not-a-tar:v1'}), /^NerdError: cannot import .*not-a-tar\.gz: it is not a tar archive$/)
    assert.equal(await getImage(client, 'docker.io/nerd-e2e/not-a-tar:v1'), undefined)

    const server = createServer((request, response) => {
      if (request.url !== '/rootfs.tar.gz') {
        response.writeHead(404).end()
        return
      }
      response.writeHead(200, {'content-type': 'application/gzip'})
      createReadStream(rootfsGz).pipe(response)
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    try {
      const url = `http://127.0.0.1:${(server.address() as {port: number}).port}`
      const fromUrl = await importRootfs(client, `${url}/rootfs.tar.gz`, {changes: ['CMD ["/bin/busybox","echo","from url"]']})
      assert.match(fromUrl.name, /^nerd-dangling@sha256:[a-f0-9]{64}$/)
      assert.equal(fromUrl.familiarName, undefined)
      assert.equal((await readBlob(client, fromUrl.configDigest)).includes(`Imported from ${url}/rootfs.tar.gz`), true)
      assert.equal(await runImage(fromUrl.name), 'from url\n')
      await assert.rejects(importRootfs(client, `${url}/missing`, {}), /^NerdError: failed to GET http:\/\/127\.0\.0\.1:\d+\/missing with status 404 Not Found: $/)
    } finally {
      server.close()
    }
  })
})
