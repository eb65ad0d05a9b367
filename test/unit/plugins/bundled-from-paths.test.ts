import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {bundledFromPaths} from '../../../src/plugins/local-install.ts'

describe('bundledFromPaths', () => {
  it('names the bundled dependencies taken from a local path, under either spelling or `true`', () => {
    const dependencies = {a: 'file:../a', b: '^1.0.0', '@v/c': 'file:../c'}
    assert.deepEqual(bundledFromPaths({dependencies, bundleDependencies: ['a', 'b', '@v/c']}), ['a', '@v/c'])
    assert.deepEqual(bundledFromPaths({dependencies, bundledDependencies: ['a']}), ['a'])
    assert.deepEqual(bundledFromPaths({dependencies, bundleDependencies: true}), ['a', '@v/c'])
    assert.deepEqual(bundledFromPaths({dependencies}), [])
  })

  it('takes no name that is not a package name, which would point outside node_modules', () => {
    assert.deepEqual(bundledFromPaths({dependencies: {'..': 'file:../x', '@v/..': 'file:../y', 'a/../..': 'file:../z'}, bundleDependencies: ['..', '@v/..', 'a/../..']}), [])
  })
})
