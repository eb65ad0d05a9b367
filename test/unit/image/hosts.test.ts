import assert from 'node:assert/strict'
import {mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {configureEndpoints, findHostDirectory, isLoopbackHost, parseHostsToml} from '../../../src/image/registry/hosts.ts'
import type {AddressLookup} from '../../../src/image/registry/hosts.ts'

describe('parseHostsToml', () => {
  it('lists mirrors in file order, then the server, with containerd\'s defaults', async () => {
    const entries = await parseHostsToml(
      `
server = "https://registry-1.docker.io"

[host."https://mirror-b.example"]
  capabilities = ["pull", "resolve"]

[host."https://mirror-a.example/base"]
  capabilities = ["pull"]
  ca = "mirror.crt"
  skip_verify = true
  [host."https://mirror-a.example/base".header]
    x-custom = "one"
    x-list = ["a", "b"]
`,
      '/etc/containerd/certs.d/docker.io',
    )
    assert.deepEqual(
      entries.map((entry) => [entry.url?.href, entry.capabilities]),
      [
        ['https://mirror-b.example/v2', ['pull', 'resolve']],
        ['https://mirror-a.example/base/v2', ['pull']],
        ['https://registry-1.docker.io/v2', ['pull', 'resolve', 'push']],
      ],
    )
    assert.deepEqual(entries[1].tls, {caFiles: ['/etc/containerd/certs.d/docker.io/mirror.crt'], clientPairs: [], skipVerify: true})
    assert.deepEqual(entries[1].headers, {'x-custom': ['one'], 'x-list': ['a', 'b']})
    assert.deepEqual(entries[2].tls, {caFiles: [], clientPairs: []})
  })

  it('keeps the path with override_path, adds https:// to bare hosts, and reads top-level settings for the server', async () => {
    const entries = await parseHostsToml(
      `
ca = ["/abs/ca.pem", "rel.pem"]
client = [["c.cert", "c.key"], ["both.pem", ""]]
[host."mirror.local:5000/custom/api"]
  override_path = true
`,
      '/hosts/reg',
    )
    assert.equal(entries[0].url?.href, 'https://mirror.local:5000/custom/api')
    assert.equal(entries[1].url, undefined)
    assert.deepEqual(entries[1].tls, {
      caFiles: ['/abs/ca.pem', '/hosts/reg/rel.pem'],
      clientPairs: [
        ['/hosts/reg/c.cert', '/hosts/reg/c.key'],
        ['/hosts/reg/both.pem', undefined],
      ],
    })
  })

  it('does not append /v2 twice', async () => {
    const [entry] = await parseHostsToml('server = "http://127.0.0.1:5000/v2/"', '/x')
    assert.equal(entry.url?.href, 'http://127.0.0.1:5000/v2')
  })

  it('reports what is wrong and where', async () => {
    await assert.rejects(parseHostsToml('server = [', '/d'), {message: /^\/d\/hosts\.toml: invalid TOML: /})
    await assert.rejects(parseHostsToml('capabilities = ["fly"]', '/d'), {message: '/d/hosts.toml: unknown capability "fly"'})
    await assert.rejects(parseHostsToml('skip_verify = "yes"', '/d'), {message: '/d/hosts.toml: "skip_verify" must be true or false'})
    await assert.rejects(parseHostsToml('server = 5', '/d'), {message: '/d/hosts.toml: "server" must be a string'})
  })
})

describe('isLoopbackHost', () => {
  /** A resolver that knows two names; every other one fails, as a name nobody knows does. */
  const lookup: AddressLookup = async (hostname) => {
    const table: Record<string, string[]> = {'box.alias': ['10.0.0.9', '127.0.1.1'], 'v6.alias': ['::1'], 'remote.example': ['192.0.2.1']}
    const addresses = table[hostname]
    if (addresses === undefined) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), {code: 'ENOTFOUND'})
    return addresses.map((address) => ({address}))
  }

  it('knows localhost, 127.0.0.0/8 and ::1 with or without ports, and a name with a loopback address among its own', async () => {
    for (const host of ['localhost', 'LocalHost:5000', '127.0.0.1', '127.1.2.3:443', '[::1]:5000', '::1', '[::ffff:127.0.0.1]:5000', 'box.alias:5000', 'v6.alias']) {
      assert.equal(await isLoopbackHost(host, lookup), true, host)
    }
    for (const host of ['docker.io', '128.0.0.1:5000', 'localhost.example:5000', '10.0.0.1', '[::2]:5000', 'remote.example:5000']) {
      assert.equal(await isLoopbackHost(host, lookup), false, host)
    }
  })
})

describe('configureEndpoints', () => {
  let root: string
  let second: string
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'nerd-hosts-'))
    second = await mkdtemp(join(tmpdir(), 'nerd-hosts-'))
    await mkdir(join(root, 'docker.io'))
    await writeFile(
      join(root, 'docker.io', 'hosts.toml'),
      '[host."http://127.0.0.1:5555"]\ncapabilities = ["pull", "resolve"]\n',
    )
    await mkdir(join(second, 'secure.local:5000'))
    await writeFile(join(second, 'secure.local:5000', 'ca.crt'), 'PEM')
    await writeFile(join(second, 'secure.local:5000', 'client.cert'), 'PEM')
    await writeFile(join(second, 'secure.local:5000', 'client.key'), 'PEM')
    await mkdir(join(second, '127.0.0.1:6000'))
    await writeFile(join(second, '127.0.0.1:6000', 'ca.crt'), 'PEM')
    await mkdir(join(second, 'spelled_7000_'))
    await mkdir(join(second, '_default'))
    await writeFile(join(second, '_default', 'hosts.toml'), 'skip_verify = true\n')
  })
  after(async () => {
    await rm(root, {recursive: true, force: true})
    await rm(second, {recursive: true, force: true})
  })

  it('tries a mirror, then Docker Hub\'s real host', async () => {
    const endpoints = await configureEndpoints('docker.io', {hostsDirs: [root, second]})
    assert.deepEqual(
      endpoints.map((endpoint) => [endpoint.root, [...endpoint.capabilities], endpoint.namespace]),
      [
        ['http://127.0.0.1:5555/v2', ['pull', 'resolve'], 'docker.io'],
        ['https://registry-1.docker.io/v2', ['pull', 'resolve', 'push'], undefined],
      ],
    )
  })

  it('treats loopback registries as insecure (plain HTTP, else unverified HTTPS), verifies elsewhere', async () => {
    for (const domain of ['127.0.0.1:5000', 'localhost:5000']) {
      const [loopback] = await configureEndpoints(domain, {hostsDirs: []})
      assert.equal(loopback.root, `http://${domain}/v2`)
      assert.equal(loopback.tls.skipVerify, true)
      assert.equal(loopback.eitherScheme, true)
    }
    const [remote] = await configureEndpoints('quay.io', {hostsDirs: []})
    assert.equal(remote.root, 'https://quay.io/v2')
    assert.equal(remote.eitherScheme, false)
    assert.deepEqual(remote.tls, {caFiles: [], clientPairs: []})
  })

  it('keeps a loopback registry that has certificates configured unverified, as docker does, asking HTTPS first', async () => {
    const [endpoint] = await configureEndpoints('127.0.0.1:6000', {hostsDirs: [root, second]})
    assert.equal(endpoint.root, 'https://127.0.0.1:6000/v2')
    assert.equal(endpoint.eitherScheme, true)
    assert.equal(endpoint.tls.skipVerify, true)
    assert.deepEqual(endpoint.tls.caFiles, [join(second, '127.0.0.1:6000', 'ca.crt')])
  })

  it('reads docker-style certificate directories', async () => {
    const [endpoint] = await configureEndpoints('secure.local:5000', {hostsDirs: [root, second]})
    assert.equal(endpoint.root, 'https://secure.local:5000/v2')
    assert.deepEqual(endpoint.tls, {
      caFiles: [join(second, 'secure.local:5000', 'ca.crt')],
      clientPairs: [[join(second, 'secure.local:5000', 'client.cert'), join(second, 'secure.local:5000', 'client.key')]],
    })
  })

  it('insecure skips verification and allows a plain-HTTP fallback', async () => {
    const [endpoint] = await configureEndpoints('quay.io', {hostsDirs: [], insecure: true})
    assert.equal(endpoint.root, 'https://quay.io/v2')
    assert.equal(endpoint.tls.skipVerify, true)
    assert.equal(endpoint.eitherScheme, true)
  })

  it('falls back to _default, and finds containerd\'s host_port_ spelling', async () => {
    assert.equal(await findHostDirectory('spelled:7000', [root, second]), join(second, 'spelled_7000_'))
    assert.equal(await findHostDirectory('other.example', [root, second]), join(second, '_default'))
    const [endpoint] = await configureEndpoints('other.example', {hostsDirs: [root, second]})
    assert.equal(endpoint.tls.skipVerify, true)
    assert.equal(await findHostDirectory('other.example', [root]), undefined)
  })
})
