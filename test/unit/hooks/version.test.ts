import assert from 'node:assert/strict'
import {test} from 'node:test'
import {HOOK_API_VERSION, hookApiIncompatibility} from '../../../src/hooks/version.ts'

test('HOOK_API_VERSION is a plain major.minor.patch', () => {
  assert.match(HOOK_API_VERSION, /^\d+\.\d+\.\d+$/)
})

test('accepts declarations of the provided major in the usual spellings', () => {
  for (const declared of ['^1', '1', '1.x', '1.*', '~1.0', '^1.0.0', '=1.0.0', 'v1', ' ^1 ', '1.0.x', '^1.0.0-beta.1']) {
    assert.equal(hookApiIncompatibility('p', declared, '1.0.0'), undefined, declared)
  }
  assert.equal(hookApiIncompatibility('p', '^1.2', '1.4.0'), undefined)
})

test('refuses another major with the message users see', () => {
  assert.equal(hookApiIncompatibility('x', '^2', '1.0.0'), 'plugin "x" targets nerd hook API 2.x; this nerd provides 1.0.0')
  assert.equal(hookApiIncompatibility('x', '0.9', '1.0.0'), 'plugin "x" targets nerd hook API 0.x; this nerd provides 1.0.0')
})

test('refuses a minor newer than the provided one', () => {
  assert.equal(hookApiIncompatibility('x', '^1.3', '1.2.5'), 'plugin "x" targets nerd hook API 1.3 or later; this nerd provides 1.2.5')
  assert.equal(hookApiIncompatibility('x', '~1.2.9', '1.2.0'), undefined, 'patches do not matter')
})

test('before 1.0 the minor must match', () => {
  assert.equal(hookApiIncompatibility('x', '^0.2', '0.2.1'), undefined)
  assert.equal(hookApiIncompatibility('x', '^0.1', '0.2.1'), 'plugin "x" targets nerd hook API 0.1; this nerd provides 0.2.1')
})

test('refuses ranges it cannot read instead of guessing', () => {
  for (const declared of ['>=1 <3', '1 || 2', '*', 'latest', '', '["^1"]']) {
    assert.equal(
      hookApiIncompatibility('x', declared, '1.0.0'),
      `plugin "x" declares nerd.hookApi "${declared}", which is not a version nerd understands; use a range such as "^1"`,
      declared,
    )
  }
})
