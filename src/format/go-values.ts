/**
 * How nerd's template and printing code sees JavaScript values as the Go values docker's templates
 * work on: `undefined` is Go's invalid value (a missing map key), `null` is nil, arrays are slices,
 * plain objects are `map[string]interface{}` whose function-valued properties act as methods, a Date
 * is a `time.Time`, a GoDuration a `time.Duration`.
 */
import {formatGoDuration} from './go-duration.ts'
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
 * A Go time.Duration: an int64 of nanoseconds (what JSON, `%d`, `eq` and `lt` see) whose String
 * method fmt and templates print: `2s`, `1m30s`, `500ms`, `0s`.
 */
export class GoDuration {
  readonly nanoseconds: number
  constructor(nanoseconds: number) {
    this.nanoseconds = nanoseconds
    withGoString(this, formatGoDuration(nanoseconds / 1e6))
  }
  valueOf(): number {
    return this.nanoseconds
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
      if (value === null) return 'nil'
      if (Array.isArray(value)) return 'slice'
      if (value instanceof Date) return 'time'
      if (value instanceof GoFloat) return 'float'
      if (value instanceof GoDuration) return 'int'
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
  switch (goKind(value)) {
    case 'invalid':
    case 'nil':
      return '<nil>'
    case 'bool':
      return 'bool'
    case 'int':
      if (value instanceof GoDuration) return 'time.Duration'
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

/**
 * A Go time.Time to the nanosecond, from RFC 3339 text: a Date (to the millisecond) that keeps the
 * nanoseconds of its second as well, which Go prints (`.123456789`) and a Date cannot hold.
 */
export class GoTime extends Date {
  /** Nanoseconds within the second. */
  readonly nanosecond: number
  constructor(text: string) {
    super(text)
    const fraction = /T\d\d:\d\d:\d\d\.(\d+)/.exec(text)?.[1]
    this.nanosecond = fraction === undefined ? this.getUTCMilliseconds() * 1e6 : Number(fraction.slice(0, 9).padEnd(9, '0'))
  }
}

/** The fractional seconds of a time as Go prints them: up to nine digits, trailing zeros dropped, empty for none. */
function goFraction(date: Date): string {
  const nanosecond = date instanceof GoTime ? date.nanosecond : date.getUTCMilliseconds() * 1e6
  return String(nanosecond).padStart(9, '0').replace(/0+$/, '')
}

/** Go's time.Time String() for a Date, in UTC: `2024-01-02 15:04:05.123456789 +0000 UTC`. */
export function goTimeString(date: Date): string {
  if (Number.isNaN(date.getTime())) return '0001-01-01 00:00:00 +0000 UTC'
  const iso = date.toISOString()
  const fraction = goFraction(date)
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${fraction ? `.${fraction}` : ''} +0000 UTC`
}

/** Go's time.Time MarshalJSON text (RFC 3339 with trimmed fractional seconds). */
export function goTimeRFC3339(date: Date): string {
  if (Number.isNaN(date.getTime())) return '0001-01-01T00:00:00Z'
  const iso = date.toISOString()
  const fraction = goFraction(date)
  return `${iso.slice(0, 19)}${fraction ? `.${fraction}` : ''}Z`
}

/**
 * docker's filters.Match: a text matches when it equals one of the patterns or one of their regular
 * expressions is found in it (a pattern that does not compile as one is skipped).
 */
export function goFilterMatcher(patterns: readonly string[]): (text: string) => boolean {
  const expressions = patterns.map(goRegExp).filter((expression) => expression !== undefined)
  return (text) => patterns.includes(text) || expressions.some((expression) => expression.test(text))
}

/** A Go regular expression as JavaScript runs it: a leading `(?i)`-style flag group becomes flags; undefined when it does not compile. */
function goRegExp(pattern: string): RegExp | undefined {
  const flagGroup = /^\(\?([ims]+)\)/.exec(pattern)
  try {
    return flagGroup ? new RegExp(pattern.slice(flagGroup[0].length), [...new Set(flagGroup[1])].join('')) : new RegExp(pattern)
  } catch {
    return undefined
  }
}
