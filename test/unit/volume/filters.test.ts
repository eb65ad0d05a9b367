import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {matchesLabelFilters, matchesListFilters, parseListFilters, parsePruneFilters} from '../../../src/volume/filters.ts'
import {ANONYMOUS_LABEL} from '../../../src/volume/model.ts'
import type {Volume} from '../../../src/volume/model.ts'

function volume(name: string, labels: Record<string, string> = {}): Volume {
  return {CreatedAt: '2024-01-01T00:00:00Z', Driver: 'local', Labels: labels, Mountpoint: `/root/${name}/_data`, Name: name, Options: {}, Scope: 'local'}
}

function kept(filters: string[], volumes: Array<[Volume, number]>): string[] {
  const parsed = parseListFilters(filters)
  return volumes.filter(([candidate, refs]) => matchesListFilters(candidate, refs, parsed)).map(([candidate]) => candidate.Name)
}

describe('volume ls filters', () => {
  const all: Array<[Volume, number]> = [
    [volume('web-data', {app: 'web', tier: 'front'}), 1],
    [volume('db-data', {app: 'db'}), 0],
    [volume('cache', {}), 0],
  ]

  it('matches names exactly or as a regular expression found in them', () => {
    assert.deepEqual(kept(['name=data'], all), ['web-data', 'db-data'])
    assert.deepEqual(kept(['name=^db'], all), ['db-data'])
    assert.deepEqual(kept(['name=cache'], all), ['cache'])
    assert.deepEqual(kept(['name=(?i)CACHE'], all), ['cache'])
    assert.deepEqual(kept(['name=[unclosed'], all), [])
  })

  it('widens with values of one key and narrows across keys', () => {
    assert.deepEqual(kept(['name=web', 'name=cache'], all), ['web-data', 'cache'])
    assert.deepEqual(kept(['name=data', 'dangling=true'], all), ['db-data'])
  })

  it('needs every label: a key alone, or key=value', () => {
    assert.deepEqual(kept(['label=app'], all), ['web-data', 'db-data'])
    assert.deepEqual(kept(['label=app=db'], all), ['db-data'])
    assert.deepEqual(kept(['label=app', 'label=tier=front'], all), ['web-data'])
    assert.deepEqual(kept(['label=app=nope'], all), [])
  })

  it('tells dangling volumes (no container) from used ones', () => {
    assert.deepEqual(kept(['dangling=true'], all), ['db-data', 'cache'])
    assert.deepEqual(kept(['dangling=1'], all), ['db-data', 'cache'])
    assert.deepEqual(kept(['dangling=false'], all), ['web-data'])
    assert.deepEqual(kept(['dangling=0'], all), ['web-data'])
  })

  it('matches the driver exactly', () => {
    assert.deepEqual(kept(['driver=local'], all).length, 3)
    assert.deepEqual(kept(['driver=loc'], all), [])
  })

  it('reads keys case-insensitively and trims both sides', () => {
    assert.deepEqual(kept([' NAME = cache '], all), ['cache'])
  })

  it('refuses bad filters with docker messages', () => {
    assert.throws(() => parseListFilters(['dangling']), {message: 'bad format of filter (expected name=value)'})
    assert.throws(() => parseListFilters(['until=1h']), {message: "invalid filter 'until'"})
    assert.throws(() => parseListFilters(['dangling=maybe']), {message: "invalid filter 'dangling=[maybe]'"})
    assert.throws(() => parseListFilters(['dangling=true', 'dangling=false']), {message: "invalid filter 'dangling=[true false]'"})
  })
})

describe('volume prune filters', () => {
  const anonymous = volume('a'.repeat(64), {[ANONYMOUS_LABEL]: ''})
  const named = volume('named', {keep: 'yes'})

  it('keeps to anonymous volumes unless all', () => {
    const only = parsePruneFilters([], false)
    assert.equal(matchesLabelFilters(anonymous, only), true)
    assert.equal(matchesLabelFilters(named, only), false)
    const every = parsePruneFilters([], true)
    assert.equal(matchesLabelFilters(named, every), true)
    assert.equal(matchesLabelFilters(named, parsePruneFilters(['all=true'], false)), true)
    assert.equal(matchesLabelFilters(named, parsePruneFilters(['all=0'], false)), false)
  })

  it('takes label and label! (left out when every label! holds)', () => {
    assert.equal(matchesLabelFilters(named, parsePruneFilters(['label=keep'], true)), true)
    assert.equal(matchesLabelFilters(named, parsePruneFilters(['label!=keep'], true)), false)
    assert.equal(matchesLabelFilters(named, parsePruneFilters(['label!=keep=no'], true)), true)
    assert.equal(matchesLabelFilters(anonymous, parsePruneFilters(['label!=keep'], true)), true)
  })

  it('refuses bad prune filters with docker messages', () => {
    assert.throws(() => parsePruneFilters(['all=1'], true), {message: 'conflicting options: cannot specify both --all and --filter all=1'})
    assert.throws(() => parsePruneFilters(['all=yes'], false), {message: `invalid filter 'all': strconv.ParseBool: parsing "yes": invalid syntax`})
    assert.throws(() => parsePruneFilters(['all=1', 'all=true'], false), {message: "invalid filter 'all=[1 true]': only one value is expected"})
    assert.throws(() => parsePruneFilters(['dangling=true'], false), {message: "invalid filter 'dangling'"})
  })
})
