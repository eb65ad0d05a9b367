import assert from 'node:assert/strict'
import {test} from 'node:test'
import type {Interfaces} from '@oclif/core'
import {DEFAULT_HOOK_ORDER, orderedHookSteps, readNerdSettings, unknownNerdEvents} from '../../../src/hooks/discovery.ts'

// Only the fields discovery reads; runner.test.ts covers real oclif plugins.
function plugin(name: string, nerd: unknown, hooks: Record<string, string[]>): Interfaces.Plugin {
  const normalised = Object.fromEntries(Object.entries(hooks).map(([event, targets]) => [event, targets.map((target) => ({target, identifier: 'default'}))]))
  return {name, pjson: {name, version: '1.0.0', ...(nerd === undefined ? {} : {nerd})}, hooks: normalised} as unknown as Interfaces.Plugin
}

test('reads hookOrder, hookTimeoutMs and hookApi, with defaults', () => {
  assert.deepEqual(readNerdSettings('p', {name: 'p', version: '1.0.0'} as Interfaces.PJSON), {
    hookOrder: DEFAULT_HOOK_ORDER,
    hookTimeoutMs: undefined,
    hookApi: undefined,
    problems: [],
  })
  const pjson = {name: 'p', version: '1.0.0', nerd: {hookOrder: -5, hookTimeoutMs: 30_000, hookApi: '^1'}} as unknown as Interfaces.PJSON
  assert.deepEqual(readNerdSettings('p', pjson), {hookOrder: -5, hookTimeoutMs: 30_000, hookApi: '^1', problems: []})
})

test('malformed settings fall back to defaults and are reported', () => {
  const pjson = {name: 'p', version: '1.0.0', nerd: {hookOrder: '1', hookTimeoutMs: 0, hookApi: 1}} as unknown as Interfaces.PJSON
  const settings = readNerdSettings('p', pjson)
  assert.equal(settings.hookOrder, DEFAULT_HOOK_ORDER)
  assert.equal(settings.hookTimeoutMs, undefined)
  assert.equal(settings.hookApi, '1')
  assert.deepEqual(settings.problems, [
    'plugin "p" declares nerd.hookOrder "1", not a number; using 100',
    'plugin "p" declares nerd.hookTimeoutMs 0, not a positive number; using the default',
  ])
  assert.deepEqual(readNerdSettings('p', {name: 'p', version: '1', nerd: 'fast'} as unknown as Interfaces.PJSON).problems, [
    'plugin "p" has a "nerd" entry in its package.json that is not an object; ignoring it',
  ])
})

test('orders by hookOrder, then by name in code-unit order, then by declaration order', () => {
  const plugins = [
    plugin('b', undefined, {e: ['./b.js']}),
    plugin('Z', undefined, {e: ['./z.js']}),
    plugin('a', {hookOrder: 100}, {e: ['./a1.js', './a2.js']}),
    plugin('late', {hookOrder: 500}, {e: ['./late.js']}),
    plugin('early', {hookOrder: -1}, {e: ['./early.js']}),
    plugin('other', {hookOrder: 0}, {f: ['./f.js']}),
  ]
  const steps = orderedHookSteps(plugins, 'e')
  assert.deepEqual(steps.map((step) => step.declaration.target), ['./early.js', './z.js', './a1.js', './a2.js', './b.js', './late.js'])
})

test('lists declared nerd: events that nerd does not fire', () => {
  const typo = plugin('t', undefined, {'nerd:image:verfy': ['./x.js'], 'nerd:image:verify': ['./y.js'], init: ['./i.js']})
  assert.deepEqual(unknownNerdEvents(typo), ['nerd:image:verfy'])
})
