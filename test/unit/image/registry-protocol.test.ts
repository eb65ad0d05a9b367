/**
 * The registry client against small loopback HTTP servers that misbehave in ways a real registry
 * rarely does on demand: redirects to other hosts, ignored Range headers, connections cut mid-blob,
 * corrupt content, token services.
 */
import assert from 'node:assert/strict'
import {createHash} from 'node:crypto'
import {mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises'
import {createServer} from 'node:http'
import type {IncomingMessage, ServerResponse} from 'node:http'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, describe, it} from 'node:test'
import {parseReference} from '../../../src/image/reference.ts'
import {RegistryClient, RegistryError} from '../../../src/image/registry/index.ts'
import type {Descriptor} from '../../../src/image/registry/index.ts'

type Handler = (request: IncomingMessage, response: ServerResponse) => void

const servers: Array<ReturnType<typeof createServer>> = []

async function serve(handler: Handler): Promise<string> {
  const server = createServer(handler)
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  assert.ok(address !== null && typeof address === 'object')
  return `127.0.0.1:${address.port}`
}

after(() => {
  for (const server of servers) server.close()
})

const BLOB = Buffer.from(Array.from({length: 200_000}, (_, index) => (index * 7) % 251))
const BLOB_DIGEST = `sha256:${createHash('sha256').update(BLOB).digest('hex')}`
const BLOB_DESCRIPTOR: Descriptor = {mediaType: 'application/octet-stream', digest: BLOB_DIGEST, size: BLOB.length}

async function readAll(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Uint8Array[] = []
  for await (const chunk of stream) chunks.push(chunk)
  return Buffer.concat(chunks)
}

function rangeStart(request: IncomingMessage): number | undefined {
  const match = /^bytes=(\d+)-$/.exec(request.headers.range ?? '')
  return match === null ? undefined : Number(match[1])
}

const client = new RegistryClient({hostsDirs: []})

describe('blob fetching', () => {
  it('drops Authorization on a redirect to another host and keeps it on the same host', async () => {
    const seen: Array<string | undefined> = []
    const storage = await serve((request, response) => {
      seen.push(request.headers.authorization)
      response.end(BLOB)
    })
    const registry = await serve((request, response) => {
      if (request.headers.authorization !== `Basic ${Buffer.from('user:pw').toString('base64')}`) {
        response.writeHead(401, {'www-authenticate': 'Basic realm="test"'}).end()
      } else if (request.url?.startsWith('/v2/app/blobs/')) {
        response.writeHead(307, {location: '/same-host'}).end()
      } else {
        response.writeHead(302, {location: `http://${storage}/signed?x=1`}).end()
      }
    })
    const authenticated = new RegistryClient({hostsDirs: [], credentials: async (host) => (host === registry ? {username: 'user', password: 'pw'} : undefined)})
    const blob = await readAll(await authenticated.fetchBlob(parseReference(`${registry}/app`), BLOB_DESCRIPTOR))
    assert.ok(blob.equals(BLOB))
    assert.deepEqual(seen, [undefined])
  })

  it('resumes from an offset with a Range request and verifies the whole digest', async () => {
    const ranges: Array<string | undefined> = []
    const registry = await serve((request, response) => {
      ranges.push(request.headers.range)
      const start = rangeStart(request) ?? 0
      response.writeHead(206, {'content-range': `bytes ${start}-${BLOB.length - 1}/${BLOB.length}`, 'content-length': BLOB.length - start})
      response.end(BLOB.subarray(start))
    })
    const hash = createHash('sha256').update(BLOB.subarray(0, 1234))
    const tail = await readAll(await client.fetchBlob(parseReference(`${registry}/app`), BLOB_DESCRIPTOR, {offset: 1234, hash}))
    assert.ok(tail.equals(BLOB.subarray(1234)))
    assert.deepEqual(ranges, ['bytes=1234-'])
  })

  it('skips the bytes it has when the server ignores Range and answers 200', async () => {
    const registry = await serve((_request, response) => response.end(BLOB))
    const hash = createHash('sha256').update(BLOB.subarray(0, 70_000))
    const tail = await readAll(await client.fetchBlob(parseReference(`${registry}/app`), BLOB_DESCRIPTOR, {offset: 70_000, hash}))
    assert.ok(tail.equals(BLOB.subarray(70_000)))
  })

  it('continues where a broken connection stopped', async () => {
    const ranges: Array<string | undefined> = []
    const registry = await serve((request, response) => {
      ranges.push(request.headers.range)
      const start = rangeStart(request)
      if (start === undefined) {
        response.writeHead(200, {'content-length': BLOB.length})
        response.write(BLOB.subarray(0, 50_000), () => response.socket?.destroy())
        return
      }
      response.writeHead(206, {'content-range': `bytes ${start}-${BLOB.length - 1}/${BLOB.length}`})
      response.end(BLOB.subarray(start))
    })
    const blob = await readAll(await client.fetchBlob(parseReference(`${registry}/app`), BLOB_DESCRIPTOR))
    assert.ok(blob.equals(BLOB))
    assert.equal(ranges.length, 2)
    assert.equal(ranges[0], undefined)
    assert.match(ranges[1] ?? '', /^bytes=\d+-$/)
    assert.ok((rangeStart({headers: {range: ranges[1]}} as IncomingMessage) ?? 0) >= 1)
  })

  it('fails the stream on content that does not match the digest', async () => {
    const corrupt = Buffer.from(BLOB)
    corrupt[100] ^= 0xff
    const registry = await serve((_request, response) => response.end(corrupt))
    await assert.rejects(readAll(await client.fetchBlob(parseReference(`${registry}/app`), BLOB_DESCRIPTOR)), (error: unknown) => {
      assert.ok(error instanceof RegistryError)
      assert.equal(error.kind, 'invalid')
      assert.match(error.message, new RegExp(`^blob ${BLOB_DIGEST}: digest mismatch: got sha256:[0-9a-f]{64}$`))
      return true
    })
  })

  it('fails the stream on more bytes than the descriptor says', async () => {
    const registry = await serve((_request, response) => response.end(Buffer.concat([BLOB, Buffer.from('extra')])))
    await assert.rejects(readAll(await client.fetchBlob(parseReference(`${registry}/app`), BLOB_DESCRIPTOR)), {
      message: `blob ${BLOB_DIGEST}: more bytes than its descriptor's size ${BLOB.length}`,
    })
  })

  it('says which blob is missing where', async () => {
    const registry = await serve((_request, response) => {
      response.writeHead(404, {'content-type': 'application/json'})
      response.end(JSON.stringify({errors: [{code: 'BLOB_UNKNOWN', message: 'blob unknown to registry', detail: BLOB_DIGEST}]}))
    })
    await assert.rejects(client.fetchBlob(parseReference(`${registry}/app`), BLOB_DESCRIPTOR), {
      message: `blob ${BLOB_DIGEST} not found in ${registry}/app: blob unknown: blob unknown to registry`,
    })
  })
})

describe('bearer tokens', () => {
  it('fetches a token with service, scope and basic credentials, caches it per scope, and accepts access_token', async () => {
    const tokenRequests: URL[] = []
    const tokenAuthorizations: Array<string | undefined> = []
    const tokens = await serve((request, response) => {
      const url = new URL(request.url ?? '/', 'http://x')
      tokenRequests.push(url)
      tokenAuthorizations.push(request.headers.authorization)
      response.setHeader('content-type', 'application/json')
      response.end(JSON.stringify({access_token: `token-for-${url.searchParams.getAll('scope').join('+')}`, expires_in: 300}))
    })
    const registry = await serve((request, response) => {
      const repository = /^\/v2\/(.+)\/blobs\//.exec(request.url ?? '')?.[1]
      if (request.headers.authorization !== `Bearer token-for-repository:${repository}:pull`) {
        response.writeHead(401, {
          'www-authenticate': `Bearer realm="http://${tokens}/token",service="test-registry",scope="repository:${repository}:pull"`,
        })
        response.end(JSON.stringify({errors: [{code: 'UNAUTHORIZED', message: 'authentication required'}]}))
        return
      }
      response.end(BLOB)
    })
    const authenticated = new RegistryClient({hostsDirs: [], credentials: async () => ({username: 'u', password: 'p'})})
    for (const repository of ['one/app', 'one/app', 'two/app']) {
      const blob = await readAll(await authenticated.fetchBlob(parseReference(`${registry}/${repository}`), BLOB_DESCRIPTOR))
      assert.ok(blob.equals(BLOB))
    }
    assert.deepEqual(
      tokenRequests.map((url) => [url.pathname, url.searchParams.get('service'), url.searchParams.getAll('scope'), url.searchParams.get('account')]),
      [
        ['/token', 'test-registry', ['repository:one/app:pull'], 'u'],
        ['/token', 'test-registry', ['repository:two/app:pull'], 'u'],
      ],
    )
    assert.deepEqual(tokenAuthorizations, [`Basic ${Buffer.from('u:p').toString('base64')}`, `Basic ${Buffer.from('u:p').toString('base64')}`])
  })

  it('fetches a new token once the cached one expires', async () => {
    let issued = 0
    const tokens = await serve((_request, response) => {
      issued++
      response.end(JSON.stringify({token: `t${issued}`, expires_in: 1}))
    })
    const registry = await serve((request, response) => {
      if (request.headers.authorization !== `Bearer t${issued}`) {
        response.writeHead(401, {'www-authenticate': `Bearer realm="http://${tokens}/token",service="s"`}).end()
        return
      }
      response.end(BLOB)
    })
    const reference = parseReference(`${registry}/app`)
    await readAll(await client.fetchBlob(reference, BLOB_DESCRIPTOR))
    await readAll(await client.fetchBlob(reference, BLOB_DESCRIPTOR))
    assert.equal(issued, 1)
    await new Promise((resolve) => setTimeout(resolve, 600))
    await readAll(await client.fetchBlob(reference, BLOB_DESCRIPTOR))
    assert.equal(issued, 2)
  })

  it('reports refused credentials as unauthorized with the token service\'s words', async () => {
    const tokens = await serve((_request, response) => {
      response.writeHead(401, {'content-type': 'application/json'}).end(JSON.stringify({details: 'incorrect username or password'}))
    })
    const registry = await serve((_request, response) => {
      response.writeHead(401, {'www-authenticate': `Bearer realm="http://${tokens}/token",service="s"`}).end()
    })
    const authenticated = new RegistryClient({hostsDirs: [], credentials: async () => ({username: 'u', password: 'wrong'})})
    await assert.rejects(authenticated.resolve(parseReference(`${registry}/app`)), (error: unknown) => {
      assert.ok(error instanceof RegistryError)
      assert.equal(error.kind, 'unauthorized')
      assert.equal(error.message, 'unauthorized: incorrect username or password')
      return true
    })
  })
})

describe('manifests', () => {
  const manifest = Buffer.from(JSON.stringify({schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: {}, layers: []}))
  const manifestDigest = `sha256:${createHash('sha256').update(manifest).digest('hex')}`

  it('resolves with a GET and hashes the body when HEAD gives no digest', async () => {
    const methods: string[] = []
    const registry = await serve((request, response) => {
      methods.push(`${request.method} ${request.headers.accept?.split(',')[0]}`)
      response.writeHead(200, {'content-type': 'application/json', 'content-length': manifest.length})
      response.end(request.method === 'HEAD' ? undefined : manifest)
    })
    const descriptor = await client.resolve(parseReference(`${registry}/app:v1`))
    assert.deepEqual(descriptor, {mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: manifestDigest, size: manifest.length})
    assert.deepEqual(methods, ['HEAD application/vnd.docker.distribution.manifest.v2+json', 'GET application/vnd.docker.distribution.manifest.v2+json'])
    // The body of that GET serves the fetch that follows: no third request.
    const fetched = await client.fetchManifest(parseReference(`${registry}/app:v1`), descriptor)
    assert.ok(Buffer.from(fetched.bytes).equals(manifest))
    assert.equal(methods.length, 2)
  })

  it('refuses schema 1 manifests in docker 28\'s words, naming the image normalised', async () => {
    const registry = await serve((_request, response) => {
      response.writeHead(200, {
        'content-type': 'application/vnd.docker.distribution.manifest.v1+prettyjws',
        'docker-content-digest': manifestDigest,
        'content-length': 100,
      })
      response.end()
    })
    await assert.rejects(client.resolve(parseReference(`${registry}/app`)), {
      message: `Docker Image Format v1 and Docker Image manifest version 2, schema 1 support has been removed. Suggest the author of ${registry}/app:latest to upgrade the image to the OCI Format or Docker Image manifest v2, schema 2. More information at https://docs.docker.com/go/deprecated-image-specs/`,
    })
  })

  it('rejects a manifest whose bytes do not match the digest asked for', async () => {
    const registry = await serve((_request, response) => {
      response.writeHead(200, {'content-type': 'application/vnd.oci.image.manifest.v1+json'}).end(Buffer.concat([manifest, Buffer.from(' ')]))
    })
    const pinned = parseReference(`${registry}/app@${manifestDigest}`)
    await assert.rejects(client.resolve(pinned), {message: new RegExp(`^manifest ${registry}/app@${manifestDigest}: digest mismatch`)})
  })

  it('names the host it cannot reach in one line', async () => {
    const registry = await serve(() => {})
    servers.at(-1)?.close()
    await new Promise((resolve) => setTimeout(resolve, 20))
    await assert.rejects(client.resolve(parseReference(`${registry}/app`)), (error: unknown) => {
      assert.ok(error instanceof RegistryError)
      assert.equal(error.kind, 'unreachable')
      assert.equal(error.message, `failed to reach registry ${registry} (http://${registry}/v2/app/manifests/latest): connect ECONNREFUSED ${registry}`)
      return true
    })
  })
})

describe('endpoints', () => {
  it('tries a mirror first and the server when the mirror lacks the content, naming the domain with ns=', async () => {
    const manifest = Buffer.from('{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}')
    const mirrorRequests: string[] = []
    const mirror = await serve((request, response) => {
      mirrorRequests.push(`${request.method} ${request.url}`)
      response.writeHead(404).end()
    })
    const server = await serve((request, response) => {
      response.writeHead(200, {
        'content-type': 'application/vnd.oci.image.index.v1+json',
        'docker-content-digest': `sha256:${createHash('sha256').update(manifest).digest('hex')}`,
        'content-length': manifest.length,
      })
      response.end(request.method === 'HEAD' ? undefined : manifest)
    })
    const hostsDir = await mkdtemp(join(tmpdir(), 'nerd-mirror-'))
    try {
      await mkdir(join(hostsDir, server))
      await writeFile(join(hostsDir, server, 'hosts.toml'), `server = "http://${server}"\n[host."http://${mirror}"]\ncapabilities = ["pull", "resolve"]\n`)
      const mirrored = new RegistryClient({hostsDirs: [hostsDir]})
      const descriptor = await mirrored.resolve(parseReference(`${server}/app:v1`))
      assert.equal(descriptor.mediaType, 'application/vnd.oci.image.index.v1+json')
      assert.deepEqual(mirrorRequests, [`HEAD /v2/app/manifests/v1?ns=${encodeURIComponent(server)}`, `GET /v2/app/manifests/v1?ns=${encodeURIComponent(server)}`])
    } finally {
      await rm(hostsDir, {recursive: true, force: true})
    }
  })

  it('falls back to plain HTTP for an insecure registry configured as HTTPS', async () => {
    const registry = await serve((request, response) => {
      if (request.url === '/v2/app/tags/list') response.end(JSON.stringify({name: 'app', tags: ['a', 'b']}))
      else response.writeHead(404).end()
    })
    const hostsDir = await mkdtemp(join(tmpdir(), 'nerd-insecure-'))
    try {
      await mkdir(join(hostsDir, registry))
      await writeFile(join(hostsDir, registry, 'hosts.toml'), `server = "https://${registry}"\n`)
      const secure = new RegistryClient({hostsDirs: [hostsDir]})
      await assert.rejects(secure.listTags(parseReference(`${registry}/app`)), {message: /server gave HTTP response to HTTPS client/})
      const insecure = new RegistryClient({hostsDirs: [hostsDir], insecure: true})
      assert.deepEqual(await insecure.listTags(parseReference(`${registry}/app`)), ['a', 'b'])
    } finally {
      await rm(hostsDir, {recursive: true, force: true})
    }
  })

  it('asks a loopback registry over plain HTTP first: one that answers costs no TLS handshake', async () => {
    const registry = await serve((_request, response) => response.end(JSON.stringify({tags: ['a']})))
    let notHttp = 0
    servers.at(-1)?.on('clientError', (_error, socket) => {
      notHttp++
      socket.destroy()
    })
    assert.deepEqual(await new RegistryClient({hostsDirs: []}).listTags(parseReference(`${registry}/app`)), ['a'])
    assert.equal(notHttp, 0)
  })

  it('follows tag list pagination', async () => {
    const registry = await serve((request, response) => {
      if (request.url === '/v2/app/tags/list') {
        response.writeHead(200, {link: '</v2/app/tags/list?last=b&n=2>; rel="next"'}).end(JSON.stringify({tags: ['a', 'b']}))
      } else {
        response.end(JSON.stringify({tags: ['c']}))
      }
    })
    assert.deepEqual(await client.listTags(parseReference(`${registry}/app`)), ['a', 'b', 'c'])
  })
})
