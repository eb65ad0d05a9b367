/**
 * Plugin management end to end: a plugin installed from a directory and from an npm tarball (bare
 * paths, which oclif alone would take for GitHub shorthands), its hooks at work, its removal, and
 * the refusal of a plugin written for another hook API major.
 */
import assert from 'node:assert/strict'
import {execFile, spawn} from 'node:child_process'
import {createHash} from 'node:crypto'
import {existsSync, readdirSync, readFileSync} from 'node:fs'
import {mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile} from 'node:fs/promises'
import {createServer} from 'node:http'
import type {AddressInfo} from 'node:net'
import {tmpdir} from 'node:os'
import {dirname, join, resolve} from 'node:path'
import {promisify} from 'node:util'
import {gunzipSync} from 'node:zlib'
import {after, before, describe, it} from 'node:test'
import {fileURLToPath} from 'node:url'
import {nerdOk, until} from '../helpers/containers.ts'
import {fileDataRoot, fileNamespace, loadTestImage, nerd, nerdEntry, nerdGlobals, testEnvironment} from '../helpers/e2e.ts'
import {withFileLock} from '../../src/files.ts'
import {HOOK_API_VERSION} from '../../src/hooks/version.ts'

const run = promisify(execFile)
const IMG = 'docker.io/nerd-test/busybox:latest'
const fixture = resolve(fileURLToPath(new URL('../fixtures/hook-plugin', import.meta.url)))
const badApi = resolve(fileURLToPath(new URL('../fixtures/bad-api-plugin', import.meta.url)))
const examples = resolve(fileURLToPath(new URL('../../examples', import.meta.url)))
// The npm nerd ships with (oclif's installer uses it too).
const npm = fileURLToPath(new URL('../../node_modules/npm/bin/npm-cli.js', import.meta.url))
let home: string
let env: Record<string, string>

/**
 * Writes a small plugin under the test's home: its package.json (`name`, version 1.0.0, type
 * module, `oclif` and `nerd` as given), an empty manifest unless `manifest` is false, and `files`.
 */
async function writePlugin(name: string, pjson: {oclif?: object; nerd?: object; [key: string]: unknown}, files: Record<string, string> = {}, options: {manifest?: boolean} = {}): Promise<string> {
  const root = join(home, 'plugins', name)
  await rm(root, {recursive: true, force: true})
  await mkdir(root, {recursive: true})
  await writeFile(join(root, 'package.json'), JSON.stringify({name, version: '1.0.0', type: 'module', ...pjson}))
  if (options.manifest !== false) await writeFile(join(root, 'oclif.manifest.json'), JSON.stringify({version: '1.0.0', commands: {}}))
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), {recursive: true})
    await writeFile(join(root, path), text)
  }
  return root
}

/** A plugin (with no manifest) whose command `command` takes any words and prints them as JSON; argvOf runs it. */
function argvPrintingPlugin(name: string, command: string): Promise<string> {
  const printer = `export default class Printer {
  static strict = false
  static async run(argv) {
    console.log(JSON.stringify(argv))
  }
}
`
  return writePlugin(name, {oclif: {commands: './commands'}}, {[`commands/${command}/index.js`]: printer}, {manifest: false})
}

async function argvOf(args: string[]): Promise<string[]> {
  return JSON.parse(await nerdOk(args, {env})) as string[]
}

/** A vendor bundle under the test's home that carries the plugins of the given directories (written by writePlugin). */
function writeBundle(name: string, children: string[], nerd: object = {hookApi: '^1'}): Promise<string> {
  const names = children.map((child) => child.split('/').pop()!)
  return writePlugin(name, {
    dependencies: Object.fromEntries(names.map((child) => [child, `file:../${child}`])),
    bundleDependencies: names,
    oclif: {plugins: names},
    nerd,
  })
}

/** The npm tarball of the plugin in `directory`. */
async function packed(directory: string): Promise<Buffer> {
  const {stdout} = await run(process.execPath, [npm, 'pack', '--json', '--pack-destination', home, directory])
  return readFile(join(home, (JSON.parse(stdout) as {filename: string}[])[0]!.filename))
}

/** The package.json in an npm tarball (`package/package.json`), found by walking its tar headers. */
function packageJsonOf(tarball: Buffer): {dependencies?: object} {
  const archive = gunzipSync(tarball)
  for (let offset = 0; offset + 512 <= archive.length && archive[offset] !== 0; ) {
    const name = archive.subarray(offset, offset + 100).toString('utf8').replace(/\0.*$/s, '')
    const size = Number.parseInt(archive.subarray(offset + 124, offset + 136).toString('utf8').replace(/\0.*$/s, '').trim(), 8)
    if (name === 'package/package.json') return JSON.parse(archive.subarray(offset + 512, offset + 512 + size).toString('utf8')) as {dependencies?: object}
    offset += 512 + Math.ceil(size / 512) * 512
  }
  throw new Error('the tarball has no package/package.json')
}

/**
 * An npm registry on 127.0.0.1 of the tarballs in `packages` (name, then version: the last added is
 * `latest`), read at each request so that a test publishes a version by adding it; other names are
 * not found.
 */
async function startRegistry(packages: Map<string, Map<string, Buffer>>): Promise<{url: string; close: () => Promise<void>}> {
  const server = createServer((request, response) => {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    const [, name, file] = /^\/([^/]+)(?:\/-\/(.+))?$/.exec(request.url ?? '') ?? []
    const versions = packages.get(decodeURIComponent(name ?? ''))
    const tarball = [...(versions ?? [])].find(([version]) => file === `${name}-${version}.tgz`)?.[1]
    if (versions && file === undefined) {
      const published = Object.fromEntries([...versions].map(([version, content]) => {
        const dist = {tarball: `${url}/${name}/-/${name}-${version}.tgz`, integrity: `sha512-${createHash('sha512').update(content).digest('base64')}`}
        // npm resolves a package's dependencies from the registry's document, as a registry gives them.
        const {dependencies} = packageJsonOf(content)
        return [version, {name, version, dist, ...(dependencies ? {dependencies} : {})}]
      }))
      response.setHeader('content-type', 'application/json')
      response.end(JSON.stringify({name, 'dist-tags': {latest: [...versions.keys()].at(-1)}, 'versions': published}))
    } else if (tarball) {
      response.end(tarball)
    } else {
      response.statusCode = 404
      response.end('{}')
    }
  })
  await new Promise<void>((resolvePromise) => server.listen(0, '127.0.0.1', resolvePromise))
  const closed = new Promise<void>((resolvePromise) => server.on('close', resolvePromise))
  return {url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => (server.close(), closed)}
}

/**
 * Commits what `directory` holds (all of it: a bundle's node_modules too) to the branch of the bare
 * git repository `repository`, which it makes first if missing: the commit's id.
 */
async function commitTo(repository: string, directory: string): Promise<string> {
  if (!existsSync(repository)) {
    await mkdir(dirname(repository), {recursive: true})
    await run('git', ['init', '-q', '--bare', repository])
  }
  const git = (args: string[]) => run('git', ['-c', 'user.name=nerd', '-c', 'user.email=nerd@example.invalid', `--git-dir=${repository}`, `--work-tree=${directory}`, ...args])
  await git(['add', '-A', '-f'])
  await git(['commit', '-qm', 'version'])
  return (await git(['rev-parse', 'HEAD'])).stdout.trim()
}

/** What nerd's data directory holds of installed plugins: npm's dependencies there, node_modules, the tarballs in packs/. */
async function leftInstalled(): Promise<{dependencies: object; modules: string[]; packs: string[]}> {
  const data = join(home, 'data', 'nerd')
  return {
    dependencies: (JSON.parse(await readFile(join(data, 'package.json'), 'utf8').catch(() => '{}')) as {dependencies?: object}).dependencies ?? {},
    modules: (await readdir(join(data, 'node_modules')).catch(() => [])).filter((entry) => !entry.startsWith('.')),
    packs: await readdir(join(data, 'packs')).catch(() => []),
  }
}

/**
 * Installs and then links the plugin in `directory`: each is refused with `refusal`, in one line
 * after install's line (npm's output goes to stdout), and leaves the plugins as they were.
 */
async function expectRefused(directory: string, refusal: string): Promise<void> {
  const before = await leftInstalled()
  const installed = await nerd(['plugins', 'install', directory], {env})
  assert.equal(installed.code, 1, installed.stderr)
  // The refusal alone says what is wrong: not oclif's warning of what it could not load of the
  // plugin first, nor its line of the uninstall that took it back.
  const [line, ...rest] = installed.stderr.split('\n')
  // Named as typed, not by the tarball nerd packed of it.
  assert.equal(line, `nerd: Installing plugin ${directory}... failed`, installed.stderr)
  assert.deepEqual(rest, [`Error: ${refusal}; it was not installed`, ''], installed.stderr)
  assert.deepEqual(await leftInstalled(), before)
  const linked = await nerd(['plugins', 'link', directory], {env})
  assert.deepEqual([linked.code, linked.stderr], [1, `Error: ${refusal}; it was not linked\n`])
}

/** A hook that never ends and keeps a timer running, when NERD_TEST_HANG names its event. */
const hangingHook = (event: string) => `export default async function () {
  if (process.env.NERD_TEST_HANG !== '${event}') return
  setInterval(() => {}, 1000)
  await new Promise(() => {})
}
`

describe('plugins install, uninstall and refusal', () => {
  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'nerd-plugins-'))
    // CI=true as CI machines set it: oclif's colour library then colours even piped output, which
    // nerd must keep plain.
    // TMPDIR its own: the npm that installs plugins must leave no compile cache there (see below).
    env = {XDG_DATA_HOME: join(home, 'data'), CI: 'true', TMPDIR: join(home, 'tmp')}
    await mkdir(env.TMPDIR!)
    await loadTestImage('nerd-test/busybox:latest')
  })

  after(async () => {
    await rm(home, {recursive: true, force: true})
  })

  it('installs a plugin from a directory as a copy; its hooks run; uninstalling takes them away', async () => {
    await nerdOk(['plugins', 'install', fixture], {env})
    // npm turns node's compile cache on, in the shared temp dir, where another user could plant code root would run.
    assert.deepEqual((await readdir(env.TMPDIR!)).filter((name) => name.includes('compile-cache')), [])
    assert.match(await nerdOk(['plugins', 'ls'], {env}), /^NAME +VERSION +TYPE +BUNDLE +HOOK API +ERROR\nnerd-plugin-hookfixture +1\.0\.0 +user +\^1 *$/m)
    assert.equal(await nerdOk(['plugins', 'ls', '-q'], {env}), 'nerd-plugin-hookfixture\n')
    assert.deepEqual(JSON.parse(await nerdOk(['plugins', 'ls', '--format', 'json'], {env})), {Name: 'nerd-plugin-hookfixture', Version: '1.0.0', Type: 'user', Bundle: '', HookApi: '^1', Error: ''})
    assert.deepEqual((await nerdOk(['plugins', 'ls', '--core', '--format', '{{.Name}}'], {env})).split('\n').sort(), ['', '@oclif/plugin-help', '@oclif/plugin-plugins', 'nerd', 'nerd-plugin-hookfixture'])
    assert.equal(await nerdOk(['run', '--rm', IMG, 'sh', '-c', 'echo ${HOOKFIXTURE:-none}'], {env}), '1\n')
    assert.match(await nerdOk(['plugins', 'inspect', 'nerd-plugin-hookfixture'], {env}), /^└─ nerd-plugin-hookfixture\n +├─ version 1\.0\.0$/m)
    await nerdOk(['plugins', 'uninstall', 'nerd-plugin-hookfixture'], {env})
    assert.equal(await nerdOk(['plugins', 'ls', '-q'], {env}), '')
    // One line on stderr, nothing on stdout (oclif's inspect printed "failed" there first).
    assert.deepEqual(await nerd(['plugins', 'inspect', 'nerd-plugin-hookfixture'], {env}).then(({code, stdout, stderr}) => [code, stdout, stderr]), [1, '', 'Error: nerd-plugin-hookfixture is not installed\n'])
    // A failed command exits 1, as docker's (oclif's own default is 2).
    assert.deepEqual(await nerd(['plugins', 'uninstall', 'nerd-plugin-hookfixture'], {env}).then(({code, stderr}) => [code, stderr]), [1, 'Error: nerd-plugin-hookfixture is not installed\n'])
    assert.equal(await nerdOk(['run', '--rm', IMG, 'sh', '-c', 'echo ${HOOKFIXTURE:-none}'], {env}), 'none\n')
  })

  it('flags a plugin declares for run: run takes them and hands them to its hooks, its help lists them; install and link refuse clashing ones; uninstalling takes them away', async () => {
    const greetingFlags = {run: {greeting: {type: 'string', description: 'Greet'}, loud: {type: 'boolean', description: 'Shout'}}}
    const plugin = await writePlugin('nerd-plugin-greeting', {oclif: {hooks: {'nerd:container:create': './hooks/create.js'}}, nerd: {hookApi: '^1', flags: greetingFlags}}, {
      'hooks/create.js': "export default function greet({spec, flags}) { spec.process.env.push('GREETING=' + JSON.stringify([flags.greeting ?? null, flags.loud])) }\n",
    })
    // Its value as the next word: the image is the word after it.
    const greeted = ['run', '--rm', '--network', 'none', '--greeting', 'hello there', '--loud', IMG, 'sh', '-c', 'echo "$GREETING"']
    const unknown = [125, '', "unknown flag: --greeting\nRun 'nerd run --help' for more information\n"]
    assert.deepEqual(await nerd(greeted, {env}).then(({code, stdout, stderr}) => [code, stdout, stderr]), unknown)
    const again = await writePlugin('nerd-plugin-greeting2', {oclif: {}, nerd: {hookApi: '^1', flags: {run: {greeting: {type: 'boolean', description: 'Mine'}}}}})
    await nerdOk(['plugins', 'install', plugin], {env})
    try {
      assert.equal(await nerdOk(greeted, {env}), '["hello there",true]\n')
      assert.equal(await nerdOk(['container', 'run', '--rm', '--network', 'none', IMG, 'sh', '-c', 'echo "$GREETING"'], {env}), '[null,null]\n')
      for (const help of [['run', '--help'], ['container', 'run', '--help']]) {
        const shown = await nerdOk(help, {env})
        assert.match(shown, /^ +--greeting=<value> +Greet \(plugin nerd-plugin-greeting\)$/m, help.join(' '))
        assert.match(shown, /^ +--loud +Shout \(plugin nerd-plugin-greeting\)$/m, help.join(' '))
      }
      // Declared for run alone.
      assert.match((await nerd(['create', '--greeting', 'x', IMG], {env})).stderr, /^unknown flag: --greeting$/m)
      assert.doesNotMatch(await nerdOk(['create', '--help'], {env}), /greeting/)
      // A flag of run's own, or one this plugin declares, is refused at install and link, as it is (linked too).
      const rm = await writePlugin('nerd-plugin-rmflag', {oclif: {}, nerd: {hookApi: '^1', flags: {run: {rm: {type: 'boolean', description: 'Mine'}}}}})
      await expectRefused(rm, 'plugin "nerd-plugin-rmflag" declares --rm for run, which is a flag of nerd\'s run')
      await expectRefused(again, 'plugin "nerd-plugin-greeting2" declares --greeting for run, which plugin "nerd-plugin-greeting" declares too')
      const bad = await writePlugin('nerd-plugin-badflag', {oclif: {}, nerd: {hookApi: '^1', flags: {run: {Greeting: {type: 'text', description: 'Mine'}}}}})
      await expectRefused(bad, 'plugin "nerd-plugin-badflag" has a flag "Greeting" for run whose name is not lowercase letters and digits in words joined by "-" (two characters at least) in its package.json')
    } finally {
      await nerdOk(['plugins', 'uninstall', 'nerd-plugin-greeting'], {env})
    }
    assert.deepEqual(await nerd(greeted, {env}).then(({code, stdout, stderr}) => [code, stdout, stderr]), unknown)
    assert.doesNotMatch(await nerdOk(['run', '--help'], {env}), /greeting/)
    // Linked, it counts as installed: it gives its flags, and a plugin declaring one of them is refused.
    await nerdOk(['plugins', 'link', plugin], {env})
    try {
      assert.equal(await nerdOk(greeted, {env}), '["hello there",true]\n')
      await expectRefused(again, 'plugin "nerd-plugin-greeting2" declares --greeting for run, which plugin "nerd-plugin-greeting" declares too')
    } finally {
      await nerdOk(['plugins', 'uninstall', 'nerd-plugin-greeting'], {env})
    }
  })

  it('bare plugins is the group\'s usage, as nerd\'s other management commands and docker\'s bare `docker plugin`: not oclif\'s own listing, nor its configuration with --json', async () => {
    const outcome = (args: string[]) => nerd(args, {env}).then(({code, stdout, stderr}) => [code, stdout, stderr])
    const usage = await nerdOk(['plugins'], {env})
    assert.match(usage, /^Manage plugins\n\nUSAGE\n {2}\$ nerd plugins COMMAND\n\nCOMMANDS\n/)
    assert.match(usage, /^ {2}plugins ls +List installed plugins \(--core adds nerd's own\)$/m)
    for (const asked of [['plugins', '--help'], ['plugins', '-h'], ['help', 'plugins']]) assert.equal(await nerdOk(asked, {env}), usage, asked.join(' '))
    for (const flag of ['--json', '--core']) assert.deepEqual(await outcome(['plugins', flag]), [125, '', `unknown flag: ${flag}\nRun 'nerd plugins --help' for more information\n`])
    assert.deepEqual(await outcome(['plugins', 'frob']), [1, '', "nerd: unknown command: nerd plugins frob\nRun 'nerd plugins --help' for more information\n"])
    // The root help lists the topic, and no command of its name beside it.
    const rootLines = (await nerdOk(['--help'], {env})).match(/^ {2}plugins .*$/gm) ?? []
    assert.equal(rootLines.length, 1, rootLines.join('\n'))
    assert.match(rootLines[0]!, /^ {2}plugins +Manage plugins$/)
  })

  it('installs a plugin from an npm tarball, from a copy of it: plugins update works once the file is gone', async () => {
    const packDir = join(home, 'pack')
    const packs = join(home, 'data', 'nerd', 'packs')
    await run('mkdir', ['-p', packDir])
    const {stdout} = await run(process.execPath, [npm, 'pack', '--json', '--pack-destination', packDir, fixture])
    const tarball = join(packDir, (JSON.parse(stdout) as {filename: string}[])[0]!.filename)
    await nerdOk(['plugins', 'install', tarball], {env})
    assert.equal(await nerdOk(['plugins', 'ls', '--format', '{{.Name}} {{.Version}}'], {env}), 'nerd-plugin-hookfixture 1.0.0\n')
    assert.match((await readdir(packs)).join(' '), /^nerd-plugin-hookfixture-1\.0\.0-[0-9a-f]{12}\.tgz$/)
    await rm(packDir, {recursive: true})
    await nerdOk(['plugins', 'update'], {env})
    assert.equal(await nerdOk(['plugins', 'ls', '--format', '{{.Name}} {{.Version}}'], {env}), 'nerd-plugin-hookfixture 1.0.0\n')
    // docker's name for it (`docker plugin rm`).
    await nerdOk(['plugins', 'rm', 'nerd-plugin-hookfixture'], {env})
    assert.equal(await nerdOk(['plugins', 'ls', '-q'], {env}), '')
    assert.deepEqual(await readdir(packs), [])
  })

  it('a plugin not named, or a directory that holds none, is one line of error, as docker\'s usage errors', async () => {
    const failure = (args: string[], options = {}) => nerd(args, {env, ...options}).then(({code, stdout, stderr}) => [code, stdout, stderr])
    for (const typed of ['uninstall', 'rm']) {
      assert.deepEqual(await failure(['plugins', typed]), [1, '', `nerd: 'nerd plugins ${typed}' requires at least 1 argument\nSee 'nerd plugins ${typed} --help' for more information\n`])
    }
    const missing = join(home, 'no-such-plugin')
    assert.deepEqual(await failure(['plugins', 'link', missing]), [1, '', `Error: ${missing}: no such file or directory\n`])
    assert.deepEqual(await failure(['plugins', 'link', home]), [1, '', `Error: ${home} is not a plugin directory: it has no package.json\n`])
    assert.deepEqual(await failure(['plugins', 'inspect'], {cwd: home}), [1, '', 'Error: . (the current directory) is not a plugin directory: it has no package.json; name an installed plugin\n'])
  })

  it('refuses to link a package whose name is no npm name (`../…`), in one line, removing nothing that name points at', async () => {
    const plugin = join(home, 'nerd-plugin-badname')
    await nerdOk(['plugins', 'new', plugin], {env})
    const file = join(plugin, 'package.json')
    const name = '../../../victim'
    await writeFile(file, JSON.stringify({...JSON.parse(await readFile(file, 'utf8')), name}))
    // Where rm -rf of <plugin data dir>/node_modules/<name> lands.
    const victim = join(home, 'victim')
    await mkdir(victim)
    await writeFile(join(victim, 'secret'), 'S')
    const linked = await nerd(['plugins', 'link', plugin], {env})
    assert.deepEqual([linked.code, linked.stderr], [1, `Error: ${file}: invalid package name "${name}"; it was not linked\n`])
    assert.deepEqual(await readdir(victim), ['secret'])
    assert.equal(await nerdOk(['plugins', 'ls', '-q'], {env}), '')
    await rm(plugin, {recursive: true})
    await rm(victim, {recursive: true})
  })

  it('plugins new writes a plugin that installs and works: its command and its hook', async () => {
    const created = join(home, 'nerd-plugin-fresh')
    assert.match(await nerdOk(['plugins', 'new', created], {env}), /^Created /)
    await nerdOk(['plugins', 'install', created], {env})
    assert.equal(await nerdOk(['fresh', 'hello'], {env}), 'hello from nerd-plugin-fresh\n')
    for (const help of ['--help', '-h']) assert.equal(await nerdOk(['fresh', 'hello', help], {env}), 'Usage:  nerd fresh hello\n\nSay hello from nerd-plugin-fresh\n')
    assert.equal(await nerdOk(['run', '--rm', IMG, 'sh', '-c', 'echo $FRESH'], {env}), '1\n')
    await nerdOk(['plugins', 'uninstall', 'nerd-plugin-fresh'], {env})
    // `.` is named as the directory it is: `Installing plugin ....` would read as a typo.
    const installed = await nerd(['plugins', 'install', '.'], {env, cwd: created})
    assert.match(installed.stderr, new RegExp(`^nerd: Installing plugin ${created}\\.\\.\\. installed v`), installed.stderr)
    await nerdOk(['plugins', 'uninstall', 'nerd-plugin-fresh'], {env})
    for (const args of [['plugins', 'link', '.'], ['plugins', 'link']]) {
      const linked = await nerd(args, {env, cwd: created})
      assert.deepEqual([linked.code, linked.stderr], [0, `nerd: Linking plugin ${created}... done\n`], args.join(' '))
      await nerdOk(['plugins', 'unlink', 'nerd-plugin-fresh'], {env})
    }
    const again = await nerd(['plugins', 'new', created], {env})
    assert.equal(again.code, 1)
    assert.match(again.stderr, /already exists/)
  })

  it('refuses a plugin built for another hook API major at install, in one line, and keeps nothing of it', async () => {
    await expectRefused(badApi, `plugin "nerd-plugin-badapi" targets nerd hook API 2.x; this nerd provides ${HOOK_API_VERSION}`)
    assert.equal(await nerdOk(['plugins', 'ls', '-q'], {env}), '')
  })

  it('refuses a package that is not an oclif plugin in nerd\'s words at install, link and update, and keeps nothing of it', async () => {
    const name = 'nerd-plugin-notoclif'
    const refusal = `plugin "${name}" is not an oclif plugin: its package.json has no "oclif" section`
    const version = (number: string, oclif: boolean) => writePlugin(name, {version: number, ...(oclif ? {oclif: {}} : {}), nerd: {hookApi: '^1'}}, {}, {manifest: false})
    await expectRefused(await version('1.0.0', false), refusal)
    // From a registry, whose `latest` is the version published last: oclif took the package out of
    // package.json alone, and said only "plugin is invalid".
    const published = new Map([['1.0.0', await packed(await version('1.0.0', false))]])
    const server = await startRegistry(new Map([[name, published]]))
    const withRegistry = {...env, NERD_NPM_REGISTRY: `${server.url}/`, npm_config_cache: join(home, 'npm-cache'), npm_config_prefer_online: 'true'}
    const outcome = (args: string[]) => nerd(args, {env: withRegistry}).then(({code, stderr}) => [code, stderr])
    try {
      const before = await leftInstalled()
      assert.deepEqual(await outcome(['plugins', 'install', name]), [1, `nerd: Installing plugin ${name}@latest... failed\nError: ${refusal}; it was not installed\n`])
      assert.deepEqual(await leftInstalled(), before)
      // Over a version that is one, update and install refuse a later one in the same words.
      published.set('1.1.0', await packed(await version('1.1.0', true)))
      await nerdOk(['plugins', 'install', name], {env: withRegistry})
      published.set('1.2.0', await packed(await version('1.2.0', false)))
      const stays = 'the version installed before (1.1.0) is still installed'
      assert.deepEqual(await outcome(['plugins', 'update']), [1, `nerd: Updating plugins... failed\nError: cannot update plugin "${name}" to 1.2.0: ${refusal}; ${stays}\n`])
      assert.deepEqual(await outcome(['plugins', 'install', name]), [1, `nerd: Installing plugin ${name}@latest... failed\nError: ${refusal}; it was not installed: ${stays}\n`])
      assert.equal(await nerdOk(['plugins', 'ls', '--format', '{{.Name}} {{.Version}}'], {env}), `${name} 1.1.0\n`)
    } finally {
      await server.close()
      await nerd(['plugins', 'uninstall', name], {env})
    }
  })

  it('a change of the plugins killed before it was done is undone by the next change, once that one holds the lock', async () => {
    const data = join(home, 'data', 'nerd')
    const installed = join(data, 'node_modules', 'nerd-plugin-hookfixture')
    await nerdOk(['plugins', 'install', fixture], {env})
    // What an upgrade killed during its npm run leaves: its record of the plugins installed then
    // (installed-before.ts), and npm's new version in node_modules (npm moves the earlier one
    // aside, and writes the new one into a new directory) that package.json and the lock do not name.
    const record = join(data, '.installed-before')
    await mkdir(record)
    for (const file of ['package.json', 'package-lock.json']) await writeFile(join(record, file), await readFile(join(data, file)))
    await run('cp', ['-al', join(data, 'node_modules'), join(record, 'node_modules')])
    await rename(installed, join(data, 'node_modules', '.nerd-plugin-hookfixture-moved'))
    await mkdir(installed)
    await writeFile(join(installed, 'package.json'), JSON.stringify({name: 'nerd-plugin-hookfixture', version: '9.9.9', oclif: {}, nerd: {hookApi: '^9'}}))
    // A change that fails at once (oclif refuses the name) still puts the plugins back first. (What
    // oclif says of the version it finds when nerd starts is not this test's.)
    const failed = await nerd(['plugins', 'install', 'not a name'], {env})
    assert.deepEqual([failed.code, failed.stderr.split('\n').at(-2)], [1, 'Error: Invalid npm package name "not a name": name can only contain URL-friendly characters'])
    assert.equal(await nerdOk(['plugins', 'ls', '--format', '{{.Name}} {{.Version}}'], {env}), 'nerd-plugin-hookfixture 1.0.0\n')
    assert.deepEqual((await readdir(data)).filter((entry) => entry.startsWith('.')), [])
    await nerdOk(['plugins', 'uninstall', 'nerd-plugin-hookfixture'], {env})
    assert.deepEqual(await leftInstalled(), {dependencies: {}, modules: [], packs: []})
  })

  it('an install of two versions of a plugin judges each as it is on disk, and names the version installed', async () => {
    const name = 'nerd-plugin-twice'
    const version = async (number: string, hookApi: string) => {
      const directory = await writePlugin(`${name}-${number}`, {name, version: number, oclif: {}, nerd: {hookApi}})
      await writeFile(join(directory, 'oclif.manifest.json'), JSON.stringify({version: number, commands: {}}))
      return directory
    }
    const [first, second, refused] = [await version('1.0.0', '^1'), await version('1.2.0', '^1'), await version('1.1.0', '^2')]
    try {
      // The installer's oclif keeps what it read of the first: it judged the second by it, and named its version.
      const upgraded = await nerd(['plugins', 'install', first, second], {env})
      assert.equal(upgraded.code, 0, upgraded.stderr)
      assert.deepEqual(upgraded.stderr.split('\n'), [`nerd: Installing plugin ${first}... installed v1.0.0`, `nerd: Installing plugin ${second}... installed v1.2.0`, ''])
      await nerdOk(['plugins', 'uninstall', name], {env})
      const result = await nerd(['plugins', 'install', first, refused], {env})
      assert.equal(result.code, 1, result.stderr)
      assert.equal(result.stderr.split('\n').at(-2), `Error: plugin "${name}" targets nerd hook API 2.x; this nerd provides ${HOOK_API_VERSION}; it was not installed: the version installed before (1.0.0) is still installed`)
      assert.equal(await nerdOk(['plugins', 'ls', '--format', '{{.Name}} {{.Version}}'], {env}), `${name} 1.0.0\n`)
    } finally {
      await nerd(['plugins', 'uninstall', name], {env})
    }
  })

  it('an install stopped by ctrl-c or SIGTERM ends its npm, puts the plugins back as they were, lets go of the lock, and nerd dies of the signal', async () => {
    const name = 'nerd-plugin-stopped'
    await nerdOk(['plugins', 'install', await writePlugin(name, {oclif: {}, nerd: {hookApi: '^1'}})], {env})
    const before = await leftInstalled()
    const started = join(home, 'postinstall-started')
    // A script of the version installed that outlasts the signal: npm runs it, under nerd.
    const slow = await writePlugin(name, {version: '1.1.0', oclif: {}, nerd: {hookApi: '^1'}, scripts: {postinstall: `touch ${started}; sleep 30; echo done`}})
    const scripts = () => readdirSync('/proc').filter((pid) => /^\d+$/.test(pid) && (() => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(started)
      } catch {
        return false
      }
    })())
    try {
      for (const signal of ['SIGINT', 'SIGTERM'] as const) {
        await rm(started, {force: true})
        const child = spawn(process.execPath, ['--', nerdEntry, ...nerdGlobals(), 'plugins', 'install', slow], {env: {...process.env, NODE_TEST_CONTEXT: undefined, ...env}, stdio: 'ignore'})
        const ended = new Promise<NodeJS.Signals | number | null>((resolvePromise) => child.on('exit', (code, by) => resolvePromise(by ?? code)))
        await until('npm to run the plugin\'s postinstall script', async () => (existsSync(started) ? true : undefined))
        // To nerd alone, not its process group: nerd, not the signal, ends npm.
        child.kill(signal)
        assert.equal(await ended, signal)
        assert.deepEqual(scripts(), [], signal)
        assert.deepEqual({...(await leftInstalled()), packs: []}, {...before, packs: []}, signal)
        assert.equal(await nerdOk(['plugins', 'ls', '--format', '{{.Name}} {{.Version}}'], {env}), `${name} 1.0.0\n`, signal)
        assert.deepEqual((await readdir(join(home, 'data', 'nerd'))).filter((entry) => entry.startsWith('.') || entry.endsWith('.lock')), [], signal)
      }
    } finally {
      for (const pid of scripts()) process.kill(Number(pid), 'SIGKILL')
      await nerd(['plugins', 'uninstall', name], {env})
    }
  })

  it('refuses a bundle that carries a plugin built for another hook API major, naming it, and keeps nothing of it', async () => {
    const child = await writePlugin('nerd-plugin-vtwo', {oclif: {hooks: {'nerd:container:start': './hooks/start.js'}}, nerd: {hookApi: '^2'}}, {'hooks/start.js': 'export default () => {}\n'})
    const bundle = await writeBundle('nerd-bundle-two', [child])
    const result = await nerd(['plugins', 'install', bundle], {env})
    assert.equal(result.code, 1, result.stderr)
    assert.match(result.stderr, /^Error: bundle "nerd-bundle-two" carries a plugin nerd cannot use: plugin "nerd-plugin-vtwo" targets nerd hook API 2\.x; this nerd provides \d+\.\d+\.\d+; it was not installed$/m)
    assert.equal(await nerdOk(['plugins', 'ls', '-q'], {env}), '')
    assert.deepEqual(await readdir(join(home, 'data', 'nerd', 'packs')), [])
    assert.deepEqual((await readdir(join(home, 'data', 'nerd', 'node_modules')).catch(() => [])).filter((entry) => !entry.startsWith('.')), [])
    const linked = await nerd(['plugins', 'link', bundle], {env})
    assert.deepEqual([linked.code, linked.stderr], [1, 'Error: bundle "nerd-bundle-two" carries a plugin nerd cannot use: plugin "nerd-plugin-vtwo" targets nerd hook API 2.x; this nerd provides 1.0.0; it was not linked\n'])
    const ran = await nerd(['run', '--rm', '--network', 'none', IMG, 'true'], {env})
    assert.deepEqual([ran.code, ran.stderr], [0, ''])
  })

  it('refuses a plugin whose nerd.defaults nerd.toml would refuse; defaults broken after install are ignored with a warning', async () => {
    const typo = await writePlugin('nerd-bundle-typo', {oclif: {}, nerd: {hookApi: '^1', defaults: {insecure_registy: true}}})
    const refusal = 'plugin "nerd-bundle-typo": nerd.defaults: unknown key "insecure_registy" (did you mean "insecure_registry"?)'
    await expectRefused(typo, refusal)
    assert.equal(await nerdOk(['plugins', 'ls', '-q'], {env}), '')
    // Broken in place after a good install: commands go on without those defaults, uninstall works.
    const good = await writePlugin('nerd-bundle-typo', {oclif: {}, nerd: {hookApi: '^1', defaults: {insecure_registry: true}}})
    await nerdOk(['plugins', 'install', good], {env})
    const pjson = join(home, 'data', 'nerd', 'node_modules', 'nerd-bundle-typo', 'package.json')
    await writeFile(pjson, (await readFile(pjson, 'utf8')).replace('insecure_registry', 'insecure_registy'))
    const warning = `WARNING: ${refusal}; ignoring the plugin's defaults\n`
    const ps = await nerd(['ps'], {env})
    assert.deepEqual([ps.code, ps.stderr], [0, warning])
    const info = await nerd(['info', '--format', '{{json .}}'], {env})
    assert.deepEqual([info.code, info.stderr], [0, warning])
    assert.deepEqual((JSON.parse(info.stdout) as {Settings: {key: string}[]}).Settings.filter((setting) => setting.key === 'insecure_registry'), [])
    const uninstalled = await nerd(['plugins', 'uninstall', 'nerd-bundle-typo'], {env})
    assert.equal(uninstalled.code, 0, uninstalled.stderr)
    assert.equal((await nerd(['ps'], {env})).stderr, '')
  })

  it('refuses a plugin whose oclif section oclif cannot load, naming the plugin and the entry, and keeps nothing of it', async () => {
    const cases = [
      ['nerd-plugin-nullhook', {hooks: {'nerd:container:start': [null]}}, 'a hook for "nerd:container:start" that is neither a module path nor {target, identifier}'],
      ['nerd-plugin-numbercommands', {commands: 5}, 'an "oclif.commands" that is neither a directory nor {strategy, target}'],
      // oclif loads this one; nerd's loader could not.
      ['nerd-plugin-numberhook', {hooks: {'nerd:container:create': 42}}, 'a hook for "nerd:container:create" that is neither a module path nor {target, identifier}'],
    ] as const
    for (const [name, oclif, what] of cases) {
      const plugin = await writePlugin(name, {oclif, nerd: {hookApi: '^1'}})
      await expectRefused(plugin, `plugin "${name}" has ${what} in its package.json`)
      assert.deepEqual(await leftInstalled(), {dependencies: {}, modules: [], packs: []})
    }
    assert.equal(await nerdOk(['plugins', 'ls', '-q'], {env}), '')
  })

  it('refuses a plugin whose oclif.manifest.json oclif cannot read, and keeps nothing of it', async () => {
    const parseError = (() => {
      try {
        JSON.parse('{not json')
      } catch (error) {
        return (error as Error).message
      }
      throw new Error('it parsed')
    })()
    const cases = [
      ['nerd-plugin-badmanifest', '{not json', `does not parse: ${parseError}`],
      // oclif fails to load this one altogether.
      ['nerd-plugin-nocommands', JSON.stringify({version: '1.0.0'}), 'is not {"version": "…", "commands": {…}}'],
    ] as const
    for (const [name, manifest, what] of cases) {
      const plugin = await writePlugin(name, {oclif: {commands: './commands'}, nerd: {hookApi: '^1'}}, {
        [`commands/${name}/hello.js`]: "export default class Hello { static async run() { console.log('hello') } }\n",
        'oclif.manifest.json': manifest,
      })
      await expectRefused(plugin, `plugin "${name}" has an oclif.manifest.json that ${what}`)
      assert.deepEqual(await leftInstalled(), {dependencies: {}, modules: [], packs: []})
    }
    assert.equal(await nerdOk(['plugins', 'ls', '-q'], {env}), '')
  })

  it('a manifest written by hand without aliases or flags is read as oclif reads it: refusal, uninstall and errors work beside it', async () => {
    const plugin = await writePlugin('nerd-plugin-bare', {oclif: {commands: './commands'}}, {
      'commands/bare/hello.js': "export default class Hello { static async run() { console.log('hello') } }\n",
      'commands/bare/flag.js': "export default class Flag { static async run() { throw new Error('Flag --foo expects a value') } }\n",
      'commands/bare/argv.js': 'export default class Argv { static strict = false; static async run(argv) { console.log(JSON.stringify(argv)) } }\n',
      // Without pluginName, as the guide's example.
      'oclif.manifest.json': JSON.stringify({version: '1.0.0', commands: {'bare:hello': {id: 'bare:hello'}, 'bare:flag': {id: 'bare:flag'}, 'bare:argv': {id: 'bare:argv', args: {}, flags: {}, strict: false}}}),
    }, {manifest: false})
    const linked = await nerd(['plugins', 'link', plugin], {env})
    assert.deepEqual([linked.code, linked.stderr], [0, `nerd: Linking plugin ${plugin}... done\n`])
    try {
      assert.equal(await nerdOk(['bare', 'hello'], {env}), 'hello\n')
      const flag = await nerd(['bare', 'flag'], {env})
      assert.deepEqual([flag.code, flag.stderr], [125, "flag needs an argument: --foo\nRun 'nerd bare flag --help' for more information\n"])
      // The command's words, help asked among them too, are the plugin's command's.
      for (const argv of [['--namespace', 'x', '-h'], ['--foo', '--help']]) assert.deepEqual(await argvOf(['bare', 'argv', ...argv]), argv)
      // A plugin refused at install is removed again, with the reason; others install and uninstall.
      const refused = await nerd(['plugins', 'install', badApi], {env})
      assert.equal(refused.code, 1, refused.stderr)
      assert.match(refused.stderr, /^Error: plugin "nerd-plugin-badapi" targets nerd hook API 2\.x; this nerd provides \d+\.\d+\.\d+; it was not installed$/m)
      await nerdOk(['plugins', 'install', fixture], {env})
      await nerdOk(['plugins', 'uninstall', 'nerd-plugin-hookfixture'], {env})
      assert.equal(await nerdOk(['plugins', 'ls', '--format', '{{.Name}} {{.Version}} {{.Type}}'], {env}), 'nerd-plugin-bare 1.0.0 link\n')
    } finally {
      await nerdOk(['plugins', 'unlink', 'nerd-plugin-bare'], {env})
    }
  })

  it('a plugin nerd fails to check is refused with the reason, at install and link, and nothing of it stays', async () => {
    // A hook path with a NUL character in it: node's file functions throw a TypeError of their own for it.
    const plugin = await writePlugin('nerd-plugin-nul', {oclif: {hooks: {'nerd:container:start': './hooks/start\u0000.js'}}, nerd: {hookApi: '^1'}})
    const failure = (what: string) => new RegExp(`^Error: cannot check plugin "nerd-plugin-nul": The argument 'path' must be a string, Uint8Array, or URL without null bytes\\. Received .*; it was not ${what}$`, 'm')
    const installed = await nerd(['plugins', 'install', plugin], {env})
    assert.equal(installed.code, 1, installed.stderr)
    assert.match(installed.stderr, failure('installed'))
    assert.deepEqual(await leftInstalled(), {dependencies: {}, modules: [], packs: []})
    const linked = await nerd(['plugins', 'link', plugin], {env})
    assert.equal(linked.code, 1, linked.stderr)
    assert.match(linked.stderr, failure('linked'))
    assert.equal(await nerdOk(['plugins', 'ls', '-q'], {env}), '')
  })

  it('link over an installed plugin takes its installed copy away, and uninstall leaves nothing of either', async () => {
    const data = join(home, 'data', 'nerd')
    const created = join(home, 'nerd-plugin-relinked')
    await nerdOk(['plugins', 'new', created], {env})
    await nerdOk(['plugins', 'install', created], {env})
    await nerdOk(['plugins', 'link', created], {env})
    assert.deepEqual(await leftInstalled(), {dependencies: {}, modules: [], packs: []})
    assert.equal(await nerdOk(['relinked', 'hello'], {env}), 'hello from nerd-plugin-relinked\n')
    await nerdOk(['plugins', 'uninstall', 'nerd-plugin-relinked'], {env})
    assert.equal(await nerdOk(['plugins', 'ls', '-q'], {env}), '')
    // A data directory where an earlier nerd's link left the installed copy: uninstall takes it too.
    await nerdOk(['plugins', 'install', created], {env})
    const file = join(data, 'package.json')
    const manifest = JSON.parse(await readFile(file, 'utf8')) as {oclif: {plugins: object[]}}
    manifest.oclif.plugins = [{name: 'nerd-plugin-relinked', root: created, type: 'link'}]
    await writeFile(file, JSON.stringify(manifest))
    await nerdOk(['plugins', 'uninstall', 'nerd-plugin-relinked'], {env})
    assert.deepEqual(await leftInstalled(), {dependencies: {}, modules: [], packs: []})
  })

  it('exits once the command is done when a hook outlives its time limit, failing or warning as the event says', async () => {
    const plugin = await writePlugin('nerd-plugin-hang', {
      oclif: {hooks: {'nerd:container:create': './hooks/create.js', 'nerd:container:start': './hooks/start.js'}},
      nerd: {hookApi: '^1', hookTimeoutMs: 500},
    }, {'hooks/create.js': hangingHook('create'), 'hooks/start.js': hangingHook('start')})
    await nerdOk(['plugins', 'install', plugin], {env})
    try {
      const failed = await nerd(['run', '--rm', '--network', 'none', IMG, 'true'], {env: {...env, NERD_TEST_HANG: 'create'}, timeoutMs: 20_000})
      assert.equal(failed.code, 125, failed.stderr)
      assert.equal(failed.stderr, 'Error: plugin "nerd-plugin-hang" failed in nerd:container:create: timed out after 500 ms (./hooks/create.js)\n')
      const warned = await nerd(['run', '--rm', '--network', 'none', IMG, 'echo', 'ran'], {env: {...env, NERD_TEST_HANG: 'start'}, timeoutMs: 20_000})
      assert.equal(warned.code, 0, warned.stderr)
      assert.equal(warned.stdout, 'ran\n')
      assert.match(warned.stderr, /^WARNING: plugin "nerd-plugin-hang" failed in nerd:container:start: timed out after 500 ms/m)
    } finally {
      await nerdOk(['plugins', 'uninstall', 'nerd-plugin-hang'], {env})
    }
  })

  it('a volume a create has resolved is in use until its record is written: volume rm refuses it, prune keeps it', async () => {
    // A nerd:container:create hook runs between the volumes' resolution and the record: held there until the gate file appears.
    const gate = join(home, 'create-gate')
    const plugin = await writePlugin('nerd-plugin-gate', {oclif: {hooks: {'nerd:container:create': './hooks/create.js'}}, nerd: {hookApi: '^1', hookTimeoutMs: 60_000}}, {
      'hooks/create.js': `import {existsSync, writeFileSync} from 'node:fs'
import {setTimeout as delay} from 'node:timers/promises'
export default async function () {
  const gate = process.env.NERD_TEST_GATE
  if (!gate) return
  writeFileSync(gate + '.reached', '')
  while (!existsSync(gate)) await delay(50)
}
`,
    })
    await nerdOk(['plugins', 'install', plugin], {env})
    let created: ReturnType<typeof nerd> | undefined
    try {
      created = nerd(['create', '--name', 'claims', '--network', 'none', '-v', 'claimed:/data', '-v', '/anonymous', IMG, 'true'], {env: {...env, NERD_TEST_GATE: gate}, timeoutMs: 60_000})
      await until('the create to reach its hook', async () => (existsSync(`${gate}.reached`) ? true : undefined))
      const [volume] = (await nerdOk(['volume', 'ls', '-q'], {env})).split('\n').filter((name) => /^[0-9a-f]{64}$/.test(name))
      assert.ok(volume, 'the anonymous volume is made')
      const refused = await nerd(['volume', 'rm', 'claimed'], {env})
      assert.equal(refused.code, 1)
      assert.match(refused.stderr, /^Error: remove claimed: volume is in use - \[[0-9a-f]{64}\]\n$/)
      await nerdOk(['volume', 'prune', '-a', '-f'], {env})
      assert.deepEqual((await nerdOk(['volume', 'ls', '-q'], {env})).split('\n').filter(Boolean).sort(), [volume, 'claimed'].sort())
      await writeFile(gate, '')
      const result = await created
      assert.equal(result.code, 0, result.stderr)
      const mounts = await nerdOk(['inspect', '-f', '{{range .Mounts}}{{.Name}} {{end}}', 'claims'], {env})
      assert.deepEqual(mounts.trim().split(' ').sort(), [volume, 'claimed'].sort())
    } finally {
      // A create never let through would wait out its hook's time limit.
      await writeFile(gate, '')
      await created
      await nerd(['rm', '-f', '-v', 'claims'], {env})
      await nerd(['volume', 'rm', '-f', 'claimed'], {env})
      await nerdOk(['plugins', 'uninstall', 'nerd-plugin-gate'], {env})
    }
  })

  it('refuses a bundle packed without its plugins, in one line, and keeps nothing of it', async () => {
    await run('cp', ['-r', examples, join(home, 'examples')])
    // What installing the bundle from its directory (plugin-example.test.ts) leaves there.
    await rm(join(home, 'examples', 'nerd-bundle-example', 'node_modules'), {recursive: true, force: true})
    // npm pack without npm install first: the tarball names nerd-plugin-example but does not carry it.
    const {stdout} = await run(process.execPath, [npm, 'pack', '--json', '--pack-destination', home, join(home, 'examples', 'nerd-bundle-example')])
    const tarball = join(home, (JSON.parse(stdout) as {filename: string}[])[0]!.filename)
    const result = await nerd(['plugins', 'install', tarball], {env})
    assert.equal(result.code, 1, result.stderr)
    assert.match(result.stderr, /^Error: bundle "nerd-bundle-example" does not carry nerd-plugin-example \(run npm install in it before npm pack\); it was not installed$/m)
    assert.doesNotMatch(result.stderr, /parent|options|pjson/)
    assert.equal(await nerdOk(['plugins', 'ls', '-q'], {env}), '')
    assert.equal((await nerd(['ps'], {env})).stderr, '')
  })

  it('a plugin oclif cannot load is one line on stderr, not an object dump', async () => {
    const data = join(home, 'lost')
    await mkdir(join(data, 'nerd'), {recursive: true})
    await writeFile(join(data, 'nerd', 'package.json'), JSON.stringify({private: true, oclif: {plugins: [{name: 'nerd-plugin-lost', type: 'user'}]}, dependencies: {'nerd-plugin-lost': '1.0.0'}}))
    const result = await nerd(['ps'], {env: {...env, XDG_DATA_HOME: data}})
    assert.equal(result.code, 0, result.stderr)
    assert.equal(result.stderr, 'WARNING: plugin "nerd-plugin-lost" cannot be loaded: its package is not found\n')
  })

  it('a package.json that does not parse is named by its path: at link, and when a linked plugin\'s breaks later', async () => {
    const broken = '{"name": "nerd-plugin-broken", broken'
    const parseError = (() => {
      try {
        JSON.parse(broken)
      } catch (error) {
        return (error as Error).message
      }
      throw new Error('it parsed')
    })()
    const plugin = await writePlugin('nerd-plugin-broken', {oclif: {}})
    const file = join(plugin, 'package.json')
    const good = await readFile(file, 'utf8')
    await writeFile(file, broken)
    const linked = await nerd(['plugins', 'link', plugin], {env})
    assert.deepEqual([linked.code, linked.stderr], [1, `Error: ${file}: ${parseError}; it was not linked\n`])
    await writeFile(file, good)
    await nerdOk(['plugins', 'link', plugin], {env})
    try {
      await writeFile(file, broken)
      const ps = await nerd(['ps'], {env})
      assert.deepEqual([ps.code, ps.stderr], [0, `WARNING: plugin "nerd-plugin-broken" cannot be loaded: ${file}: ${parseError}\n`])
      assert.equal((await nerd(['plugins', 'ls', '--format', '{{.Name}} {{.Type}} {{.Error}}'], {env})).stdout, `nerd-plugin-broken link ${file}: ${parseError}\n`)
    } finally {
      await nerdOk(['plugins', 'unlink', 'nerd-plugin-broken'], {env})
    }
    // An installed one, whose copy breaks: oclif says it does not find the package.
    await writeFile(file, good)
    await nerdOk(['plugins', 'install', plugin], {env})
    const copy = join(home, 'data', 'nerd', 'node_modules', 'nerd-plugin-broken', 'package.json')
    try {
      await writeFile(copy, broken)
      const warning = `WARNING: plugin "nerd-plugin-broken" cannot be loaded: ${copy}: ${parseError}\n`
      const ps = await nerd(['ps'], {env})
      assert.deepEqual([ps.code, ps.stderr], [0, warning])
      const ls = await nerd(['plugins', 'ls', '--format', '{{.Name}} {{.Type}} {{.Error}}'], {env})
      assert.deepEqual([ls.stdout, ls.stderr], [`nerd-plugin-broken user ${copy}: ${parseError}\n`, warning])
      assert.match((await nerdOk(['plugins', 'ls'], {env})).split('\n')[1]!, /^nerd-plugin-broken +user +\/.+\/package\.json: /)
      const inspect = await nerd(['plugins', 'inspect', 'nerd-plugin-broken'], {env})
      assert.deepEqual([inspect.code, inspect.stderr], [1, `${warning}Error: plugin "nerd-plugin-broken" is installed and cannot be loaded: ${copy}: ${parseError}\n`])
      // A reinstall over it names the plugin and the file, and keeps the copy there.
      const reinstalled = await nerd(['plugins', 'install', plugin], {env})
      assert.deepEqual([reinstalled.code, reinstalled.stderr], [1, `${warning}nerd: Installing plugin ${plugin}... failed\nError: plugin "nerd-plugin-broken" cannot be loaded: ${copy}: ${parseError}; it was not installed\n`])
      assert.equal(await readFile(copy, 'utf8'), broken)
    } finally {
      await nerdOk(['plugins', 'uninstall', 'nerd-plugin-broken'], {env})
    }
    assert.equal(await nerdOk(['plugins', 'ls', '-q'], {env}), '')
  })

  it('installs a plugin from its tarball\'s http(s) URL; a bad source is one line naming it as typed, and leaves nothing', async () => {
    const tarball = await packed(fixture)
    const server = createServer((request, response) => {
      if (request.url === '/dist/plugin.tgz') response.end(tarball)
      else if (request.url === '/dist/bogus.tgz') response.end('not a tarball')
      else {
        response.statusCode = 404
        response.end()
      }
    })
    await new Promise<void>((resolvePromise) => server.listen(0, '127.0.0.1', resolvePromise))
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/dist`
    const withoutRetries = {...env, npm_config_fetch_retries: '0'}
    try {
      const before = await leftInstalled()
      // Nothing of npm's on stdout, its warning of --force neither: nerd's own line only.
      for (const options of [[], ['-f']]) {
        const installed = await nerd(['plugins', 'install', ...options, `${base}/plugin.tgz`], {env: withoutRetries})
        assert.deepEqual([installed.code, installed.stdout, installed.stderr], [0, '', `nerd: Installing plugin ${base}/plugin.tgz... installed v1.0.0\n`], options.join(' '))
      }
      assert.equal(await nerdOk(['plugins', 'ls', '--format', '{{.Name}} {{.Version}}'], {env}), 'nerd-plugin-hookfixture 1.0.0\n')
      await nerdOk(['plugins', 'uninstall', 'nerd-plugin-hookfixture'], {env})
      const empty = join(home, 'empty-plugin-dir')
      await mkdir(empty, {recursive: true})
      for (const [source, error] of [
        [`${base}/missing.tgz`, `cannot download the plugin ${base}/missing.tgz: 404 Not Found - GET ${base}/missing.tgz`],
        ['http://127.0.0.1:9/plugin.tgz', 'cannot download the plugin http://127.0.0.1:9/plugin.tgz: request to http://127.0.0.1:9/plugin.tgz failed, reason: connect ECONNREFUSED 127.0.0.1:9'],
        [empty, `${empty} is not a plugin directory: it has no package.json`],
      ]) {
        const failed = await nerd(['plugins', 'install', source!], {env: withoutRetries})
        assert.deepEqual([failed.code, failed.stdout, failed.stderr], [1, '', `Error: ${error}\n`], source)
        assert.deepEqual(await leftInstalled(), before)
      }
      const bogus = await nerd(['plugins', 'install', `${base}/bogus.tgz`], {env: withoutRetries})
      assert.equal(bogus.code, 1)
      assert.match(bogus.stderr, new RegExp(`^Error: cannot download the plugin ${base}/bogus.tgz: .+\n$`))
      assert.deepEqual(await leftInstalled(), before)
    } finally {
      await new Promise((resolvePromise) => server.close(resolvePromise))
    }
  })

  it('refuses a path that does not exist at once, without asking npm or GitHub', async () => {
    for (const path of ['./nerd-plugin-typo', '../nothing.tgz', '/nonexistent/plugin']) {
      const result = await nerd(['plugins', 'install', path], {env, cwd: home, timeoutMs: 10_000})
      assert.deepEqual([result.code, result.stderr], [1, `Error: ${path}: no such file or directory\n`])
    }
  })

  it('keeps in packs/ only the tarballs installed plugins come from', async () => {
    const packs = join(home, 'data', 'nerd', 'packs')
    const listed = async () => (await readdir(packs).catch(() => [] as string[])).sort()
    await nerdOk(['plugins', 'install', fixture], {env})
    // npm's name, and a digest of the content: another content of the same version is another tarball.
    const [tarball] = await listed()
    assert.match(tarball!, /^nerd-plugin-hookfixture-1\.0\.0-[0-9a-f]{12}\.tgz$/)
    assert.equal((await nerd(['plugins', 'install', badApi], {env})).code, 1)
    assert.deepEqual(await listed(), [tarball])
    await nerdOk(['plugins', 'uninstall', 'nerd-plugin-hookfixture'], {env})
    assert.deepEqual(await listed(), [])
  })

  it('two installs at once both end installed: the second waits for the first', async () => {
    const packs = join(home, 'data', 'nerd', 'packs')
    const names = ['nerd-plugin-together-a', 'nerd-plugin-together-b']
    const directories = await Promise.all(names.map((name) => writePlugin(name, {oclif: {commands: './commands'}, nerd: {hookApi: '^1'}}, {
      [`commands/${name}/hello.js`]: "export default class Hello { static async run() { console.log('hello') } }\n",
      'oclif.manifest.json': JSON.stringify({version: '1.0.0', commands: {[`${name}:hello`]: {id: `${name}:hello`}}}),
    })))
    try {
      // Twice: the installs did not always get in each other's way.
      for (let round = 0; round < 2; round++) {
        const results = await Promise.all(directories.map((directory) => nerd(['plugins', 'install', directory], {env})))
        assert.deepEqual(results.map(({code}) => code), [0, 0], results.map(({stderr}) => stderr).join('\n'))
        assert.deepEqual((await nerdOk(['plugins', 'ls', '-q'], {env})).split('\n').filter(Boolean).sort(), names)
        assert.deepEqual((await readdir(packs)).map((file) => file.replace(/-1\.0\.0-[0-9a-f]{12}\.tgz$/, '')).sort(), names)
        await nerdOk(['plugins', 'uninstall', ...names], {env})
      }
    } finally {
      await nerd(['plugins', 'uninstall', ...names], {env})
    }
  })

  it('a change of the plugins that waited for another judges the plugins as that one left them: a bundle and the plugin it carries are not both kept', async () => {
    const child = await writePlugin('nerd-plugin-waited', {oclif: {}, nerd: {hookApi: '^1'}})
    const bundle = await writeBundle('nerd-bundle-waited', [child])
    const carried = 'plugin "nerd-plugin-waited" is installed already, with bundle "nerd-bundle-waited": uninstall the bundle first'
    const alone = 'bundle "nerd-bundle-waited" carries plugin "nerd-plugin-waited", which is installed already on its own: uninstall it first'
    for (const adding of ['install', 'link']) {
      // Both start while the lock is held (here): they load the plugins there are (none), then wait.
      const running = await withFileLock(join(home, 'data', 'nerd', 'plugins'), async () => {
        const waits: Promise<void>[] = []
        const commands = [['install', bundle], [adding, child]].map((args) => {
          let waiting = () => {}
          waits.push(new Promise<void>((resolvePromise) => (waiting = resolvePromise)))
          return nerd(['plugins', ...args], {env, onStderr: (stderr) => stderr.includes('nerd: waiting for another nerd command') && waiting()})
        })
        await Promise.all(waits)
        return commands
      })
      try {
        // Whichever takes the lock first is kept; the other is refused for it.
        const [bundled, added] = await Promise.all(running)
        assert.deepEqual([bundled.code, added.code].sort(), [0, 1], `${bundled.stderr}\n${added.stderr}`)
        const done = adding === 'install' ? 'installed' : 'linked'
        if (bundled.code === 0) {
          assert.ok(added.stderr.split('\n').includes(`Error: ${carried}; it was not ${done}`), added.stderr)
          assert.equal(await nerdOk(['plugins', 'ls', '--format', '{{.Name}} {{.Bundle}}'], {env}), 'nerd-bundle-waited \nnerd-plugin-waited nerd-bundle-waited\n')
        } else {
          assert.ok(bundled.stderr.split('\n').includes(`Error: ${alone}; it was not installed`), bundled.stderr)
          assert.equal(await nerdOk(['plugins', 'ls', '--format', '{{.Name}} {{.Type}}'], {env}), `nerd-plugin-waited ${adding === 'install' ? 'user' : 'link'}\n`)
        }
      } finally {
        for (const name of ['nerd-bundle-waited', 'nerd-plugin-waited']) await nerd(['plugins', 'uninstall', name], {env})
      }
    }
    assert.equal(await nerdOk(['plugins', 'ls', '-q'], {env}), '')
  })

  it('install judges the plugin installed alone: another installed plugin nerd would refuse now stays, unnamed', async () => {
    const older = await writePlugin('nerd-plugin-older', {oclif: {}, nerd: {hookApi: '^1'}})
    await nerdOk(['plugins', 'install', older], {env})
    try {
      // As a nerd of another hook API major finds it: installed when it was fine, refused now.
      const installed = join(home, 'data', 'nerd', 'node_modules', 'nerd-plugin-older', 'package.json')
      const pjson = JSON.parse(await readFile(installed, 'utf8')) as {nerd: {hookApi: string}}
      pjson.nerd.hookApi = '^2'
      await writeFile(installed, JSON.stringify(pjson))
      const result = await nerd(['plugins', 'install', fixture], {env})
      assert.equal(result.code, 0, result.stderr)
      assert.doesNotMatch(result.stderr, /nerd-plugin-older/)
      assert.deepEqual((await nerdOk(['plugins', 'ls', '-q'], {env})).split('\n').filter(Boolean).sort(), ['nerd-plugin-hookfixture', 'nerd-plugin-older'])
    } finally {
      await nerd(['plugins', 'uninstall', 'nerd-plugin-hookfixture', 'nerd-plugin-older'], {env})
    }
  })

  it('plugins update names each plugin whose source cannot be reached, with the reason, and leaves it as it was; the others are updated', async () => {
    const command = (name: string) => ({
      [`commands/${name}/hello.js`]: `export default class Hello { static async run() { console.log('hello from ${name}') } }\n`,
      'oclif.manifest.json': JSON.stringify({version: '1.0.0', commands: {[`${name}:hello`]: {id: `${name}:hello`}}}),
    })
    const fromGit = await writePlugin('nerd-plugin-fromgit', {oclif: {commands: './commands'}, nerd: {hookApi: '^1'}}, command('fromgit'))
    const fromRegistry = await writePlugin('nerd-plugin-fromregistry', {oclif: {commands: './commands'}, nerd: {hookApi: '^1'}}, command('fromregistry'))
    const fromDirectory = await writePlugin('nerd-plugin-fromdirectory', {oclif: {commands: './commands'}, nerd: {hookApi: '^1'}}, command('fromdirectory'))
    // A git repository on a file: URL, moved away below.
    const repository = join(home, 'git', 'fromgit.git')
    await commitTo(repository, fromGit)
    // A registry of one package on 127.0.0.1, stopped below.
    const server = await startRegistry(new Map([['nerd-plugin-fromregistry', new Map([['1.0.0', await packed(fromRegistry)]])]]))
    const registry = server.url
    // npm's cache of this test alone, emptied before the update: npm falls back on what it has cached.
    const npmCache = join(home, 'npm-cache')
    const withRegistry = {...env, NERD_NPM_REGISTRY: `${registry}/`, npm_config_cache: npmCache, npm_config_fetch_retries: '0'}
    const names = ['nerd-plugin-fromgit', 'nerd-plugin-fromregistry', 'nerd-plugin-fromdirectory']
    try {
      await nerdOk(['plugins', 'install', `git+file://${repository}`], {env: withRegistry})
      await nerdOk(['plugins', 'install', 'nerd-plugin-fromregistry'], {env: withRegistry})
      await nerdOk(['plugins', 'install', fromDirectory], {env: withRegistry})
      const data = join(home, 'data', 'nerd')
      const manifest = await readFile(join(data, 'package.json'), 'utf8')
      const unknown = await nerd(['plugins', 'install', 'nerd-plugin-nosuch'], {env: withRegistry})
      assert.deepEqual([unknown.code, unknown.stderr.split('\n').at(-2)], [1, 'Error: nerd-plugin-nosuch does not exist in the registry.'], unknown.stderr)
      await server.close()
      // oclif says the same of a registry it cannot reach: npm's reason is said instead.
      const unreached = await nerd(['plugins', 'install', 'nerd-plugin-nosuch'], {env: withRegistry})
      assert.deepEqual(
        [unreached.code, unreached.stderr.split('\n').at(-2)],
        [1, `Error: cannot install plugin "nerd-plugin-nosuch": request to ${registry}/nerd-plugin-nosuch failed, reason: connect ECONNREFUSED ${registry.slice('http://'.length)}`],
        unreached.stderr,
      )
      assert.equal(await readFile(join(data, 'package.json'), 'utf8'), manifest)
      await rename(repository, `${repository}.moved`)
      await rm(npmCache, {recursive: true, force: true})
      const updated = await nerd(['plugins', 'update'], {env: withRegistry})
      assert.equal(updated.code, 1, updated.stderr)
      const stays = '; the version installed before (1.0.0) is still installed'
      const lines = updated.stderr.split('\n')
      assert.equal(lines.length, 4, updated.stderr)
      assert.equal(lines[0], 'nerd: Updating plugins... failed')
      assert.equal(lines[1], `Error: cannot update plugin "nerd-plugin-fromgit": '${repository}' does not appear to be a git repository${stays}`)
      assert.equal(lines[2], `Error: cannot update plugin "nerd-plugin-fromregistry": request to ${registry}/nerd-plugin-fromregistry failed, reason: connect ECONNREFUSED ${registry.slice('http://'.length)}${stays}`)
      assert.equal(lines[3], '')
      assert.equal(await readFile(join(data, 'package.json'), 'utf8'), manifest)
      assert.deepEqual((await nerdOk(['plugins', 'ls', '--format', '{{.Name}} {{.Version}}'], {env})).split('\n').filter(Boolean).sort(), names.map((name) => `${name} 1.0.0`).sort())
      for (const name of ['fromgit', 'fromregistry', 'fromdirectory']) assert.equal(await nerdOk([name, 'hello'], {env}), `hello from ${name}\n`)
      // Its repository back, the git plugin updates: the registry's alone fails.
      await rename(`${repository}.moved`, repository)
      const again = await nerd(['plugins', 'update'], {env: withRegistry})
      assert.deepEqual([again.code, again.stderr.split('\n').slice(1)], [1, [lines[2], '']])
    } finally {
      await server.close()
      await nerd(['plugins', 'uninstall', ...names], {env})
    }
  })

  it('a manifest of another version than the package\'s is one line of nerd\'s at install and link, and nothing on other commands', async () => {
    const write = (name: string, hookApi: string) => writePlugin(name, {version: '1.0.1', oclif: {commands: './commands'}, nerd: {hookApi}}, {
      'commands/mism/hello.js': "export default class Hello { static async run() { console.log('hello from mism') } }\n",
      'oclif.manifest.json': JSON.stringify({version: '1.0.0', commands: {'mism:hello': {id: 'mism:hello'}}}),
    })
    const plugin = await write('nerd-plugin-mism', '^1')
    const warning = `WARNING: plugin "nerd-plugin-mism" has commands but no oclif.manifest.json of its version (1.0.1): every nerd command imports their modules to list them; ship one (see "Commands" in nerd's plugin guide)`
    try {
      const installed = await nerd(['plugins', 'install', plugin], {env})
      assert.equal(installed.code, 0, installed.stderr)
      assert.deepEqual(installed.stderr.split('\n').slice(1), [warning, ''])
      for (const [args, stdout] of [[['plugins', 'ls', '-q'], 'nerd-plugin-mism\n'], [['mism', 'hello'], 'hello from mism\n']] as const) {
        const ran = await nerd([...args], {env})
        assert.deepEqual([ran.code, ran.stdout, ran.stderr], [0, stdout, ''], args.join(' '))
      }
      const linked = await nerd(['plugins', 'link', plugin], {env})
      assert.deepEqual([linked.code, linked.stderr], [0, `nerd: Linking plugin ${plugin}... done\n${warning}\n`])
      assert.equal((await nerd(['mism', 'hello'], {env})).stderr, '')
    } finally {
      await nerd(['plugins', 'uninstall', 'nerd-plugin-mism'], {env})
    }
    // A refused one: the refusal alone.
    await expectRefused(await write('nerd-plugin-mismapi', '^9'), `plugin "nerd-plugin-mismapi" targets nerd hook API 9.x; this nerd provides ${HOOK_API_VERSION}`)
  })

  it('npm failing at install is one line with its reason on stderr, nothing of npm on stdout; an upgrade npm fails leaves the version installed before', async () => {
    const name = 'nerd-plugin-npmfail'
    const version = (number: string, pjson: object = {}) => writePlugin(name, {version: number, oclif: {commands: './commands'}, nerd: {hookApi: '^1'}, ...pjson}, {
      'commands/npmfail/hello.js': `export default class Hello { static async run() { console.log('hello from ${number}') } }\n`,
      'oclif.manifest.json': JSON.stringify({version: number, commands: {'npmfail:hello': {id: 'npmfail:hello'}}}),
    }).then(packed)
    const published = new Map([['1.0.0', await version('1.0.0')]])
    const server = await startRegistry(new Map([[name, published]]))
    const registry = server.url
    const withRegistry = {...env, NERD_NPM_REGISTRY: `${registry}/`, npm_config_cache: join(home, 'npm-cache-npmfail'), npm_config_fetch_retries: '0'}
    const missing = `404 Not Found - GET ${registry}/nerd-plugin-missingdep`
    /** The install of `spec` fails, with the error `error` (up to its end, or matched), and nothing on stdout. */
    const fails = async (spec: string, error: string | RegExp) => {
      const before = await leftInstalled()
      const installed = await nerd(['plugins', 'install', spec], {env: withRegistry})
      assert.deepEqual([installed.code, installed.stdout], [1, ''], installed.stderr)
      const lines = installed.stderr.split('\n')
      assert.equal(lines.length, 3, installed.stderr)
      assert.match(lines[0]!, /^nerd: Installing plugin \S+\.\.\. failed$/, installed.stderr)
      if (typeof error === 'string') assert.equal(lines[1], `Error: ${error}`)
      else assert.match(lines[1]!, error)
      assert.deepEqual(await leftInstalled(), before)
    }
    try {
      await nerdOk(['plugins', 'install', `${name}@1.0.0`], {env: withRegistry})
      // The upgrade needs a package the registry does not have.
      published.set('1.0.1', await version('1.0.1', {dependencies: {'nerd-plugin-missingdep': '^1.0.0'}}))
      await fails(`${name}@1.0.1`, new RegExp(`^Error: cannot install plugin "${name}": ${missing}\\b.*; the version installed before \\(1\\.0\\.0\\) is still installed$`))
      assert.equal(await nerdOk(['plugins', 'ls', '--format', '{{.Name}} {{.Version}}'], {env}), `${name} 1.0.0\n`)
      assert.equal(await nerdOk(['npmfail', 'hello'], {env}), 'hello from 1.0.0\n')
      await nerdOk(['plugins', 'uninstall', name], {env})
      await fails(`${name}@1.0.1`, new RegExp(`^Error: cannot install plugin "${name}": ${missing}\\b[^;]*$`))
      // From a directory, its package.json names the plugin; from a tarball, nothing npm installed does.
      await fails(await writePlugin('nerd-plugin-postfail', {oclif: {}, nerd: {hookApi: '^1'}, scripts: {postinstall: 'echo cannot >&2; exit 3'}}), 'cannot install plugin "nerd-plugin-postfail": script "sh -c echo cannot >&2; exit 3" failed with exit code 3: cannot')
      await writeFile(join(home, 'garbage.tgz'), 'garbage')
      await fails(join(home, 'garbage.tgz'), 'cannot install the plugin: TAR_BAD_ARCHIVE: Unrecognized archive format')
    } finally {
      await server.close()
      await nerd(['plugins', 'uninstall', name], {env})
    }
  })

  it('a dependency npm cannot install from its file: path refuses the plugin, leaving nothing; one installed so before is named by the installs and updates npm then fails', async () => {
    const broken = await writePlugin('nerd-plugin-filedep', {oclif: {}, nerd: {hookApi: '^1'}, dependencies: {'nerd-test-nosuchdep': 'file:../nope'}})
    const missing = 'plugin "nerd-plugin-filedep" depends on nerd-test-nosuchdep (file:../nope), which npm could not install'
    const before = await leftInstalled()
    const refused = await nerd(['plugins', 'install', broken], {env})
    assert.deepEqual([refused.code, refused.stderr], [1, `nerd: Installing plugin ${broken}... failed\nError: ${missing}; it was not installed\n`])
    assert.deepEqual(await leftInstalled(), before)
    // As an install before this check left it: npm's link to nothing, which npm then fails every install and update over.
    const data = join(home, 'data', 'nerd')
    await mkdir(data, {recursive: true})
    await writeFile(join(home, 'filedep.tgz'), await packed(broken))
    await run(process.execPath, [npm, 'install', '--no-audit', '--no-fund', `file:${join(home, 'filedep.tgz')}`], {cwd: data})
    const manifest = JSON.parse(await readFile(join(data, 'package.json'), 'utf8')) as {oclif?: {plugins?: object[]}}
    manifest.oclif = {...manifest.oclif, plugins: [...(manifest.oclif?.plugins ?? []), {name: 'nerd-plugin-filedep', type: 'user', url: `file:${join(home, 'filedep.tgz')}`}]}
    await writeFile(join(data, 'package.json'), JSON.stringify(manifest))
    const other = await writePlugin('nerd-plugin-afterbroken', {oclif: {}, nerd: {hookApi: '^1'}})
    try {
      const installed = await nerd(['plugins', 'install', other], {env})
      assert.equal(installed.code, 1, installed.stderr)
      assert.match(installed.stderr, new RegExp(`^Error: cannot install plugin "nerd-plugin-afterbroken": .* \\(${missing.replace(/[()]/g, '\\$&')}: remove it with nerd plugins uninstall nerd-plugin-filedep\\)$`, 'm'))
      const updated = await nerd(['plugins', 'update'], {env})
      assert.equal(updated.code, 1, updated.stderr)
      assert.match(updated.stderr, /^Error: cannot update plugin "nerd-plugin-filedep": [^\n]*[^.]\(plugin "nerd-plugin-filedep" depends on nerd-test-nosuchdep/m)
      await nerdOk(['plugins', 'uninstall', 'nerd-plugin-filedep'], {env})
      await nerdOk(['plugins', 'install', other], {env})
    } finally {
      await nerd(['plugins', 'uninstall', 'nerd-plugin-filedep', 'nerd-plugin-afterbroken'], {env})
    }
  })

  it('uninstall removes each plugin named and reports each not installed, failing at the end, as docker\'s plugin rm; ls lists the plugins by name', async () => {
    const names = ['nerd-plugin-zeta', 'nerd-plugin-alpha', 'nerd-plugin-mu']
    for (const name of names) await nerdOk(['plugins', 'install', await writePlugin(name, {oclif: {}, nerd: {hookApi: '^1'}})], {env})
    try {
      for (let run = 0; run < 3; run++) assert.equal(await nerdOk(['plugins', 'ls', '-q'], {env}), `${[...names].sort().join('\n')}\n`)
      const removed = await nerd(['plugins', 'uninstall', 'nerd-plugin-zeta', 'nerd-plugin-none', 'nerd-plugin-alpha', 'nerd-plugin-gone'], {env})
      assert.equal(removed.code, 1, removed.stderr)
      assert.deepEqual(removed.stderr.split('\n').filter((line) => line.startsWith('Error: ')), ['Error: nerd-plugin-none is not installed', 'Error: nerd-plugin-gone is not installed'])
      assert.equal(await nerdOk(['plugins', 'ls', '-q'], {env}), 'nerd-plugin-mu\n')
      assert.deepEqual(Object.keys((await leftInstalled()).dependencies), ['nerd-plugin-mu'])
    } finally {
      await nerd(['plugins', 'uninstall', ...names], {env})
    }
  })

  it('plugins update judges what it updated as install does: a version install refuses gives way to the one installed before; the others are updated', async () => {
    // A plugin of version `version` with the command `<topic> hello`, saying its version.
    const writeVersion = (topic: string, version: string, nerdBlock: object = {hookApi: '^1'}, files: Record<string, string> = {}) => writePlugin(`nerd-plugin-${topic}`, {version, oclif: {commands: './commands'}, nerd: nerdBlock}, {
      [`commands/${topic}/hello.js`]: `export default class Hello { static async run() { console.log('hello from ${topic} ${version}') } }\n`,
      'oclif.manifest.json': JSON.stringify({version, commands: {[`${topic}:hello`]: {id: `${topic}:hello`}}}),
      ...files,
    })
    // One from a registry on 127.0.0.1, whose `latest` is the version published last.
    const published = new Map([['1.0.0', await packed(await writeVersion('upreg', '1.0.0'))]])
    const server = await startRegistry(new Map([['nerd-plugin-upreg', published]]))
    // One from a git repository: each version a commit of the branch.
    const repository = join(home, 'git', 'upgit.git')
    await commitTo(repository, await writeVersion('upgit', '1.0.0'))
    const withRegistry = {...env, NERD_NPM_REGISTRY: `${server.url}/`, npm_config_cache: join(home, 'npm-cache'), npm_config_prefer_online: 'true'}
    const data = join(home, 'data', 'nerd')
    const installed = async () => (await nerdOk(['plugins', 'ls', '--format', '{{.Name}} {{.Version}}'], {env})).split('\n').filter(Boolean).sort()
    const specs = async () => (JSON.parse(await readFile(join(data, 'package.json'), 'utf8')) as {dependencies: Record<string, string>}).dependencies
    const stays = (version: string) => `; the version installed before (${version}) is still installed`
    try {
      await nerdOk(['plugins', 'install', 'nerd-plugin-upreg'], {env: withRegistry})
      await nerdOk(['plugins', 'install', `git+file://${repository}`], {env: withRegistry})
      const installedSpecs = await specs()

      // The registry's 1.1.0 targets another hook API; the repository's 1.1.0 is fine.
      published.set('1.1.0', await packed(await writeVersion('upreg', '1.1.0', {hookApi: '^2'})))
      const upgit110 = await commitTo(repository, await writeVersion('upgit', '1.1.0'))
      const first = await nerd(['plugins', 'update'], {env: withRegistry})
      assert.deepEqual([first.code, first.stderr.split('\n')], [1, [
        'nerd: Updating plugins... failed',
        `Error: cannot update plugin "nerd-plugin-upreg" to 1.1.0: plugin "nerd-plugin-upreg" targets nerd hook API 2.x; this nerd provides ${HOOK_API_VERSION}${stays('1.0.0')}`,
        '',
      ]], first.stderr)
      assert.deepEqual(await installed(), ['nerd-plugin-upgit 1.1.0', 'nerd-plugin-upreg 1.0.0'])
      assert.equal(await nerdOk(['upreg', 'hello'], {env}), 'hello from upreg 1.0.0\n')
      assert.equal(await nerdOk(['upgit', 'hello'], {env}), 'hello from upgit 1.1.0\n')
      assert.deepEqual(await specs(), installedSpecs)
      assert.deepEqual((await readdir(data)).filter((entry) => entry.startsWith('.')), [])

      // The registry's 1.2.0 is fine; the repository's 1.2.0 has a manifest oclif cannot read.
      published.set('1.2.0', await packed(await writeVersion('upreg', '1.2.0')))
      await commitTo(repository, await writeVersion('upgit', '1.2.0', {hookApi: '^1'}, {'oclif.manifest.json': JSON.stringify({version: '1.2.0'})}))
      const second = await nerd(['plugins', 'update'], {env: withRegistry})
      assert.deepEqual([second.code, second.stderr.split('\n')], [1, [
        'nerd: Updating plugins... failed',
        `Error: cannot update plugin "nerd-plugin-upgit" to 1.2.0: plugin "nerd-plugin-upgit" has an oclif.manifest.json that is not {"version": "…", "commands": {…}}${stays('1.1.0')}`,
        '',
      ]], second.stderr)
      assert.deepEqual(await installed(), ['nerd-plugin-upgit 1.1.0', 'nerd-plugin-upreg 1.2.0'])
      assert.equal(await nerdOk(['upreg', 'hello'], {env}), 'hello from upreg 1.2.0\n')
      assert.equal(await nerdOk(['upgit', 'hello'], {env}), 'hello from upgit 1.1.0\n')

      // An update that changes nothing judges nothing: a plugin installed that this nerd would
      // refuse now (as a nerd of another hook API major finds it) stays as it is, unnamed, as
      // install leaves it.
      await run('git', [`--git-dir=${repository}`, 'update-ref', 'HEAD', upgit110])
      const copy = join(data, 'node_modules', 'nerd-plugin-upgit', 'package.json')
      const pjson = JSON.parse(await readFile(copy, 'utf8')) as {nerd: {hookApi: string}}
      pjson.nerd.hookApi = '^2'
      await writeFile(copy, JSON.stringify(pjson))
      const unchanged = await nerd(['plugins', 'update'], {env: withRegistry})
      assert.deepEqual([unchanged.code, unchanged.stderr], [0, 'nerd: Updating plugins... done\n'])
      assert.deepEqual(await installed(), ['nerd-plugin-upgit 1.1.0', 'nerd-plugin-upreg 1.2.0'])
      assert.match(await nerdOk(['plugins', 'ls'], {env}), /^nerd-plugin-upgit +1\.1\.0 +user +\^2 *$/m)
    } finally {
      await server.close()
      await nerd(['plugins', 'uninstall', 'nerd-plugin-upreg', 'nerd-plugin-upgit'], {env})
    }
  })

  it('plugins update judges the plugins an updated bundle carries as they are now: one nerd refuses keeps the bundle at the version before', async () => {
    // A bundle carrying its plugin in its node_modules, as npm installs it from git.
    const writeBundleVersion = (version: string, hookApi: string) => writePlugin('nerd-bundle-upb', {
      version,
      dependencies: {'nerd-plugin-upkid': '1.0.0'},
      bundleDependencies: ['nerd-plugin-upkid'],
      oclif: {plugins: ['nerd-plugin-upkid']},
      nerd: {hookApi: '^1'},
    }, {
      'oclif.manifest.json': JSON.stringify({version, commands: {}}),
      'node_modules/nerd-plugin-upkid/package.json': JSON.stringify({name: 'nerd-plugin-upkid', version: '1.0.0', type: 'module', oclif: {}, nerd: {hookApi}}),
      'node_modules/nerd-plugin-upkid/oclif.manifest.json': JSON.stringify({version: '1.0.0', commands: {}}),
    })
    const repository = join(home, 'git', 'upb.git')
    await commitTo(repository, await writeBundleVersion('1.0.0', '^1'))
    try {
      await nerdOk(['plugins', 'install', `git+file://${repository}`], {env})
      // nerd read the plugin it carries when it started: the check reads it as it is after the update.
      await commitTo(repository, await writeBundleVersion('1.1.0', '^2'))
      const updated = await nerd(['plugins', 'update'], {env})
      assert.deepEqual([updated.code, updated.stderr.split('\n')], [1, [
        'nerd: Updating plugins... failed',
        `Error: cannot update plugin "nerd-bundle-upb" to 1.1.0: bundle "nerd-bundle-upb" carries a plugin nerd cannot use: plugin "nerd-plugin-upkid" targets nerd hook API 2.x; this nerd provides ${HOOK_API_VERSION}; the version installed before (1.0.0) is still installed`,
        '',
      ]], updated.stderr)
      assert.deepEqual(JSON.parse(`[${(await nerdOk(['plugins', 'ls', '--format', 'json'], {env})).trim().split('\n').join(',')}]`), [
        {Name: 'nerd-bundle-upb', Version: '1.0.0', Type: 'user', Bundle: '', HookApi: '^1', Error: ''},
        {Name: 'nerd-plugin-upkid', Version: '1.0.0', Type: 'user', Bundle: 'nerd-bundle-upb', HookApi: '^1', Error: ''},
      ])
    } finally {
      await nerd(['plugins', 'uninstall', 'nerd-bundle-upb'], {env})
    }
  })

  it('refuses to link a plugin built for another hook API major', async () => {
    const result = await nerd(['plugins', 'link', badApi], {env})
    assert.equal(result.code, 1, result.stderr)
    assert.equal(result.stderr, 'Error: plugin "nerd-plugin-badapi" targets nerd hook API 2.x; this nerd provides 1.0.0; it was not linked\n')
    assert.equal(await nerdOk(['plugins', 'ls', '-q'], {env}), '')
  })

  it('install and link warn about the commands nerd\'s own hide and hook declarations nerd cannot use, once', async () => {
    const command = (text: string) => `export default class Command { static async run() { console.log('${text}') } }\n`
    const plugin = await writePlugin('nerd-plugin-collide', {
      oclif: {commands: './commands', hooks: {'nerd:image:verfy': './hooks/start.js', 'nerd:container:start': './hooks/start.js'}},
      nerd: {hookOrder: 'soon'},
    }, {'commands/ps.js': command('plugin ps'), 'commands/image/ls.js': command('plugin image ls'), 'commands/zzz.js': command('plugin zzz'), 'hooks/start.js': 'export default () => {}\n'}, {manifest: false})
    const expected = [
      'WARNING: plugin "nerd-plugin-collide" has commands that nerd\'s own hide (nerd\'s win): image ls, ps',
      'WARNING: plugin "nerd-plugin-collide" declares a hook for "nerd:image:verfy", an event this nerd never fires',
      'WARNING: plugin "nerd-plugin-collide" declares nerd.hookOrder "soon", not a number; using 100',
      'WARNING: plugin "nerd-plugin-collide" does not declare the nerd hook API it targets ("nerd": {"hookApi": "^1"} in its package.json); its hooks run anyway',
      'WARNING: plugin "nerd-plugin-collide" has commands but no oclif.manifest.json of its version (1.0.0): every nerd command imports their modules to list them; ship one (see "Commands" in nerd\'s plugin guide)',
    ]
    for (const [verb, undo] of [['install', 'uninstall'], ['link', 'unlink']] as const) {
      const installed = await nerd(['plugins', verb, plugin], {env})
      assert.equal(installed.code, 0, installed.stderr)
      assert.deepEqual(installed.stderr.split('\n').filter((line) => line.startsWith('WARNING')), expected)
      assert.equal(await nerdOk(['zzz'], {env}), 'plugin zzz\n')
      assert.doesNotMatch(await nerdOk(['ps'], {env}), /plugin ps/)
      const ran = await nerd(['run', '--rm', '--network', 'none', IMG, 'true'], {env})
      assert.deepEqual([ran.code, ran.stderr], [0, ''])
      await nerdOk(['plugins', undo, 'nerd-plugin-collide'], {env})
    }
  })

  it('install and link warn about commands another of the user\'s plugins has too, naming both; an installed plugin\'s run before a linked one\'s', async () => {
    const command = (text: string, aliases: string[] = []) => `export default class Command { static aliases = ${JSON.stringify(aliases)}; static async run() { console.log('${text}') } }\n`
    const first = await writePlugin('nerd-plugin-dupa', {oclif: {commands: './commands'}}, {'commands/dup/info.js': command('from dupa')}, {manifest: false})
    const second = await writePlugin('nerd-plugin-dupb', {oclif: {commands: './commands'}}, {'commands/dup/info.js': command('from dupb'), 'commands/dupb.js': command('dupb alias', ['dup:alias'])}, {manifest: false})
    const third = await writePlugin('nerd-plugin-dupc', {oclif: {commands: './commands'}}, {'commands/dup/info.js': command('from dupc'), 'commands/dup/alias.js': command('dupc alias')}, {manifest: false})
    // Their commands are found without a manifest, for the aliases their classes declare (another test checks that warning).
    const warnings = (stderr: string) => stderr.split('\n').filter((line) => line.startsWith('WARNING') && !line.includes('oclif.manifest.json'))
    await nerdOk(['plugins', 'install', first], {env})
    try {
      const installed = await nerd(['plugins', 'install', second], {env})
      assert.equal(installed.code, 0, installed.stderr)
      assert.deepEqual(warnings(installed.stderr), ['WARNING: plugin "nerd-plugin-dupb" has commands that plugin "nerd-plugin-dupa" has too (which of the two runs is not defined): dup info'])
      const linked = await nerd(['plugins', 'link', third], {env})
      assert.equal(linked.code, 0, linked.stderr)
      assert.deepEqual(warnings(linked.stderr), [
        'WARNING: plugin "nerd-plugin-dupc" has commands that plugin "nerd-plugin-dupa" has too (the installed plugin "nerd-plugin-dupa"\'s run): dup info',
        'WARNING: plugin "nerd-plugin-dupc" has commands that plugin "nerd-plugin-dupb" has too (the installed plugin "nerd-plugin-dupb"\'s run): dup alias, dup info',
      ])
      assert.equal(await nerdOk(['dup', 'alias'], {env}), 'dupb alias\n')
    } finally {
      for (const name of ['nerd-plugin-dupc', 'nerd-plugin-dupb', 'nerd-plugin-dupa']) await nerd(['plugins', 'uninstall', name], {env})
    }
  })

  it('refuses a plugin a bundle carries already, and a bundle carrying one installed on its own; uninstalling a bundle warns about the containers that recorded its plugins', async () => {
    const gammaPlugin = (directory: string, version: string) => writePlugin(directory, {
      version,
      oclif: {hooks: {'nerd:network:setup': './hooks/net.js'}},
      nerd: {hookApi: '^1'},
    }, {'hooks/net.js': 'export default () => {}\n'})
    const gamma = await gammaPlugin('nerd-plugin-gamma', '1.0.0')
    const bundle = await writeBundle('nerd-bundle-gamma', [gamma])
    const newer = await gammaPlugin('nerd-plugin-gamma-v2', '2.0.0')
    await writeFile(join(newer, 'package.json'), (await readFile(join(newer, 'package.json'), 'utf8')).replace('nerd-plugin-gamma-v2', 'nerd-plugin-gamma'))
    await writeFile(join(newer, 'oclif.manifest.json'), JSON.stringify({version: '2.0.0', commands: {}}))
    await nerdOk(['plugins', 'install', bundle], {env})
    try {
      await expectRefused(newer, 'plugin "nerd-plugin-gamma" is installed already, with bundle "nerd-bundle-gamma": uninstall the bundle first')
      assert.equal(await nerdOk(['plugins', 'ls', '--format', '{{.Name}} {{.Version}} {{.Bundle}}'], {env}), 'nerd-bundle-gamma 1.0.0 \nnerd-plugin-gamma 1.0.0 nerd-bundle-gamma\n')
      await nerdOk(['create', '--name', 'gamma-net', IMG, 'true'], {env})
      const uninstalled = await nerd(['plugins', 'uninstall', 'nerd-bundle-gamma'], {env})
      assert.equal(uninstalled.code, 0, uninstalled.stderr)
      assert.match(uninstalled.stderr, /^WARNING: 1 container was created with the network hooks of plugin "nerd-plugin-gamma"; they start without them from now on$/m)
      // The other way round.
      await nerdOk(['plugins', 'install', newer], {env})
      const bundled = await nerd(['plugins', 'install', bundle], {env})
      assert.equal(bundled.code, 1, bundled.stderr)
      assert.ok(bundled.stderr.split('\n').includes('Error: bundle "nerd-bundle-gamma" carries plugin "nerd-plugin-gamma", which is installed already on its own: uninstall it first; it was not installed'), bundled.stderr)
      assert.equal(await nerdOk(['plugins', 'ls', '--format', '{{.Name}} {{.Version}}'], {env}), 'nerd-plugin-gamma 2.0.0\n')
    } finally {
      await nerd(['rm', '-f', 'gamma-net'], {env})
      for (const name of ['nerd-bundle-gamma', 'nerd-plugin-gamma']) await nerd(['plugins', 'uninstall', name], {env})
    }
  })

  it('an upgrade that is refused or fails to load leaves the version installed before installed and working', async () => {
    const data = join(home, 'data', 'nerd')
    const created = join(home, 'plugins', 'nerd-plugin-upg')
    await rm(created, {recursive: true, force: true})
    await mkdir(dirname(created), {recursive: true})
    await nerdOk(['plugins', 'new', created], {env})
    const pjsonPath = join(created, 'package.json')
    const working = await readFile(pjsonPath, 'utf8')
    const manifestPath = join(created, 'oclif.manifest.json')
    const manifest = await readFile(manifestPath, 'utf8')
    const setVersion = async (version: string, pjson: string) => {
      await writeFile(pjsonPath, pjson.replace('"version": "0.1.0"', `"version": "${version}"`))
      await writeFile(manifestPath, manifest.replace('"version": "0.1.0"', `"version": "${version}"`))
    }
    const hello = join(created, 'commands', 'upg', 'hello.js')
    const helloWorking = await readFile(hello, 'utf8')
    await nerdOk(['plugins', 'install', created], {env})
    try {
      const installedSpec = async () => (JSON.parse(await readFile(join(data, 'package.json'), 'utf8')) as {dependencies: Record<string, string>}).dependencies['nerd-plugin-upg']
      const spec = await installedSpec()
      // The upgrade's files differ from the working version's: what is put back must be the earlier files.
      await writeFile(hello, helloWorking.replaceAll('hello from', 'upgraded hello from'))
      const cases: [string, (pjson: {oclif: Record<string, unknown>; nerd: Record<string, unknown>}) => void, RegExp][] = [
        ['hook API 2', (pjson) => (pjson.nerd.hookApi = '^2'), /^plugin "nerd-plugin-upg" targets nerd hook API 2\.x; this nerd provides \d+\.\d+\.\d+$/],
        ['a hook given as a number', (pjson) => (pjson.oclif.hooks = {'nerd:container:create': 42}), /^plugin "nerd-plugin-upg" has a hook for "nerd:container:create" that is neither a module path nor \{target, identifier\} in its package\.json$/],
        // oclif's installer fails to load this one (plugin-plugins takes back nothing of it).
        ['a null hook', (pjson) => (pjson.oclif.hooks = {'nerd:container:create': [null]}), /^plugin "nerd-plugin-upg" has a hook for "nerd:container:create" that is neither a module path nor \{target, identifier\} in its package\.json$/],
      ]
      // A reinstall of the same version is refused as an upgrade is; the first case is both.
      for (const [label, spoil, refusal, version] of [...cases.map(([...entry]) => [...entry, '0.2.0'] as const), [...cases[0]!, '0.1.0'] as const]) {
        const pjson = JSON.parse(working) as {oclif: Record<string, unknown>; nerd: Record<string, unknown>}
        spoil(pjson)
        await setVersion(version, JSON.stringify(pjson, null, 2))
        const upgraded = await nerd(['plugins', 'install', created], {env})
        assert.equal(upgraded.code, 1, `${label}: ${upgraded.stderr}`)
        const suffix = '; it was not installed: the version installed before (0.1.0) is still installed'
        const error = upgraded.stderr.split('\n').find((line) => line.startsWith('Error: '))
        assert.ok(error?.endsWith(suffix) && refusal.test(error.slice('Error: '.length, -suffix.length)), `${label}: ${upgraded.stderr}`)
        assert.equal(await nerdOk(['plugins', 'ls', '--format', '{{.Name}} {{.Version}}'], {env}), 'nerd-plugin-upg 0.1.0\n', label)
        assert.equal(await nerdOk(['upg', 'hello'], {env}), 'hello from nerd-plugin-upg\n', label)
        assert.equal(await installedSpec(), spec, label)
        assert.deepEqual((await readdir(data)).filter((entry) => entry.startsWith('.')), [], label)
        assert.deepEqual(await readdir(join(data, 'packs')), [spec!.slice('file:packs/'.length)], label)
      }
      // What npm installs again from the lock (plugins update) is the version installed before, not the refused one of the same version.
      await nerdOk(['plugins', 'update'], {env})
      assert.equal(await nerdOk(['upg', 'hello'], {env}), 'hello from nerd-plugin-upg\n')
      // Still whole to npm: an upgrade that is fine replaces it.
      await setVersion('0.3.0', working)
      await nerdOk(['plugins', 'install', created], {env})
      assert.equal(await nerdOk(['upg', 'hello'], {env}), 'upgraded hello from nerd-plugin-upg\n')
      assert.equal(await nerdOk(['plugins', 'ls', '--format', '{{.Name}} {{.Version}}'], {env}), 'nerd-plugin-upg 0.3.0\n')
    } finally {
      await nerd(['plugins', 'uninstall', 'nerd-plugin-upg'], {env})
    }
  })

  it('refuses a bundle carrying a plugin another installed bundle carries', async () => {
    const child = await writePlugin('nerd-plugin-delta', {oclif: {}, nerd: {hookApi: '^1'}})
    const first = await writeBundle('nerd-bundle-delta-one', [child])
    const second = await writeBundle('nerd-bundle-delta-two', [child])
    await nerdOk(['plugins', 'install', first], {env})
    try {
      const refusal = 'bundle "nerd-bundle-delta-two" carries plugin "nerd-plugin-delta", which is installed already, with bundle "nerd-bundle-delta-one": uninstall that bundle first'
      await expectRefused(second, refusal)
      assert.equal(await nerdOk(['plugins', 'ls', '--format', '{{.Name}} {{.Bundle}}'], {env}), 'nerd-bundle-delta-one \nnerd-plugin-delta nerd-bundle-delta-one\n')
    } finally {
      for (const name of ['nerd-bundle-delta-two', 'nerd-bundle-delta-one']) await nerd(['plugins', 'uninstall', name], {env})
    }
  })

  it('a container whose network-hook plugin was uninstalled or unlinked starts without it, warned once; an upgrade is taken from where it is now', async () => {
    // The hook module is given as an argument: a later version moves it.
    const networkPlugin = (name: string, module: string) => writePlugin(name, {
      oclif: {hooks: {'nerd:network:setup': module, 'nerd:network:teardown': module}},
      nerd: {hookApi: '^1'},
    }, {[module]: "import {appendFileSync} from 'node:fs'\nexport default (payload) => { appendFileSync(payload.labels['test.netgone/log'], `${payload.phase ?? 'setup'} ${import.meta.url}\\n`) }\n"})
    const log = join(home, 'netgone.log')
    const fired = async () => (await readFile(log, 'utf8').catch(() => '')).trim().split('\n').filter(Boolean)
    const installed = await networkPlugin('nerd-plugin-netgone', 'hooks/net.js')
    await nerdOk(['plugins', 'install', installed], {env})
    await nerdOk(['run', '-d', '--name', 'netgone', '--restart', 'always', '--label', `test.netgone/log=${log}`, IMG, 'sleep', '600'], {env})
    try {
      assert.deepEqual((await fired()).map((line) => line.split(' ')[0]), ['setup'])
      const uninstalled = await nerd(['plugins', 'uninstall', 'nerd-plugin-netgone'], {env})
      assert.equal(uninstalled.code, 0, uninstalled.stderr)
      assert.match(uninstalled.stderr, /^WARNING: 1 container was created with the network hooks of plugin "nerd-plugin-netgone"; they start without them from now on$/m)
      const warning = 'WARNING: plugin "nerd-plugin-netgone" is no longer installed; skipping its network hooks\n'
      for (const args of [['restart', '-t', '0', 'netgone'], ['stop', '-t', '0', 'netgone'], ['start', 'netgone']]) {
        const result = await nerd(args, {env})
        assert.deepEqual([result.code, result.stderr], [0, warning], args.join(' '))
      }
      assert.equal((await fired()).length, 1)
      // Upgraded: the same plugin, now linked from elsewhere with its hook module moved.
      const upgraded = await networkPlugin('nerd-plugin-netgone-v2', 'lib/network.js')
      await writeFile(join(upgraded, 'package.json'), (await readFile(join(upgraded, 'package.json'), 'utf8')).replace('nerd-plugin-netgone-v2', 'nerd-plugin-netgone'))
      await nerdOk(['plugins', 'link', upgraded], {env})
      const restarted = await nerd(['restart', '-t', '0', 'netgone'], {env})
      assert.deepEqual([restarted.code, restarted.stderr], [0, ''])
      assert.deepEqual((await fired()).slice(1), ['before', 'after', 'setup'].map((phase) => `${phase} file://${upgraded}/lib/network.js`))
      await nerdOk(['plugins', 'unlink', 'nerd-plugin-netgone'], {env})
      const unlinked = await nerd(['restart', '-t', '0', 'netgone'], {env})
      assert.deepEqual([unlinked.code, unlinked.stderr], [0, warning])
      assert.equal((await fired()).length, 4)
    } finally {
      await nerd(['rm', '-f', 'netgone'], {env})
    }
  })

  it('the OCI hook ends when a network hook it ran left a timer behind: containerd does not wait on it', async () => {
    const plugin = await writePlugin('nerd-plugin-netleft', {oclif: {hooks: {'nerd:network:teardown': './hooks/net.js'}}, nerd: {hookApi: '^1'}}, {
      'hooks/net.js': "import {appendFileSync} from 'node:fs'\nexport default (payload) => { appendFileSync(payload.labels['test.netleft/log'], `${payload.phase} ${process.argv[1]}\\n`); setInterval(() => {}, 1000) }\n",
    })
    const log = join(home, 'netleft.log')
    await nerdOk(['plugins', 'install', plugin], {env})
    try {
      const id = (await nerdOk(['run', '-d', '--name', 'netleft', '--label', `test.netleft/log=${log}`, IMG, 'sleep', '600'], {env})).trim()
      // What containerd's runtime runs when a task nerd did not delete itself is gone (containerd's restart monitor's).
      const hook = spawn(process.execPath, [join(dirname(nerdEntry), '..', 'dist', 'oci-hook.js'), 'postStop'], {stdio: ['pipe', 'ignore', 'pipe']})
      hook.stdin.end(JSON.stringify({id, status: 'stopped', bundle: '', annotations: {'nerd/data-root': fileDataRoot(), 'nerd/namespace': fileNamespace()}}))
      let stderr = ''
      hook.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
      const killer = setTimeout(() => hook.kill('SIGKILL'), 20_000)
      const [code, signal] = await new Promise<[number | null, string | null]>((done) => hook.on('close', (...ended) => done(ended)))
      clearTimeout(killer)
      assert.deepEqual([code, signal, stderr], [0, null, ''])
      assert.match(await readFile(log, 'utf8'), /oci-hook\.js$/m, 'the teardown hook ran in the OCI hook')
    } finally {
      await nerd(['rm', '-f', 'netleft'], {env})
      await nerdOk(['plugins', 'uninstall', 'nerd-plugin-netleft'], {env})
    }
  })

  it('nerd:container:start fires after every start nerd makes: run, start, start -a, restart, and the exit handler\'s restarts by policy', async () => {
    const plugin = await writePlugin('nerd-plugin-starts', {oclif: {hooks: {'nerd:container:start': './hooks/start.js'}}, nerd: {hookApi: '^1'}}, {
      'hooks/start.js': "import {appendFileSync} from 'node:fs'\nexport default (payload) => { appendFileSync(payload.labels['test.starts/log'], `${payload.name} ${payload.pid}\\n`) }\n",
    })
    await nerdOk(['plugins', 'install', plugin], {env})
    const log = join(home, 'starts.log')
    const started = async () => (await readFile(log, 'utf8').catch(() => '')).split('\n').filter(Boolean).map((line) => line.split(' '))
    const label = ['--network', 'none', '--label', `test.starts/log=${log}`]
    try {
      await nerdOk(['run', '-d', '--name', 'starts-run', ...label, IMG, 'sleep', '600'], {env})
      await nerdOk(['create', '--name', 'starts', ...label, IMG, 'sleep', '600'], {env})
      await nerdOk(['start', 'starts'], {env})
      const pid = (await nerdOk(['inspect', '-f', '{{.State.Pid}}', 'starts'], {env})).trim()
      await nerdOk(['restart', '-t', '0', 'starts'], {env})
      // Already running: no start, no event.
      await nerdOk(['start', 'starts'], {env})
      await nerdOk(['create', '--name', 'starts-attached', ...label, IMG, 'echo', 'attached'], {env})
      assert.equal(await nerdOk(['start', '-a', 'starts-attached'], {env}), 'attached\n')
      assert.deepEqual((await started()).map(([name]) => name), ['starts-run', 'starts', 'starts', 'starts-attached'])
      assert.equal((await started())[1]![1], pid)
      assert.ok((await started()).every(([, startedPid]) => Number(startedPid) > 0))
      // Fails at once, is restarted once by nerd's exit handler, fails again.
      await nerdOk(['run', '-d', '--name', 'starts-policy', '--restart', 'on-failure:1', ...label, IMG, 'sh', '-c', 'exit 3'], {env})
      const deadline = Date.now() + 20_000
      while ((await started()).filter(([name]) => name === 'starts-policy').length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200))
      const policy = (await started()).filter(([name]) => name === 'starts-policy')
      assert.equal(policy.length, 2, JSON.stringify(await started()))
      assert.notEqual(policy[0]![1], policy[1]![1])
    } finally {
      await nerd(['rm', '-f', 'starts-run', 'starts', 'starts-attached', 'starts-policy'], {env})
      await nerdOk(['plugins', 'uninstall', 'nerd-plugin-starts'], {env})
    }
  })

  it('what a hook\'s code throws outside its promise, or its process.exit, is the hook\'s failure while it runs and a warning naming it after', async () => {
    const plugin = await writePlugin('nerd-plugin-stray', {
      oclif: {hooks: {'nerd:container:create': './hooks/create.js', 'nerd:image:verify': './hooks/create.js', 'nerd:container:start': './hooks/start.js'}},
      nerd: {hookApi: '^1'},
    }, {
      'hooks/create.js': `import {createServer} from 'node:net'
const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
export default async function create() {
  switch (process.env.NERD_TEST_STRAY) {
    case 'exit0': process.exit(0)
    case 'exit-later': setTimeout(() => process.exit(0), 10); await pause(2000); return
    case 'timer': setTimeout(() => { throw new Error('stray timer error') }, 10); await pause(2000); return
    case 'rejection': Promise.reject(new Error('stray rejection')); await pause(2000); return
    case 'after': setTimeout(() => { throw new Error('late timer error') }, 20); return
    // Thrown while the start hook of the same plugin runs: that hook did nothing wrong.
    case 'during-start': {
      const timer = setInterval(() => {
        if (!globalThis.startRunning) return
        clearInterval(timer)
        throw new Error('late boom')
      }, 10)
      return
    }
    case 'leftovers': setInterval(() => {}, 1000); createServer().listen(0, '127.0.0.1'); return
  }
}
`,
      'hooks/start.js': `export default async function start() {
  if (process.env.NERD_TEST_STRAY !== 'during-start') return
  globalThis.startRunning = true
  await new Promise((resolve) => setTimeout(resolve, 1000))
}
`,
    })
    await nerdOk(['plugins', 'install', plugin], {env})
    const run = (mode: string) => nerd(['run', '--rm', '--network', 'none', '--name', 'stray', IMG, 'echo', 'ran'], {env: {...env, NERD_TEST_STRAY: mode}, timeoutMs: 30_000})
    const failed = (reason: string) => `Error: plugin "nerd-plugin-stray" failed in nerd:container:create: ${reason}\n`
    try {
      for (const [mode, reason] of [['exit0', 'called process.exit(0)'], ['exit-later', 'called process.exit(0)'], ['timer', 'stray timer error'], ['rejection', 'stray rejection']] as const) {
        const result = await run(mode)
        assert.deepEqual([result.code, result.stdout, result.stderr], [125, '', failed(reason)], mode)
        // Nothing half made: the name is free, no container is left.
        assert.equal(await nerdOk(['ps', '-a', '-q'], {env}), '', mode)
      }
      const after = await run('after')
      assert.deepEqual([after.code, after.stdout, after.stderr], [0, 'ran\n', 'WARNING: plugin "nerd-plugin-stray" failed after its nerd:container:create hook returned: late timer error\n'])
      const duringStart = await run('during-start')
      assert.deepEqual([duringStart.code, duringStart.stdout, duringStart.stderr], [0, 'ran\n', 'WARNING: plugin "nerd-plugin-stray" failed after its nerd:container:create hook returned: late boom\n'])
      // A timer and a listening socket the hook left do not keep nerd (killed after the run's time limit otherwise).
      const leftovers = await run('leftovers')
      assert.deepEqual([leftovers.code, leftovers.stdout, leftovers.stderr], [0, 'ran\n', ''])
      const created = await nerd(['create', '--network', 'none', '--name', 'stray', IMG, 'true'], {env: {...env, NERD_TEST_STRAY: 'leftovers'}, timeoutMs: 30_000})
      assert.equal(created.code, 0, created.stderr)
      assert.match(created.stdout, /^[0-9a-f]{64}\n$/)
      const pushed = `${testEnvironment.registry}/e2e/stray:v1`
      await nerdOk(['tag', IMG, pushed], {env})
      await nerdOk(['push', '-q', pushed], {env})
      await nerdOk(['rmi', pushed], {env})
      // Verification fails closed: an exit(0) must not pass for success.
      const pull = await nerd(['pull', '-q', pushed], {env: {...env, NERD_TEST_STRAY: 'exit0'}})
      assert.deepEqual([pull.code, pull.stdout, pull.stderr], [1, '', 'Error: plugin "nerd-plugin-stray" failed in nerd:image:verify: called process.exit(0)\n'])
    } finally {
      await nerd(['rm', '-f', 'stray'], {env})
      await nerdOk(['plugins', 'uninstall', 'nerd-plugin-stray'], {env})
    }
  })

  it('what a plugin\'s hooks and the modules oclif imports of it print goes to stderr: stdout is the command\'s output; its own command\'s is its', async () => {
    const plugin = await writePlugin('nerd-plugin-noisy', {oclif: {commands: './commands', hooks: {'nerd:container:create': './hooks/create.js'}}, nerd: {hookApi: '^1'}}, {
      'hooks/create.js': "export default async function create() { console.log('hook-log'); await Promise.resolve(); process.stdout.write('hook-write\\n') }\n",
      // Without a manifest, oclif imports it on every command.
      'commands/noisy/say.js': "process.stdout.write('import-noise\\n'); export default class Say { static async run() { console.log('said') } }\n",
    }, {manifest: false})
    await nerdOk(['plugins', 'link', plugin], {env})
    try {
      const created = await nerd(['create', '--network', 'none', IMG, 'true'], {env})
      assert.equal(created.code, 0, created.stderr)
      assert.match(created.stdout, /^[0-9a-f]{64}\n$/)
      assert.deepEqual(created.stderr.split('\n').filter((line) => line !== '').sort(), ['hook-log', 'hook-write', 'import-noise'])
      await nerdOk(['rm', created.stdout.trim()], {env})
      const listed = await nerd(['ps', '-a', '--format', 'json'], {env})
      assert.deepEqual([listed.code, listed.stdout, listed.stderr], [0, '', 'import-noise\n'])
      const said = await nerd(['noisy', 'say'], {env})
      assert.deepEqual([said.code, said.stdout, said.stderr], [0, 'said\n', 'import-noise\n'])
    } finally {
      await nerdOk(['plugins', 'unlink', 'nerd-plugin-noisy'], {env})
    }
  })

  it('image convert names the plugin and the format of a conversion that fails, returns junk or never settles', async () => {
    const plugin = await writePlugin('nerd-plugin-badconvert', {oclif: {hooks: {'nerd:image:convert': './hooks/convert.js'}}, nerd: {hookApi: '^1'}}, {
      'hooks/convert.js': `export default () => [
  {format: 'hang', description: 'never settles', convert: () => new Promise(() => {})},
  {format: 'junk', description: 'returns junk', convert: async () => ({descriptor: {mediaType: 'x', digest: 'sha256:nope', size: 1}})},
  {format: 'throws', description: 'throws', convert: async () => { throw new Error('no converter here') }},
]
`,
    })
    await nerdOk(['plugins', 'install', plugin], {env})
    try {
      const failure = (format: string, reason: string) => [1, '', `Error: plugin "nerd-plugin-badconvert" failed to convert to format "${format}": ${reason}\n`]
      const converted = async (format: string) => {
        const result = await nerd(['image', 'convert', `--${format}`, IMG, 'badconvert:1'], {env, timeoutMs: 20_000})
        return [result.code, result.stdout, result.stderr]
      }
      // Not node's exit 13 for an unsettled top-level await.
      assert.deepEqual(await converted('hang'), failure('hang', 'its convert() never settled, and nothing it started is running any more'))
      assert.deepEqual(await converted('junk'), failure('junk', 'returned an invalid result: expected {descriptor} of the new image, with its mediaType, digest (sha256:…) and size'))
      assert.deepEqual(await converted('throws'), failure('throws', 'no converter here'))
      assert.doesNotMatch(await nerdOk(['images'], {env}), /badconvert/)
    } finally {
      await nerdOk(['plugins', 'uninstall', 'nerd-plugin-badconvert'], {env})
    }
  })

  it('a plugin command gets its own arguments whole and nerd\'s global options in its environment', async () => {
    const plugin = await writePlugin('nerd-plugin-globals', {oclif: {commands: './commands'}}, {
      'commands/globals/show.js': `export default class Show {
  static async run(argv) {
    const {CONTAINERD_NAMESPACE, CONTAINERD_ADDRESS, CONTAINERD_SNAPSHOTTER, NERD_SETTINGS} = process.env
    console.log(JSON.stringify({argv, namespace: CONTAINERD_NAMESPACE, address: CONTAINERD_ADDRESS, snapshotter: CONTAINERD_SNAPSHOTTER, settings: JSON.parse(NERD_SETTINGS)}))
  }
}
`,
      // A subcommand of a management command nerd leaves to plugins, as a compose plugin's.
      'commands/compose/up.js': `export default class Up {
  static async run(argv) {
    console.log(JSON.stringify(argv))
  }
}
`,
      // Runs a nerd of its own, as plugins do, without passing any option on.
      'commands/globals/nerd.js': `import {execFileSync} from 'node:child_process'
export default class Nerd {
  static strict = false
  static async run(argv) {
    process.stdout.write(execFileSync(process.execPath, ['--', process.argv[1], ...argv], {encoding: 'utf8'}))
  }
}
`,
    }, {manifest: false})
    await nerdOk(['plugins', 'link', plugin], {env})
    try {
      const shown = JSON.parse(await nerdOk(['--debug', '--snapshotter', 'native', 'globals', 'show', '--namespace', 'x', '-n', 'y', '--debug', 'keep'], {env: {...env, CONTAINERD_NAMESPACE: 'from-environment'}, namespace: 'from-flag'}))
      assert.deepEqual(shown.argv, ['--namespace', 'x', '-n', 'y', '--debug', 'keep'])
      assert.equal(shown.namespace, 'from-flag')
      assert.equal(shown.address, testEnvironment.address)
      assert.equal(shown.snapshotter, 'native')
      assert.equal(shown.settings.namespace, 'from-flag')
      assert.equal(shown.settings.data_root, fileDataRoot())
      assert.equal(shown.settings.debug, true)
      assert.equal(shown.settings.insecure_registry, false)
      assert.ok(Array.isArray(shown.settings.hosts_dir))
      // --help and -h too, as docker hands them to its CLI plugins; nerd's help for it is `nerd help`.
      for (const argv of [['x', '--help', 'y'], ['--help'], ['-h']]) {
        assert.deepEqual(JSON.parse(await nerdOk(['globals', 'show', ...argv], {env})).argv, argv)
      }
      assert.match(await nerdOk(['help', 'globals', 'show'], {env}), /^USAGE\n +\$ nerd globals show/m)
      // The management command's flags typed before the subcommand come first in the subcommand's argv (they made oclif show the topic's help).
      assert.deepEqual(JSON.parse(await nerdOk(['compose', '-f', 'a.yml', '--project-name', 'p', 'up', '-d'], {env})), ['-f', 'a.yml', '--project-name', 'p', '-d'])
      assert.deepEqual(JSON.parse(await nerdOk(['compose', 'up', '-d'], {env})), ['-d'])
      // With a plugin that provides compose, a subcommand it lacks is unknown, not compose; its help too.
      for (const args of [['compose', 'frob', 'x'], ['compose', 'frob', '--help']]) {
        const lacking = await nerd(args, {env})
        assert.deepEqual([lacking.code, lacking.stderr], [1, "nerd: unknown command: nerd compose frob\nRun 'nerd compose --help' for more information\n"], args.join(' '))
      }
      // A nerd the command runs works with its parent's settings: the data root, as every other.
      type Info = {DockerRootDir: string; Settings: {key: string; value: string; source: string}[]}
      const child = JSON.parse(await nerdOk(['--insecure-registry', 'globals', 'nerd', 'info', '--format', '{{json .}}'], {env})) as Info
      assert.equal(child.DockerRootDir, fileDataRoot())
      assert.deepEqual(child.Settings.find((setting) => setting.key === 'insecure_registry'), {key: 'insecure_registry', value: 'true', source: 'flag --insecure-registry'})
      // Its info lists what the parent's own does: the settings that are not nerd's defaults, from where the parent had them.
      const parent = JSON.parse(await nerdOk(['--insecure-registry', 'info', '--format', '{{json .}}'], {env})) as Info
      assert.deepEqual(child.Settings, parent.Settings)
    } finally {
      await nerdOk(['plugins', 'unlink', 'nerd-plugin-globals'], {env})
    }
  })

  it('a plugin\'s command of a management command\'s name gets the words typed after it, in their order', async () => {
    // A compose plugin that hands its argv to a compose program, as docker hands its CLI plugins theirs.
    const plugin = await argvPrintingPlugin('nerd-plugin-rootcompose', 'compose')
    await nerdOk(['plugins', 'link', plugin], {env})
    try {
      assert.deepEqual(await argvOf(['compose', '-f', 'x.yml', 'up', '-d']), ['-f', 'x.yml', 'up', '-d'])
      assert.deepEqual(await argvOf(['compose', '-f', 'x.yml', '-p', 'proj', 'up', '-d', 'web']), ['-f', 'x.yml', '-p', 'proj', 'up', '-d', 'web'])
      assert.deepEqual(await argvOf(['compose', '--project-directory', '/x', 'ps']), ['--project-directory', '/x', 'ps'])
      // No `--` added before the service, nor its words read: they are the plugin's.
      assert.deepEqual(await argvOf(['compose', '-f', 'x.yml', 'run', '--rm', 'web', 'sh', '-c', 'ls --help']), ['-f', 'x.yml', 'run', '--rm', 'web', 'sh', '-c', 'ls --help'])
      // nerd's long global options are still nerd's.
      assert.deepEqual(await argvOf(['compose', '--namespace', 'other', '-f', 'x.yml', 'up']), ['-f', 'x.yml', 'up'])
    } finally {
      await nerdOk(['plugins', 'unlink', 'nerd-plugin-rootcompose'], {env})
    }
  })

  it('a plugin\'s build command serves image build and builder build, as docker\'s build is them', async () => {
    const plugin = await argvPrintingPlugin('nerd-plugin-builds', 'build')
    await nerdOk(['plugins', 'link', plugin], {env})
    try {
      for (const typed of [['build'], ['image', 'build'], ['builder', 'build']]) {
        assert.deepEqual(await argvOf([...typed, '-t', 'x', '.']), ['-t', 'x', '.'], typed.join(' '))
        // Its help is the command's, as for `build --help`.
        assert.deepEqual(await argvOf([...typed, '--help']), ['--help'], typed.join(' '))
      }
      // builder's other commands are still left to a plugin that provides them.
      const prune = await nerd(['builder', 'prune'], {env})
      assert.deepEqual([prune.code, prune.stderr], [1, 'nerd: unknown command: nerd builder: building images is not built into nerd; a plugin can provide it (nerd plugins install)\n'])
    } finally {
      await nerdOk(['plugins', 'unlink', 'nerd-plugin-builds'], {env})
    }
  })

  it('--debug shows a failing hook\'s whole message and its stack, under nerd\'s one line', async () => {
    const plugin = await writePlugin('nerd-plugin-throws', {
      oclif: {hooks: {'nerd:container:create': './hooks/create.js'}},
      nerd: {hookApi: '^1'},
    }, {'hooks/create.js': "export default function refuseCreate() { throw new Error('create refused\\nthe second line of the reason') }\n"})
    await nerdOk(['plugins', 'link', plugin], {env})
    try {
      const plain = await nerd(['run', '--rm', '--network', 'none', IMG, 'true'], {env})
      assert.deepEqual([plain.code, plain.stderr], [125, 'Error: plugin "nerd-plugin-throws" failed in nerd:container:create: create refused\n'])
      const debugged = await nerd(['--debug', 'run', '--rm', '--network', 'none', IMG, 'true'], {env})
      assert.equal(debugged.code, 125)
      assert.match(debugged.stderr, /^Caused by: Error: create refused\nthe second line of the reason\n +at (?:Object\.)?refuseCreate \(file:\/\/.*\/hooks\/create\.js:1:/m)
      assert.match(debugged.stderr, /^Error: plugin "nerd-plugin-throws" failed in nerd:container:create: create refused$/m)
    } finally {
      await nerdOk(['plugins', 'unlink', 'nerd-plugin-throws'], {env})
    }
  })

  it('link says nothing of a lock file a plugin without dependencies lacks; removing a plugin takes the code caches of its commands', async () => {
    const cacheHome = join(home, 'cache')
    const cached = {...env, XDG_CACHE_HOME: cacheHome}
    const caches = async () => {
      const root = join(cacheHome, 'nerd', 'code-cache')
      const names: string[] = []
      for (const bundle of await readdir(root)) names.push(...(await readdir(join(root, bundle))).map((file) => file.split('-').slice(6).join('-')))
      return names.sort()
    }
    const plugin = await writePlugin('nerd-plugin-cached', {oclif: {commands: './commands'}}, {
      'commands/cached/hello.js': "export default class Hello { static async run() { console.log('hello') } }\n",
      'oclif.manifest.json': JSON.stringify({version: '1.0.0', commands: {'cached:hello': {id: 'cached:hello', aliases: []}}}),
    })
    const linked = await nerd(['plugins', 'link', plugin], {env: cached})
    assert.deepEqual([linked.code, linked.stderr], [0, `nerd: Linking plugin ${plugin}... done\n`])
    assert.equal(await nerdOk(['cached', 'hello'], {env: cached}), 'hello\n')
    await nerdOk(['version'], {env: cached})
    assert.deepEqual((await caches()).filter((name) => name === 'cached' || name === 'version'), ['cached', 'version'])
    await nerdOk(['plugins', 'unlink', 'nerd-plugin-cached'], {env: cached})
    assert.deepEqual((await caches()).filter((name) => name === 'cached' || name === 'version'), ['version'])
  })

  it('plugins reset removes every plugin, and their tarballs and their commands\' code caches with them', async () => {
    const cacheHome = join(home, 'cache-reset')
    const cached = {...env, XDG_CACHE_HOME: cacheHome}
    const packs = join(home, 'data', 'nerd', 'packs')
    const caches = async () => {
      const root = join(cacheHome, 'nerd', 'code-cache')
      const names: string[] = []
      for (const bundle of await readdir(root)) names.push(...(await readdir(join(root, bundle))).map((file) => file.split('-').slice(6).join('-')))
      return names.filter((name) => name.startsWith('wiped') || name === 'version').sort()
    }
    const created = join(home, 'nerd-plugin-wiped')
    await nerdOk(['plugins', 'new', created], {env: cached})
    await nerdOk(['plugins', 'install', created], {env: cached})
    assert.equal(await nerdOk(['wiped', 'hello'], {env: cached}), 'hello from nerd-plugin-wiped\n')
    await nerdOk(['version'], {env: cached})
    assert.deepEqual(await caches(), ['version', 'wiped'])
    assert.equal((await readdir(packs)).length, 1)
    // As install and uninstall: one line on stderr, no list of oclif's or output of npm's on stdout.
    const reset = await nerd(['plugins', 'reset'], {env: cached})
    assert.deepEqual([reset.code, reset.stdout, reset.stderr], [0, '', 'nerd: Uninstalling nerd-plugin-wiped... done\n'])
    assert.equal(await nerdOk(['plugins', 'ls', '-q'], {env: cached}), '')
    const nothing = await nerd(['plugins', 'reset'], {env: cached})
    assert.deepEqual([nothing.code, nothing.stdout, nothing.stderr], [0, '', ''])
    assert.deepEqual(await readdir(packs), [])
    assert.deepEqual(await caches(), ['version'])
  })

  it('a plugin command that cannot load or throws is named, and only when it is run', async () => {
    const broken = await writePlugin('nerd-plugin-badcmd', {oclif: {commands: './commands'}}, {
      'commands/bad/syntax.js': 'export default class X { static async run( {\n',
      'commands/bad/throws.js': "export default class X { static async run() { throw new Error('it broke') } }\n",
      'commands/bad/nullproto.js': 'export default class X { static async run() { throw Object.create(null) } }\n',
      'commands/bad/escapes.js': "export default class X { static async run() { throw new Error('\\x1b[2Jcleared\\rover' + 'x'.repeat(9000)) } }\n",
      // A topic whose only command does not load is no topic to oclif.
      'commands/broken/only.js': "throw new Error('cannot start'); export default class X { static async run() {} }\n",
    }, {manifest: false})
    await nerdOk(['plugins', 'link', broken], {env})
    try {
      assert.equal((await nerd(['ps'], {env})).stderr, '')
      // With arguments too, which oclif takes for more of the name of a command it could not load, and asked for its help.
      for (const args of [['bad', 'syntax'], ['bad', 'syntax', '.', 'more'], ['help', 'bad', 'syntax']]) {
        const syntax = await nerd(args, {env})
        assert.deepEqual([syntax.code, syntax.stderr], [1, 'Error: plugin "nerd-plugin-badcmd" cannot load command "bad syntax": Unexpected end of input\n'])
      }
      for (const args of [['broken'], ['broken', 'x'], ['broken', '--help'], ['help', 'broken']]) {
        const only = await nerd(args, {env})
        assert.deepEqual([only.code, only.stderr], [1, 'Error: plugin "nerd-plugin-badcmd" cannot load command "broken only": cannot start\n'], args.join(' '))
      }
      const throws = await nerd(['bad', 'throws'], {env})
      assert.deepEqual([throws.code, throws.stderr], [1, 'Error: plugin "nerd-plugin-badcmd" failed in command "bad throws": it broke\n'])
      // What String() cannot convert, and a reason that would clear the screen and fill it, are named and cut short the same.
      const nullProto = await nerd(['bad', 'nullproto'], {env})
      assert.deepEqual([nullProto.code, nullProto.stderr], [1, 'Error: plugin "nerd-plugin-badcmd" failed in command "bad nullproto": threw an object that cannot be turned into text\n'])
      const escapes = await nerd(['bad', 'escapes'], {env})
      assert.deepEqual([escapes.code, escapes.stderr], [1, `Error: plugin "nerd-plugin-badcmd" failed in command "bad escapes": \\x1b[2Jcleared\\rover${'x'.repeat(500 - '\x1b[2Jcleared\rover'.length)}…\n`])
    } finally {
      await nerdOk(['plugins', 'unlink', 'nerd-plugin-badcmd'], {env})
    }
  })
})
