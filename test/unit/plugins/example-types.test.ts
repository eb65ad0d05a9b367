/**
 * The example plugin's hooks type-check against nerd's SDK (`nerd/sdk`), as a third-party plugin's
 * would: tsc checks its JavaScript (`// @ts-check`, JSDoc types) with `nerd/sdk` mapped to the SDK.
 */
import assert from 'node:assert/strict'
import {execFile} from 'node:child_process'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {promisify} from 'node:util'
import {describe, it} from 'node:test'
import {fileURLToPath} from 'node:url'
import {writePluginTemplate} from '../../../src/plugins/template.ts'

const repo = fileURLToPath(new URL('../../../', import.meta.url))

async function typeCheck(pluginDir: string): Promise<{code: number; output: string}> {
  const work = await mkdtemp(join(tmpdir(), 'nerd-sdk-check-'))
  try {
    const config = join(work, 'tsconfig.json')
    await writeFile(
      config,
      JSON.stringify({
        compilerOptions: {
          allowJs: true,
          checkJs: true,
          noEmit: true,
          strict: true,
          module: 'nodenext',
          moduleResolution: 'nodenext',
          target: 'es2023',
          allowImportingTsExtensions: true,
          types: ['node'],
          typeRoots: [join(repo, 'node_modules/@types')],
          paths: {'nerd/sdk': [join(repo, 'src/sdk.ts')]},
        },
        include: [join(pluginDir, '**/*.js')],
      }),
    )
    const tsc = join(repo, 'node_modules/typescript/bin/tsc')
    const result = await promisify(execFile)(process.execPath, [tsc, '-p', config]).then(
      ({stdout}) => ({code: 0, output: stdout}),
      (error: {code: number; stdout: string}) => ({code: error.code, output: error.stdout}),
    )
    return result
  } finally {
    await rm(work, {recursive: true, force: true})
  }
}

describe('the SDK', () => {
  it('type-checks the example plugin\'s hooks', async () => {
    const {code, output} = await typeCheck(join(repo, 'examples/nerd-plugin-example'))
    assert.equal(code, 0, output)
  })

  it('type-checks the plugin `plugins new` writes', async () => {
    const parent = await mkdtemp(join(tmpdir(), 'nerd-sdk-template-'))
    try {
      const root = await writePluginTemplate(join(parent, 'nerd-plugin-fresh'))
      const {code, output} = await typeCheck(root)
      assert.equal(code, 0, output)
    } finally {
      await rm(parent, {recursive: true, force: true})
    }
  })

  it('gives a hook its context as `this` too, as nerd calls it (docs/plugins.md)', async () => {
    const plugin = await mkdtemp(join(tmpdir(), 'nerd-sdk-this-'))
    try {
      await writeFile(join(plugin, 'start.js'), `// @ts-check
/** @type {import('nerd/sdk').NerdHook<'nerd:container:start'>} */
export default async function start(payload) {
  this.log(\`started \${payload.id}\`)
}
`)
      const {code, output} = await typeCheck(plugin)
      assert.equal(code, 0, output)
    } finally {
      await rm(plugin, {recursive: true, force: true})
    }
  })

  it('takes a resolve source\'s dispose synchronous or async, as the guide says', async () => {
    const plugin = await mkdtemp(join(tmpdir(), 'nerd-sdk-dispose-'))
    try {
      await writeFile(join(plugin, 'resolve.js'), `// @ts-check
/** @type {import('nerd/sdk').NerdHook<'nerd:image:resolve'>} */
export default async function resolve(payload) {
  if (payload.scheme === 'sync') return {kind: 'registry', reference: 'localhost:5000/a', dispose() {}}
  return {kind: 'registry', reference: 'localhost:5000/a', async dispose() {}}
}
`)
      const {code, output} = await typeCheck(plugin)
      assert.equal(code, 0, output)
    } finally {
      await rm(plugin, {recursive: true, force: true})
    }
  })

  it('catches a hook that returns the wrong result', async () => {
    const broken = await mkdtemp(join(tmpdir(), 'nerd-sdk-broken-'))
    try {
      await writeFile(join(broken, 'verify.js'), `// @ts-check
/** @type {import('nerd/sdk').NerdHook<'nerd:image:verify'>} */
export default async function verify() {
  return {verified: 'yes'}
}
`)
      const {code, output} = await typeCheck(broken)
      assert.notEqual(code, 0)
      assert.match(output, /verify\.js/)
    } finally {
      await rm(broken, {recursive: true, force: true})
    }
  })
})
