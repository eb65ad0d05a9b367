import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

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

describe("Go's time.Time Format layouts", async () => {
  const {formatGoLayout, goCivilTime} = await import('../../../src/format/go-time.ts')
  const UTC = {offset: 0, name: 'UTC'}
  // Go's playground time, 2009-11-10 23:00:00 UTC, a Tuesday, day 314 of its year.
  const playground = (nanosecond = 0, zone = UTC) => goCivilTime(1257894000, nanosecond, zone)
  const format = (layout: string, nanosecond = 0, zone = UTC) => formatGoLayout(layout, playground(nanosecond, zone), zone)

  it("writes the time package's named layouts as Go does", () => {
    assert.equal(format('Mon Jan _2 15:04:05 2006'), 'Tue Nov 10 23:00:00 2009')
    assert.equal(format('Mon, 02 Jan 2006 15:04:05 MST'), 'Tue, 10 Nov 2009 23:00:00 UTC')
    assert.equal(format('02 Jan 06 15:04 -0700'), '10 Nov 09 23:00 +0000')
    assert.equal(format('2006-01-02T15:04:05Z07:00'), '2009-11-10T23:00:00Z')
    assert.equal(format('3:04PM'), '11:00PM')
    assert.equal(format('Jan _2 15:04:05.000000'), 'Nov 10 23:00:00.000000')
    assert.equal(format('Monday, January 2'), 'Tuesday, November 10')
    assert.equal(format('2006-01-02 15:04:05.999999999 -0700 MST', 123456780), '2009-11-10 23:00:00.12345678 +0000 UTC')
  })

  it('writes numbers unpadded, zero- or space-padded as the layout asks', () => {
    const early = goCivilTime(Date.UTC(2024, 0, 5, 3, 7, 9) / 1000, 0, UTC)
    assert.equal(formatGoLayout('1/2 3:4:5 _2|__2|002 03 pm PM', early, UTC), '1/5 3:7:9  5|  5|005 03 am AM')
    assert.equal(formatGoLayout('01/02 15:04:05 06', early, UTC), '01/05 03:07:09 24')
    assert.equal(format('__2 002'), '314 314')
    assert.equal(formatGoLayout('3 PM', goCivilTime(Date.UTC(2024, 0, 5) / 1000, 0, UTC), UTC), '12 AM')
  })

  it('writes fractions of a second: 0s keep their digits, 9s drop trailing zeros, a dot or a comma', () => {
    assert.equal(format('05.000|05.999|05.9|05,000|05.000000000000', 120000000), '00.120|00.12|00.1|00,120|00.120000000')
    assert.equal(format('05.999|05.0', 0), '00|00.0')
    // A run of zeros followed by another digit is no fraction: `.0`, then `01` is the month.
    assert.equal(format('.00x|.001', 0), '.00x|.011')
  })

  it('writes zones: Z forms as Z in UTC, the others as numbers; MST as -0700 for a zone without a name', () => {
    const fixed = {offset: -(3 * 3600 + 30 * 60), name: ''}
    assert.equal(format('-07|-0700|-07:00|-070000|-07:00:00', 0, UTC), '+00|+0000|+00:00|+000000|+00:00:00')
    assert.equal(format('Z07|Z0700|Z07:00|Z070000|Z07:00:00', 0, UTC), 'Z|Z|Z|Z|Z')
    assert.equal(format('Z07|Z0700|Z07:00|Z070000|Z07:00:00|MST', 0, fixed), '-03|-0330|-03:30|-033000|-03:30:00|-0330')
    assert.equal(format('15:04 MST', 0, {offset: 3600, name: 'CET'}), '00:00 CET')
  })

  it('takes a name of a month or a day only when no lower-case letter follows; _2006 is _ then the year', () => {
    assert.equal(format('Janx Monx MST _2006'), 'Janx Monx UTC _2009')
    assert.equal(format('Jan. Mon.'), 'Nov. Tue.')
  })

  it("gives the zero time's fields: year 1, January, a Monday", () => {
    const zero = goCivilTime(-62135596800, 0, UTC)
    assert.deepEqual(zero, {year: 1, month: 1, day: 1, hour: 0, minute: 0, second: 0, nanosecond: 0, weekday: 1, yearDay: 1})
    assert.equal(formatGoLayout('2006-01-02 06', zero, UTC), '0001-01-01 01')
  })

  it('prints an invalid date as the zero time, as Go leaves an unset time.Time', async () => {
    const {GoTime, goTimeRFC3339, goTimeString} = await import('../../../src/format/go-values.ts')
    for (const invalid of [new Date(Number.NaN), new GoTime('garbage')]) {
      assert.equal(goTimeString(invalid), '0001-01-01 00:00:00 +0000 UTC')
      assert.equal(goTimeRFC3339(invalid), '0001-01-01T00:00:00Z')
    }
  })
})

describe('time.Time in templates (network Created, image LastTagTime, health log Start/End)', async () => {
  const {formatInspect} = await import('../../../src/format/output.ts')
  const {goStruct, withGoType} = await import('../../../src/format/go-types.ts')
  const NETWORK = goStruct('network.Inspect', {Created: 'time'})
  const render = (created: string, format: string) => {
    const {text, errors} = formatInspect([withGoType({Created: created}, NETWORK)], format, {rawFallback: false})
    return errors[0] ?? text.trimEnd()
  }
  const created = '2024-11-25T15:04:05.123456789Z'

  it("calls time.Time's methods as docker's templates do", () => {
    assert.equal(render(created, '{{.Created.Year}} {{.Created.Month}} {{.Created.Day}} {{.Created.Hour}} {{.Created.Minute}} {{.Created.Second}} {{.Created.Nanosecond}}'), '2024 November 25 15 4 5 123456789')
    assert.equal(render(created, '{{.Created.Weekday}} {{.Created.YearDay}} {{printf "%d %T %T" .Created.Month .Created.Month .Created.Unix}}'), 'Monday 330 11 time.Month int64')
    assert.equal(render(created, '{{.Created.Unix}} {{.Created.UnixMilli}} {{.Created.UnixMicro}} {{.Created.UnixNano}}'), '1732547045 1732547045123 1732547045123456 1732547045123456789')
    assert.equal(render(created, '{{.Created.Format "2006-01-02"}} {{.Created.Format "Jan _2 3:04PM"}}'), '2024-11-25 Nov 25 3:04PM')
    assert.equal(render(created, '{{.Created.IsZero}} {{.Created.String}} {{.Created.Location}}'), 'false 2024-11-25 15:04:05.123456789 +0000 UTC UTC')
    assert.equal(render('', '{{.Created.IsZero}} {{.Created.Year}} {{.Created.Unix}}'), 'true 1 -62135596800')
  })

  it('moves a time to the local zone or UTC, which printing, JSON and the fields follow', () => {
    assert.equal(render(created, '{{.Created.Local}}|{{json .Created.Local}}|{{.Created.Local.Hour}} {{.Created.Local.Location}} {{.Created.Local.IsDST}}'), '2024-11-25 16:04:05.123456789 +0100 CET|"2024-11-25T16:04:05.123456789+01:00"|16 Local false')
    assert.equal(render('2024-07-01T12:00:00+02:00', '{{.Created}} {{.Created.Location}} {{.Created.IsDST}} {{.Created.UTC}}'), '2024-07-01 12:00:00 +0200 CEST Local true 2024-07-01 10:00:00 +0000 UTC')
    // An offset the local zone does not have then is a zone without a name, as Go parses it.
    assert.equal(render('2024-07-01T12:00:00+05:30', '{{.Created}}|{{.Created.Location}}|'), '2024-07-01 12:00:00 +0530 +0530||')
  })

  it('compares times and takes their difference as a time.Duration', () => {
    const HEALTH = goStruct('container.HealthcheckResult', {Start: 'time', End: 'time'})
    const probe = withGoType({Start: '2024-11-25T15:04:05.1Z', End: '2024-11-25T15:04:06.35Z'}, HEALTH)
    assert.equal(formatInspect([probe], '{{.End.Sub .Start}} {{.Start.Before .End}} {{.Start.After .End}} {{.Start.Equal .Start}} {{.End.Compare .Start}}').text, '1.25s true false true 1\n')
  })

  it("fails as Go does on a method it cannot call or does not have, or wrong arguments", () => {
    const error = (at: string, message: string) => `template parsing error: template: :1:10: executing "" at <${at}>: ${message}`
    assert.equal(render(created, '{{.Created.Date}}'), error('.Created.Date', 'can\'t call method/function "Date" with 3 results'))
    assert.equal(render(created, '{{.Created.Year 1}}'), error('.Created.Year', 'wrong number of args for Year: want 0 got 1'))
    assert.equal(render(created, '{{.Created.Format}}'), error('.Created.Format', 'wrong number of args for Format: want 1 got 0'))
    assert.equal(render(created, '{{.Created.Nope}}'), error('.Created.Nope', "can't evaluate field Nope in type time.Time"))
    assert.equal(render(created, '{{.Created.Sub "x"}}').replace(/:1:\d+/, ':1:N'), 'template parsing error: template: :1:N: executing "" at <"x">: can\'t handle "x" for arg of type time.Time')
  })
})
