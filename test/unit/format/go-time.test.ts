import assert from 'node:assert/strict'
import {it} from 'node:test'

// Go loads the local zone once, from $TZ: this file runs in its own process.
process.env.TZ = 'Europe/Berlin'
const {goLocalRFC3339, goLocalTimeString} = await import('../../../src/format/go-time.ts')

it('prints a time in the local zone as Go does, the zone named from its tzdata file', () => {
  assert.equal(goLocalTimeString(new Date('2024-01-01T00:00:00Z')), '2024-01-01 01:00:00 +0100 CET')
  assert.equal(goLocalTimeString(new Date('2024-07-01T00:00:00.250Z')), '2024-07-01 02:00:00.25 +0200 CEST')
  // Past the file's transitions: its footer's rule.
  assert.equal(goLocalTimeString(new Date('2060-07-01T00:00:00Z')), '2060-07-01 02:00:00 +0200 CEST')
  assert.equal(goLocalRFC3339(new Date('2024-01-01T00:00:00Z')), '2024-01-01T01:00:00+01:00')
  assert.equal(goLocalRFC3339(new Date('2024-07-01T12:30:00Z')), '2024-07-01T14:30:00+02:00')
})

it("gives RFC 3339 times a fraction: RFC3339Nano's, trailing zeros dropped, or docker's fixed nine digits", () => {
  const date = new Date('2024-01-01T05:18:54Z')
  assert.equal(goLocalRFC3339(date, {nanosecond: 934230170}), '2024-01-01T06:18:54.93423017+01:00')
  assert.equal(goLocalRFC3339(date, {nanosecond: 934230170, fixed: true}), '2024-01-01T06:18:54.934230170+01:00')
  assert.equal(goLocalRFC3339(date, {nanosecond: 0}), '2024-01-01T06:18:54+01:00')
  assert.equal(goLocalRFC3339(date, {nanosecond: 0, fixed: true}), '2024-01-01T06:18:54.000000000+01:00')
})
