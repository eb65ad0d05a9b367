// Expected values follow github.com/docker/go-units and its tests.
import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {bytesSize, containerStatus, humanDuration, humanSize, parseBytes, parseDecimalBytes, timeAgo} from '../../../src/format/index.ts'

const KiB = 1024
const MiB = 1024 * KiB
const GiB = 1024 * MiB
const TiB = 1024 * GiB
const PiB = 1024 * TiB

describe('humanSize', () => {
  it('prints decimal units with 3 significant digits, as docker images and ps -s do', () => {
    const cases: [number, string][] = [
      [0, '0B'],
      [1, '1B'],
      [512, '512B'],
      [999, '999B'],
      [1000, '1kB'],
      [1234, '1.23kB'],
      [1235, '1.24kB'],
      [999_499, '999kB'],
      [1_000_000, '1MB'],
      [1_234_567, '1.23MB'],
      [45_600_000, '45.6MB'],
      [187_000_000, '187MB'],
      [1_000_000_000, '1GB'],
      [1.5e12, '1.5TB'],
    ]
    for (const [bytes, expected] of cases) assert.equal(humanSize(bytes), expected, String(bytes))
  })

  it('keeps docker quirk of an exponent just below the next unit', () => {
    assert.equal(humanSize(999_500), '1e+03kB')
  })

  it('takes another precision, like go-units HumanSize with 4', () => {
    assert.equal(humanSize(1024, 4), '1.024kB')
    assert.equal(humanSize(1048576, 4), '1.049MB')
    assert.equal(humanSize(3.42e9, 4), '3.42GB')
    assert.equal(humanSize(5.372e12, 4), '5.372TB')
    assert.equal(humanSize(1e28, 4), '1e+04YB')
  })
})

describe('bytesSize', () => {
  it('prints binary units with 4 significant digits', () => {
    assert.equal(bytesSize(0), '0B')
    assert.equal(bytesSize(1023), '1023B')
    assert.equal(bytesSize(1024), '1KiB')
    assert.equal(bytesSize(1536), '1.5KiB')
    assert.equal(bytesSize(1.5 * MiB), '1.5MiB')
    assert.equal(bytesSize(3.42 * GiB), '3.42GiB')
    assert.equal(bytesSize(5.372 * TiB), '5.372TiB')
    assert.equal(bytesSize(2.22 * PiB), '2.22PiB')
    assert.equal(bytesSize(16_700_000_000), '15.55GiB')
  })
})

describe('humanDuration', () => {
  const second = 1000
  const minute = 60 * second
  const hour = 60 * minute
  const day = 24 * hour
  const week = 7 * day
  const month = 30 * day
  const year = 365 * day
  const cases: [number, string][] = [
    [-5 * second, 'Less than a second'],
    [450, 'Less than a second'],
    [999, 'Less than a second'],
    [1 * second, '1 second'],
    [1999, '1 second'],
    [2 * second, '2 seconds'],
    [59 * second, '59 seconds'],
    [60 * second, 'About a minute'],
    [119 * second, 'About a minute'],
    [2 * minute, '2 minutes'],
    [35 * minute + 40 * second, '35 minutes'],
    [59 * minute, '59 minutes'],
    [1 * hour, 'About an hour'],
    [1 * hour + 29 * minute, 'About an hour'],
    [1 * hour + 31 * minute, '2 hours'],
    [3 * hour + 29 * minute, '3 hours'],
    [3 * hour + 31 * minute, '4 hours'],
    [24 * hour, '24 hours'],
    [1 * day + 12 * hour, '36 hours'],
    [47 * hour, '47 hours'],
    [2 * day, '2 days'],
    [13 * day + 5 * hour, '13 days'],
    [2 * week, '2 weeks'],
    [2 * week + 4 * day, '2 weeks'],
    [1 * month, '4 weeks'],
    [1 * month + 2 * week, '6 weeks'],
    [2 * month, '2 months'],
    [5 * month + 2 * week, '5 months'],
    [24 * month, '24 months'],
    [24 * month + 2 * week, '2 years'],
    [3 * year + 2 * month, '3 years'],
  ]
  for (const [milliseconds, expected] of cases) {
    it(`${milliseconds}ms is ${expected}`, () => assert.equal(humanDuration(milliseconds), expected))
  }
})

describe('timeAgo', () => {
  it('says how long ago a date was', () => {
    const now = new Date('2024-05-10T12:00:00Z')
    assert.equal(timeAgo(new Date('2024-05-07T12:00:00Z'), now), '3 days ago')
    assert.equal(timeAgo(new Date('2024-05-10T11:59:58Z'), now), '2 seconds ago')
    assert.equal(timeAgo(new Date('2024-05-10T12:00:00Z'), now), 'Less than a second ago')
  })
})

describe('containerStatus', () => {
  const now = new Date('2024-05-10T12:00:00Z')
  const ago = (milliseconds: number) => new Date(now.getTime() - milliseconds)

  it('reads like docker ps STATUS', () => {
    assert.equal(containerStatus({status: 'running', startedAt: ago(5000)}, now), 'Up 5 seconds')
    assert.equal(containerStatus({status: 'running', startedAt: ago(500)}, now), 'Up Less than a second')
    assert.equal(containerStatus({status: 'paused', startedAt: ago(70_000)}, now), 'Up About a minute (Paused)')
    assert.equal(containerStatus({status: 'running', startedAt: ago(2 * 3600_000), health: 'healthy'}, now), 'Up 2 hours (healthy)')
    assert.equal(containerStatus({status: 'running', startedAt: ago(3000), health: 'starting'}, now), 'Up 3 seconds (health: starting)')
    assert.equal(containerStatus({status: 'running', startedAt: ago(3000), health: 'unhealthy'}, now), 'Up 3 seconds (unhealthy)')
    assert.equal(containerStatus({status: 'exited', startedAt: ago(3 * 3600_000), finishedAt: ago(2 * 3600_000), exitCode: 0}, now), 'Exited (0) 2 hours ago')
    assert.equal(containerStatus({status: 'exited', startedAt: ago(60_000), finishedAt: ago(30_000), exitCode: 137}, now), 'Exited (137) 30 seconds ago')
    assert.equal(containerStatus({status: 'restarting', startedAt: ago(60_000), finishedAt: ago(2000), exitCode: 1}, now), 'Restarting (1) 2 seconds ago')
    assert.equal(containerStatus({status: 'created'}, now), 'Created')
    assert.equal(containerStatus({status: 'exited'}, now), 'Created')
    // Never empty: a finish time lost (an rm cut short) falls back on the start.
    assert.equal(containerStatus({status: 'exited', startedAt: ago(120_000), exitCode: 137}, now), 'Exited (137) 2 minutes ago')
    assert.equal(containerStatus({status: 'removing', startedAt: ago(1000)}, now), 'Removal In Progress')
    assert.equal(containerStatus({status: 'dead'}, now), 'Dead')
  })
})

describe('parseBytes', () => {
  it('reads sizes with binary units, as docker --memory does', () => {
    const cases: [string, number][] = [
      ['32', 32],
      ['32b', 32],
      ['32B', 32],
      ['32k', 32 * KiB],
      ['32K', 32 * KiB],
      ['32kb', 32 * KiB],
      ['32Kib', 32 * KiB],
      ['32KIB', 32 * KiB],
      ['512m', 512 * MiB],
      ['100MB', 100 * MiB],
      ['1g', GiB],
      ['1.5GiB', 1.5 * GiB],
      ['32Tb', 32 * TiB],
      ['32P', 32 * PiB],
      ['32.3', 32],
      ['32.3 mb', Math.trunc(32.3 * MiB)],
      ['0.3MB', Math.trunc(0.3 * MiB)],
      ['1e3k', 1000 * KiB],
      ['10 KiB', 10 * KiB],
      ['0', 0],
      // Go's ParseFloat takes an exponent: a size int64 holds is that size.
      ['9e18', 9e18],
    ]
    for (const [text, expected] of cases) assert.equal(parseBytes(text), expected, text)
  })

  it('reads a size past int64 as math.MinInt64, as go-units on amd64, for docker\'s daemon to refuse as too small', () => {
    for (const text of ['99999999999999999999999', '1e23', '9223372036854775808', '8192P', '1e308k']) assert.equal(parseBytes(text), -(2 ** 63), text)
    assert.equal(parseBytes('9223372036854774784'), 9223372036854774784)
  })

  it('reads the number as Go\'s strconv.ParseFloat: hex floats, `_` between digits, inf and nan', () => {
    const cases: [string, number][] = [
      ['0x4p24', 64 * MiB],
      ['0X1.8P1k', 3 * KiB],
      ['0x.8p1', 1],
      ['0x1.p4', 16],
      ['0x_1p4', 16],
      ['0x1p-2', 0],
      // Rounded once to float64, half to even, as Go's atofHex.
      ['0x1.fffffffffffff8p0', 2],
      ['0x1.fffffffffffff7ffffffffp0', 1],
      ['1_000', 1000],
      ['1_0.2_5e1_0', 102500000000],
      ['0x1p63', -(2 ** 63)],
      // Only after a space are they the number (go-units splits at the last digit, dot or space); int64 of both is math.MinInt64 on amd64.
      ['inf ', -(2 ** 63)],
      ['Infinity k', -(2 ** 63)],
      ['NaN m', -(2 ** 63)],
    ]
    for (const [text, expected] of cases) assert.equal(parseBytes(text), expected, text)
    assert.equal(parseDecimalBytes('0x1p4k'), 16000)
  })

  it("rejects what go-units rejects, with its messages", () => {
    const cases: [string, string][] = [
      ['', "invalid size: ''"],
      ['hello', "invalid size: 'hello'"],
      ['-32', "invalid size: '-32'"],
      [' 32 ', 'strconv.ParseFloat: parsing " 32": invalid syntax'],
      ['1 2', 'strconv.ParseFloat: parsing "1 2": invalid syntax'],
      ['1e400', 'strconv.ParseFloat: parsing "1e400": value out of range'],
      ['32m b', 'strconv.ParseFloat: parsing "32m": invalid syntax'],
      ['32bm', "invalid suffix: 'bm'"],
      ['1x', "invalid suffix: 'x'"],
      ['1mbb', "invalid suffix: 'mbb'"],
      ['1kibi', "invalid suffix: 'kibi'"],
      ['1mi', "invalid suffix: 'mi'"],
      ['1.2.3m', 'strconv.ParseFloat: parsing "1.2.3": invalid syntax'],
      ['0x1', 'strconv.ParseFloat: parsing "0x1": invalid syntax'],
      ['0x1p', 'strconv.ParseFloat: parsing "0x1": invalid syntax'],
      ['0x_.8p1', 'strconv.ParseFloat: parsing "0x_.8p1": invalid syntax'],
      ['0x1p1024', 'strconv.ParseFloat: parsing "0x1p1024": value out of range'],
      ['1__0', 'strconv.ParseFloat: parsing "1__0": invalid syntax'],
      ['_1', 'strconv.ParseFloat: parsing "_1": invalid syntax'],
      ['1._5', 'strconv.ParseFloat: parsing "1._5": invalid syntax'],
      ['1e_1', 'strconv.ParseFloat: parsing "1e_1": invalid syntax'],
      ['1_', "invalid suffix: '_'"],
      ['-0x1p0', "invalid size: '-0x1p0'"],
      ['-inf ', "invalid size: '-inf '"],
      ['+nan ', 'strconv.ParseFloat: parsing "+nan": invalid syntax'],
      ['infinit ', 'strconv.ParseFloat: parsing "infinit": invalid syntax'],
    ]
    for (const [text, message] of cases) assert.throws(() => parseBytes(text), {message}, JSON.stringify(text))
  })
})
