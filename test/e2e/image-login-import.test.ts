/**
 * login, logout and import through the CLI: a docker-registry with htpasswd authentication, the
 * credentials file docker keeps, and a root filesystem tarball made into an image that runs.
 */
import assert from 'node:assert/strict'
import {execFile, spawn} from 'node:child_process'
import {createHash, randomBytes} from 'node:crypto'
import {chmod, copyFile, lstat, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile} from 'node:fs/promises'
import {createServer} from 'node:http'
import {connect} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {promisify} from 'node:util'
import {gzipSync, zstdCompressSync} from 'node:zlib'
import {after, before, describe, it} from 'node:test'
import {nerdOk, until} from '../helpers/containers.ts'
import {ctr, loadTestImage, nerd, nerdOnTerminal} from '../helpers/e2e.ts'
import {zstdFrames} from '../helpers/oci-image.ts'
import {deadOwnerTag} from '../helpers/owners.ts'
import {freePort, startRegistry} from '../helpers/registry.ts'
import {ownerTag} from '../../src/owner.ts'
import type {RunningRegistry} from '../helpers/registry.ts'

const run = promisify(execFile)
const IMG = 'docker.io/nerd-test/busybox:latest'
const USER = 'tester'
const PASSWORD = 'secret-1'
let work: string
let registry: RunningRegistry
let env: Record<string, string>

describe('login, logout and import', () => {
  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'nerd-login-'))
    const {stdout} = await run('htpasswd', ['-Bbn', USER, PASSWORD])
    await writeFile(join(work, 'htpasswd'), stdout)
    registry = await startRegistry({dir: join(work, 'registry'), auth: `  htpasswd:\n    realm: nerd-test\n    path: ${join(work, 'htpasswd')}`})
    env = {DOCKER_CONFIG: join(work, 'docker')}
    await loadTestImage('nerd-test/busybox:latest')
  })

  after(async () => {
    await registry?.stop()
    await rm(work, {recursive: true, force: true})
  })

  it('login checks the credentials with the registry and stores them, mode 0600; a wrong password stores nothing', async () => {
    const wrong = await nerd(['login', '-u', USER, '-p', 'nope', registry.host], {env})
    assert.deepEqual([wrong.code, wrong.stderr], [1, 'WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n' +
      `Error: login attempt to http://${registry.host}/v2/ failed with status: 401 Unauthorized\n`])
    const prompted = await nerd(['login', '-u', USER, registry.host], {env})
    assert.equal(prompted.code, 1)
    assert.equal(prompted.stderr, 'Error: Cannot perform an interactive login from a non TTY device\n')
    await assert.rejects(stat(join(work, 'docker/config.json')))

    const viaFlag = await nerd(['login', '-u', USER, '-p', PASSWORD, registry.host], {env})
    assert.equal(viaFlag.code, 0, viaFlag.stderr)
    assert.equal(viaFlag.stdout, 'Login Succeeded\n')
    assert.equal(viaFlag.stderr, 'WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n' +
      `\nWARNING! Your credentials are stored unencrypted in '${join(work, 'docker/config.json')}'.\n` +
      'Configure a credential helper to remove this warning. See\nhttps://docs.docker.com/go/credential-store/\n\n')
    assert.equal((await stat(join(work, 'docker/config.json'))).mode & 0o777, 0o600)
    const stored = JSON.parse(await readFile(join(work, 'docker/config.json'), 'utf8'))
    assert.equal(stored.auths[registry.host].auth, Buffer.from(`${USER}:${PASSWORD}`).toString('base64'))

    const viaStdin = await nerd(['login', '-u', USER, '--password-stdin', registry.host], {env, input: `${PASSWORD}\n`})
    assert.equal(viaStdin.code, 0, viaStdin.stderr)
    assert.equal(viaStdin.stderr, '')
  })

  it('login refused by a token service ends at once, though the registry keeps its connections open', async () => {
    // A registry in the shape of Docker Hub's: /v2/ sends clients to its token service, which refuses the password.
    const server = createServer((request, response) => {
      const headers: Record<string, string> = {'content-type': 'application/json'}
      if (request.url?.startsWith('/token') === true) {
        response.writeHead(401, headers).end(JSON.stringify({details: 'incorrect username or password'}))
        return
      }
      headers['www-authenticate'] = `Bearer realm="http://${host}/token",service="nerd-test"`
      response.writeHead(401, headers).end(JSON.stringify({errors: [{code: 'UNAUTHORIZED', message: 'authentication required'}]}))
    })
    server.keepAliveTimeout = 0
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const address = server.address()
    assert.ok(address !== null && typeof address === 'object')
    const host = `127.0.0.1:${address.port}`
    try {
      const refused = await nerd(['login', '-u', USER, '--password-stdin', host], {env, input: 'nope\n', timeoutMs: 15_000})
      assert.deepEqual([refused.code, refused.stderr], [1, `Error: Get "http://${host}/v2/": unauthorized: incorrect username or password\n`])
    } finally {
      server.closeAllConnections()
      server.close()
    }
  })

  it('login writes config.json as docker\'s Save: an existing file keeps its mode, a symbolic link (a dangling one too) is written through to its target', async () => {
    const dir = join(work, 'linked')
    await mkdir(join(dir, 'docker'), {recursive: true})
    await writeFile(join(dir, 'real.json'), '{}', {mode: 0o644})
    await chmod(join(dir, 'real.json'), 0o644)
    await symlink(join(dir, 'real.json'), join(dir, 'docker/config.json'))
    const login = () => nerdOk(['login', '-u', USER, '--password-stdin', registry.host], {env: {DOCKER_CONFIG: join(dir, 'docker')}, input: `${PASSWORD}\n`})
    await login()
    assert.ok((await lstat(join(dir, 'docker/config.json'))).isSymbolicLink())
    assert.equal((await stat(join(dir, 'real.json'))).mode & 0o777, 0o644)
    assert.ok(JSON.parse(await readFile(join(dir, 'real.json'), 'utf8')).auths[registry.host])

    await rm(join(dir, 'docker/config.json'))
    await symlink('../dangling.json', join(dir, 'docker/config.json'))
    await login()
    assert.ok((await lstat(join(dir, 'docker/config.json'))).isSymbolicLink())
    assert.equal((await stat(join(dir, 'dangling.json'))).mode & 0o777, 0o600)
    assert.ok(JSON.parse(await readFile(join(dir, 'dangling.json'), 'utf8')).auths[registry.host])
  })

  it('login refuses conflicting or empty flags in docker\'s words before anything else', async () => {
    const refusals: Array<[string[], string]> = [
      [['-u', USER, '-p', PASSWORD, '--password-stdin'], 'conflicting options: cannot specify both --password and --password-stdin'],
      [['--password-stdin'], 'the --password-stdin option requires --username to be set'],
      [['-u', '', '-p', PASSWORD], 'username is empty'],
      [['-u', USER, '-p', ''], 'password is empty'],
    ]
    for (const [flags, message] of refusals) {
      const refused = await nerd(['login', ...flags, registry.host], {env: {DOCKER_CONFIG: join(work, 'nobody')}, input: `${PASSWORD}\n`})
      assert.deepEqual([refused.code, refused.stdout, refused.stderr], [1, '', `Error: ${message}\n`], flags.join(' '))
    }
  })

  it('login without -u and -p reuses the stored credentials, on a terminal too, with docker\'s lines; refused ones are said so (a Basic registry\'s 401 as a failed attempt)', async () => {
    const existing = `Authenticating with existing credentials... [Username: ${USER}]\nTo login with a different account, run 'nerd logout' followed by 'nerd login'\n\n`
    const offTerminal = await nerd(['login', registry.host], {env})
    assert.deepEqual([offTerminal.code, offTerminal.stdout, offTerminal.stderr], [0, 'Login Succeeded\n', existing])
    const onTerminal = await nerdOnTerminal(['login', registry.host], {env, timeoutMs: 15_000})
    assert.deepEqual([onTerminal.code, onTerminal.screen], [0, [...existing.trimEnd().split('\n'), '', 'Login Succeeded']])

    const stale = join(work, 'stale')
    await mkdir(stale)
    await writeFile(join(stale, 'config.json'), JSON.stringify({auths: {[registry.host]: {auth: Buffer.from(`${USER}:expired`).toString('base64')}}}))
    const refused = await nerd(['login', registry.host], {env: {DOCKER_CONFIG: stale}})
    assert.deepEqual([refused.code, refused.stdout, refused.stderr], [1, '',
      `${existing}Login did not succeed, error: login attempt to http://${registry.host}/v2/ failed with status: 401 Unauthorized\nError: Cannot perform an interactive login from a non TTY device\n`])

    // Nothing to reuse, or an empty password from stdin, off a terminal: docker's words.
    const nothing = await nerd(['login', registry.host], {env: {DOCKER_CONFIG: join(work, 'nobody')}})
    assert.deepEqual([nothing.code, nothing.stderr], [1, 'Error: Cannot perform an interactive login from a non TTY device\n'])
    const empty = await nerd(['login', '-u', USER, '--password-stdin', registry.host], {env: {DOCKER_CONFIG: join(work, 'nobody')}, input: ''})
    assert.deepEqual([empty.code, empty.stderr], [1, 'Error: Cannot perform an interactive login from a non TTY device\n'])
  })

  it('pushes and pulls with the stored credentials; without them push and pull are refused in containerd\'s words, as docker\'s', async () => {
    const remote = `${registry.host}/e2e/private:v1`
    const nobody = {DOCKER_CONFIG: join(work, 'nobody')}
    await nerdOk(['tag', IMG, remote], {env})
    const anonymousPush = await nerd(['push', '-q', remote], {env: nobody})
    assert.deepEqual([anonymousPush.code, anonymousPush.stderr], [1, 'Error: push access denied, repository does not exist or may require authorization: authorization failed: no basic auth credentials\n'])
    await nerdOk(['push', '-q', remote], {env})
    await nerdOk(['rmi', remote], {env})
    await nerdOk(['pull', '-q', remote], {env})
    await nerdOk(['rmi', remote], {env})
    const anonymous = await nerd(['pull', '-q', remote], {env: nobody})
    assert.deepEqual([anonymous.code, anonymous.stderr], [1,
      `Error: failed to resolve reference "${remote}": pull access denied, repository does not exist or may require authorization: authorization failed: no basic auth credentials\n`])
  })

  it('logout forgets the credentials; logging out again says the same, as docker does', async () => {
    assert.match(await nerdOk(['logout', registry.host], {env}), new RegExp(`Removing login credentials for ${registry.host.replaceAll('.', '\\.')}`))
    const stored = JSON.parse(await readFile(join(work, 'docker/config.json'), 'utf8'))
    assert.equal(stored.auths?.[registry.host], undefined)
    // Logged out already, docker's current CLI says the same.
    const again = await nerd(['logout', registry.host], {env})
    assert.deepEqual([again.code, again.stdout, again.stderr], [0, `Removing login credentials for ${registry.host}\n`, ''])
  })

  it('logout removes every spelling of the registry\'s key at once (host, http://host, https://host), as docker does', async () => {
    const auth = Buffer.from(`${USER}:${PASSWORD}`).toString('base64')
    const config = join(work, 'variants')
    await mkdir(config, {recursive: true})
    const other = {auth: Buffer.from('someone:else').toString('base64')}
    await writeFile(join(config, 'config.json'), JSON.stringify({
      auths: {[`https://${registry.host}`]: {auth}, [registry.host]: {auth}, [`http://${registry.host}`]: {auth}, 'other.example': other},
    }))
    assert.equal(await nerdOk(['logout', registry.host], {env: {DOCKER_CONFIG: config}}), `Removing login credentials for ${registry.host}\n`)
    assert.deepEqual(JSON.parse(await readFile(join(config, 'config.json'), 'utf8')).auths, {'other.example': other})
    const anonymous = await nerd(['pull', '-q', `${registry.host}/e2e/private:v1`], {env: {DOCKER_CONFIG: config}})
    assert.equal(anonymous.code, 1, 'logged out')
  })

  it('a config.json auth that is not base64 user:password is docker\'s warning, once, and the command goes on without it', async () => {
    const config = join(work, 'undecodable')
    await mkdir(config, {recursive: true})
    await writeFile(join(config, 'config.json'), JSON.stringify({auths: {[registry.host]: {auth: Buffer.from('qasecret').toString('base64')}}}))
    const pulled = await nerd(['pull', '-q', `${registry.host}/e2e/private:v1`], {env: {DOCKER_CONFIG: config}})
    const warning = `WARNING: Error parsing config file (${join(config, 'config.json')}): Invalid auth configuration file\n`
    assert.equal(pulled.code, 1, 'anonymous')
    assert.ok(pulled.stderr.startsWith(warning), pulled.stderr)
    assert.ok(!pulled.stderr.slice(warning.length).includes('WARNING'), pulled.stderr)
  })

  it('logout past a credential helper that fails warns in docker\'s words when every spelling failed, and succeeds', async () => {
    const config = join(work, 'helperless')
    await mkdir(config, {recursive: true})
    await writeFile(join(config, 'config.json'), JSON.stringify({credsStore: 'nerd-e2e-none'}))
    const missing = 'error erasing credentials: docker-credential-nerd-e2e-none: executable file not found in $PATH'
    const result = await nerd(['logout', 'https://helper.example/v2/'], {env: {DOCKER_CONFIG: config}})
    assert.deepEqual([result.code, result.stdout], [0, 'Removing login credentials for helper.example\n'], result.stderr)
    assert.equal(result.stderr, `WARNING: could not erase credentials:\n${['https://helper.example/v2/', 'helper.example', 'http://helper.example', 'https://helper.example'].map((key) => `${key}: ${missing}\n`).join('')}`)
    // A helper that holds nothing fails too, in the docker credential-helpers client's words.
    const bin = join(work, 'helper-bin')
    await mkdir(bin, {recursive: true})
    await writeFile(join(bin, 'docker-credential-empty'), '#!/bin/sh\necho "credentials not found in native keychain"\nexit 1\n', {mode: 0o755})
    await writeFile(join(config, 'config.json'), JSON.stringify({credsStore: 'empty'}))
    const empty = await nerd(['logout', 'https://helper.example/v2/'], {env: {DOCKER_CONFIG: config, PATH: `${bin}:${process.env.PATH}`}})
    assert.equal(empty.code, 0)
    assert.equal(empty.stderr.split('\n')[1], 'https://helper.example/v2/: error erasing credentials - err: exit status 1, out: `credentials not found in native keychain`')
    // Typed as its hostname, docker tries that spelling twice and counts it once: no warning.
    const hostname = await nerd(['logout', 'helper.example'], {env: {DOCKER_CONFIG: config, PATH: `${bin}:${process.env.PATH}`}})
    assert.deepEqual([hostname.code, hostname.stderr], [0, ''])
  })

  it('takes docker\'s global --config for the directory DOCKER_CONFIG names otherwise', async () => {
    const config = join(work, 'by-flag')
    await mkdir(config, {recursive: true})
    await writeFile(join(config, 'config.json'), JSON.stringify({auths: {'flag.example': {auth: Buffer.from('a:b').toString('base64')}}}))
    assert.equal(await nerdOk(['--config', config, 'logout', 'flag.example'], {env: {DOCKER_CONFIG: join(work, 'nobody')}}), 'Removing login credentials for flag.example\n')
    assert.deepEqual(JSON.parse(await readFile(join(config, 'config.json'), 'utf8')).auths, {})
  })

  it('imports a root filesystem tarball, from a file and from stdin, with --change (HEALTHCHECK and ONBUILD too, in commit as well); the image runs', async () => {
    const rootfs = join(work, 'rootfs')
    await mkdir(join(rootfs, 'bin'), {recursive: true})
    await copyFile('/bin/busybox', join(rootfs, 'bin/busybox'))
    await symlink('busybox', join(rootfs, 'bin/sh'))
    await symlink('busybox', join(rootfs, 'bin/cat'))
    await writeFile(join(rootfs, 'hello.txt'), 'imported\n')
    const tarball = join(work, 'rootfs.tar')
    await run('tar', ['-C', rootfs, '-cf', tarball, '.'])

    const id = (await nerdOk(['import', '-c', 'CMD ["/bin/cat", "/hello.txt"]', '-c', 'ENV GREETING=hi', tarball, 'e2e/imported:v1'])).trim()
    assert.match(id, /^sha256:[0-9a-f]{64}$/)
    assert.equal(await nerdOk(['run', '--rm', 'e2e/imported:v1']), 'imported\n')
    const [image] = JSON.parse(await nerdOk(['image', 'inspect', 'e2e/imported:v1'])) as Record<string, any>[]
    assert.deepEqual(image!.Config.Cmd, ['/bin/cat', '/hello.txt'])
    assert.ok((image!.Config.Env as string[]).includes('GREETING=hi'))

    // Spooled in the temporary directory: the copies a nerd killed outright left go, not one of a nerd at work.
    const spools = join(work, 'spools')
    const [orphaned, live] = [`nerd-import-${await deadOwnerTag()}-a1B2c3`, `nerd-import-${ownerTag()}-d4E5f6`]
    for (const name of [orphaned, live]) {
      await mkdir(join(spools, name), {recursive: true, mode: 0o700})
      await writeFile(join(spools, name, 'rootfs'), 'partial')
    }
    const fromStdin = await nerd(['import', '-', 'e2e/imported:stdin'], {input: await readFile(tarball), env: {TMPDIR: spools}})
    assert.equal(fromStdin.code, 0, fromStdin.stderr)
    assert.deepEqual(await readdir(spools), [live])
    assert.equal(await nerdOk(['run', '--rm', 'e2e/imported:stdin', '/bin/cat', '/hello.txt']), 'imported\n')

    const bad = await nerd(['import', '-c', 'FROM scratch', tarball, 'e2e/bad:v1'])
    assert.equal(bad.code, 1)
    assert.equal(bad.stderr.trim().split('\n').length, 1, bad.stderr)
    const badName = await nerd(['import', tarball, 'Bad:1'])
    assert.deepEqual([badName.code, badName.stderr], [1, 'Error: invalid reference format: repository name (library/Bad) must be lowercase\n'])
    const digested = await nerd(['import', tarball, `e2e/z@sha256:${'a'.repeat(64)}`])
    assert.deepEqual([digested.code, digested.stderr], [1, 'Error: cannot import digest reference\n'])
    // docker's CLI downloads what starts with http:// or https:// as typed; anything else is a file.
    const upperCase = await nerd(['import', 'HTTP://127.0.0.1:1/rootfs.tar', 'e2e/upper:v1'])
    assert.deepEqual([upperCase.code, upperCase.stderr], [1, 'Error: open HTTP://127.0.0.1:1/rootfs.tar: no such file or directory\n'])
    // And it takes arguments past the reference, ignored.
    const extra = await nerd(['import', tarball, 'e2e/imported:extra', 'ignored'])
    assert.deepEqual([extra.code, extra.stderr], [0, ''])

    // HEALTHCHECK and ONBUILD too, as docker's import and commit take them.
    await nerdOk(['import', '-c', 'HEALTHCHECK --interval=2s --retries=2 CMD /bin/cat /hello.txt', '-c', 'ONBUILD RUN make', tarball, 'e2e/imported:hc'])
    const [checked] = JSON.parse(await nerdOk(['image', 'inspect', 'e2e/imported:hc'])) as Record<string, any>[]
    assert.deepEqual(checked!.Config.Healthcheck, {Test: ['CMD-SHELL', '/bin/cat /hello.txt'], Interval: 2e9, Retries: 2})
    assert.deepEqual(checked!.Config.OnBuild, ['RUN make'])
    await nerdOk(['create', '--name', 'e2e-hc', 'e2e/imported:hc', '/bin/cat', '/hello.txt'])
    assert.equal((await nerdOk(['inspect', '-f', '{{json .Config.Healthcheck}}', 'e2e-hc'])).trim(), JSON.stringify(checked!.Config.Healthcheck))
    await nerdOk(['commit', '-c', 'HEALTHCHECK NONE', '-c', 'ONBUILD RUN make install', 'e2e-hc', 'e2e/committed:hc'])
    const [committed] = JSON.parse(await nerdOk(['image', 'inspect', 'e2e/committed:hc'])) as Record<string, any>[]
    assert.deepEqual(committed!.Config.Healthcheck, {Test: ['NONE']})
    assert.deepEqual(committed!.Config.OnBuild, ['RUN make install'])
    const badCommit = await nerd(['commit', 'e2e-hc', 'Bad:1'])
    assert.deepEqual([badCommit.code, badCommit.stderr], [1, 'Error: invalid reference format: repository name (library/Bad) must be lowercase\n'])
    await nerdOk(['rm', 'e2e-hc'])
    await nerdOk(['rmi', 'e2e/imported:v1', 'e2e/imported:stdin', 'e2e/imported:extra', 'e2e/imported:hc', 'e2e/committed:hc'])
  })

  it('imports gzip and zstd tarballs as they are, plain, bzip2 and xz ones gzip-compressed (as docker\'s daemon), with the tar\'s own digest (what follows its end included) as the diffID; the images run', async () => {
    const rootfs = join(work, 'packed-rootfs')
    await mkdir(join(rootfs, 'bin'), {recursive: true})
    await copyFile('/bin/busybox', join(rootfs, 'bin/busybox'))
    await writeFile(join(rootfs, 'hello.txt'), 'packed\n')
    const plain = join(work, 'packed.tar')
    // GNU tar fills its last record with zeros after the two end blocks: 2 MiB records here, more
    // than the check reads at once.
    await run('tar', ['-C', rootfs, '-b', '4096', '-cf', plain, '.'])
    const tarBytes = await readFile(plain)
    assert.equal(tarBytes.length % (2 << 20), 0, 'zeros after the end blocks')
    const sha256 = (bytes: Buffer): string => `sha256:${createHash('sha256').update(bytes).digest('hex')}`
    const commandPacked = async (command: string): Promise<Buffer> => (await run(command, ['-c', plain], {encoding: 'buffer', maxBuffer: 64 << 20})).stdout
    const kinds: Array<[string, Buffer, string]> = [
      ['gzip', gzipSync(tarBytes), 'gzip'],
      ['zstd', zstdCompressSync(tarBytes), 'zstd'],
      // pzstd's output: several frames.
      ['zstd-frames', zstdFrames(tarBytes, [100_001]), 'zstd'],
      ['plain', tarBytes, 'gzip'],
      ['bzip2', await commandPacked('bzip2'), 'gzip'],
      ['xz', await commandPacked('xz'), 'gzip'],
    ]
    for (const [kind, packed, storedAs] of kinds) {
      const path = join(work, `packed.tar.${kind}`)
      await writeFile(path, packed)
      await nerdOk(['import', '-c', 'CMD ["/bin/busybox", "cat", "/hello.txt"]', path, `e2e/packed:${kind}`])
      const [image] = JSON.parse(await nerdOk(['image', 'inspect', `e2e/packed:${kind}`])) as Record<string, any>[]
      assert.deepEqual(image!.RootFS.Layers, [sha256(tarBytes)], kind)
      const target = (await ctr(['images', 'ls', `name==docker.io/e2e/packed:${kind}`])).stdout.trim().split('\n')[1]!.split(/\s+/)[2]!
      const manifest = JSON.parse((await ctr(['content', 'get', target])).stdout) as {layers: Array<{mediaType: string; digest: string}>}
      assert.equal(manifest.layers[0]!.mediaType, `application/vnd.oci.image.layer.v1.tar+${storedAs}`, kind)
      if (kind === 'gzip' || storedAs === 'zstd') assert.equal(manifest.layers[0]!.digest, sha256(packed), `${kind} is stored as it is`)
      assert.equal(await nerdOk(['run', '--rm', `e2e/packed:${kind}`]), 'packed\n', kind)
    }
    await nerdOk(['rmi', ...kinds.map(([kind]) => `e2e/packed:${kind}`)])
  })

  it('refuses an archive cut inside a file\'s data or its padding in one line, as docker does, leaving nothing behind; one cut between two entries is whole', async () => {
    const rootfs = join(work, 'cut-rootfs')
    await mkdir(rootfs)
    await writeFile(join(rootfs, 'a.bin'), randomBytes(3000))
    await writeFile(join(rootfs, 'b.txt'), 'imported\n')
    const whole = join(work, 'cut.tar')
    // a.bin's header at 0, its data at 512 up to 3512, padded to 3584; b.txt's header at 3584, its data at 4096 up to 4105, padded to 4608.
    await run('tar', ['-C', rootfs, '--format=ustar', '-cf', whole, 'a.bin', 'b.txt'])
    const bytes = await readFile(whole)
    const leftovers = async (): Promise<string[]> => {
      const listed = await Promise.all([['images', 'ls', '-q'], ['content', 'ls', '-q'], ['snapshots', 'ls']].map((args) => ctr(args)))
      return listed.flatMap((result) => result.stdout.trim().split('\n').map((line) => line.split(/\s+/)[0]!))
    }
    const before = new Set(await leftovers())
    const cuts: [string, Buffer][] = [
      ['data', bytes.subarray(0, 2000)],
      ['padding', bytes.subarray(0, 4200)],
      ['padding, gzip', gzipSync(bytes.subarray(0, 4200))],
      // Go's archive/tar reads the second zero block of the end marker too.
      ['end marker', bytes.subarray(0, 4608 + 512 + 100)],
    ]
    for (const [where, cut] of cuts) {
      const path = join(work, 'cut-short.tar')
      await writeFile(path, cut)
      const refused = await nerd(['import', path, 'e2e/cut:v1'])
      assert.deepEqual([refused.code, refused.stderr], [1, 'Error: unexpected EOF: the archive is truncated\n'], where)
      assert.deepEqual((await leftovers()).filter((left) => !before.has(left)), [], where)
    }
    // Go's archive/tar, docker's, ends an archive that stops right after an entry without its zero blocks.
    await writeFile(join(work, 'cut-between.tar'), bytes.subarray(0, 4608))
    await nerdOk(['import', join(work, 'cut-between.tar'), 'e2e/cut:between'])
    await nerdOk(['rmi', 'e2e/cut:between'])
  })

  it('imports from an HTTP/1.0 server that closes the connection to end the body (python3 -m http.server), leaving no spooled copy; https:// to it fails in Go\'s words', async () => {
    // Node's fetch failed an assertion outside any promise here about one download in eight, killing nerd.
    const served = join(work, 'served')
    await mkdir(join(served, 'rootfs'), {recursive: true})
    await writeFile(join(served, 'rootfs', 'random'), randomBytes(2 << 20))
    await run('tar', ['-C', join(served, 'rootfs'), '-cf', join(served, 'rootfs.tar'), '.'])
    // Refused once downloaded: the same download, without the import's work.
    await writeFile(join(served, 'text'), Buffer.concat([Buffer.from('not a tar\n'), randomBytes(2 << 20)]))
    const port = await freePort()
    const server = spawn('python3', ['-m', 'http.server', String(port), '--bind', '127.0.0.1'], {cwd: served, stdio: 'ignore'})
    const spoolDir = join(work, 'spool')
    await mkdir(spoolDir)
    const spooled = async (): Promise<string[]> => (await readdir(spoolDir)).filter((name) => name.startsWith('nerd-import-'))
    const url = `http://127.0.0.1:${port}`
    const ids: string[] = []
    try {
      await until('python3 -m http.server', () => new Promise<true | undefined>((resolve) => {
        const probe = connect(port, '127.0.0.1', () => resolve(true)).on('error', () => resolve(undefined))
        probe.on('connect', () => probe.destroy())
      }))
      for (let round = 0; round < 3; round++) {
        const imported = await nerd(['import', `${url}/rootfs.tar`], {env: {TMPDIR: spoolDir}})
        assert.equal(imported.code, 0, imported.stderr)
        // docker's daemon's status line once the server answers, then the ID.
        const [downloading, id] = imported.stdout.trimEnd().split('\n')
        assert.equal(downloading, `Downloading from ${url}/rootfs.tar`)
        ids.push(id!)
        assert.deepEqual(await spooled(), [])
      }
      for (let round = 0; round < 20; round++) {
        const refused = await nerd(['import', `${url}/text`], {env: {TMPDIR: spoolDir}})
        assert.deepEqual([refused.code, refused.stderr], [1, `Error: cannot import ${url}/text: it is not a tar archive\n`], `round ${round}`)
        assert.deepEqual(await spooled(), [])
      }
      const missing = await nerd(['import', `${url}/missing.tar`], {env: {TMPDIR: spoolDir}})
      // docker's daemon's words (remotecontext.GetWithStatusError, with the server's page), nothing on stdout.
      assert.deepEqual([missing.code, missing.stdout], [1, ''])
      assert.ok(missing.stderr.startsWith(`Error: failed to GET ${url}/missing.tar with status 404 File not found: <!DOCTYPE`), missing.stderr)
      const closed = await freePort()
      const refused = await nerd(['import', `http://127.0.0.1:${closed}/rootfs.tar`], {env: {TMPDIR: spoolDir}})
      assert.deepEqual([refused.code, refused.stdout, refused.stderr], [1, '', `Error: Get "http://127.0.0.1:${closed}/rootfs.tar": dial tcp 127.0.0.1:${closed}: connect: connection refused\n`])
      // https:// to a plain-HTTP server: Go's words, not OpenSSL's.
      const plain = await nerd(['import', `https://127.0.0.1:${port}/rootfs.tar`], {env: {TMPDIR: spoolDir}})
      assert.deepEqual([plain.code, plain.stdout, plain.stderr], [1, '', `Error: Get "https://127.0.0.1:${port}/rootfs.tar": http: server gave HTTP response to HTTPS client\n`])
    } finally {
      server.kill()
      if (ids.length > 0) await nerdOk(['rmi', ...ids])
    }
  })
})

describe('a TLS registry on loopback with a self-signed certificate', () => {
  let tlsWork: string
  let tlsRegistry: RunningRegistry

  before(async () => {
    tlsWork = await mkdtemp(join(tmpdir(), 'nerd-tls-'))
    await run('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-keyout', join(tlsWork, 'key.pem'), '-out', join(tlsWork, 'cert.pem'),
    ])
    tlsRegistry = await startRegistry({dir: join(tlsWork, 'registry'), tls: {certificate: join(tlsWork, 'cert.pem'), key: join(tlsWork, 'key.pem')}})
    await loadTestImage('nerd-test/busybox:latest')
  })

  after(async () => {
    await tlsRegistry?.stop()
    await rm(tlsWork, {recursive: true, force: true})
  })

  it('logs in, pushes and pulls with no CA configured, by 127.0.0.1 and localhost: an insecure registry, as in docker', async () => {
    // No certificates anywhere: the machine's hosts directories are not read.
    const noCertificates = ['--hosts-dir', join(tlsWork, 'certs.d')]
    const remote = `${tlsRegistry.host}/e2e/tls:v1`
    await nerdOk(['tag', IMG, remote])
    const pushed = await nerd([...noCertificates, 'push', remote])
    assert.equal(pushed.code, 0, pushed.stderr)
    assert.match(pushed.stdout, /^v1: digest: sha256:[0-9a-f]{64} size: \d+$/m)
    await nerdOk(['rmi', remote])
    assert.equal(await nerdOk([...noCertificates, 'pull', '-q', remote]), `${remote}\n`)
    const byName = `localhost:${tlsRegistry.port}/e2e/tls:v1`
    assert.equal(await nerdOk([...noCertificates, 'pull', '-q', byName]), `${byName}\n`)
    const login = await nerd([...noCertificates, 'login', '-u', USER, '--password-stdin', tlsRegistry.host], {env: {DOCKER_CONFIG: join(tlsWork, 'docker')}, input: `${PASSWORD}\n`})
    assert.equal(login.code, 0, login.stderr)
    assert.equal(login.stdout, 'Login Succeeded\n')
    await nerdOk(['rmi', remote, byName])
  })

  it('logs in through the [host] entry of hosts.toml that names the server with its CA, as pull and push use it', async () => {
    const hostsDir = join(tlsWork, 'hosts-ca')
    const server = `https://${tlsRegistry.host}`
    await mkdir(join(hostsDir, tlsRegistry.host), {recursive: true})
    await copyFile(join(tlsWork, 'cert.pem'), join(hostsDir, tlsRegistry.host, 'ca.crt'))
    await writeFile(join(hostsDir, tlsRegistry.host, 'hosts.toml'), `server = "${server}"\n[host."${server}"]\n  ca = "ca.crt"\n`)
    const login = await nerd(['--hosts-dir', hostsDir, 'login', '-u', USER, '--password-stdin', tlsRegistry.host], {env: {DOCKER_CONFIG: join(tlsWork, 'docker-ca')}, input: `${PASSWORD}\n`})
    assert.deepEqual([login.code, login.stdout], [0, 'Login Succeeded\n'], login.stderr)
  })
})
