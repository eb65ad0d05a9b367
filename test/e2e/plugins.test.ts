/**
 * Plugin management end to end: a plugin installed from a directory and from an npm tarball (bare
 * paths, which oclif alone would take for GitHub shorthands), its hooks at work, its removal, and
 * the refusal of a plugin written for another hook API major.
 */
import assert from 'node:assert/strict'
import {execFile} from 'node:child_process'
import {mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {dirname, join, resolve} from 'node:path'
import {promisify} from 'node:util'
import {after, before, describe, it} from 'node:test'
import {fileURLToPath} from 'node:url'
import {nerdOk} from '../helpers/containers.ts'
import {loadTestImage, nerd} from '../helpers/e2e.ts'

const run = promisify(execFile)
const IMG = 'docker.io/nerd-test/busybox:latest'
const fixture = resolve(fileURLToPath(new URL('../fixtures/hook-plugin', import.meta.url)))
const badApi = resolve(fileURLToPath(new URL('../fixtures/bad-api-plugin', import.meta.url)))
let home: string
let env: Record<string, string>

/**
 * Writes a small plugin under the test's home: its package.json (`name`, version 1.0.0, type
 * module, `oclif` and `nerd` as given), an empty manifest unless `manifest` is false, and `files`.
 */
async function writePlugin(name: string, pjson: {oclif?: object; nerd?: object}, files: Record<string, string> = {}, options: {manifest?: boolean} = {}): Promise<string> {
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
    env = {XDG_DATA_HOME: join(home, 'data'), CI: 'true'}
    await loadTestImage('nerd-test/busybox:latest')
  })

  after(async () => {
    await rm(home, {recursive: true, force: true})
  })

  it('installs a plugin from a directory as a copy; its hooks run; uninstalling takes them away', async () => {
    await nerdOk(['plugins', 'install', fixture], {env})
    assert.match(await nerdOk(['plugins', 'ls'], {env}), /^nerd-plugin-hookfixture 1\.0\.0$/m)
    assert.equal(await nerdOk(['run', '--rm', IMG, 'sh', '-c', 'echo ${HOOKFIXTURE:-none}'], {env}), '1\n')
    await nerdOk(['plugins', 'uninstall', 'nerd-plugin-hookfixture'], {env})
    assert.match(await nerdOk(['plugins'], {env}), /No plugins installed/)
    assert.equal(await nerdOk(['run', '--rm', IMG, 'sh', '-c', 'echo ${HOOKFIXTURE:-none}'], {env}), 'none\n')
  })

  it('installs a plugin from an npm tarball', async () => {
    const packDir = join(home, 'pack')
    await run('mkdir', ['-p', packDir])
    // The npm nerd ships with (oclif's installer uses it too).
    const npm = fileURLToPath(new URL('../../node_modules/npm/bin/npm-cli.js', import.meta.url))
    const {stdout} = await run(process.execPath, [npm, 'pack', '--json', '--pack-destination', packDir, fixture])
    const tarball = join(packDir, (JSON.parse(stdout) as {filename: string}[])[0]!.filename)
    await nerdOk(['plugins', 'install', tarball], {env})
    assert.match(await nerdOk(['plugins'], {env}), /^nerd-plugin-hookfixture 1\.0\.0$/m)
    await nerdOk(['plugins', 'uninstall', 'nerd-plugin-hookfixture'], {env})
  })

  it('plugins new writes a plugin that installs and works: its command and its hook', async () => {
    const created = join(home, 'nerd-plugin-fresh')
    assert.match(await nerdOk(['plugins', 'new', created], {env}), /^Created /)
    await nerdOk(['plugins', 'install', created], {env})
    assert.equal(await nerdOk(['fresh', 'hello'], {env}), 'hello from nerd-plugin-fresh\n')
    assert.equal(await nerdOk(['run', '--rm', IMG, 'sh', '-c', 'echo $FRESH'], {env}), '1\n')
    await nerdOk(['plugins', 'uninstall', 'nerd-plugin-fresh'], {env})
    const again = await nerd(['plugins', 'new', created], {env})
    assert.equal(again.code, 1)
    assert.match(again.stderr, /already exists/)
  })

  it('refuses a plugin built for another hook API major at install, in one line, and keeps nothing of it', async () => {
    const result = await nerd(['plugins', 'install', badApi], {env})
    assert.equal(result.code, 1, result.stderr)
    assert.match(result.stderr, /^Error: plugin "nerd-plugin-badapi" targets nerd hook API 2\.x; this nerd provides \d+\.\d+\.\d+; it was not installed$/m)
    assert.match(await nerdOk(['plugins'], {env}), /No plugins installed/)
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
})
