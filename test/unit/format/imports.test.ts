// The format modules load on every listing command, so they must pull in no package: only node
// built-ins and nerd's own files. This file runs in its own process, so the record starts empty.
import {it} from 'node:test'
import assert from 'node:assert/strict'
import {registerHooks} from 'node:module'

const requested: string[] = []
registerHooks({
  resolve(specifier, context, nextResolve) {
    requested.push(specifier)
    return nextResolve(specifier, context)
  },
})

it('imports no package', async () => {
  const format = await import('../../../src/format/index.ts')
  assert.equal(typeof format.renderItems, 'function')
  const packages = requested.filter((specifier) => !specifier.startsWith('.') && !specifier.startsWith('node:') && !specifier.startsWith('file:'))
  assert.deepEqual(packages, [])
  assert.ok(requested.some((specifier) => specifier.endsWith('/template.ts')), 'the hook saw the format modules load')
})
