import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import type {ContainerView} from '../../../src/container/model.ts'
import {listedStatsEntries, statsRow} from '../../../src/container/stats.ts'

/** Only what the stats rows and their order read of a container. */
function view(id: string, created: string): ContainerView {
  return {record: {Id: id.repeat(64).slice(0, 64), Name: `c-${id}`, Created: created}, state: {}, status: 'running'} as unknown as ContainerView
}

const names = (entries: {view: ContainerView}[]) => entries.map((entry) => entry.view.record.Name)

describe('stats entries', () => {
  it("lists the containers newest first, then keeps their places and puts those that appear later after them, as docker's", () => {
    const a = view('a', '2026-01-01T00:00:01Z')
    const b = view('b', '2026-01-01T00:00:02Z')
    const c = view('c', '2026-01-01T00:00:03Z')
    const first = listedStatsEntries([], [a, b, c])
    assert.deepEqual(names(first), ['c-c', 'c-b', 'c-a'])
    assert.equal(first[0]!.container, c.record.Id)
    const d = view('d', '2026-01-01T00:00:04Z')
    const e = view('e', '2026-01-01T00:00:05Z')
    assert.deepEqual(names(listedStatsEntries(first, [e, d, a, c])), ['c-c', 'c-a', 'c-d', 'c-e'])
  })

  it("shows docker's -- for a container that is gone, with the name, ID and reference it had", () => {
    const row = statsRow({container: 'web', view: view('a', '2026-01-01T00:00:01Z'), gone: true}, undefined, undefined, {noTrunc: false})
    assert.deepEqual(row, {Container: 'web', ID: 'aaaaaaaaaaaa', Name: 'c-a', CPUPerc: '--', MemUsage: '-- / --', MemPerc: '--', NetIO: '--', BlockIO: '--', PIDs: '--'})
  })
})
