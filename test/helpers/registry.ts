/**
 * docker-registry processes for end-to-end tests: each on a free loopback port, with its storage in
 * a directory of the test's, optionally with an `auth:` section, TLS and client certificate checks.
 */
import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {createHash} from 'node:crypto'
import {mkdir, readFile, writeFile} from 'node:fs/promises'
import {connect, createServer} from 'node:net'
import {join} from 'node:path'

export const DOCKER_REGISTRY = '/usr/bin/docker-registry'

export interface RegistryOptions {
  /** Holds config.yml and the storage (`data/`). */
  dir: string
  /** The YAML of the `auth:` section, indented by two spaces. */
  auth?: string
  tls?: {certificate: string; key: string; clientCas?: string}
  /** URL patterns (regular expressions) the registry accepts on foreign and non-distributable layers (`validation.manifests.urls.allow`). */
  allowLayerUrls?: string[]
}

export interface RunningRegistry {
  /** `127.0.0.1:<port>`. */
  host: string
  port: number
  /** The storage root: blobs are under `docker/registry/v2/blobs/sha256/<2 hex>/<hex>/data`. */
  dataDir: string
  stop(): Promise<void>
}

export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  assert.ok(address !== null && typeof address === 'object')
  await new Promise((resolve) => server.close(resolve))
  return address.port
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const connection = connect(port, '127.0.0.1')
    connection.on('connect', () => {
      connection.destroy()
      resolve(true)
    })
    connection.on('error', () => resolve(false))
  })
}

/** The file a registry stores a blob in (to read or tamper with it). */
export function registryBlobPath(registry: RunningRegistry, digest: string): string {
  const hex = digest.slice(digest.indexOf(':') + 1)
  return join(registry.dataDir, 'docker', 'registry', 'v2', 'blobs', 'sha256', hex.slice(0, 2), hex, 'data')
}

/** Starts docker-registry and resolves once it accepts connections. */
export async function startRegistry(options: RegistryOptions): Promise<RunningRegistry> {
  const port = await freePort()
  await mkdir(options.dir, {recursive: true})
  const dataDir = join(options.dir, 'data')
  const {tls} = options
  const config = [
    'version: 0.1',
    'log:',
    '  level: error',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${dataDir}`,
    'http:',
    `  addr: 127.0.0.1:${port}`,
    ...(tls ? ['  tls:', `    certificate: ${tls.certificate}`, `    key: ${tls.key}`] : []),
    ...(tls?.clientCas === undefined ? [] : ['    clientcas:', `      - ${tls.clientCas}`]),
    ...(options.auth === undefined ? [] : ['auth:', options.auth]),
    ...(options.allowLayerUrls === undefined ? [] : ['validation:', '  manifests:', '    urls:', '      allow:', ...options.allowLayerUrls.map((pattern) => `        - '${pattern}'`)]),
  ].join('\n')
  await writeFile(join(options.dir, 'config.yml'), `${config}\n`)
  const child = spawn(DOCKER_REGISTRY, ['serve', join(options.dir, 'config.yml')], {stdio: ['ignore', 'ignore', 'pipe']})
  let output = ''
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGTERM')
    await exited
  }
  for (let attempt = 0; attempt < 100 && child.exitCode === null; attempt++) {
    if (await listening(port)) return {host: `127.0.0.1:${port}`, port, dataDir, stop}
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  await stop()
  throw new Error(`docker-registry in ${options.dir} did not start: ${output}`)
}

/** Uploads a blob to `repository` of the registry at `host` (plain HTTP, no auth), as it is. */
export async function uploadBlob(host: string, repository: string, bytes: Buffer): Promise<void> {
  const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`
  const started = await fetch(`http://${host}/v2/${repository}/blobs/uploads/`, {method: 'POST'})
  assert.equal(started.status, 202, await started.text())
  const location = new URL(started.headers.get('location') as string, `http://${host}`)
  location.searchParams.set('digest', digest)
  const finished = await fetch(location, {method: 'PUT', body: bytes, headers: {'content-type': 'application/octet-stream'}})
  assert.equal(finished.status, 201, await finished.text())
}

/** Puts a manifest or index, its bytes as they are, under a tag or its digest. */
export async function putManifest(host: string, repository: string, reference: string, mediaType: string, bytes: Buffer): Promise<void> {
  const put = await fetch(`http://${host}/v2/${repository}/manifests/${reference}`, {method: 'PUT', body: bytes, headers: {'content-type': mediaType}})
  assert.equal(put.status, 201, await put.text())
}

/**
 * Pushes what `root` (an index or manifest of the OCI layout unpacked in `layout`) leads to, byte
 * for byte, and names it `tag`: blobs first, every index after what it lists (indexes inside
 * indexes too, which skopeo does not copy).
 */
export async function pushLayout(host: string, layout: string, root: {mediaType: string; digest: string}, repository: string, tag: string): Promise<void> {
  const blob = (digest: string): Promise<Buffer> => readFile(join(layout, 'blobs', 'sha256', digest.slice('sha256:'.length)))
  const push = async (descriptor: {mediaType: string; digest: string}, reference: string): Promise<void> => {
    const bytes = await blob(descriptor.digest)
    const document = JSON.parse(bytes.toString('utf8')) as {manifests?: Array<{mediaType: string; digest: string}>; config?: {digest: string}; layers?: Array<{digest: string}>}
    for (const child of document.manifests ?? []) await push(child, child.digest)
    for (const child of [...(document.config ? [document.config] : []), ...(document.layers ?? [])]) await uploadBlob(host, repository, await blob(child.digest))
    await putManifest(host, repository, reference, descriptor.mediaType, bytes)
  }
  await push(root, tag)
}
