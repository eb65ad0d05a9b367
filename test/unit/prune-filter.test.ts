import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {parsePruneFilters, withinPruneFilter} from '../../src/prune-filter.ts'

describe('prune filters (container, image and system prune)', () => {
  const now = new Date('2024-06-01T12:00:00Z')

  it('until= keeps what was created since (or at an unknown time); label= and label!= what has or lacks a label', () => {
    const filter = parsePruneFilters(['until=1h', 'label=tier', 'label!=keep=yes'], now)
    assert.deepEqual(filter.until, new Date('2024-06-01T11:00:00Z'))
    const old = new Date('2024-06-01T10:00:00Z')
    assert.equal(withinPruneFilter(filter, old, {tier: 'x'}), true)
    assert.equal(withinPruneFilter(filter, new Date('2024-06-01T11:30:00Z'), {tier: 'x'}), false)
    assert.equal(withinPruneFilter(filter, undefined, {tier: 'x'}), false)
    assert.equal(withinPruneFilter(filter, old, {}), false)
    assert.equal(withinPruneFilter(filter, old, {tier: 'x', keep: 'yes'}), false)
    assert.equal(withinPruneFilter(filter, old, {tier: 'x', keep: 'no'}), true)
    assert.equal(withinPruneFilter(parsePruneFilters([]), undefined, {}), true)
  })

  it('refuses other keys and malformed filters in docker\'s words', () => {
    assert.throws(() => parsePruneFilters(['dangling=true']), {message: "invalid filter 'dangling'"})
    assert.throws(() => parsePruneFilters(['until']), {message: 'bad format of filter (expected name=value)'})
  })

  it('takes one until, as docker\'s daemon prunes containers and networks (a repeated value is one); image prune each, so the earliest', () => {
    assert.deepEqual(parsePruneFilters(['until=1h', 'until=1h'], now).until, new Date('2024-06-01T11:00:00Z'))
    assert.throws(() => parsePruneFilters(['until=1h', 'until=2h'], now), {message: 'more than one until filter specified'})
    assert.throws(() => parsePruneFilters(['until=abc', 'until=2h'], now), {message: 'more than one until filter specified'})
    assert.throws(() => parsePruneFilters(['until=abc', 'colour=red'], now), {message: "invalid filter 'colour'"})
    assert.throws(() => parsePruneFilters(['until=abc'], now), {message: 'failed to parse value as time or duration: "abc"'})
    assert.deepEqual(parsePruneFilters(['until=1h', 'until=2h'], now, {untilEach: true}).until, new Date('2024-06-01T10:00:00Z'))
  })

  it('image prune takes dangling= with the value docker\'s CLI adds for --all (dangling=false: every unused image), in the daemon\'s order and words', () => {
    const imagePrune = (values: string[], all: boolean) => parsePruneFilters(values, now, {untilEach: true, all})
    assert.deepEqual(imagePrune(['dangling=true'], false), {labels: []})
    assert.deepEqual(imagePrune(['dangling=0', 'label=tier'], true), {labels: [{key: 'tier', negate: false}]})
    // The CLI's value joins the user's: one that is no boolean leaves it to decide.
    assert.deepEqual(imagePrune(['dangling=maybe'], false), {labels: []})
    assert.throws(() => imagePrune(['dangling=false'], false), {message: "invalid filter 'dangling=[false true]'"})
    assert.throws(() => imagePrune(['dangling=true'], true), {message: "invalid filter 'dangling=[true false]'"})
    assert.throws(() => imagePrune(['colour=red', 'dangling=false'], false), {message: "invalid filter 'colour'"})
    assert.throws(() => imagePrune(['until=abc', 'dangling=false'], false), {message: "invalid filter 'dangling=[false true]'"})
  })
})
