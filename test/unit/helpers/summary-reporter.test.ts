import assert from 'node:assert/strict'
import {it} from 'node:test'
import summaryReporter from '../../harness/summary-reporter.mjs'

async function summarise(events: Array<{type: string; data: Record<string, unknown>}>): Promise<string> {
  async function* source() {
    yield* events
  }
  let output = ''
  for await (const line of summaryReporter(source())) output += line
  return output
}

it('counts tests, not suites, and skipped and todo tests apart', async () => {
  const output = await summarise([
    {type: 'test:start', data: {name: 'a'}},
    {type: 'test:pass', data: {name: 'a', details: {type: 'test'}}},
    {type: 'test:pass', data: {name: 'b', details: {type: 'test'}, skip: true}},
    {type: 'test:pass', data: {name: 'c', details: {type: 'test'}, todo: 'later'}},
    {type: 'test:fail', data: {name: 'd', details: {type: 'test', error: new Error('x')}}},
    {type: 'test:fail', data: {name: 'e.test.ts', details: {error: new Error('could not load')}}},
    {type: 'test:fail', data: {name: 'suite', details: {type: 'suite', error: new Error('x')}}},
    {type: 'test:pass', data: {name: 'suite 2', details: {type: 'suite'}}},
    {type: 'test:diagnostic', data: {message: 'tests 5'}},
  ])
  assert.equal(output, '1 passed, 2 failed, 2 skipped\n')
})

it('prints zeros for an empty run', async () => {
  assert.equal(await summarise([]), '0 passed, 0 failed, 0 skipped\n')
})
