/**
 * Pull, unpack and push against the test containerd ($NERD_TEST_ADDRESS) and a docker-registry this
 * file starts on loopback. Images are built offline (busybox-static) and put into the registry with
 * skopeo; what nerd pulls, ctr runs; what nerd pushes, skopeo reads back. A counting proxy in front
 * of the registry shows how many bytes a pull fetched.
 */
import assert from 'node:assert/strict'
import {execFile, spawn} from 'node:child_process'
import {createHash, randomBytes} from 'node:crypto'
import {mkdtemp, open, rm, writeFile} from 'node:fs/promises'
import {createServer, connect as connectTcp} from 'node:net'
import type {Server, Socket} from 'node:net'
import {lookup} from 'node:dns/promises'
import {hostname, tmpdir} from 'node:os'
import {join} from 'node:path'
import {promisify} from 'node:util'
import {after, before, describe, it} from 'node:test'
import {connect, isNotFound} from '../../src/containerd/index.ts'
import type {ContainerdClient} from '../../src/containerd/index.ts'
import {NerdError} from '../../src/errors.ts'
import {LABEL_PARTIAL_PULL, pullImage} from '../../src/image/pull.ts'
import type {PullOptions, VerifyHookPayload} from '../../src/image/pull.ts'
import {formatPlatform, hostPlatform} from '../../src/image/platform.ts'
import type {ProgressEvent} from '../../src/image/progress.ts'
import {pushImage} from '../../src/image/push.ts'
import {blobLabels, deleteImage, getImage, imageSize, listImages, putImage, readBlob, readJson, resolveImageConfig, writeBlob} from '../../src/image/store.ts'
import {unpackImage} from '../../src/image/unpack.ts'
import type {UnpackHookPayload} from '../../src/image/unpack.ts'
import {until} from '../helpers/containers.ts'
import {ctr, nerdEntry, uniqueNamespace} from '../helpers/e2e.ts'
import {buildImageArchive, busyboxRootfs, dir, file, payloadLayer, whiteout} from '../helpers/oci-image.ts'
import type {ArchiveSpec, BuiltArchive, LayerSpec} from '../helpers/oci-image.ts'
import {registryBlobPath, startRegistry} from '../helpers/registry.ts'
import type {RunningRegistry} from '../helpers/registry.ts'

const run = promisify(execFile)
const address = process.env.NERD_TEST_ADDRESS
const namespace = uniqueNamespace(import.meta.url)
const hooksNamespace = `${namespace}-hooks`
const MiB = 1024 * 1024

/** A TCP proxy in front of the registry that counts the bytes the registry sends and can hold them back. */
class CountingProxy {
  bytes = 0
  /** Stop forwarding once this many bytes have gone through (until release). */
  limit = Number.POSITIVE_INFINITY
  port = 0
  readonly #server: Server
  readonly #held = new Set<Socket>()
  readonly #sockets = new Set<Socket>()

  constructor(targetPort: number) {
    this.#server = createServer((client) => {
      const upstream = connectTcp(targetPort, '127.0.0.1')
      for (const socket of [client, upstream]) {
        this.#sockets.add(socket)
        socket.on('close', () => this.#sockets.delete(socket))
      }
      client.on('error', () => upstream.destroy())
      upstream.on('error', () => client.destroy())
      client.on('close', () => upstream.destroy())
      upstream.on('close', () => client.destroy())
      client.pipe(upstream)
      upstream.on('data', (chunk: Buffer) => {
        this.bytes += chunk.length
        const flowing = client.write(chunk)
        if (this.bytes >= this.limit) {
          upstream.pause()
          this.#held.add(upstream)
        } else if (!flowing) {
          upstream.pause()
          client.once('drain', () => upstream.resume())
        }
      })
    })
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve))
    this.port = (this.#server.address() as {port: number}).port
    return `127.0.0.1:${this.port}`
  }

  release(): void {
    this.limit = Number.POSITIVE_INFINITY
    for (const socket of this.#held) socket.resume()
    this.#held.clear()
  }

  async stop(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy()
    await new Promise((resolve) => this.#server.close(resolve))
  }
}

let workDir: string
let registry: RunningRegistry
let proxy: CountingProxy
let proxyHost: string
let client: ContainerdClient
let hooksClient: ContainerdClient
const images: Record<string, BuiltArchive> = {}

/** Options every pull of this file uses: no hosts.toml of the machine, no docker credentials. */
const hermetic: PullOptions = {hostsDirs: [], credentials: async () => undefined}

async function publish(key: string, spec: ArchiveSpec, repository: string): Promise<void> {
  const archive = join(workDir, `${key}.tar`)
  images[key] = await buildImageArchive(spec, archive)
  const multi = spec.images.length > 1 ? ['--all'] : []
  await run('skopeo', ['copy', '--quiet', ...multi, '--dest-tls-verify=false', `oci-archive:${archive}`, `docker://${registry.host}/${repository}`])
}

async function exists(digest: string, on: ContainerdClient = client): Promise<boolean> {
  return (await blobLabels(on, digest)) !== undefined
}

async function snapshotExists(key: string, on: ContainerdClient = client): Promise<boolean> {
  try {
    await on.snapshots.stat('overlayfs', key)
    return true
  } catch (error) {
    if (isNotFound(error)) return false
    throw error
  }
}

async function ctrRun(image: string, id: string, script: string): Promise<string> {
  const result = await ctr(['run', '--rm', image, id, '/bin/busybox', 'sh', '-c', script], {namespace})
  assert.equal(result.code, 0, result.stderr)
  return result.stdout
}

/** Removes everything the tests left in a namespace (images, leases, ingests), then the namespace. */
async function removeNamespace(on: ContainerdClient): Promise<void> {
  for (const image of await listImages(on)) await on.images.delete(image.name, {sync: false})
  for (const status of await on.content.listStatuses()) await on.content.abort(status.ref).catch(() => undefined)
  for (const lease of await on.leases.list()) await on.leases.delete(lease.id, {sync: false})
  // One synchronous deletion runs the garbage collection that takes blobs and snapshots away.
  const trigger = await on.leases.create({id: `cleanup-${Date.now()}`})
  await on.leases.delete(trigger.id, {sync: true})
  await on.namespaces.delete(on.namespace).catch((error: Error) => console.error(`namespace ${on.namespace} not removed: ${error.message}`))
}

/**
 * A name other than localhost that this machine resolves to 127.0.0.1, where the test registry
 * listens (often the machine's own host name, in /etc/hosts); undefined when there is none.
 */
async function loopbackAlias(): Promise<string | undefined> {
  for (const name of [hostname(), 'localhost.localdomain']) {
    const resolved = await lookup(name).catch(() => undefined)
    if (name.toLowerCase() !== 'localhost' && resolved?.address === '127.0.0.1') return name.toLowerCase()
  }
  return undefined
}
const alias = await loopbackAlias()

const busyboxLayer = async (): Promise<LayerSpec> => ({entries: await busyboxRootfs(), createdBy: 'busybox'})
const layerOf = (...entries: LayerSpec['entries']): LayerSpec => ({entries})

describe('image pull, unpack and push', {skip: address ? false : 'NERD_TEST_ADDRESS is not set'}, () => {
  before(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'nerd-image-e2e-'))
    registry = await startRegistry({dir: join(workDir, 'registry')})
    proxy = new CountingProxy(registry.port)
    proxyHost = await proxy.start()
    client = await connect({address: address as string, namespace})
    hooksClient = client.withNamespace(hooksNamespace)
    const base = await busyboxLayer()
    const unique = randomBytes(8).toString('hex')
    await Promise.all([
      publish('busybox', {name: 'e2e/busybox:v1', images: [{layers: [base, layerOf(file('etc/greeting', 'hello from nerd\n'))]}]}, 'e2e/busybox:v1'),
      publish('layers', {
        name: 'e2e/layers:v1',
        images: [{
          layers: [
            base,
            layerOf(dir('data'), file('data/keep.txt', 'keep\n'), file('data/removed.txt', 'removed\n')),
            layerOf(whiteout('data/removed.txt'), file('etc/layer3', 'layer 3\n')),
          ],
        }],
      }, 'e2e/layers:v1'),
      publish('multi', {
        name: 'e2e/multi:v1',
        images: [
          {platform: {architecture: 'amd64'}, layers: [base, layerOf(file('etc/arch', 'amd64\n'))]},
          {platform: {architecture: 'arm64', variant: 'v8'}, layers: [base, layerOf(file('etc/arch', 'arm64\n'))]},
        ],
      }, 'e2e/multi:v1'),
      publish('big', {name: 'e2e/big:v1', images: [{layers: [payloadLayer(0, 6, unique), payloadLayer(1, 6, unique)]}]}, 'e2e/big:v1'),
      publish('big2', {name: 'e2e/big2:v1', images: [{layers: [payloadLayer(0, 8, `${unique}-2`), payloadLayer(1, 8, `${unique}-2`)]}]}, 'e2e/big2:v1'),
      publish('big3', {name: 'e2e/big3:v1', images: [{layers: [payloadLayer(0, 6, `${unique}-3`), payloadLayer(1, 6, `${unique}-3`)]}]}, 'e2e/big3:v1'),
      publish('big4', {name: 'e2e/big4:v1', images: [{layers: [payloadLayer(0, 6, `${unique}-4`), payloadLayer(1, 6, `${unique}-4`)]}]}, 'e2e/big4:v1'),
      publish('corrupt', {name: 'e2e/corrupt:v1', images: [{layers: [layerOf(file('etc/unique', `${unique}\n`))]}]}, 'e2e/corrupt:v1'),
      publish('hooks', {name: 'e2e/hooks:v1', images: [{layers: [layerOf(file('etc/hooks', `${unique}\n`))]}]}, 'e2e/hooks:v1'),
    ])
  })

  after(async () => {
    if (client) {
      await removeNamespace(hooksClient)
      await removeNamespace(client)
      client.close()
    }
    await proxy?.stop()
    await registry?.stop()
    if (workDir) await rm(workDir, {recursive: true, force: true})
  })

  it('pulls an image that ctr lists and runs, with the labels containerd\'s garbage collector follows', async () => {
    const name = `${registry.host}/e2e/busybox:v1`
    const built = images.busybox
    const [manifest] = built.manifests
    const events: ProgressEvent[] = []
    const result = await pullImage(client, name, {...hermetic, onProgress: (event) => events.push(event)})

    assert.equal(result.name, name)
    assert.equal(result.target.digest, built.target.digest)
    assert.deepEqual(result.platforms.map(formatPlatform), [formatPlatform(hostPlatform())])
    assert.deepEqual(result.unpacked, {chainId: manifest.chainIds.at(-1), snapshotter: 'overlayfs'})
    assert.equal((await getImage(client, name))?.target.digest, built.target.digest)

    const manifestLabels = await blobLabels(client, manifest.descriptor.digest)
    assert.equal(manifestLabels?.['containerd.io/gc.ref.content.config'], manifest.config.digest)
    assert.equal(manifestLabels?.['containerd.io/gc.ref.content.l.0'], manifest.layers[0].digest)
    assert.equal(manifestLabels?.['containerd.io/gc.ref.content.l.1'], manifest.layers[1].digest)
    assert.equal(manifestLabels?.['containerd.io/distribution.source.127.0.0.1'], 'e2e/busybox')
    const configLabels = await blobLabels(client, manifest.config.digest)
    assert.equal(configLabels?.['containerd.io/gc.ref.snapshot.overlayfs'], manifest.chainIds.at(-1))
    for (const [index, layer] of manifest.layers.entries()) {
      const labels = await blobLabels(client, layer.digest)
      assert.equal(labels?.['containerd.io/uncompressed'], manifest.diffIds[index])
      assert.equal(labels?.['containerd.io/distribution.source.127.0.0.1'], 'e2e/busybox')
      assert.ok(await snapshotExists(manifest.chainIds[index]))
    }
    assert.deepEqual(await client.leases.list(), [], 'the pull lease is gone')

    // A blob another namespace has is committed without downloading (containerd shares content), so
    // "downloading" may or may not appear; the rest of each layer's story is fixed.
    for (const layer of manifest.layers) {
      const statuses = events.filter((event) => event.digest === layer.digest).map((event) => event.status)
      assert.deepEqual([...new Set(statuses)].filter((status) => status !== 'downloading' && status !== 'verifying'), ['waiting', 'downloaded', 'unpacking', 'done'])
    }
    assert.equal(result.updated, true, 'the name was new')

    assert.equal(await ctrRun(name, 'pull-run', 'echo hi; cat /etc/greeting'), 'hi\nhello from nerd\n')
    const listed = await ctr(['images', 'ls', '-q'], {namespace})
    assert.ok(listed.stdout.split('\n').includes(name), listed.stdout)

    const size = await imageSize(client, name)
    assert.equal(size, manifest.descriptor.size + manifest.config.size + manifest.layers.reduce((sum, layer) => sum + layer.size, 0))
  })

  it('pulling again fetches nothing but the tag\'s resolution', async () => {
    const viaProxy = `${proxyHost}/e2e/busybox:v1`
    proxy.bytes = 0
    const events: ProgressEvent[] = []
    const result = await pullImage(client, viaProxy, {...hermetic, onProgress: (event) => events.push(event)})
    assert.equal(result.target.digest, images.busybox.target.digest)
    assert.ok(proxy.bytes < 4096, `${proxy.bytes} bytes came from the registry`)
    assert.deepEqual(events.filter((event) => event.status === 'downloading'), [])
    assert.equal(events.length, 4)
    assert.ok(events.every((event) => event.status === 'already exists'))
  })

  it('unpacks layers with whiteouts in order', async () => {
    const name = `${registry.host}/e2e/layers:v1`
    const result = await pullImage(client, name, hermetic)
    const [manifest] = images.layers.manifests
    assert.equal(result.unpacked?.chainId, manifest.chainIds[2])
    const top = await client.snapshots.stat('overlayfs', manifest.chainIds[2])
    assert.equal(top.parent, manifest.chainIds[1])
    assert.equal(top.kind, 'COMMITTED')
    assert.equal(await ctrRun(name, 'pull-layers', 'cat /data/keep.txt; test -e /data/removed.txt || echo removed; cat /etc/layer3'), 'keep\nremoved\nlayer 3\n')
  })

  it('pulls the host\'s platform of an index, and another one with --platform', async () => {
    const name = `${registry.host}/e2e/multi:v1`
    const built = images.multi
    const host = hostPlatform().architecture
    const mine = built.manifests.find((manifest) => manifest.platform.architecture === host)
    const other = built.manifests.find((manifest) => manifest.platform.architecture !== host)
    assert.ok(mine && other)

    const result = await pullImage(client, name, hermetic)
    assert.equal(result.target.digest, built.target.digest)
    assert.equal(result.target.mediaType, 'application/vnd.oci.image.index.v1+json')
    assert.deepEqual(result.platforms.map(formatPlatform), [`linux/${host}`])
    assert.deepEqual(result.warnings, [], 'an index is not warned about')
    assert.ok(await exists(mine.descriptor.digest))
    assert.equal(await exists(other.descriptor.digest), false, 'the other platform is not fetched')
    const indexLabels = await blobLabels(client, built.target.digest)
    assert.equal(indexLabels?.['containerd.io/gc.ref.content.m.0'], built.manifests[0].descriptor.digest)
    assert.equal(indexLabels?.['containerd.io/gc.ref.content.m.1'], built.manifests[1].descriptor.digest)
    assert.equal(await ctrRun(name, 'pull-multi', 'cat /etc/arch'), `${host}\n`)

    const otherPlatform = other.platform.architecture === 'arm64' ? 'linux/arm64' : 'linux/amd64'
    const second = await pullImage(client, name, {...hermetic, platforms: [otherPlatform]})
    assert.deepEqual(second.platforms.map(formatPlatform), [otherPlatform])
    assert.equal(second.unpacked?.chainId, other.chainIds.at(-1))
    assert.ok(await exists(other.descriptor.digest))
    assert.ok(await snapshotExists(other.chainIds.at(-1) as string))
    const resolved = await resolveImageConfig(client, name, otherPlatform)
    assert.equal(resolved.manifestDescriptor.digest, other.descriptor.digest)
    assert.equal(resolved.config.architecture, other.platform.architecture)
    assert.equal((await resolveImageConfig(client, name)).manifestDescriptor.digest, mine.descriptor.digest)

    await assert.rejects(pullImage(client, name, {...hermetic, platforms: ['linux/s390x']}), {message: 'no matching manifest for linux/s390x in the manifest list entries: no match for platform in manifest: not found'})
  })

  it('pulls a single-platform image whatever --platform asks for, with docker\'s warning; refuses a bad --platform first', async () => {
    const name = `${registry.host}/e2e/busybox:v1`
    const host = formatPlatform(hostPlatform())
    const other = host === 'linux/s390x' ? 'linux/arm64' : 'linux/s390x'
    const mismatched = await pullImage(client, name, {...hermetic, platforms: [other]})
    assert.equal(mismatched.target.digest, images.busybox.target.digest)
    assert.deepEqual(mismatched.warnings, [`image with reference ${name} was found but its platform (${host}) does not match the specified platform (${other})`])
    assert.deepEqual((await pullImage(client, name, {...hermetic, platforms: [host]})).warnings, [])
    await assert.rejects(pullImage(client, `${registry.host}/e2e/nosuch:v1`, {...hermetic, platforms: ['bogus']}), {
      message: '"bogus": unknown operating system or architecture: invalid argument',
    })
  })

  it('an aborted pull keeps its partial downloads, and the next pull continues them', async () => {
    const name = `${proxyHost}/e2e/big:v1`
    const layers = images.big.manifests[0].layers
    const total = layers.reduce((sum, layer) => sum + layer.size, 0)
    const abort = new AbortController()
    proxy.bytes = 0
    await assert.rejects(
      pullImage(client, name, {
        ...hermetic,
        signal: abort.signal,
        onProgress: (event) => {
          if (event.status === 'downloading' && (event.current ?? 0) >= 2 * MiB) abort.abort(new Error('stopped by the test'))
        },
      }),
      /stopped by the test/,
    )
    assert.equal(await getImage(client, name), undefined)
    const partial = (await client.content.listStatuses()).filter((status) => layers.some((layer) => status.ref === `layer-${layer.digest}`))
    const kept = partial.reduce((sum, status) => sum + Number(status.offset), 0)
    assert.ok(kept >= MiB, `${kept} bytes kept`)
    const partialLeases = await client.leases.list([`labels."${LABEL_PARTIAL_PULL}"`])
    assert.equal(partialLeases.length, 1)

    proxy.bytes = 0
    const resumedAt: number[] = []
    await pullImage(client, name, {
      ...hermetic,
      onProgress: (event) => {
        if (event.status === 'downloading' && !resumedAt.some((_, index) => index >= 2)) resumedAt.push(event.current ?? 0)
      },
    })
    assert.ok(proxy.bytes < total - kept + 256 * 1024, `${proxy.bytes} bytes fetched for ${total} bytes of layers, ${kept} of them kept`)
    assert.ok(resumedAt.some((offset) => offset > 0), `downloads started at ${resumedAt.join(', ')}`)
    assert.deepEqual(await client.leases.list([`labels."${LABEL_PARTIAL_PULL}"`]), [], 'the partial downloads\' lease is gone')
  })

  it('continues the download of a `nerd pull` that was killed with SIGKILL', async () => {
    const name = `${proxyHost}/e2e/big2:v1`
    const layers = images.big2.manifests[0].layers
    const total = layers.reduce((sum, layer) => sum + layer.size, 0)
    proxy.bytes = 0
    proxy.limit = 5 * MiB
    // The built CLI, as a user runs it; no credentials or hosts.toml of the machine's.
    const pullEnv = {...process.env, DOCKER_CONFIG: workDir, NERD_TOML: join(workDir, 'empty.toml')}
    await writeFile(pullEnv.NERD_TOML, '')
    const pullArgs = [nerdEntry, '--address', address!, '--namespace', namespace, '--hosts-dir', workDir, 'pull', '-q', name]
    const leasesBefore = new Set((await client.leases.list()).map((lease) => lease.id))
    const child = spawn(process.execPath, pullArgs, {env: pullEnv, stdio: ['ignore', 'ignore', 'pipe']})
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const exited = new Promise((resolve) => child.once('exit', resolve))
    try {
      let written = 0
      for (let attempt = 0; attempt < 400 && written < 2 * MiB; attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 50))
        assert.equal(child.exitCode, null, `the pull ended early: ${stderr}`)
        const statuses = await client.content.listStatuses()
        written = statuses.filter((status) => layers.some((layer) => status.ref === `layer-${layer.digest}`)).reduce((sum, status) => sum + Number(status.offset), 0)
      }
      assert.ok(written >= 2 * MiB, `only ${written} bytes reached containerd`)
    } finally {
      child.kill('SIGKILL')
      await exited
      proxy.release()
    }
    const kept = (await client.content.listStatuses())
      .filter((status) => layers.some((layer) => status.ref === `layer-${layer.digest}`))
      .reduce((sum, status) => sum + Number(status.offset), 0)

    proxy.bytes = 0
    const again = await new Promise<{code: number | null; stdout: string}>((resolve) => {
      const second = spawn(process.execPath, pullArgs, {env: pullEnv, stdio: ['ignore', 'pipe', 'inherit']})
      let stdout = ''
      second.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
      second.once('close', (code) => resolve({code, stdout}))
    })
    assert.equal(again.code, 0)
    assert.equal(again.stdout.trim(), name)
    assert.equal((await getImage(client, name))?.target.digest, images.big2.target.digest)
    assert.ok(proxy.bytes < total - kept + 256 * 1024, `${proxy.bytes} bytes fetched for ${total} bytes of layers, ${kept} of them kept`)
    for (const layer of layers) assert.ok(await exists(layer.digest))
    // Its downloads continued and committed, the killed pull's lease keeps nothing a pull continues:
    // the next command that takes a lease deletes it.
    const third = await run(process.execPath, pullArgs, {env: pullEnv})
    assert.equal(third.stdout.trim(), name)
    assert.deepEqual((await client.leases.list()).filter((lease) => !leasesBefore.has(lease.id)), [])
  })

  /**
   * Starts `nerd pull -q` of one of the images through the proxy (which holds back what comes after
   * 3 MiB), sends `signals` once bytes of it are in containerd, and checks what the stopped pull
   * leaves: no image, and of new leases only the one of its partial downloads, which the next pull
   * continues and removes. Returns how nerd ended.
   */
  async function stopPull(key: string, signals: NodeJS.Signals[]): Promise<{code: number | null; signal: NodeJS.Signals | null; stderr: string}> {
    const name = `${proxyHost}/e2e/${key}:v1`
    const layers = images[key].manifests[0].layers
    // A SIGKILLed pull before left its lease (to expire in a day): only new ones count.
    const before = new Set((await client.leases.list()).map((lease) => lease.id))
    const newLeases = async () => (await client.leases.list()).filter((lease) => !before.has(lease.id))
    proxy.bytes = 0
    proxy.limit = 3 * MiB
    const pullEnv = {...process.env, DOCKER_CONFIG: workDir, NERD_TOML: join(workDir, 'empty.toml')}
    await writeFile(pullEnv.NERD_TOML, '')
    const child = spawn(process.execPath, [nerdEntry, '--address', address!, '--namespace', namespace, '--hosts-dir', workDir, 'pull', '-q', name], {env: pullEnv, stdio: ['ignore', 'ignore', 'pipe']})
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const exited = new Promise<{code: number | null; signal: NodeJS.Signals | null}>((resolve) => child.once('exit', (code, signal) => resolve({code, signal})))
    let ended: {code: number | null; signal: NodeJS.Signals | null}
    try {
      await until('bytes of the pull in containerd', async () => {
        assert.equal(child.exitCode, null, `the pull ended early: ${stderr}`)
        const statuses = await client.content.listStatuses()
        return statuses.some((status) => layers.some((layer) => status.ref === `layer-${layer.digest}`) && Number(status.offset) > 0) ? true : undefined
      })
      for (const signal of signals) child.kill(signal)
      ended = await exited
    } finally {
      child.kill('SIGKILL')
      proxy.release()
    }
    assert.equal(await getImage(client, name), undefined)
    const leases = await newLeases()
    assert.equal(leases.length, 1, JSON.stringify(leases))
    assert.ok(leases[0]!.labels[LABEL_PARTIAL_PULL], JSON.stringify(leases))
    await pullImage(client, name, hermetic)
    assert.deepEqual(await newLeases(), [])
    return {...ended, stderr}
  }

  it('a `nerd pull` stopped with SIGTERM cleans up as ctrl-c does, then dies of the signal', async () => {
    assert.deepEqual(await stopPull('big3', ['SIGTERM']), {code: null, signal: 'SIGTERM', stderr: ''})
  })

  it('a `nerd pull` signalled twice at once (as `timeout` does, to nerd and its group) still deletes its lease, keeping the partial downloads', async () => {
    // Two signals nerd sees at once (two of one kind may merge into one): the second ends it early.
    const {code, signal} = await stopPull('big4', ['SIGINT', 'SIGTERM'])
    assert.equal(code, null)
    assert.ok(signal === 'SIGINT' || signal === 'SIGTERM', `${signal}`)
  })

  it('takes a registry named by a host name that resolves to loopback for an insecure one, as docker: plain HTTP', {skip: alias ? false : 'no name other than localhost resolves to 127.0.0.1 here'}, async () => {
    const name = `${alias}:${registry.port}/e2e/busybox:v1`
    assert.equal((await pullImage(client, name, hermetic)).target.digest, images.busybox.target.digest)
    const copy = `${alias}:${registry.port}/e2e/aliased:v1`
    await putImage(client, {name: copy, target: (await getImage(client, name))?.target ?? assert.fail('not pulled')})
    assert.equal((await pushImage(client, copy, {hostsDirs: [], credentials: async () => undefined})).descriptor.digest, images.busybox.target.digest)
  })

  it('pushes to another repository what skopeo reads back with the same digests, mounting the blobs', async () => {
    const source = images.busybox
    const name = `${registry.host}/e2e/copy:v1`
    await putImage(client, {name, target: (await getImage(client, `${registry.host}/e2e/busybox:v1`))?.target ?? assert.fail('no source image')})
    const events: ProgressEvent[] = []
    const result = await pushImage(client, name, {hostsDirs: [], credentials: async () => undefined, onProgress: (event) => events.push(event)})
    assert.equal(result.descriptor.digest, source.target.digest)

    const {stdout} = await run('skopeo', ['inspect', '--tls-verify=false', `docker://${name}`])
    const inspected = JSON.parse(stdout) as {Digest: string; Layers: string[]}
    assert.equal(inspected.Digest, source.target.digest)
    assert.deepEqual(inspected.Layers, source.manifests[0].layers.map((layer) => layer.digest))
    const mounted = events.filter((event) => event.status === 'mounted')
    assert.ok(mounted.every((event) => event.from === 'e2e/busybox'), JSON.stringify(mounted))
    assert.ok(mounted.every((event) => event.from?.split(', ').includes('e2e/busybox')), JSON.stringify(mounted))
    assert.match((await blobLabels(client, source.manifests[0].layers[1].digest))?.['containerd.io/distribution.source.127.0.0.1'] ?? '', /^e2e\/busybox,e2e\/copy$/)

    const again = await pushImage(client, name, {hostsDirs: [], credentials: async () => undefined, onProgress: (event) => events.push(event)})
    assert.equal(again.descriptor.digest, source.target.digest)
    assert.equal(events.filter((event) => event.status === 'already pushed').length, 3)
  })

  it('pushes one platform of an index as its manifest, or the whole index', async () => {
    const built = images.multi
    const target = (await getImage(client, `${registry.host}/e2e/multi:v1`))?.target ?? assert.fail('no multi-platform image')
    const amd64 = built.manifests.find((manifest) => manifest.platform.architecture === 'amd64')
    assert.ok(amd64)

    const single = `${registry.host}/e2e/multi-amd64:v1`
    await putImage(client, {name: single, target})
    const pushedSingle = await pushImage(client, single, {hostsDirs: [], credentials: async () => undefined, platforms: ['linux/amd64']})
    assert.equal(pushedSingle.descriptor.digest, amd64.descriptor.digest)
    const raw = await run('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${single}`], {encoding: 'buffer'})
    assert.equal(`sha256:${createHash('sha256').update(raw.stdout).digest('hex')}`, amd64.descriptor.digest)

    const whole = `${registry.host}/e2e/multi-copy:v1`
    await putImage(client, {name: whole, target})
    const pushedWhole = await pushImage(client, whole, {hostsDirs: [], credentials: async () => undefined, allPlatforms: true})
    assert.equal(pushedWhole.descriptor.digest, built.target.digest)
    const {stdout} = await run('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${whole}`], {encoding: 'buffer'})
    assert.equal(`sha256:${createHash('sha256').update(stdout).digest('hex')}`, built.target.digest)

    await assert.rejects(pushImage(client, `${registry.host}/e2e/nosuch:v1`, {hostsDirs: []}), {
      message: `tag does not exist: ${registry.host}/e2e/nosuch:v1`,
    })
  })

  it('a blob the registry corrupted fails the pull in one line and leaves no image record', async () => {
    const name = `${registry.host}/e2e/corrupt:v1`
    const [layer] = images.corrupt.manifests[0].layers
    const handle = await open(registryBlobPath(registry, layer.digest), 'r+')
    try {
      const byte = Buffer.alloc(1)
      await handle.read(byte, 0, 1, layer.size - 10)
      await handle.write(Buffer.from([byte[0] ^ 0xff]), 0, 1, layer.size - 10)
    } finally {
      await handle.close()
    }
    await assert.rejects(pullImage(client, name, hermetic), (error: unknown) => {
      assert.ok(error instanceof NerdError)
      assert.ok(!error.message.includes('\n'), error.message)
      assert.match(error.message, new RegExp(`^failed to verify layer ${layer.digest}: digest mismatch: got sha256:[0-9a-f]{64}$`))
      return true
    })
    assert.equal(await getImage(client, name), undefined)
    assert.ok(!(await client.content.listStatuses()).some((status) => status.ref === `layer-${layer.digest}`), 'the ingest is gone')
    assert.equal(await exists(layer.digest), false)
  })

  it('hands hooks the fetched content: a verify rejection leaves no image, the unpack plan reaches the snapshots', async () => {
    const name = `${registry.host}/e2e/hooks:v1`
    const built = images.hooks
    const [manifest] = built.manifests
    let verified: VerifyHookPayload | undefined
    let configRead: Uint8Array | undefined
    await assert.rejects(
      pullImage(hooksClient, name, {
        ...hermetic,
        hooks: {
          verify: async (payload) => {
            verified = payload
            // Read while the pull's lease holds the content: after a rejection the collector may take it.
            configRead = await payload.readBlob(manifest.config.digest)
            throw new NerdError('rejected by the test')
          },
        },
      }),
      {message: 'rejected by the test'},
    )
    assert.equal(await getImage(hooksClient, name), undefined)
    assert.ok(verified)
    assert.equal(verified.name, name)
    assert.equal(verified.descriptor.digest, built.target.digest)
    assert.deepEqual(verified.config.rootfs.diff_ids, manifest.diffIds)
    assert.equal(verified.manifest.layers[0].digest, manifest.layers[0].digest)
    assert.equal(`sha256:${createHash('sha256').update(configRead ?? new Uint8Array()).digest('hex')}`, manifest.config.digest)
    assert.equal(verified.registry?.repository, `${registry.host}/e2e/hooks`)
    assert.equal((await verified.registry?.fetchManifest('v1'))?.descriptor.digest, built.target.digest)
    assert.equal(await verified.registry?.fetchManifest('nosuchtag'), undefined)
    assert.equal(await snapshotExists(manifest.chainIds[0], hooksClient), false, 'nothing was unpacked before verification')

    let planned: UnpackHookPayload | undefined
    const result = await pullImage(hooksClient, name, {
      ...hermetic,
      hooks: {
        verify: async () => undefined,
        unpack: async (payload) => {
          planned = payload
          return {labels: {'nerd.test/plan': 'applied'}}
        },
      },
    })
    assert.equal(result.unpacked?.chainId, manifest.chainIds[0])
    assert.deepEqual(planned?.layers.map((layer) => layer.chainId), manifest.chainIds)
    assert.equal(planned?.snapshotter, 'overlayfs')
    const snapshot = await hooksClient.snapshots.stat('overlayfs', manifest.chainIds[0])
    assert.equal(snapshot.labels['nerd.test/plan'], 'applied')
    assert.equal(snapshot.labels['containerd.io/snapshot.ref'], manifest.chainIds[0])
  })

  it('pulls every platform with allPlatforms, and what a resolve hook redirects a reference to', async () => {
    const built = images.multi
    const all = await pullImage(hooksClient, `${registry.host}/e2e/multi:v1`, {...hermetic, allPlatforms: true})
    assert.deepEqual(all.platforms.map(formatPlatform).sort(), ['linux/amd64', 'linux/arm64'])
    assert.equal(all.unpacked, undefined)
    for (const manifest of built.manifests) assert.ok(await exists(manifest.config.digest, hooksClient))
    await assert.rejects(pullImage(hooksClient, `${registry.host}/e2e/multi:v1`, {...hermetic, allPlatforms: true, unpack: true}), {
      message: `cannot unpack 2 manifests of ${registry.host}/e2e/multi:v1: pull one platform to unpack it`,
    })

    const disposed: string[] = []
    const redirected = await pullImage(hooksClient, 'nerdtest://hooks', {
      ...hermetic,
      hooks: {
        resolve: async (payload) => {
          assert.deepEqual(payload, {reference: 'nerdtest://hooks', scheme: 'nerdtest', platforms: []})
          return {kind: 'registry', reference: `${registry.host}/e2e/hooks:v1`, name: 'nerdtest/hooks', dispose: async () => void disposed.push('hooks')}
        },
      },
    })
    // Stored under the plugin's name as the commands read it when the user types it back.
    assert.equal(redirected.name, 'docker.io/nerdtest/hooks:latest')
    assert.equal((await getImage(hooksClient, 'docker.io/nerdtest/hooks:latest'))?.target.digest, images.hooks.target.digest)
    assert.deepEqual(disposed, ['hooks'])
    await assert.rejects(pullImage(hooksClient, 'nerdtest://other', hermetic), {message: 'cannot pull nerdtest://other: no plugin handles nerdtest:// references'})
  })

  it('writes blobs (continuing a broken stream), records images and deletes them with their content', async () => {
    const payload = randomBytes(3 * MiB)
    const blob = {mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: `sha256:${createHash('sha256').update(payload).digest('hex')}`, size: payload.length}
    const config = Buffer.from(JSON.stringify({architecture: 'amd64', os: 'linux', rootfs: {type: 'layers', diff_ids: [blob.digest]}}))
    const configDescriptor = {mediaType: 'application/vnd.oci.image.config.v1+json', digest: `sha256:${createHash('sha256').update(config).digest('hex')}`, size: config.length}
    const manifest = Buffer.from(JSON.stringify({schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: configDescriptor, layers: [blob]}))
    const target = {mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${createHash('sha256').update(manifest).digest('hex')}`, size: manifest.length}
    const name = 'e2e.local/store/image:v1'

    await hooksClient.withLease(async (leased) => {
      const broken = async function* () {
        yield payload.subarray(0, 2 * MiB)
        throw new Error('connection lost')
      }
      await assert.rejects(writeBlob(leased, blob, broken()), /connection lost/)
      assert.equal(Number((await leased.content.status(`layer-${blob.digest}`)).offset), 2 * MiB)
      // The bytes containerd already has are skipped, not sent again: garbage there would not matter.
      const garbledStart = async function* () {
        for (let start = 0; start < payload.length; start += 512 * 1024) {
          yield start < 2 * MiB ? Buffer.alloc(512 * 1024) : payload.subarray(start, start + 512 * 1024)
        }
      }
      assert.deepEqual(await writeBlob(leased, blob, garbledStart(), {labels: {'nerd.test/layer': 'yes'}}), {existed: false})
      assert.ok(Buffer.from(await readBlob(leased, blob.digest)).equals(payload))
      assert.equal((await blobLabels(leased, blob.digest))?.['nerd.test/layer'], 'yes')
      assert.deepEqual(await writeBlob(leased, blob, payload, {labels: {'nerd.test/again': 'yes'}}), {existed: true})
      assert.equal((await blobLabels(leased, blob.digest))?.['nerd.test/again'], 'yes')

      await writeBlob(leased, configDescriptor, config)
      await writeBlob(leased, target, manifest, {labels: {'containerd.io/gc.ref.content.config': configDescriptor.digest, 'containerd.io/gc.ref.content.l.0': blob.digest}})
      assert.deepEqual(await readJson(leased, configDescriptor), JSON.parse(config.toString()))
      const record = await putImage(leased, {name, target, labels: {'nerd.test/image': 'first'}})
      assert.equal(record.labels['nerd.test/image'], 'first')
      const updated = await putImage(leased, {name, target, labels: {'nerd.test/image': 'second'}})
      assert.deepEqual(updated.labels, {'nerd.test/image': 'second'})
    })
    assert.deepEqual((await listImages(hooksClient, [`name==${name}`])).map((image) => image.target.digest), [target.digest])
    assert.ok(await exists(blob.digest, hooksClient), 'the image keeps its blobs once the lease is gone')

    assert.equal(await deleteImage(hooksClient, name, {sync: true}), true)
    assert.equal(await exists(target.digest, hooksClient), false)
    assert.equal(await exists(blob.digest, hooksClient), false)
    assert.equal(await deleteImage(hooksClient, name), false)
  })

  it('unpacks an image pulled with unpack: false on demand', async () => {
    const name = `${registry.host}/e2e/layers:v1`
    const [manifest] = images.layers.manifests
    const pulled = await pullImage(hooksClient, name, {...hermetic, unpack: false})
    assert.equal(pulled.unpacked, undefined)
    assert.equal(await snapshotExists(manifest.chainIds[0], hooksClient), false)
    assert.equal((await blobLabels(hooksClient, manifest.config.digest))?.['containerd.io/gc.ref.snapshot.overlayfs'], undefined)

    const unpacked = await unpackImage(hooksClient, {name})
    assert.deepEqual(unpacked, {chainId: manifest.chainIds[2], snapshotter: 'overlayfs'})
    for (const chainId of manifest.chainIds) assert.ok(await snapshotExists(chainId, hooksClient))
    assert.equal((await blobLabels(hooksClient, manifest.config.digest))?.['containerd.io/gc.ref.snapshot.overlayfs'], manifest.chainIds[2])
    assert.deepEqual(await unpackImage(hooksClient, {name}), unpacked, 'unpacking again changes nothing')
  })
})
