/**
 * Plugin management end to end: a plugin installed from a directory and from an npm tarball (bare
 * paths, which oclif alone would take for GitHub shorthands), its hooks at work, its removal, and
 * the refusal of a plugin written for another hook API major.
 */
import assert from 'node:assert/strict'
import {execFile} from 'node:child_process'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
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
})
