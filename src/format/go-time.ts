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

/** `date` (with the nanoseconds of its second) on the local zone's wall clock, in Go's `layout`. */
function localFormat(date: Date, nanosecond: number, layout: string): string {
  const zone = localZoneAt(date)
  return formatGoLayout(layout, goCivilTime(Math.floor(date.getTime() / 1000), nanosecond, zone), zone)
}

/** docker's `time.Unix(seconds, 0)` of an API's Unix time: the whole seconds of `milliseconds` since 1970. */
export function goUnixTime(milliseconds: number): Date {
  return new Date(Math.floor(milliseconds / 1000) * 1000)
}

/** Go's time.Time String() in the local zone: `2024-01-01 01:00:00 +0100 CET` (fraction trimmed). */
export function goLocalTimeString(date: Date): string {
  if (Number.isNaN(date.getTime())) return '0001-01-01 00:00:00 +0000 UTC'
  return localFormat(date, date.getUTCMilliseconds() * 1e6, '2006-01-02 15:04:05.999999999 -0700 MST')
}

/**
 * Go's `Format(time.RFC3339)` in the local zone: `2024-01-01T01:00:00+01:00`, `Z` in UTC. With the
 * nanoseconds of its second, RFC3339Nano's fraction (trailing zeros dropped), or `fixed`, all nine
 * digits (docker's rfc3339NanoFixed).
 */
export function goLocalRFC3339(date: Date, fraction?: {nanosecond: number; fixed?: boolean}): string {
  const digits = fraction === undefined ? '' : fraction.fixed ? '.000000000' : '.999999999'
  return localFormat(date, fraction?.nanosecond ?? 0, `2006-01-02T15:04:05${digits}Z07:00`)
}

/** A zone as Go's time.Time carries it: its offset east of UTC in seconds and its abbreviation (empty for a FixedZone("", …)). */
export interface GoZone {
  offset: number
  name: string
  /** Whether it is daylight-saving time (Go's IsDST). */
  isDst?: boolean
}

/** The local zone (as Go loads it) in force at `date`. */
export function localZoneAt(date: Date): GoZone {
  const {offset, name, isDst} = zoneTypeAt(date)
  return {offset, name, isDst}
}

const LONG_MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December']
const LONG_DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday']

/** The calendar fields of an instant on a zone's wall clock, as Go's time.Time methods give them. */
export interface GoCivilTime {
  year: number
  /** 1 to 12. */
  month: number
  day: number
  hour: number
  minute: number
  second: number
  nanosecond: number
  /** 0 (Sunday) to 6. */
  weekday: number
  /** 1 to 366. */
  yearDay: number
}

/** The wall clock of the instant `seconds` since the epoch (plus `nanosecond`) in `zone`. */
export function goCivilTime(seconds: number, nanosecond: number, zone: GoZone): GoCivilTime {
  const wall = new Date((seconds + zone.offset) * 1000)
  const year = wall.getUTCFullYear()
  const newYear = new Date(0)
  newYear.setUTCFullYear(year, 0, 1)
  return {
    year,
    month: wall.getUTCMonth() + 1,
    day: wall.getUTCDate(),
    hour: wall.getUTCHours(),
    minute: wall.getUTCMinutes(),
    second: wall.getUTCSeconds(),
    nanosecond,
    weekday: wall.getUTCDay(),
    yearDay: Math.floor((wall.getTime() - newYear.getTime()) / 86_400_000) + 1,
  }
}

export function goMonthName(month: number): string {
  return LONG_MONTHS[month - 1] ?? `%!Month(${month})`
}

export function goWeekdayName(weekday: number): string {
  return LONG_DAYS[weekday] ?? `%!Weekday(${weekday})`
}

/** Go's appendInt: `-` for a negative number, then its digits zero-padded to `width`. */
function paddedInt(value: number, width: number): string {
  const digits = String(Math.abs(value)).padStart(width, '0')
  return value < 0 ? `-${digits}` : digits
}

/** One element of a layout, as Go's nextStdChunk finds it. */
type LayoutChunk =
  | {kind: 'literal'; text: string}
  | {kind: 'std'; std: string}
  | {kind: 'fraction'; separator: string; digits: number; trim: boolean}

/** The layout elements Go recognises at `at`, in its order of preference; undefined when none starts there. */
function chunkAt(layout: string, at: number): {chunk: LayoutChunk; length: number; literalPrefix?: number} | undefined {
  const rest = layout.slice(at)
  const std = (name: string, length = name.length) => ({chunk: {kind: 'std' as const, std: name}, length})
  const startsLower = (index: number) => /^[a-z]/.test(layout.slice(index))
  switch (rest[0]) {
    case 'J':
      if (rest.startsWith('January')) return std('January')
      if (rest.startsWith('Jan') && !startsLower(at + 3)) return std('Jan')
      return undefined
    case 'M':
      if (rest.startsWith('Monday')) return std('Monday')
      if (rest.startsWith('Mon') && !startsLower(at + 3)) return std('Mon')
      if (rest.startsWith('MST')) return std('MST')
      return undefined
    case '0':
      if (/^0[1-6]/.test(rest)) return std(rest.slice(0, 2))
      if (rest.startsWith('002')) return std('002')
      return undefined
    case '1':
      return rest.startsWith('15') ? std('15') : std('1')
    case '2':
      return rest.startsWith('2006') ? std('2006') : std('2')
    case '_':
      // `_2006` is a literal `_` and the year.
      if (rest.startsWith('_2006')) return {...std('2006'), length: 5, literalPrefix: 1}
      if (rest.startsWith('_2')) return std('_2')
      if (rest.startsWith('__2')) return std('__2')
      return undefined
    case '3':
    case '4':
    case '5':
      return std(rest[0])
    case 'P':
      return rest.startsWith('PM') ? std('PM') : undefined
    case 'p':
      return rest.startsWith('pm') ? std('pm') : undefined
    case '-':
    case 'Z': {
      const zone = ['070000', '07:00:00', '0700', '07:00', '07'].find((suffix) => rest.startsWith(`${rest[0]}${suffix}`))
      return zone === undefined ? undefined : std(`${rest[0]}${zone}`)
    }
    case '.':
    case ',': {
      const digit = rest[1]
      if (digit !== '0' && digit !== '9') return undefined
      let end = 1
      while (rest[end] === digit) end++
      // Only a run of one digit ending there is a fraction of a second.
      if (/^[0-9]/.test(rest.slice(end))) return undefined
      return {chunk: {kind: 'fraction', separator: rest[0], digits: end - 1, trim: digit === '9'}, length: end}
    }
    default:
      return undefined
  }
}

/** A layout split into literal text and the elements Go's Format replaces (and its Parse reads). */
export function layoutChunks(layout: string): LayoutChunk[] {
  const chunks: LayoutChunk[] = []
  let literal = ''
  for (let at = 0; at < layout.length; ) {
    const found = chunkAt(layout, at)
    if (found === undefined) {
      literal += layout[at]
      at++
      continue
    }
    literal += layout.slice(at, at + (found.literalPrefix ?? 0))
    if (literal !== '') chunks.push({kind: 'literal', text: literal})
    literal = ''
    chunks.push(found.chunk)
    at += found.length
  }
  if (literal !== '') chunks.push({kind: 'literal', text: literal})
  return chunks
}

function zoneText(std: string, offset: number): string {
  // The Z forms write Z for UTC, as ISO 8601 does.
  if (offset === 0 && std.startsWith('Z')) return 'Z'
  const zone = Math.trunc(offset / 60)
  const sign = zone < 0 ? '-' : '+'
  const minutes = Math.abs(zone)
  const colon = std.includes(':') ? ':' : ''
  let text = `${sign}${paddedInt(Math.trunc(minutes / 60), 2)}`
  if (std.length > 3) text += `${colon}${paddedInt(minutes % 60, 2)}`
  if (std.endsWith('0000') || std.endsWith(':00:00')) text += `${colon}${paddedInt(Math.abs(offset) % 60, 2)}`
  return text
}

function stdText(std: string, time: GoCivilTime, zone: GoZone): string {
  const hour12 = time.hour % 12 === 0 ? 12 : time.hour % 12
  switch (std) {
    case 'January':
      return goMonthName(time.month)
    case 'Jan':
      return goMonthName(time.month).slice(0, 3)
    case '1':
      return String(time.month)
    case '01':
      return paddedInt(time.month, 2)
    case 'Monday':
      return goWeekdayName(time.weekday)
    case 'Mon':
      return goWeekdayName(time.weekday).slice(0, 3)
    case '2':
      return String(time.day)
    case '_2':
      return String(time.day).padStart(2, ' ')
    case '02':
      return paddedInt(time.day, 2)
    case '__2':
      return String(time.yearDay).padStart(3, ' ')
    case '002':
      return paddedInt(time.yearDay, 3)
    case '15':
      return paddedInt(time.hour, 2)
    case '3':
      return String(hour12)
    case '03':
      return paddedInt(hour12, 2)
    case '4':
      return String(time.minute)
    case '04':
      return paddedInt(time.minute, 2)
    case '5':
      return String(time.second)
    case '05':
      return paddedInt(time.second, 2)
    case '2006':
      return paddedInt(time.year, 4)
    case '06':
      return paddedInt(Math.abs(time.year) % 100, 2)
    case 'PM':
      return time.hour >= 12 ? 'PM' : 'AM'
    case 'pm':
      return time.hour >= 12 ? 'pm' : 'am'
    case 'MST':
      // A zone without a name is written as -0700.
      return zone.name !== '' ? zone.name : zoneText('-0700', zone.offset)
    default:
      return zoneText(std, zone.offset)
  }
}

function fractionText(chunk: Extract<LayoutChunk, {kind: 'fraction'}>, nanosecond: number): string {
  if (chunk.trim && (chunk.digits === 0 || nanosecond === 0)) return ''
  const digits = String(nanosecond).padStart(9, '0').slice(0, Math.min(chunk.digits, 9))
  const shown = chunk.trim ? digits.replace(/0+$/, '') : digits
  return shown === '' ? '' : `${chunk.separator}${shown}`
}

/** Go's time.Time Format: `layout` written in Go's reference time, Mon Jan 2 15:04:05 MST 2006, for a wall clock in `zone`. */
export function formatGoLayout(layout: string, time: GoCivilTime, zone: GoZone): string {
  return layoutChunks(layout)
    .map((chunk) => (chunk.kind === 'literal' ? chunk.text : chunk.kind === 'fraction' ? fractionText(chunk, time.nanosecond) : stdText(chunk.std, time, zone)))
    .join('')
}

/**
 * An RFC 3339 time as docker prints the Go time it parses (time.RFC3339Nano): the fraction without
 * its trailing zeros, the offset as written (`Z` for UTC); "" when there is none, as docker's
 * containerd store. A text Go would not parse is passed through.
 */
export function goRFC3339Nano(text: string | undefined): string {
  if (text === undefined || text === null) return ''
  const match = /^(\d{4}-\d{2}-\d{2})[Tt](\d{2}:\d{2}:\d{2})(?:\.(\d+))?([Zz]|[+-]\d{2}:\d{2})$/.exec(text)
  if (match === null) return text
  const [, date, time, fraction = '', zone] = match
  const digits = fraction.slice(0, 9).replace(/0+$/, '')
  const offset = zone.toUpperCase() === 'Z' || zone === '+00:00' || zone === '-00:00' ? 'Z' : zone
  return `${date}T${time}${digits ? `.${digits}` : ''}${offset}`
}
