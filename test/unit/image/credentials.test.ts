import assert from 'node:assert/strict'
import {chmod, lstat, mkdir, mkdtemp, readFile, readdir, rm, stat, symlink, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, afterEach, before, beforeEach, describe, it} from 'node:test'
import {
  DOCKER_HUB_SERVER_KEY,
  dockerConfigDir,
  eraseCredentials,
  getCredentials,
  helperGet,
  logoutKeys,
  readDockerConfig,
  serverKey,
  storeCredentials,
} from '../../../src/image/auth/index.ts'

let configDir: string

async function configJson(): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(join(configDir, 'config.json'), 'utf8'))
}

beforeEach(async () => {
  configDir = await mkdtemp(join(tmpdir(), 'nerd-docker-config-'))
})
afterEach(async () => {
  await rm(configDir, {recursive: true, force: true})
})

describe('docker config location and keys', () => {
  it('takes DOCKER_CONFIG, else ~/.docker', () => {
    assert.equal(dockerConfigDir({DOCKER_CONFIG: '/x/y'}), '/x/y')
    assert.match(dockerConfigDir({}), /\/\.docker$/)
  })

  it('names Docker Hub by its legacy URL and other registries by host[:port]', () => {
    for (const server of [undefined, '', 'docker.io', 'index.docker.io', 'registry-1.docker.io', 'https://index.docker.io/v1/', 'https://registry-1.docker.io/v2/']) {
      assert.equal(serverKey(server), DOCKER_HUB_SERVER_KEY, String(server))
    }
    assert.equal(serverKey('https://host:5000/v2/'), 'host:5000')
    assert.equal(serverKey('http://127.0.0.1:5000'), '127.0.0.1:5000')
    assert.equal(serverKey('localhost:5000'), 'localhost:5000')
  })

  it("reads a missing or empty file as empty and reports broken JSON in docker's words, Go's JSON errors", async () => {
    const path = join(configDir, 'config.json')
    assert.deepEqual(await readDockerConfig(configDir), {})
    const read = async (text: string) => {
      await writeFile(path, text)
      return readDockerConfig(configDir).catch((error: Error) => error.message.replace(`(${path})`, '(PATH)'))
    }
    assert.deepEqual(await read(' \n'), {})
    assert.equal(await read('{"auths": '), 'parsing config file (PATH): unexpected EOF')
    assert.equal(await read('{bad'), "parsing config file (PATH): invalid character 'b' looking for beginning of object key string")
    assert.equal(await read('[1]'), 'parsing config file (PATH): json: cannot unmarshal array into Go value of type configfile.ConfigFile')
    // json.Decoder reads the first value alone; null leaves the configuration empty.
    assert.deepEqual(await read('{"psFormat": "x"} trailing'), {psFormat: 'x'})
    assert.deepEqual(await read('null'), {})
  })
})

describe('credentials in config.json', () => {
  it('stores base64 user:password, keeping the other keys and the file\'s mode (docker\'s copyFilePermissions), without leftovers', async () => {
    await writeFile(join(configDir, 'config.json'), JSON.stringify({psFormat: 'table {{.ID}}', auths: {'other:1': {auth: 'eDp5'}}}), {mode: 0o644})
    await chmod(join(configDir, 'config.json'), 0o644)
    const stored = await storeCredentials('https://Host:5000/v2/', {username: 'alice', password: 'p:ss'}, {configDir})
    assert.deepEqual(stored, {key: 'Host:5000', plaintextFile: join(configDir, 'config.json')})
    const written = await configJson()
    assert.equal(written.psFormat, 'table {{.ID}}')
    assert.deepEqual(written.auths, {'other:1': {auth: 'eDp5'}, 'Host:5000': {auth: Buffer.from('alice:p:ss').toString('base64')}})
    assert.equal((await stat(join(configDir, 'config.json'))).mode & 0o777, 0o644)
    assert.deepEqual(await readdir(configDir), ['config.json'])
    assert.deepEqual(await getCredentials('Host:5000', {configDir}), {username: 'alice', password: 'p:ss'})
  })

  it('creates the directory and file when missing', async () => {
    const nested = join(configDir, 'new', 'dir')
    await storeCredentials('docker.io', {username: 'bob', password: 'pw'}, {configDir: nested})
    assert.equal((await stat(join(nested, 'config.json'))).mode & 0o777, 0o600)
    assert.deepEqual(await getCredentials('registry-1.docker.io', {configDir: nested}), {username: 'bob', password: 'pw'})
  })

  it('finds entries stored under a URL by their hostname, as docker does', async () => {
    const auth = Buffer.from('carol:secret').toString('base64')
    await writeFile(join(configDir, 'config.json'), JSON.stringify({auths: {'https://reg.example:5000/v1/': {auth}, 'https://index.docker.io/v1/': {auth}}}))
    assert.deepEqual(await getCredentials('reg.example:5000', {configDir}), {username: 'carol', password: 'secret'})
    assert.deepEqual(await getCredentials('docker.io', {configDir}), {username: 'carol', password: 'secret'})
    assert.equal(await getCredentials('unknown.example', {configDir}), undefined)
  })

  it('says a password went into the file in clear only when it changed the entry, as docker warns', async () => {
    assert.deepEqual(await storeCredentials('reg.example', {username: 'u', password: 'p'}, {configDir}), {key: 'reg.example', plaintextFile: join(configDir, 'config.json')})
    assert.deepEqual(await storeCredentials('reg.example', {username: 'u', password: 'p'}, {configDir}), {key: 'reg.example'})
    assert.deepEqual(await storeCredentials('reg.example', {username: 'u', password: 'q'}, {configDir}), {key: 'reg.example', plaintextFile: join(configDir, 'config.json')})
  })

  it('keeps identity tokens instead of passwords', async () => {
    assert.deepEqual(await storeCredentials('reg.example', {username: 'dave', identityToken: 'refresh-123'}, {configDir}), {key: 'reg.example'})
    assert.deepEqual((await configJson()).auths, {'reg.example': {auth: Buffer.from('dave:').toString('base64'), identitytoken: 'refresh-123'}})
    assert.deepEqual(await getCredentials('reg.example', {configDir}), {username: 'dave', identityToken: 'refresh-123'})
  })

  it('erases an entry; config.json\'s store never fails, there or not, as docker\'s file store', async () => {
    await storeCredentials('reg.example', {username: 'erin', password: 'pw'}, {configDir})
    assert.deepEqual(await eraseCredentials('https://reg.example', {configDir}), {key: 'reg.example', failures: {}, allFailed: false})
    assert.deepEqual((await configJson()).auths, {})
    assert.deepEqual(await eraseCredentials('reg.example', {configDir}), {key: 'reg.example', failures: {}, allFailed: false})
  })

  it('logs out of the spellings docker\'s logout tries: as typed, the hostname, http:// and https:// before it; Docker Hub\'s key alone', () => {
    assert.deepEqual(logoutKeys('https://reg.example:5000/v2/'), ['https://reg.example:5000/v2/', 'reg.example:5000', 'http://reg.example:5000', 'https://reg.example:5000'])
    assert.deepEqual(logoutKeys('reg.example'), ['reg.example', 'reg.example', 'http://reg.example', 'https://reg.example'])
    assert.deepEqual(logoutKeys(undefined), [DOCKER_HUB_SERVER_KEY])
    assert.deepEqual(logoutKeys('docker.io'), [DOCKER_HUB_SERVER_KEY])
  })

  it('writes through a symbolic link instead of replacing it', async () => {
    const target = join(configDir, 'real.json')
    await writeFile(target, '{}')
    await symlink(target, join(configDir, 'config.json'))
    await storeCredentials('reg.example', {username: 'f', password: 'g'}, {configDir})
    assert.ok((await lstat(join(configDir, 'config.json'))).isSymbolicLink())
    assert.ok(JSON.parse(await readFile(target, 'utf8')).auths['reg.example'])
  })
})

describe('credential helpers', () => {
  let helperDir: string
  let storeDir: string
  let savedPath: string | undefined
  const helperLog = (): Promise<string> => readFile(join(storeDir, 'log'), 'utf8').catch(() => '')

  before(async () => {
    helperDir = await mkdtemp(join(tmpdir(), 'nerd-helper-bin-'))
    storeDir = await mkdtemp(join(tmpdir(), 'nerd-helper-store-'))
    // A helper speaking docker's protocol: one file per server, every call logged with its stdin.
    const script = `#!/bin/sh
store="${storeDir}"
input=$(cat)
printf '%s %s\\n' "$1" "$input" >> "$store/log"
case "$1" in
  get|erase) server="$input" ;;
  store) server=$(printf '%s' "$input" | sed -n 's/.*"ServerURL":"\\([^"]*\\)".*/\\1/p') ;;
  *) echo "unknown action" >&2; exit 2 ;;
esac
file="$store/$(printf '%s' "$server" | sha256sum | cut -c1-16)"
case "$1" in
  get) if [ -f "$file" ]; then cat "$file"; else echo "credentials not found in native keychain"; exit 1; fi ;;
  store) printf '%s' "$input" > "$file" ;;
  erase) if [ -f "$file" ]; then rm "$file"; else echo "credentials not found in native keychain"; exit 1; fi ;;
esac
`
    await writeFile(join(helperDir, 'docker-credential-fake'), script, {mode: 0o755})
    await writeFile(join(helperDir, 'docker-credential-broken'), '#!/bin/sh\necho "keychain locked" >&2\nexit 3\n', {mode: 0o755})
    savedPath = process.env.PATH
    process.env.PATH = `${helperDir}:${process.env.PATH}`
  })
  after(async () => {
    process.env.PATH = savedPath
    await rm(helperDir, {recursive: true, force: true})
    await rm(storeDir, {recursive: true, force: true})
  })
  beforeEach(async () => {
    await rm(storeDir, {recursive: true, force: true})
    await mkdir(storeDir)
  })

  it('stores through credsStore with the JSON protocol and leaves an empty auths entry', async () => {
    await writeFile(join(configDir, 'config.json'), JSON.stringify({credsStore: 'fake'}))
    await storeCredentials('docker.io', {username: 'alice', password: 'pw'}, {configDir})
    assert.equal(await helperLog(), `store {"ServerURL":"${DOCKER_HUB_SERVER_KEY}","Username":"alice","Secret":"pw"}\n`)
    assert.deepEqual(await configJson(), {credsStore: 'fake', auths: {[DOCKER_HUB_SERVER_KEY]: {}}})
    assert.deepEqual(await getCredentials('docker.io', {configDir}), {username: 'alice', password: 'pw'})
    assert.match(await helperLog(), new RegExp(`\nget ${DOCKER_HUB_SERVER_KEY.replaceAll('/', '\\/').replaceAll('.', '\\.')}\n$`))
  })

  it('prefers credHelpers for its host over credsStore', async () => {
    await writeFile(join(configDir, 'config.json'), JSON.stringify({credsStore: 'missing', credHelpers: {'reg.example:5000': 'fake'}}))
    await storeCredentials('reg.example:5000', {username: 'u', password: 'p'}, {configDir})
    assert.deepEqual(await getCredentials('https://reg.example:5000/', {configDir}), {username: 'u', password: 'p'})
    await assert.rejects(getCredentials('other.example', {configDir}), {
      message: 'error getting credentials: docker-credential-missing: executable file not found in $PATH',
    })
  })

  it('passes identity tokens as the <token> user', async () => {
    await writeFile(join(configDir, 'config.json'), JSON.stringify({credsStore: 'fake'}))
    await storeCredentials('reg.example', {username: 'x', identityToken: 'refresh'}, {configDir})
    assert.match(await helperLog(), /"Username":"<token>","Secret":"refresh"/)
    assert.deepEqual(await getCredentials('reg.example', {configDir}), {identityToken: 'refresh'})
  })

  it('reads nothing when the helper holds nothing, and erases through it', async () => {
    await writeFile(join(configDir, 'config.json'), JSON.stringify({credsStore: 'fake'}))
    assert.equal(await getCredentials('reg.example', {configDir}), undefined)
    await storeCredentials('reg.example', {username: 'u', password: 'p'}, {configDir})
    // The helper's not-found for the other spellings is a failure, as in docker's credential-helpers client, but not all of them failed.
    const notFound = 'error erasing credentials - err: exit status 1, out: `credentials not found in native keychain`'
    assert.deepEqual(await eraseCredentials('reg.example', {configDir}), {
      key: 'reg.example',
      failures: {'reg.example': notFound, 'http://reg.example': notFound, 'https://reg.example': notFound},
      allFailed: false,
    })
    assert.match(await helperLog(), /\nerase reg\.example\nerase reg\.example\nerase http:\/\/reg\.example\nerase https:\/\/reg\.example\n$/)
    assert.equal(await getCredentials('reg.example', {configDir}), undefined)
    assert.deepEqual((await configJson()).auths, {})
  })

  it('logs out past a helper that cannot erase, naming it, as docker\'s logout goes on; its entry stays, as docker\'s native store leaves it', async () => {
    const auth = {auth: 'eDp5'}
    await writeFile(join(configDir, 'config.json'), JSON.stringify({credHelpers: {'reg.example': 'missing'}, auths: {'reg.example': {}, 'http://reg.example': auth, 'other.example': auth}}))
    assert.deepEqual(await eraseCredentials('reg.example', {configDir}), {
      key: 'reg.example',
      failures: {'reg.example': 'error erasing credentials: docker-credential-missing: executable file not found in $PATH'},
      allFailed: false,
    })
    assert.deepEqual((await configJson()).auths, {'reg.example': {}, 'other.example': auth})
  })

  it('says every spelling failed when a credsStore holds none of them, in docker\'s words', async () => {
    await writeFile(join(configDir, 'config.json'), JSON.stringify({credsStore: 'fake'}))
    const notFound = 'error erasing credentials - err: exit status 1, out: `credentials not found in native keychain`'
    assert.deepEqual(await eraseCredentials('https://reg.example/v2/', {configDir}), {
      key: 'reg.example',
      failures: {'https://reg.example/v2/': notFound, 'reg.example': notFound, 'http://reg.example': notFound, 'https://reg.example': notFound},
      allFailed: true,
    })
    // Typed as its hostname, docker tries that twice and counts it once: never all failed.
    assert.equal((await eraseCredentials('reg.example', {configDir})).allFailed, false)
  })

  it('reports a failing helper with its own words', async () => {
    await assert.rejects(helperGet('broken', 'reg.example'), {message: 'error getting credentials - docker-credential-broken: keychain locked'})
  })
})
