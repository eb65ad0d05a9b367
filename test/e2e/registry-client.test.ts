/**
 * The registry client against real docker-registry processes started on loopback ports: plain,
 * htpasswd (Basic), TLS with a self-signed certificate, and token authentication backed by a token
 * service this test runs. skopeo checks that what nerd pushed is what others read.
 */
import assert from 'node:assert/strict'
import {execFile} from 'node:child_process'
import {createHash, createSign, randomBytes} from 'node:crypto'
import {mkdir, mkdtemp, readFile, rm, stat, writeFile} from 'node:fs/promises'
import {createServer} from 'node:http'
import type {Server} from 'node:http'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {promisify} from 'node:util'
import {gzipSync} from 'node:zlib'
import {after, before, describe, it} from 'node:test'
import {dockerCredentials, getCredentials, isRefusedLogin, login, logout} from '../../src/image/auth/index.ts'
import {parseReference, withDigest} from '../../src/image/reference.ts'
import type {Reference} from '../../src/image/reference.ts'
import {
  MEDIA_TYPE_OCI_CONFIG,
  MEDIA_TYPE_OCI_LAYER_GZIP,
  MEDIA_TYPE_OCI_MANIFEST,
  RegistryClient,
  RegistryError,
  deniedWithoutCredentials,
} from '../../src/image/registry/index.ts'
import type {Descriptor} from '../../src/image/registry/index.ts'
import {startRegistry as startDockerRegistry} from '../helpers/registry.ts'
import type {RunningRegistry} from '../helpers/registry.ts'

const run = promisify(execFile)

const USER = 'nerd-user'
const PASSWORD = 'correct horse battery staple'

let workDir: string
const registries: RunningRegistry[] = []
let tokenServer: Server | undefined

/** Starts docker-registry in `<workDir>/<name>`, with TLS (the test's self-signed certificate) if asked. */
async function startRegistry(name: string, options: {auth?: string; tls?: boolean; clientCas?: string} = {}): Promise<string> {
  const registry = await startDockerRegistry({
    dir: join(workDir, name),
    auth: options.auth,
    tls: options.tls ? {certificate: join(workDir, 'cert.pem'), key: join(workDir, 'key.pem'), clientCas: options.clientCas} : undefined,
  })
  registries.push(registry)
  return registry.host
}

/** A tar archive holding one regular file, built by hand (ustar headers). */
function tarWithFile(name: string, content: Buffer): Buffer {
  const header = Buffer.alloc(512)
  header.write(name, 0, 100)
  header.write('0000644\0', 100)
  header.write('0000000\0', 108)
  header.write('0000000\0', 116)
  header.write(`${content.length.toString(8).padStart(11, '0')}\0`, 124)
  header.write(`${Math.floor(Date.UTC(2024, 0, 1) / 1000).toString(8).padStart(11, '0')}\0`, 136)
  header.write('        ', 148)
  header.write('0', 156)
  header.write('ustar\0', 257)
  header.write('00', 263)
  let checksum = 0
  for (const byte of header) checksum += byte
  header.write(`${checksum.toString(8).padStart(6, '0')}\0 `, 148)
  const padding = Buffer.alloc((512 - (content.length % 512)) % 512)
  return Buffer.concat([header, content, padding, Buffer.alloc(1024)])
}

function sha256(content: Uint8Array): string {
  return `sha256:${createHash('sha256').update(content).digest('hex')}`
}

interface TestImage {
  config: Buffer
  configDescriptor: Descriptor
  layer: Buffer
  layerDescriptor: Descriptor
  manifest: Buffer
  manifestDigest: string
}

function buildImage(text: string): TestImage {
  const tar = tarWithFile('hello.txt', Buffer.from(text))
  const layer = gzipSync(tar)
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: {Cmd: ['/hello']},
      rootfs: {type: 'layers', diff_ids: [sha256(tar)]},
      history: [{created_by: 'nerd e2e test'}],
    }),
  )
  const configDescriptor = {mediaType: MEDIA_TYPE_OCI_CONFIG, digest: sha256(config), size: config.length}
  const layerDescriptor = {mediaType: MEDIA_TYPE_OCI_LAYER_GZIP, digest: sha256(layer), size: layer.length}
  const manifest = Buffer.from(
    JSON.stringify({schemaVersion: 2, mediaType: MEDIA_TYPE_OCI_MANIFEST, config: configDescriptor, layers: [layerDescriptor]}),
  )
  return {config, configDescriptor, layer, layerDescriptor, manifest, manifestDigest: sha256(manifest)}
}

async function pushImage(client: RegistryClient, reference: Reference, image: TestImage): Promise<Descriptor> {
  assert.deepEqual(await client.pushBlob(reference, image.configDescriptor, image.config), {outcome: 'uploaded'})
  assert.deepEqual(await client.pushBlob(reference, image.layerDescriptor, image.layer), {outcome: 'uploaded'})
  return client.pushManifest(reference, {mediaType: MEDIA_TYPE_OCI_MANIFEST, bytes: image.manifest})
}

async function readAll(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Uint8Array[] = []
  for await (const chunk of stream) chunks.push(chunk)
  return Buffer.concat(chunks)
}

before(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'nerd-registry-e2e-'))
  await run('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
    '-addext', 'subjectAltName=IP:127.0.0.1', '-addext', 'basicConstraints=critical,CA:TRUE',
    '-keyout', join(workDir, 'key.pem'), '-out', join(workDir, 'cert.pem'),
  ])
  await run('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=nerd-client',
    '-keyout', join(workDir, 'client.key'), '-out', join(workDir, 'client.cert'),
  ])
})

after(async () => {
  await Promise.all(registries.map((registry) => registry.stop()))
  tokenServer?.close()
  await rm(workDir, {recursive: true, force: true})
})

describe('registry client against docker-registry', () => {
  let host: string
  const client = new RegistryClient({hostsDirs: []})
  const image = buildImage('hello from nerd\n')

  before(async () => {
    host = await startRegistry('plain')
  })

  it('pushes an image, resolves it and fetches it back', async () => {
    const reference = parseReference(`${host}/e2e/app:v1`)
    const pushed = await pushImage(client, reference, image)
    assert.deepEqual(pushed, {mediaType: MEDIA_TYPE_OCI_MANIFEST, digest: image.manifestDigest, size: image.manifest.length})

    const resolved = await client.resolve(reference)
    assert.deepEqual(resolved, pushed)
    const manifest = await client.fetchManifest(reference, resolved)
    assert.ok(Buffer.from(manifest.bytes).equals(image.manifest))
    assert.ok((await readAll(await client.fetchBlob(reference, image.configDescriptor))).equals(image.config))
    assert.ok((await readAll(await client.fetchBlob(reference, image.layerDescriptor))).equals(image.layer))
    assert.deepEqual(await client.listTags(reference), ['v1'])
    assert.deepEqual(await client.pushBlob(reference, image.layerDescriptor, image.layer), {outcome: 'exists'})
  })

  it('agrees with skopeo on the digest of what it pushed', async () => {
    const {stdout} = await run('skopeo', ['inspect', '--tls-verify=false', `docker://${host}/e2e/app:v1`])
    const inspected = JSON.parse(stdout) as {Digest: string; Layers: string[]; Architecture: string}
    assert.equal(inspected.Digest, image.manifestDigest)
    assert.deepEqual(inspected.Layers, [image.layerDescriptor.digest])
    assert.equal(inspected.Architecture, 'amd64')
  })

  it('uploads in chunks and resumes a blob fetch from an offset', async () => {
    const reference = parseReference(`${host}/e2e/big:v1`)
    const blob = randomBytes(3 * 1024 * 1024 + 12345)
    const descriptor = {mediaType: 'application/octet-stream', digest: sha256(blob), size: blob.length}
    async function* slices(): AsyncIterable<Uint8Array> {
      for (let offset = 0; offset < blob.length; offset += 100_000) yield blob.subarray(offset, offset + 100_000)
    }
    assert.deepEqual(await client.pushBlob(reference, descriptor, slices, {chunkSize: 1024 * 1024}), {outcome: 'uploaded'})

    const offset = 1_500_000
    const hash = createHash('sha256').update(blob.subarray(0, offset))
    const tail = await readAll(await client.fetchBlob(reference, descriptor, {offset, hash}))
    assert.ok(tail.equals(blob.subarray(offset)))
    assert.ok((await readAll(await client.fetchBlob(reference, descriptor))).equals(blob))
  })

  it('refuses to push a blob whose content does not match its descriptor', async () => {
    const reference = parseReference(`${host}/e2e/bad:v1`)
    const content = Buffer.from('not what the descriptor says')
    const descriptor = {mediaType: 'application/octet-stream', digest: sha256(Buffer.from('other')), size: content.length}
    await assert.rejects(client.pushBlob(reference, descriptor, content), (error: unknown) => {
      assert.ok(error instanceof RegistryError)
      assert.match(error.message, new RegExp(`^failed to push blob ${descriptor.digest} to ${host}/e2e/bad: digest invalid`))
      return true
    })
  })

  it('mounts a blob from another repository instead of uploading it', async () => {
    const reference = parseReference(`${host}/e2e/copy:v1`)
    assert.deepEqual(await client.pushBlob(reference, image.layerDescriptor, image.layer, {mountFrom: ['e2e/app']}), {outcome: 'mounted', from: 'e2e/app'})
    assert.deepEqual(await client.pushBlob(reference, image.configDescriptor, image.config, {mountFrom: ['e2e/nosuch']}), {outcome: 'uploaded'})
    assert.ok((await readAll(await client.fetchBlob(reference, image.layerDescriptor))).equals(image.layer))
  })

  it('pushes a manifest by digest and resolves a pinned reference', async () => {
    const reference = parseReference(`${host}/e2e/app`, {defaultTag: false})
    const descriptor = await client.pushManifest(reference, {mediaType: MEDIA_TYPE_OCI_MANIFEST, bytes: image.manifest})
    assert.equal(descriptor.digest, image.manifestDigest)
    assert.deepEqual(await client.resolve(withDigest(reference, image.manifestDigest)), descriptor)
    assert.deepEqual(await client.listTags(reference), ['v1'])
  })

  it('words unknown tags and repositories as docker does', async () => {
    await assert.rejects(client.resolve(parseReference(`${host}/e2e/app:nosuch`)), (error: unknown) => {
      assert.ok(error instanceof RegistryError)
      assert.equal(error.kind, 'not-found')
      assert.equal(error.message, `manifest for ${host}/e2e/app:nosuch not found: manifest unknown: manifest unknown`)
      return true
    })
    await assert.rejects(client.resolve(parseReference(`${host}/e2e/nosuch`)), {kind: 'not-found'})
    await assert.rejects(client.listTags(parseReference(`${host}/e2e/nosuch`)), {
      message: `repository ${host}/e2e/nosuch not found: name unknown: repository name not known to registry`,
    })
  })

  it('reports a mirror\'s "not found" over an unreachable upstream, as containerd\'s resolver ranks them', async () => {
    const hostsDir = join(workDir, 'mirror.d')
    await mkdir(join(hostsDir, 'offline.example'), {recursive: true})
    await writeFile(join(hostsDir, 'offline.example', 'hosts.toml'), `server = "http://127.0.0.1:1"\n[host."http://${host}"]\n  capabilities = ["pull", "resolve"]\n`)
    const mirrored = new RegistryClient({hostsDirs: [hostsDir]})
    assert.equal((await mirrored.resolve(parseReference('offline.example/e2e/app:v1'))).digest, image.manifestDigest)
    await assert.rejects(mirrored.resolve(parseReference('offline.example/e2e/app:nosuch')), {kind: 'not-found'})
  })
})

describe('htpasswd registry (Basic authentication) and login', () => {
  let host: string
  let configDir: string

  before(async () => {
    const {stdout} = await run('htpasswd', ['-Bbn', USER, PASSWORD])
    await writeFile(join(workDir, 'htpasswd'), stdout)
    host = await startRegistry('basic', {auth: `  htpasswd:\n    realm: nerd-test\n    path: ${join(workDir, 'htpasswd')}`})
    configDir = join(workDir, 'docker-config-basic')
  })

  it('refuses anonymous access', async () => {
    const anonymous = new RegistryClient({hostsDirs: []})
    await assert.rejects(anonymous.resolve(parseReference(`${host}/private/app`)), (error: unknown) => {
      assert.ok(error instanceof RegistryError)
      assert.equal(error.kind, 'unauthorized')
      assert.equal(error.message, 'authorization failed: no basic auth credentials')
      return true
    })
  })

  it('login refuses a wrong password and stores nothing', async () => {
    // As docker's: the status uninterpreted, a failed attempt rather than a refusal.
    await assert.rejects(login(host, {username: USER, password: 'wrong'}, {configDir, hostsDirs: []}), (error: unknown) => {
      assert.equal((error as Error).message, `login attempt to http://${host}/v2/ failed with status: 401 Unauthorized`)
      assert.equal(isRefusedLogin(error), false)
      return true
    })
    assert.equal(await getCredentials(host, {configDir}), undefined)
  })

  it('login stores accepted credentials, which then push and pull; logout forgets them', async () => {
    assert.deepEqual(await login(host, {username: USER, password: PASSWORD}, {configDir, hostsDirs: []}), {serverKey: host, identityToken: false, plaintextFile: join(configDir, 'config.json')})
    assert.equal((await stat(join(configDir, 'config.json'))).mode & 0o777, 0o600)
    const stored = JSON.parse(await readFile(join(configDir, 'config.json'), 'utf8'))
    assert.equal(stored.auths[host].auth, Buffer.from(`${USER}:${PASSWORD}`).toString('base64'))

    const client = new RegistryClient({hostsDirs: [], credentials: dockerCredentials({configDir})})
    const reference = parseReference(`${host}/private/app:v1`)
    const image = buildImage('private\n')
    const pushed = await pushImage(client, reference, image)
    assert.deepEqual(await client.resolve(reference), pushed)

    assert.deepEqual(await logout(host, {configDir}), {key: host, failures: {}, allFailed: false})
    // Nothing left to erase is no failure (config.json's auths), as docker's logout.
    assert.deepEqual(await logout(host, {configDir}), {key: host, failures: {}, allFailed: false})
    const forgotten = new RegistryClient({hostsDirs: [], credentials: dockerCredentials({configDir})})
    await assert.rejects(forgotten.resolve(reference), {kind: 'unauthorized'})
  })
})

describe('TLS registry with a self-signed certificate', () => {
  let host: string
  let hostsDir: string
  /** Names the server in hosts.toml: a secure registry, whatever its address. */
  let namedDir: string

  before(async () => {
    host = await startRegistry('tls', {tls: true})
    hostsDir = join(workDir, 'certs.d')
    await mkdir(join(hostsDir, host), {recursive: true})
    await writeFile(join(hostsDir, host, 'ca.crt'), await readFile(join(workDir, 'cert.pem')))
    await writeFile(join(hostsDir, host, 'hosts.toml'), `server = "https://${host}"\nca = "ca.crt"\n`)
    namedDir = join(workDir, 'named.d')
    await mkdir(join(namedDir, host), {recursive: true})
    await writeFile(join(namedDir, host, 'hosts.toml'), `server = "https://${host}"\n`)
  })

  it('speaks unverified HTTPS to a loopback registry without certificates configured, as docker does', async () => {
    const client = new RegistryClient({hostsDirs: []})
    const reference = parseReference(`${host}/tls/unverified:v1`)
    const image = buildImage('unverified TLS\n')
    // Requests made while the first one finds out the scheme wait for it.
    const blobs = await Promise.all([client.pushBlob(reference, image.configDescriptor, image.config), client.pushBlob(reference, image.layerDescriptor, image.layer)])
    assert.deepEqual(blobs, [{outcome: 'uploaded'}, {outcome: 'uploaded'}])
    const pushed = await client.pushManifest(reference, {mediaType: MEDIA_TYPE_OCI_MANIFEST, bytes: image.manifest})
    assert.deepEqual(await new RegistryClient({hostsDirs: []}).resolve(reference), pushed)
  })

  it('fails verification of a server named in hosts.toml when nothing vouches for its certificate', async () => {
    const client = new RegistryClient({hostsDirs: [namedDir]})
    await assert.rejects(client.listTags(parseReference(`${host}/tls/app`)), (error: unknown) => {
      assert.ok(error instanceof RegistryError)
      assert.equal(error.kind, 'unreachable')
      assert.match(error.message, new RegExp(`^registry ${host}: tls: failed to verify certificate: x509: certificate signed by unknown authority \\(self-signed certificate`))
      return true
    })
  })

  it('does not verify a loopback registry whose hosts directory holds a CA that did not sign it, as docker', async () => {
    const otherCa = join(workDir, 'other-ca.d')
    await mkdir(join(otherCa, host), {recursive: true})
    await writeFile(join(otherCa, host, 'ca.crt'), await readFile(join(workDir, 'client.cert')))
    const client = new RegistryClient({hostsDirs: [otherCa]})
    assert.deepEqual(await client.listTags(parseReference(`${host}/tls/unverified`)), ['v1'])
  })

  it('trusts the CA named in hosts.toml', async () => {
    const client = new RegistryClient({hostsDirs: [hostsDir]})
    const reference = parseReference(`${host}/tls/app:v1`)
    const image = buildImage('over TLS\n')
    const pushed = await pushImage(client, reference, image)
    assert.deepEqual(await client.resolve(reference), pushed)
  })

  it('skips verification for an insecure registry', async () => {
    const client = new RegistryClient({hostsDirs: [namedDir], insecure: true})
    assert.deepEqual(await client.listTags(parseReference(`${host}/tls/app`)), ['v1'])
  })

  it('skips verification when hosts.toml says skip_verify', async () => {
    const explicit = join(workDir, 'skip.d')
    await mkdir(join(explicit, host), {recursive: true})
    await writeFile(join(explicit, host, 'hosts.toml'), `server = "https://${host}"\nskip_verify = true\n`)
    const client = new RegistryClient({hostsDirs: [explicit]})
    assert.deepEqual(await client.listTags(parseReference(`${host}/tls/app`)), ['v1'])
  })
})

describe('TLS registry requiring client certificates', () => {
  it('presents the client certificate pair from the hosts directory', async () => {
    const host = await startRegistry('mtls', {tls: true, clientCas: join(workDir, 'client.cert')})
    const withCertificate = join(workDir, 'mtls.d')
    await mkdir(join(withCertificate, host), {recursive: true})
    await writeFile(join(withCertificate, host, 'ca.crt'), await readFile(join(workDir, 'cert.pem')))
    await writeFile(join(withCertificate, host, 'client.cert'), await readFile(join(workDir, 'client.cert')))
    await writeFile(join(withCertificate, host, 'client.key'), await readFile(join(workDir, 'client.key')))
    const client = new RegistryClient({hostsDirs: [withCertificate]})
    const reference = parseReference(`${host}/mtls/app:v1`)
    const pushed = await pushImage(client, reference, buildImage('mutual TLS\n'))
    assert.deepEqual(await client.resolve(reference), pushed)

    // docker's recipe for a loopback registry: the client pair alone, the server not verified.
    const pairOnly = join(workDir, 'pair-only.d')
    await mkdir(join(pairOnly, host), {recursive: true})
    await writeFile(join(pairOnly, host, 'client.cert'), await readFile(join(workDir, 'client.cert')))
    await writeFile(join(pairOnly, host, 'client.key'), await readFile(join(workDir, 'client.key')))
    assert.deepEqual(await new RegistryClient({hostsDirs: [pairOnly]}).resolve(reference), pushed)

    const withoutCertificate = join(workDir, 'no-client.d')
    await mkdir(join(withoutCertificate, host), {recursive: true})
    await writeFile(join(withoutCertificate, host, 'ca.crt'), await readFile(join(workDir, 'cert.pem')))
    await assert.rejects(new RegistryClient({hostsDirs: [withoutCertificate]}).resolve(reference), {kind: 'unreachable'})
    // Without a hosts directory plain HTTP is tried first: the TLS server's 400 to it is not the answer, its handshake refusal is.
    await assert.rejects(new RegistryClient({hostsDirs: []}).resolve(reference), {
      kind: 'unreachable',
      message: new RegExp(`^registry ${host}: remote error: tls: (bad certificate|certificate required) \\(a registry that wants a client certificate takes it as client\\.cert and client\\.key under the hosts directory\\)$`),
    })
  })

  it('refuses certificate files it cannot use before any request, in containerd\'s words', async () => {
    const unusable = join(workDir, 'unusable.d')
    const host = '127.0.0.1:1'
    await mkdir(join(unusable, host), {recursive: true})
    await writeFile(join(unusable, host, 'client.cert'), await readFile(join(workDir, 'client.cert')))
    await assert.rejects(new RegistryClient({hostsDirs: [unusable]}).listTags(parseReference(`${host}/mtls/app`)), {
      message: 'failed to load X509 key pair: tls: found a certificate rather than a key in the PEM for the private key',
    })
    await writeFile(join(unusable, host, 'client.key'), await readFile(join(workDir, 'client.key')))
    await writeFile(join(unusable, host, 'ca.crt'), 'garbage\n')
    await assert.rejects(new RegistryClient({hostsDirs: [unusable]}).listTags(parseReference(`${host}/mtls/app`)), {message: `unable to load CA cert "${join(unusable, host, 'ca.crt')}"`})
  })
})

describe('token-authenticated registry (Bearer)', () => {
  let host: string
  let realm: string
  const grants: string[][] = []

  /** A token service in the shape of docker's: Basic credentials in, a signed JWT with the granted access out. */
  async function startTokenService(service: string, issuer: string): Promise<string> {
    const key = await readFile(join(workDir, 'key.pem'), 'utf8')
    const certificate = (await readFile(join(workDir, 'cert.pem'), 'utf8')).replace(/-----[^-]+-----|\s/g, '')
    const base64url = (value: object | Buffer): string =>
      (Buffer.isBuffer(value) ? value : Buffer.from(JSON.stringify(value))).toString('base64url')
    tokenServer = createServer((request, response) => {
      const url = new URL(request.url ?? '/', 'http://token')
      const authorization = request.headers.authorization
      const authenticated = authorization === `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`
      if (authorization !== undefined && !authenticated) {
        response.writeHead(401, {'content-type': 'application/json'}).end(JSON.stringify({details: 'incorrect username or password'}))
        return
      }
      const access = url.searchParams.getAll('scope').map((scope) => {
        const [type, name, actions] = scope.split(':')
        const allowed = actions.split(',').filter((action) => (action === 'pull' && !name.startsWith('private/')) || authenticated)
        return {type, name, actions: allowed}
      })
      grants.push(access.map((entry) => `${entry.name}:${entry.actions.join(',')}`))
      const now = Math.floor(Date.now() / 1000)
      const header = base64url({typ: 'JWT', alg: 'RS256', x5c: [certificate]})
      const claims = base64url({iss: issuer, sub: authenticated ? USER : '', aud: service, exp: now + 300, nbf: now - 10, iat: now, jti: randomBytes(8).toString('hex'), access})
      const signature = createSign('RSA-SHA256').update(`${header}.${claims}`).sign(key)
      response.setHeader('content-type', 'application/json')
      response.end(JSON.stringify({token: `${header}.${claims}.${base64url(signature)}`, expires_in: 300}))
    })
    await new Promise<void>((resolve) => tokenServer?.listen(0, '127.0.0.1', resolve))
    const address = tokenServer.address()
    assert.ok(address !== null && typeof address === 'object')
    return `http://127.0.0.1:${address.port}/token`
  }

  before(async () => {
    realm = await startTokenService('nerd-e2e', 'nerd-e2e-issuer')
    host = await startRegistry('token', {
      auth: ['  token:', `    realm: ${realm}`, '    service: nerd-e2e', '    issuer: nerd-e2e-issuer', `    rootcertbundle: ${join(workDir, 'cert.pem')}`].join('\n'),
    })
  })

  it('pushes with a pull,push token after login and mounts with the source repository\'s pull scope', async () => {
    const configDir = join(workDir, 'docker-config-token')
    assert.deepEqual(await login(host, {username: USER, password: PASSWORD}, {configDir, hostsDirs: []}), {serverKey: host, identityToken: false, plaintextFile: join(configDir, 'config.json')})
    const client = new RegistryClient({hostsDirs: [], credentials: dockerCredentials({configDir})})
    const reference = parseReference(`${host}/team/app:v1`)
    const image = buildImage('token protected\n')
    const pushed = await pushImage(client, reference, image)
    assert.deepEqual(await client.resolve(reference), pushed)
    assert.deepEqual(grants.at(-1), ['team/app:pull'])

    const copy = parseReference(`${host}/team/copy:v1`)
    assert.deepEqual(await client.pushBlob(copy, image.layerDescriptor, image.layer, {mountFrom: ['team/app']}), {outcome: 'mounted', from: 'team/app'})
    assert.ok(grants.some((granted) => granted.join(' ') === 'team/copy:pull,push team/app:pull'))
  })

  it('pulls anonymously but cannot push without credentials, in containerd\'s words (an existence check refused too)', async () => {
    const anonymous = new RegistryClient({hostsDirs: []})
    const reference = parseReference(`${host}/team/app:v1`)
    assert.equal((await anonymous.resolve(reference)).mediaType, MEDIA_TYPE_OCI_MANIFEST)
    const image = buildImage('anonymous\n')
    // team/: the blob check is allowed, the upload refused; private/: the check is refused as well.
    for (const repository of ['team/other', 'private/app']) {
      await assert.rejects(anonymous.pushBlob(parseReference(`${host}/${repository}:v1`), image.configDescriptor, image.config), (error: unknown) => {
        assert.ok(error instanceof RegistryError)
        assert.equal(error.kind, 'unauthorized')
        assert.equal((deniedWithoutCredentials(error, 'push access denied') as Error).message,
          'push access denied, repository does not exist or may require authorization: server message: insufficient_scope: authorization failed')
        return true
      })
    }
  })

  it('login with a wrong password reports the token service\'s refusal', async () => {
    // As docker's: through Go's HTTP client, and a refusal (login then says stored credentials are invalid).
    await assert.rejects(login(host, {username: USER, password: 'nope'}, {configDir: join(workDir, 'unused'), hostsDirs: []}), (error: unknown) => {
      assert.equal((error as Error).message, `Get "http://${host}/v2/": unauthorized: incorrect username or password`)
      assert.equal(isRefusedLogin(error), true)
      return true
    })
  })
})
