import assert from 'node:assert/strict'
import {existsSync, readdirSync} from 'node:fs'
import {join} from 'node:path'
import {describe, it} from 'node:test'
import {fileURLToPath} from 'node:url'
// @ts-expect-error: a build script in plain JavaScript, without type declarations.
import {generateManifest, readManifest} from '../../../scripts/manifest.mjs'

const root = fileURLToPath(new URL('../../..', import.meta.url))
const packages = [root, ...(existsSync(join(root, 'plugins')) ? readdirSync(join(root, 'plugins')).map((name) => join(root, 'plugins', name)) : [])]

describe('oclif manifests', () => {
  for (const dir of packages) {
    it(`${dir.slice(root.length) || 'core'}: the committed oclif.manifest.json matches the built commands`, async () => {
      assert.ok(existsSync(join(dir, 'dist')), `${dir} is not built: run npm run build`)
      const committed = await readManifest(dir)
      const generated = await generateManifest(dir)
      assert.equal(committed, generated, 'oclif.manifest.json is stale: run `npm run build` and commit it')
    })
  }
})
