import {readFileSync} from 'node:fs'
import {join} from 'node:path'

/**
 * Times in the local zone as docker's CLI prints them through Go's time package: `time.Unix(…).String()`
 * (`2024-01-01 01:00:00 +0100 CET`) and `Format(time.RFC3339)` (`2024-01-01T01:00:00+01:00`). Go names
 * the zone from its tzdata file, which JavaScript's Intl does not (`GMT+1`), so the file is read here.
 */

interface ZoneType {
  offset: number
  isDst: boolean
  name: string
}

interface Zone {
  /** Transition times (seconds since the epoch) and the type in force from each. */
  transitions: {at: number; type: ZoneType}[]
  /** Used before the first transition. */
  first: ZoneType
  /** The TZif footer's rule (after the last transition): its standard and daylight-saving types. */
  rule?: {standard: ZoneType; daylight?: ZoneType}
}

const UTC_TYPE: ZoneType = {offset: 0, isDst: false, name: 'UTC'}

/** Go's sources of zone files (zoneinfo_unix.go), after $ZONEINFO. */
const ZONE_DIRECTORIES = ['/usr/share/zoneinfo/', '/usr/share/lib/zoneinfo/', '/usr/lib/locale/TZ/', '/etc/zoneinfo']

/** The zone file Go's initLocal loads: /etc/localtime without $TZ, UTC for an empty one or `UTC`. */
function zoneFiles(environment: NodeJS.ProcessEnv): string[] {
  const tz = environment.TZ
  if (tz === undefined) return ['/etc/localtime']
  const name = tz.startsWith(':') ? tz.slice(1) : tz
  if (name === '' || name === 'UTC') return []
  if (name.startsWith('/')) return [name]
  return [...(environment.ZONEINFO ? [environment.ZONEINFO] : []), ...ZONE_DIRECTORIES].map((directory) => join(directory, name))
}

/** The POSIX TZ string of a TZif footer, e.g. `CET-1CEST,M3.5.0,M10.5.0/3` or `<+03>-3`: its two zone types. */
function parseRule(text: string): Zone['rule'] {
  const match = /^(<[^>]*>|[A-Za-z]+)([+-]?\d+(?::\d+){0,2})(<[^>]*>|[A-Za-z]+)?([+-]?\d+(?::\d+){0,2})?/.exec(text)
  if (!match) return undefined
  const name = (part: string) => part.replace(/^<(.*)>$/, '$1')
  // POSIX offsets are hours west of UTC.
  const seconds = (part: string) => {
    const [hours, minutes = 0, secs = 0] = part.replace(/^[+-]/, '').split(':').map(Number)
    return (part.startsWith('-') ? 1 : -1) * (hours! * 3600 + minutes * 60 + secs)
  }
  const standard = {offset: seconds(match[2]!), isDst: false, name: name(match[1]!)}
  if (!match[3]) return {standard}
  return {standard, daylight: {offset: match[4] ? seconds(match[4]) : standard.offset + 3600, isDst: true, name: name(match[3])}}
}

/** A TZif file (RFC 8536), its 64-bit part when it has one. */
function parseZone(data: Buffer): Zone | undefined {
  if (data.toString('latin1', 0, 4) !== 'TZif') return undefined
  const counts = (at: number) => [0, 1, 2, 3, 4, 5].map((index) => data.readUInt32BE(at + 20 + index * 4))
  let at = 0
  let [isUtCount, isStdCount, leapCount, timeCount, typeCount, charCount] = counts(at)
  let timeSize = 4
  if (data[4]! >= 0x32) {
    at = 44 + timeCount! * 5 + typeCount! * 6 + charCount! + leapCount! * 8 + isStdCount! + isUtCount!
    ;[isUtCount, isStdCount, leapCount, timeCount, typeCount, charCount] = counts(at)
    timeSize = 8
  }
  let offset = at + 44
  const times: number[] = []
  for (let index = 0; index < timeCount!; index++, offset += timeSize) times.push(timeSize === 8 ? Number(data.readBigInt64BE(offset)) : data.readInt32BE(offset))
  const typeIndexes = [...data.subarray(offset, offset + timeCount!)]
  offset += timeCount!
  const charsAt = offset + typeCount! * 6
  const types: ZoneType[] = []
  for (let index = 0; index < typeCount!; index++, offset += 6) {
    const nameAt = charsAt + data[offset + 5]!
    types.push({offset: data.readInt32BE(offset), isDst: data[offset + 4] === 1, name: data.toString('latin1', nameAt, data.indexOf(0, nameAt))})
  }
  if (types.length === 0) return undefined
  const end = charsAt + charCount! + leapCount! * (timeSize + 4) + isStdCount! + isUtCount!
  const footer = timeSize === 8 ? data.toString('latin1', end).split('\n')[1] : undefined
  const rule = footer ? parseRule(footer) : undefined
  return {transitions: times.map((time, index) => ({at: time, type: types[typeIndexes[index]!]!})), first: types.find((type) => !type.isDst) ?? types[0]!, ...(rule ? {rule} : {})}
}

let localZone: Zone | undefined | null = null

/** The local zone as Go loads it; undefined (UTC) when its file cannot be read, as Go falls back. */
function loadLocalZone(): Zone | undefined {
  if (localZone !== null) return localZone
  localZone = undefined
  for (const file of zoneFiles(process.env)) {
    let data: Buffer
    try {
      data = readFileSync(file)
    } catch {
      continue
    }
    localZone = parseZone(data)
    break
  }
  return localZone
}

/** The zone type in force at `date`; past the file's transitions, its rule's type with JavaScript's offset (same tzdata). */
function zoneTypeAt(date: Date): ZoneType {
  const zone = loadLocalZone()
  if (!zone) return UTC_TYPE
  const seconds = Math.floor(date.getTime() / 1000)
  const {transitions} = zone
  if (transitions.length === 0 || seconds < transitions[0]!.at) return zone.rule?.standard ?? zone.first
  const last = transitions.at(-1)!
  if (seconds >= last.at && zone.rule) {
    const offset = -date.getTimezoneOffset() * 60
    return zone.rule.daylight?.offset === offset ? zone.rule.daylight : zone.rule.standard
  }
  let low = 0
  let high = transitions.length - 1
  while (low < high) {
    const middle = Math.ceil((low + high) / 2)
    if (transitions[middle]!.at <= seconds) low = middle
    else high = middle - 1
  }
  return transitions[low]!.type
}

function offsetText(seconds: number, separator: string): string {
  const sign = seconds < 0 ? '-' : '+'
  const minutes = Math.floor(Math.abs(seconds) / 60)
  return `${sign}${String(Math.floor(minutes / 60)).padStart(2, '0')}${separator}${String(minutes % 60).padStart(2, '0')}`
}

/** The wall clock of `date` in a zone as an ISO text without a zone: `2024-01-01T01:00:00.123`. */
function wallClock(date: Date, type: ZoneType): string {
  return new Date(date.getTime() + type.offset * 1000).toISOString().slice(0, 23)
}

/** Go's time.Time String() in the local zone: `2024-01-01 01:00:00 +0100 CET` (fraction trimmed). */
export function goLocalTimeString(date: Date): string {
  if (Number.isNaN(date.getTime())) return '0001-01-01 00:00:00 +0000 UTC'
  const type = zoneTypeAt(date)
  const wall = wallClock(date, type)
  const fraction = wall.slice(20, 23).replace(/0+$/, '')
  return `${wall.slice(0, 10)} ${wall.slice(11, 19)}${fraction ? `.${fraction}` : ''} ${offsetText(type.offset, '')} ${type.name}`
}

/**
 * Go's `Format(time.RFC3339)` in the local zone: `2024-01-01T01:00:00+01:00`, `Z` in UTC. With the
 * nanoseconds of its second, RFC3339Nano's fraction (trailing zeros dropped), or `fixed`, all nine
 * digits (docker's rfc3339NanoFixed).
 */
export function goLocalRFC3339(date: Date, fraction?: {nanosecond: number; fixed?: boolean}): string {
  const type = zoneTypeAt(date)
  const digits = fraction === undefined ? '' : String(fraction.nanosecond).padStart(9, '0')
  const shown = fraction?.fixed ? digits : digits.replace(/0+$/, '')
  return `${wallClock(date, type).slice(0, 19)}${shown ? `.${shown}` : ''}${type.offset === 0 ? 'Z' : offsetText(type.offset, ':')}`
}
