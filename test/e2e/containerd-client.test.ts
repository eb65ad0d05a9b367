import assert from 'node:assert/strict'
import {execFile} from 'node:child_process'
import {createHash} from 'node:crypto'
import {after, before, describe, it} from 'node:test'
import {promisify} from 'node:util'
import {
  connect,
  ConnectionError,
  type ContainerdClient,
  type ContainerdEvent,
  GC_EXPIRE_LABEL,
  isAlreadyExists,
  isNotFound,
  parseAddress,
  toDate,
} from '../../src/containerd/index.ts'

const address = process.env.NERD_TEST_ADDRESS
const skip = address ? false : 'NERD_TEST_ADDRESS is not set: these tests need a running containerd and its socket path'
const prefix = `nerd-e2e-client-${process.pid}`
const run = promisify(execFile)

/** ctr 1.6 only takes a socket path, not a unix:// URL. */
async function ctr(args: string[]): Promise<string> {
  const {stdout} = await run('ctr', ['-a', parseAddress(address ?? '').path, ...args])
  return stdout
}

function sha256(data: Uint8Array): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`
}

describe('containerd client against a live daemon', {skip}, () => {
  let client: ContainerdClient
  const namespaces = new Set<string>()

  function scoped(suffix: string): ContainerdClient {
    const name = `${prefix}-${suffix}`
    namespaces.add(name)
    return client.withNamespace(name)
  }

  before(async () => {
    client = await connect({address: address ?? '', namespace: `${prefix}-main`})
  })

  after(async () => {
    if (!client) return
    for (const name of namespaces) {
      await client.namespaces.delete(name).catch((error: unknown) => {
        if (!isNotFound(error)) throw error
      })
    }
    client.close()
  })

  it('reports the same version as ctr', async () => {
    const version = await client.version.version()
    assert.match(version.version, /^\d+\.\d+\.\d+/)
    assert.match(await ctr(['version']), new RegExp(`Server:\\n\\s+Version:\\s+${version.version.replace(/[.+~]/g, '\\$&')}\\n`))
  })

  it('creates, lists, labels and deletes a namespace, seen by ctr', async () => {
    const name = `${prefix}-ns`
    namespaces.add(name)
    const created = await client.namespaces.create({name, labels: {team: 'nerd'}})
    assert.deepEqual(created, {name, labels: {team: 'nerd'}})
    assert.ok((await client.namespaces.list()).some((namespace) => namespace.name === name))
    assert.match(await ctr(['namespaces', 'ls']), new RegExp(`^${name}\\s+team=nerd\\s*$`, 'm'))

    await client.namespaces.update({name, labels: {stage: 'test'}}, ['labels.stage'])
    assert.deepEqual((await client.namespaces.get(name)).labels, {team: 'nerd', stage: 'test'})
    await client.namespaces.update({name, labels: {}}, ['labels.team'])
    assert.deepEqual((await client.namespaces.get(name)).labels, {stage: 'test'})

    await assert.rejects(client.namespaces.create({name}), isAlreadyExists)
    await assert.rejects(client.namespaces.get(`${name}-missing`), isNotFound)
    await client.namespaces.delete(name)
    await assert.rejects(client.namespaces.get(name), isNotFound)
    assert.doesNotMatch(await ctr(['namespaces', 'ls']), new RegExp(`^${name}\\s`, 'm'))
  })

  it('writes a blob inside a lease, then reads it back with its info', async () => {
    const content = scoped('content')
    const blob = Buffer.from(`nerd e2e blob ${Date.now()}\n`)
    const digest = sha256(blob)
    let leaseId: string | undefined
    await content.withLease(async (leased) => {
      leaseId = leased.lease
      assert.ok(leaseId)
      const [lease] = await leased.leases.list([`id==${leaseId}`])
      const expiresIn = Date.parse(lease.labels[GC_EXPIRE_LABEL]) - Date.now()
      assert.ok(Math.abs(expiresIn - 24 * 60 * 60 * 1000) < 60_000, `lease expires in ${expiresIn} ms`)

      const written = await leased.content.write(`e2e-${digest}`, blob, {expected: digest, labels: {'nerd.test/kind': 'blob'}})
      assert.deepEqual(written, {digest, size: blob.length, existed: false})
      assert.deepEqual(await leased.leases.listResources(leaseId), [{id: digest, type: 'content'}])

      const info = await leased.content.info(digest)
      assert.equal(info.size, String(blob.length))
      assert.deepEqual(info.labels, {'nerd.test/kind': 'blob'})
      assert.ok(Math.abs((toDate(info.createdAt)?.getTime() ?? 0) - Date.now()) < 60_000)
      assert.deepEqual(await leased.content.readAll(digest), blob)
      assert.deepEqual(await leased.content.readAll(digest, {offset: 5, size: 3}), blob.subarray(5, 8))

      const again = await leased.content.write(`e2e-${digest}`, blob, {expected: digest})
      assert.equal(again.existed, true)
    })
    assert.deepEqual(await content.leases.list([`id==${leaseId}`]), [], 'the lease is gone afterwards')
    // Unreferenced once the lease is gone, the blob may already have been garbage-collected.
    await content.content.delete(digest).catch((error: unknown) => {
      if (!isNotFound(error)) throw error
    })
    await assert.rejects(content.content.info(digest), isNotFound)
  })

  it('creates, finds, updates and deletes an image record', async () => {
    const images = scoped('images').images
    const name = 'nerd.test/e2e/record:latest'
    const target = {mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: sha256(Buffer.from(name)), size: 123}
    const created = await images.create({name, labels: {a: '1'}, target})
    assert.deepEqual(created.target, {...target, size: '123', annotations: {}})
    await assert.rejects(images.create({name, target}), isAlreadyExists)

    assert.equal((await images.get(name)).labels.a, '1')
    await images.update({name, labels: {b: '2'}}, ['labels.b'])
    assert.deepEqual((await images.get(name)).labels, {a: '1', b: '2'})
    assert.deepEqual((await images.list([`name==${name}`])).map((image) => image.name), [name])

    await images.delete(name, {sync: true})
    await assert.rejects(images.get(name), isNotFound)
  })

  it('lists the overlayfs snapshotter among the plugins', async () => {
    const plugins = await client.introspection.plugins(['type==io.containerd.snapshotter.v1'])
    const overlayfs = plugins.find((plugin) => plugin.id === 'overlayfs')
    assert.ok(overlayfs, `snapshotters: ${plugins.map((plugin) => plugin.id).join(', ')}`)
    assert.equal(overlayfs.initErr, null)
    assert.ok(overlayfs.exports.root)
    assert.match((await client.introspection.server()).uuid, /^[0-9a-f-]{36}$/)
  })

  it('receives /namespaces/create with its decoded payload', async () => {
    const stop = new AbortController()
    const events = client.events.subscribe(['topic=="/namespaces/create"'], {signal: stop.signal})
    const received = (async () => {
      for await (const event of events) {
        if (String(event.payload?.name).startsWith(`${prefix}-event-`)) return event
      }
      return undefined
    })()
    received.catch(() => undefined)
    // The daemon registers a subscription some time after the call starts and says nothing when it
    // has: keep creating namespaces until one's event arrives.
    const deadline = Date.now() + 10_000
    let event: ContainerdEvent | undefined
    for (let attempt = 0; !event && Date.now() < deadline; attempt++) {
      const name = `${prefix}-event-${attempt}`
      namespaces.add(name)
      await client.namespaces.create({name, labels: {attempt: String(attempt)}})
      event = await Promise.race([received, new Promise<undefined>((resolve) => setTimeout(resolve, 250))])
    }
    stop.abort()
    assert.ok(event, 'no /namespaces/create event within 10 s')
    assert.equal(event.topic, '/namespaces/create')
    assert.equal(event.event?.typeUrl, 'containerd.events.NamespaceCreate')
    assert.deepEqual(Object.keys(event.payload ?? {}).sort(), ['labels', 'name'])
    assert.ok(toDate(event.timestamp))
  })

  it('fails at once with a one-line ConnectionError when the socket is missing', async () => {
    const started = Date.now()
    await assert.rejects(connect({address: 'unix:///nonexistent.sock', namespace: 'default'}), (error: Error) => {
      assert.ok(error instanceof ConnectionError)
      assert.match(error.message, /^Cannot connect to containerd at unix:\/\/\/nonexistent\.sock: no such socket\. /)
      assert.equal(error.message.split('\n').length, 1)
      return true
    })
    assert.ok(Date.now() - started < 1000)
  })
})
