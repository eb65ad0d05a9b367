import assert from 'node:assert/strict'
import {createSocket} from 'node:dgram'
import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import {createServer} from 'node:net'
import type {Server} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {claimPorts, HostPortError, releasePorts} from '../../../src/network/host-ports.ts'

function listen(port: number): Promise<Server | undefined> {
  const server = createServer()
  return new Promise((resolve) => {
    server.once('error', () => resolve(undefined))
    server.listen(port, '127.0.0.1', () => resolve(server))
  })
}

const close = (server: Server) => new Promise((resolve) => server.close(resolve))

/** The first of `count` consecutive ports free on 127.0.0.1 (tcp). */
async function freeRange(count: number): Promise<number> {
  for (;;) {
    const probe = (await listen(0))!
    const first = (probe.address() as {port: number}).port
    await close(probe)
    if (first + count > 65535) continue
    const held = await Promise.all(Array.from({length: count}, (_, index) => listen(first + index)))
    await Promise.all(held.filter((server) => server !== undefined).map(close))
    if (held.every((server) => server !== undefined)) return first
  }
}

describe('host ports of published ports', () => {
  let dir: string
  let registry: string
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nerd-host-ports-'))
    registry = join(dir, 'ports.json')
  })
  after(() => rm(dir, {recursive: true, force: true}))

  it('refuses a port a host process listens on (tcp and udp), with docker\'s message, and records nothing', async () => {
    const port = await freeRange(1)
    const server = (await listen(port))!
    try {
      // docker's PortBindingReq names the container's address, which attach gives once it knows it.
      const refused = await claimPorts(registry, 'ns/a', {'80/tcp': [{HostIp: '127.0.0.1', HostPort: String(port)}]}).then(() => assert.fail('claimed'), (error: unknown) => error)
      assert.ok(refused instanceof HostPortError)
      assert.equal(refused.message, `failed to bind host port for 127.0.0.1:${port}:80/tcp: address already in use`)
      assert.equal(refused.naming(['fd00::5', '10.4.0.5']), `failed to bind host port for 127.0.0.1:${port}:10.4.0.5:80/tcp: address already in use`)
    } finally {
      await close(server)
    }
    const socket = createSocket('udp4')
    await new Promise<void>((resolve) => socket.bind(port, '127.0.0.1', resolve))
    try {
      await assert.rejects(claimPorts(registry, 'ns/a', {'53/udp': [{HostIp: '', HostPort: String(port)}]}), {
        message: `failed to bind host port for 0.0.0.0:${port}:53/udp: address already in use`,
      })
    } finally {
      await new Promise<void>((resolve) => socket.close(resolve))
    }
    await assert.rejects(readFile(registry), {code: 'ENOENT'})
    // Once the host process is gone the port is free to publish.
    const claimed = await claimPorts(registry, 'ns/a', {'80/tcp': [{HostIp: '127.0.0.1', HostPort: String(port)}]})
    assert.deepEqual(claimed.ports, {'80/tcp': [{HostIp: '127.0.0.1', HostPort: String(port)}]})
    await releasePorts(registry, 'ns/a')
  })

  it('gives a host range the first port no container holds and no host process listens on', async () => {
    const first = await freeRange(3)
    const range = `${first}-${first + 2}`
    await writeFile(registry, JSON.stringify({[`127.0.0.1:${first}/tcp`]: 'ns/other'}))
    const server = (await listen(first + 1))!
    try {
      const claimed = await claimPorts(registry, 'ns/a', {'80/tcp': [{HostIp: '127.0.0.1', HostPort: range}]})
      assert.deepEqual(claimed.mappings, [{hostPort: first + 2, containerPort: 80, protocol: 'tcp', hostIP: '127.0.0.1'}])
      // Of a range, docker names the port that would not bind.
      const refused = await claimPorts(registry, 'ns/b', {'80/tcp': [{HostIp: '127.0.0.1', HostPort: range}]}).then(() => assert.fail('claimed'), (error: unknown) => error)
      assert.ok(refused instanceof HostPortError)
      assert.equal(refused.naming(['10.4.0.6']), `failed to bind host port ${first + 1} for 127.0.0.1:${range}:10.4.0.6:80/tcp: address already in use`)
    } finally {
      await close(server)
    }
    await releasePorts(registry, 'ns/a')
    await writeFile(registry, JSON.stringify({[`0.0.0.0:${first}/tcp`]: 'ns/x', [`0.0.0.0:${first + 1}/tcp`]: 'ns/y', [`0.0.0.0:${first + 2}/tcp`]: 'ns/z'}))
    await assert.rejects(claimPorts(registry, 'ns/b', {'80/tcp': [{HostIp: '127.0.0.1', HostPort: range}]}), {message: 'all ports are allocated'})
    await rm(registry)
  })

  it('refuses a port another container holds, naming the host IP that holds it as docker\'s port allocator does, or that one container asks for twice', async () => {
    const port = await freeRange(1)
    await claimPorts(registry, 'ns/a', {'80/tcp': [{HostIp: '', HostPort: String(port)}]})
    await assert.rejects(claimPorts(registry, 'ns/b', {'80/tcp': [{HostIp: '127.0.0.1', HostPort: String(port)}]}), {
      message: `Bind for 0.0.0.0:${port} failed: port is already allocated`,
    })
    await releasePorts(registry, 'ns/a')
    await writeFile(registry, JSON.stringify({[`127.0.0.1:${port}/tcp`]: 'ns/a'}))
    await assert.rejects(claimPorts(registry, 'ns/b', {'80/tcp': [{HostIp: '', HostPort: String(port)}]}), {
      message: `Bind for 127.0.0.1:${port} failed: port is already allocated`,
    })
    await releasePorts(registry, 'ns/a')
    await assert.rejects(claimPorts(registry, 'ns/b', {'80/tcp': [{HostIp: '', HostPort: String(port)}], '81/tcp': [{HostIp: '', HostPort: String(port)}]}), {
      message: `Bind for 0.0.0.0:${port} failed: port is already allocated`,
    })
  })

  it('takes host port 0 as docker does: a free one the kernel picks; a range from 0 in docker\'s port allocator\'s words', async () => {
    const claimed = await claimPorts(registry, 'ns/a', {'80/tcp': [{HostIp: '127.0.0.1', HostPort: '0'}]})
    const picked = claimed.mappings[0]!.hostPort
    assert.ok(picked > 0)
    assert.deepEqual(claimed.ports, {'80/tcp': [{HostIp: '127.0.0.1', HostPort: String(picked)}]})
    await releasePorts(registry, 'ns/a')
    await assert.rejects(claimPorts(registry, 'ns/a', {'80/tcp': [{HostIp: '127.0.0.1', HostPort: '0-5'}]}), {message: 'invalid port range: 0-5'})
  })
})
