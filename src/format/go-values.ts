/**
 * How nerd's template and printing code sees JavaScript values as the Go values docker's templates
 * work on: `undefined` is Go's invalid value (a missing map key), `null` is nil, arrays are slices,
 * plain objects are `map[string]interface{}` whose function-valued properties act as methods, a Date
 * is a `time.Time`, a GoDuration a `time.Duration`.
 */
import {formatGoDuration} from './go-duration.ts'
import {goRegExp} from './go-regexp.ts'
import {formatGoLayout, goCivilTime, localZoneAt, type GoCivilTime, type GoZone} from './go-time.ts'
import type {ParamKind} from './template-funcs.ts'

export type GoKind = 'invalid' | 'nil' | 'bool' | 'int' | 'float' | 'string' | 'slice' | 'map' | 'time' | 'func'

/**
 * A Go float64 holding a whole number (the template constant `1.0`), which a JavaScript number
 * would show as an int. Arithmetic and comparisons see its number (valueOf).
 */
export class GoFloat {
  readonly value: number
  constructor(value: number) {
    this.value = value
  }
  valueOf(): number {
    return this.value
  }
}

/**
 * A value of a Go integer type other than int, which `%T` names (int64, time.Month). With a String
 * method's `text`, fmt and templates print that (time.Month `November`, time.Weekday `Tuesday`);
 * JSON, `%d`, `eq` and `lt` see its number.
 */
export class GoNamedInt {
  readonly value: number
  /** The Go type's name, as `%T` and error messages show it. */
  readonly typeName: string
  constructor(value: number, typeName: string, text?: string) {
    this.value = value
    this.typeName = typeName
    if (text !== undefined) withGoString(this, text)
  }
  valueOf(): number {
    return this.value
  }
}

/** A Go time.Duration: an int64 of nanoseconds whose String method prints `2s`, `1m30s`, `500ms`, `0s`. */
export class GoDuration extends GoNamedInt {
  constructor(nanoseconds: number) {
    super(nanoseconds, 'time.Duration', formatGoDuration(nanoseconds / 1e6))
  }
}

/**
 * A nil pointer of a Go struct type (`*formatter.Platform`): nil to printing, JSON and truth, but
 * named by `%T` and by the error of a field read through it, as Go names it.
 */
export class GoNilPointer {
  /** The pointer's type, `*formatter.Platform`. */
  readonly typeName: string
  constructor(typeName: string) {
    this.typeName = typeName
  }
}

export function goKind(value: unknown): GoKind {
  switch (typeof value) {
    case 'undefined':
      return 'invalid'
    case 'boolean':
      return 'bool'
    case 'number':
      return Number.isSafeInteger(value) && !Object.is(value, -0) ? 'int' : 'float'
    case 'bigint':
      return 'int'
    case 'string':
      return 'string'
    case 'function':
      return 'func'
    case 'object':
      if (value === null || value instanceof GoNilPointer) return 'nil'
      if (Array.isArray(value)) return 'slice'
      if (value instanceof Date) return 'time'
      if (value instanceof GoFloat) return 'float'
      if (value instanceof GoNamedInt) return 'int'
      return 'map'
    default:
      return 'invalid'
  }
}

/** A map's keys as Go sees them (methods and undefined values are not entries), in Go's sorted order. */
export function mapKeys(map: object): string[] {
  const record = map as Record<string, unknown>
  return Object.keys(record)
    .filter((key) => record[key] !== undefined && typeof record[key] !== 'function')
    .sort(compareStrings)
}

/**
 * Strings in Go's order (code units, not the locale's): what docker sorts by. Also cheap: the first
 * localeCompare of a process builds an ICU collator, ~5 ms.
 */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/** docker's sortorder.NaturalLess, which `volume ls` and `network ls` sort names by: runs of digits compare as numbers. */
export function naturalCompare(a: string, b: string): number {
  const chunks = (text: string) => text.match(/\d+|\D+/g) ?? []
  const left = chunks(a)
  const right = chunks(b)
  for (let index = 0; index < Math.min(left.length, right.length); index++) {
    const x = left[index]!
    const y = right[index]!
    if (x === y) continue
    if (/^\d/.test(x) && /^\d/.test(y)) {
      const difference = BigInt(x) - BigInt(y)
      if (difference !== 0n) return difference < 0n ? -1 : 1
      return x.length - y.length
    }
    return x < y ? -1 : 1
  }
  return left.length - right.length
}

/**
 * Marks an object whose fields a template sees as a Go struct's, as docker's listing commands run
 * their templates on structs: a field it lacks is an error (`can't evaluate field X in type T`),
 * not a missing map key printing `<no value>`. The mark is a symbol, so JSON never shows it.
 */
const GO_STRUCT: unique symbol = Symbol('Go struct type')

export function asGoStruct<T extends object>(value: T, typeName: string): T {
  Object.defineProperty(value, GO_STRUCT, {value: typeName})
  return value
}

/**
 * Marks a struct whose fields docker's Go type has as methods (its formatter contexts: `ID()`,
 * `Names()`): a template that gives one arguments is told how many it takes (none), as Go tells of a
 * method, not that it is no method.
 */
const GO_METHOD_SET: unique symbol = Symbol('Go fields are methods')

export function asGoContext<T extends object>(value: T, typeName: string): T {
  Object.defineProperty(asGoStruct(value, typeName), GO_METHOD_SET, {value: true})
  return value
}

export function fieldsAreMethods(value: object): boolean {
  return (value as {[GO_METHOD_SET]?: boolean})[GO_METHOD_SET] === true
}

/**
 * The parameters of a method as its Go signature types them (`Label(name string)`), which a
 * template's arguments are checked against; a function without them takes any values.
 */
const GO_PARAMS: unique symbol = Symbol('Go method parameters')

export function goMethod<F extends (...args: never[]) => unknown>(params: readonly ParamKind[], method: F): F {
  return Object.defineProperty(method, GO_PARAMS, {value: params})
}

export function goMethodParams(method: Function): readonly ParamKind[] | undefined {
  return (method as {[GO_PARAMS]?: readonly ParamKind[]})[GO_PARAMS]
}

/** docker's contexts' `Label(name string)`: one label's value, empty when unset. */
export function labelMethod(labels: Readonly<Record<string, string>> | null): (name: string) => string {
  return goMethod(['string'], (name: string) => labels?.[name] ?? '')
}

/**
 * Gives a value Go's String method (fmt.Stringer): `%v` and `{{.X}}` print the text, while a
 * template still sees its fields and JSON its members.
 */
const GO_STRING: unique symbol = Symbol('Go String method')

export function withGoString<T extends object>(value: T, text: string): T {
  Object.defineProperty(value, GO_STRING, {value: text})
  return value
}

/** The text a value's String method gives (withGoString), if it has one. */
export function goStringOf(value: unknown): string | undefined {
  return typeof value === 'object' && value !== null ? (value as {[GO_STRING]?: string})[GO_STRING] : undefined
}

/** The Go struct type a value was marked with (asGoStruct), if any. */
export function goStructType(value: object): string | undefined {
  return (value as {[GO_STRUCT]?: string})[GO_STRUCT]
}

/** The Go type name docker users see in template error messages. */
export function goTypeName(value: unknown): string {
  if (typeof value === 'object' && value !== null) {
    const struct = goStructType(value)
    if (struct !== undefined) return struct
  }
  if (value instanceof GoNilPointer) return value.typeName
  switch (goKind(value)) {
    case 'invalid':
    case 'nil':
      return '<nil>'
    case 'bool':
      return 'bool'
    case 'int':
      if (value instanceof GoNamedInt) return value.typeName
      return typeof value === 'bigint' ? 'int64' : 'int'
    case 'float':
      return 'float64'
    case 'string':
      return 'string'
    case 'slice':
      return (value as unknown[]).length > 0 && (value as unknown[]).every((element) => typeof element === 'string') ? '[]string' : '[]interface {}'
    case 'map': {
      const record = value as Record<string, unknown>
      const keys = mapKeys(record)
      return keys.length > 0 && keys.every((key) => typeof record[key] === 'string') ? 'map[string]string' : 'map[string]interface {}'
    }
    case 'time':
      return 'time.Time'
    case 'func':
      return 'func'
  }
}

/** Go's strconv.ParseBool, which docker uses for boolean flag, option and filter values: undefined for text it refuses. */
export function goParseBool(text: string): boolean | undefined {
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(text)) return true
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(text)) return false
  return undefined
}

/** Go's strconv.ParseInt(text, 10, 64), its error (`invalid syntax`, `value out of range`) after `what`, as the caller's error wraps it. */
export function goParseInt64(text: string, what: string): bigint {
  if (!/^[+-]?\d+$/.test(text)) throw new Error(`${what}: invalid syntax`)
  const value = BigInt(text)
  if (value > 0x7fffffffffffffffn || value < -0x8000000000000000n) throw new Error(`${what}: value out of range`)
  return value
}

/** Go's strconv.Atoi (a 64-bit int), its error after `what` as goParseInt64's. */
export function goAtoi(text: string, what: string): number {
  return Number(goParseInt64(text, what))
}

/** How Go's strconv.ParseBool refuses `text`. */
export function goParseBoolError(text: string): string {
  return `strconv.ParseBool: parsing ${JSON.stringify(text)}: invalid syntax`
}

/** Go's template truth: false, 0, nil, an empty string, slice or map are false. */
export function isTrue(value: unknown): boolean {
  switch (goKind(value)) {
    case 'invalid':
    case 'nil':
      return false
    case 'bool':
      return value as boolean
    case 'int':
    case 'float':
      return Number(value) !== 0
    case 'string':
      return (value as string).length > 0
    case 'slice':
      return (value as unknown[]).length > 0
    case 'map':
      return mapKeys(value as object).length > 0
    case 'time':
    case 'func':
      return true
  }
}

/** Length in bytes of the UTF-8 encoding, as Go's len() counts a string. */
export function utf8Length(text: string): number {
  return Buffer.byteLength(text, 'utf8')
}

/** Go's zero time, 0001-01-01 00:00:00 UTC, in milliseconds since the epoch. */
export const ZERO_TIME_MS = -62_135_596_800_000

/**
 * The location a Go time.Time carries: UTC, Local (the zone Go loads, see go-time.ts), or a
 * FixedZone("", offset) of seconds east of UTC, which Go's RFC 3339 parser gives an offset that is
 * not the local one.
 */
export type GoLocation = 'UTC' | 'Local' | {readonly offset: number}

/**
 * A Go time.Time to the nanosecond: a Date (to the millisecond) that keeps the nanoseconds of its
 * second as well, which Go prints (`.123456789`) and a Date cannot hold, and its location. From RFC
 * 3339 text as Go's encoding/json decodes it: `Z` is UTC, an offset is Local when the local zone
 * has it then, else a fixed zone; empty text is the zero time.
 */
export class GoTime extends Date {
  /** Nanoseconds within the second. */
  readonly nanosecond: number
  readonly location: GoLocation
  constructor(source: string | {milliseconds: number; nanosecond: number; location: GoLocation}) {
    if (typeof source !== 'string') {
      super(source.milliseconds)
      this.nanosecond = source.nanosecond
      this.location = source.location
      return
    }
    super(source === '' ? ZERO_TIME_MS : source)
    const fraction = /T\d\d:\d\d:\d\d\.(\d+)/.exec(source)?.[1]
    this.nanosecond = fraction === undefined ? this.getUTCMilliseconds() * 1e6 : Number(fraction.slice(0, 9).padEnd(9, '0'))
    const offset = /([+-])(\d\d):(\d\d)$/.exec(source)
    if (offset === null) {
      this.location = 'UTC'
      return
    }
    const seconds = (offset[1] === '-' ? -1 : 1) * (Number(offset[2]) * 3600 + Number(offset[3]) * 60)
    this.location = localZoneAt(this).offset === seconds ? 'Local' : {offset: seconds}
  }

  /** The same instant in another location (Go's UTC, Local). */
  in(location: GoLocation): GoTime {
    return new GoTime({milliseconds: this.getTime(), nanosecond: this.nanosecond, location})
  }

  zone(): GoZone {
    if (this.location === 'UTC') return {offset: 0, name: 'UTC'}
    if (this.location === 'Local') return localZoneAt(this)
    return {offset: this.location.offset, name: ''}
  }

  /** Seconds since the epoch, whole (Go's Unix). */
  unixSeconds(): number {
    return Math.floor(this.getTime() / 1000)
  }

  civil(): GoCivilTime {
    return goCivilTime(this.unixSeconds(), this.nanosecond, this.zone())
  }

  /** Go's Format. */
  format(layout: string): string {
    return formatGoLayout(layout, this.civil(), this.zone())
  }
}

/** A Date as a Go time.Time: as it is when it is a GoTime, else in UTC to the millisecond; an invalid one is Go's zero time. */
export function asGoTime(date: Date): GoTime {
  const milliseconds = date.getTime()
  if (Number.isNaN(milliseconds)) return new GoTime({milliseconds: ZERO_TIME_MS, nanosecond: 0, location: 'UTC'})
  if (date instanceof GoTime) return date
  return new GoTime({milliseconds, nanosecond: (((milliseconds % 1000) + 1000) % 1000) * 1e6, location: 'UTC'})
}

/** Go's time.Time String() (without a monotonic clock reading): `2024-01-02 15:04:05.123456789 +0000 UTC`. */
export function goTimeString(date: Date): string {
  return asGoTime(date).format('2006-01-02 15:04:05.999999999 -0700 MST')
}

/** Go's time.Time MarshalJSON text (RFC 3339 with trimmed fractional seconds). */
export function goTimeRFC3339(date: Date): string {
  return asGoTime(date).format('2006-01-02T15:04:05.999999999Z07:00')
}

/**
 * docker's filters.Match: a text matches when it equals one of the patterns or one of their regular
 * expressions is found in it (a pattern that does not compile as one is skipped).
 */
export function goFilterMatcher(patterns: readonly string[]): (text: string) => boolean {
  const expressions = patterns.flatMap((pattern) => {
    try {
      return [goRegExp(pattern)]
    } catch {
      return []
    }
  })
  return (text) => patterns.includes(text) || expressions.some((expression) => expression.test(text))
}
