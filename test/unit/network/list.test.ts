import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {NETWORK_HEADERS, networkRow, parseNetworkFilters} from '../../../src/network/list.ts'
import {renderItems} from '../../../src/format/index.ts'

function failure(message: string): (error: unknown) => boolean {
  return (error) => {
    assert.equal((error as Error).message, message)
    return true
  }
}

describe('parseNetworkFilters', () => {
  it('takes dangling as 0, 1, true or false, once, with docker\'s messages otherwise', () => {
    assert.deepEqual(parseNetworkFilters(['dangling=1', 'dangling=1']), [{key: 'dangling', value: '1'}, {key: 'dangling', value: '1'}])
    const invalid = 'invalid value for filter \'dangling\', must be "true" (or "1"), or "false" (or "0")'
    for (const value of ['maybe', 'TRUE']) assert.throws(() => parseNetworkFilters([`dangling=${value}`]), failure(invalid), value)
    assert.throws(() => parseNetworkFilters(['dangling=true', 'dangling=false']), failure('got more than one value for filter key "dangling"'))
  })
})

describe('networkRow', () => {
  const entry = {name: 'web', id: 'f'.repeat(64), driver: 'bridge', created: '', labels: {team: 'blue'}, ipv6: false, internal: false, builtin: false}

  it('gives docker\'s networkContext fields, IPv4 and IPv6 as Go\'s FormatBool, with docker\'s headers', () => {
    const {Label, ...fields} = networkRow(entry) as {Label: (name: string) => string}
    assert.deepEqual(fields, {
      CreatedAt: '0001-01-01 00:00:00 +0000 UTC', Driver: 'bridge', ID: 'f'.repeat(12), IPv4: 'true', IPv6: 'false', Internal: 'false', Labels: 'team=blue', Name: 'web', Scope: 'local',
    })
    assert.equal(Label('team'), 'blue')
    assert.equal(networkRow(entry, {noTrunc: true}).ID, 'f'.repeat(64))
    assert.equal(renderItems([networkRow(entry)], {format: 'table {{.Name}}\t{{.IPv4}}\t{{.IPv6}}', defaultTable: '', headers: NETWORK_HEADERS}), 'NAME      IPV4      IPV6\nweb       true      false\n')
  })
})
