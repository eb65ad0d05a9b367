// Every nerd command loads the configuration on start-up, so its cost with no nerd.toml (the common
// case) is held to one existsSync and no parser import. This file runs in its own process (node
// --test isolates files), so the module records below start empty.
import {after, before, it, mock} from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {registerHooks, syncBuiltinESMExports} from 'node:module'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

const requested: string[] = []
registerHooks({
  resolve(specifier, context, nextResolve) {
    requested.push(specifier)
    return nextResolve(specifier, context)
  },
})

let directory: string
before(() => {
  directory = mkdtempSync(join(tmpdir(), 'nerd-config-startup-'))
})
after(() => rmSync(directory, {recursive: true, force: true}))

it('costs one existsSync and imports no parser when there is no file', async () => {
  const {loadConfig} = await import('../../../src/config/index.ts')
  const existsSync = mock.method(fs, 'existsSync')
  syncBuiltinESMExports()
  try {
    const config = await loadConfig({globals: {}, env: {}, defaultConfigFile: join(directory, 'nerd.toml')})
    assert.equal(existsSync.mock.callCount(), 1)
    assert.deepEqual(requested.filter((specifier) => /smol-toml|cosmiconfig/.test(specifier)), [])

    // The host probes behind the CNI and cgroup defaults run when those values are first read.
    assert.ok(config.cniPath.length > 0)
    assert.ok(config.cgroupManager.length > 0)
    assert.ok(existsSync.mock.callCount() > 1)
  } finally {
    mock.restoreAll()
    syncBuiltinESMExports()
  }
})

it('imports the TOML parser once a file exists', async () => {
  const {loadConfig} = await import('../../../src/config/index.ts')
  const path = join(directory, 'present.toml')
  writeFileSync(path, 'namespace = "x"\n')
  const config = await loadConfig({globals: {}, env: {}, defaultConfigFile: path})
  assert.equal(config.namespace, 'x')
  assert.ok(requested.includes('smol-toml'))
})
