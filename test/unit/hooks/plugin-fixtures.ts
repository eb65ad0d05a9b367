// Builds a real oclif Config whose user plugins are linked fixture plugins, as `nerd plugins link`
// would record them in the data dir.
import {mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {Config} from '@oclif/core'
import type {HookOutput} from '../../../src/hooks/runner.ts'

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url))
export const hookFixture = join(repoRoot, 'test/fixtures/hook-plugin')
export const badApiFixture = join(repoRoot, 'test/fixtures/bad-api-plugin')

export interface GeneratedPlugin {
  name: string
  /** The package.json `nerd` block; omitted when undefined. */
  nerd?: Record<string, unknown>
  /** Hook module source by event; each module's default export is the hook. */
  hooks: Record<string, string>
  /** Extra `oclif.hooks` entries, written as given. */
  declarations?: Record<string, unknown>
}

/** Writes a minimal ESM oclif plugin with the given hooks and returns its root. */
export function writePlugin(parent: string, plugin: GeneratedPlugin): string {
  const root = join(parent, plugin.name)
  mkdirSync(join(root, 'hooks'), {recursive: true})
  const hooks: Record<string, unknown> = {...plugin.declarations}
  for (const [index, [event, source]] of Object.entries(plugin.hooks).entries()) {
    const file = `./hooks/hook${index}.js`
    writeFileSync(join(root, file), source)
    hooks[event] = file
  }
  const pjson = {name: plugin.name, version: '1.0.0', type: 'module', oclif: {hooks}, ...(plugin.nerd ? {nerd: plugin.nerd} : {})}
  writeFileSync(join(root, 'package.json'), JSON.stringify(pjson, null, 2))
  writeFileSync(join(root, 'oclif.manifest.json'), JSON.stringify({version: '1.0.0', commands: {}}))
  return root
}

export interface TestWorld {
  config: Config
  dir: string
  /** The file HOOK_FIXTURE_LOG points at. */
  log: string
  output: HookOutput & {warnings: string[]; lines: string[]}
}

/**
 * A throwaway CLI root named like nerd (so oclif reads NERD_DATA_DIR) with the given plugin roots
 * linked as user plugins. The repo root is not used: its oclif settings and dist/ belong to the
 * build, and a test must not depend on either.
 */
export async function loadWorld(pluginRoots: (dir: string) => string[]): Promise<TestWorld> {
  const dir = mkdtempSync(join(tmpdir(), 'nerd-hooks-'))
  worldDirs.push(dir)
  const cliRoot = join(dir, 'cli')
  const dataDir = join(dir, 'data')
  mkdirSync(cliRoot)
  mkdirSync(dataDir)
  writeFileSync(
    join(cliRoot, 'package.json'),
    JSON.stringify({name: 'nerd-hooks-test-cli', version: '0.1.0', private: true, type: 'module', oclif: {bin: 'nerd', dirname: 'nerd'}}),
  )
  const plugins = pluginRoots(dir).map((root) => ({
    name: JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).name,
    type: 'link',
    root,
  }))
  writeFileSync(join(dataDir, 'package.json'), JSON.stringify({private: true, oclif: {schema: 1, plugins}}))
  process.env.NERD_DATA_DIR = dataDir
  process.env.NERD_CACHE_DIR = join(dir, 'cache')
  process.env.NERD_CONFIG_DIR = join(dir, 'config')
  const config = await Config.load({root: cliRoot})
  const log = join(dir, 'hooks.log')
  writeFileSync(log, '')
  process.env.HOOK_FIXTURE_LOG = log
  const warnings: string[] = []
  const lines: string[] = []
  return {config, dir, log, output: {warnings, lines, warn: (message) => warnings.push(message), log: (message) => lines.push(message)}}
}

const worldDirs: string[] = []

/** Removes the directories of every world loaded so far. */
export function removeWorlds(): void {
  for (const dir of worldDirs.splice(0)) rmSync(dir, {recursive: true, force: true})
}

/** The JSON lines the fixture hooks appended. */
export function readLog(world: TestWorld): Array<Record<string, any>> {
  return readFileSync(world.log, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line))
}

export function clearFixtureEnv(): void {
  for (const name of ['HOOK_FIXTURE_FAIL', 'HOOK_FIXTURE_HANG', 'HOOK_FIXTURE_REJECT']) delete process.env[name]
}
