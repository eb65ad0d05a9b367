import {formatValue, sprint, sprintf, sprintln} from './go-fmt.ts'
import {goJSON} from './go-json.ts'
import {goKind, goStructType, goTypeName, isTrue, mapKeys, utf8Length} from './go-values.ts'

/**
 * The functions templates can call: Go's text/template builtins and the ones docker adds
 * (cli/templates): json, split, join, title, lower, upper, pad, truncate.
 */

/**
 * How an argument reaches a function, mirroring the Go parameter types the messages name:
 * `value` is reflect.Value (a missing value stays undefined), `any` is interface{} (a missing value
 * becomes nil), `string`, `int` and `stringList` ([]string) are checked, as is a struct by its Go
 * type's name (a value marked with it, asGoStruct); `time` is a time.Time.
 */
export type ParamKind = 'value' | 'any' | 'string' | 'int' | 'stringList' | 'time' | {readonly struct: string}

export interface TemplateFunction {
  params: ParamKind[]
  /** The kind of further arguments, for variadic functions. */
  variadic?: ParamKind
  /** Receives the source text of its first argument before the arguments, for messages (Go's call). */
  namesCallee?: boolean
  call: (...args: never[]) => unknown
  /** How many values a Go method returns that returns more than one, which a template cannot call. */
  results?: number
}

export type FunctionMap = Readonly<Record<string, TemplateFunction>>

/** Go's name for a parameter kind, as it appears in `expected X` messages. */
export function paramTypeName(kind: ParamKind): string {
  if (typeof kind === 'object') return kind.struct
  return {value: 'reflect.Value', any: 'interface {}', string: 'string', int: 'int', stringList: '[]string', time: 'time.Time'}[kind]
}

/** Go's basicKind: ints and floats are different kinds, which eq and lt do not compare (nerd has no uints). */
type BasicKind = 'bool' | 'int' | 'float' | 'string' | 'invalid' | 'other'

function basicKind(value: unknown): BasicKind {
  switch (goKind(value)) {
    case 'bool':
      return 'bool'
    case 'int':
      return 'int'
    case 'float':
      return 'float'
    case 'string':
      return 'string'
    case 'invalid':
    case 'nil':
      return 'invalid'
    default:
      return 'other'
  }
}

function isValid(value: unknown): boolean {
  return value !== undefined && value !== null
}

function sameValue(a: unknown, b: unknown): boolean {
  if (typeof a === 'bigint' || typeof b === 'bigint') return BigInt(a as number) === BigInt(b as number)
  // A GoFloat or GoNamedInt is an object: its number is what compares.
  return typeof a === 'object' || typeof b === 'object' ? Number(a) === Number(b) : a === b
}

/** Go's error of eq and lt for operands of different basic kinds, naming their types. */
function incompatibleTypes(a: unknown, b: unknown): Error {
  return new Error(`incompatible types for comparison: ${goTypeName(a)} and ${goTypeName(b)}`)
}

function eq(first: unknown, ...others: unknown[]): boolean {
  if (others.length === 0) throw new Error('missing argument for comparison')
  const firstKind = basicKind(first)
  for (const other of others) {
    const otherKind = basicKind(other)
    let truth: boolean
    if (firstKind !== otherKind) {
      if (isValid(first) && isValid(other)) throw incompatibleTypes(first, other)
      truth = false
    } else if (firstKind === 'invalid') {
      truth = true
    } else if (firstKind === 'other') {
      for (const value of [first, other]) {
        const kind = goKind(value)
        if (kind === 'slice' || kind === 'map' || kind === 'func') throw new Error(`non-comparable type ${formatValue(value)}: ${goTypeName(value)}`)
      }
      if (!(first instanceof Date && other instanceof Date)) throw new Error('incompatible types for comparison')
      truth = first.getTime() === other.getTime()
    } else {
      truth = sameValue(first, other)
    }
    if (truth) return true
  }
  return false
}

function lt(a: unknown, b: unknown): boolean {
  const kindA = basicKind(a)
  const kindB = basicKind(b)
  if (kindA === 'invalid' || kindA === 'other' || kindB === 'invalid' || kindB === 'other') throw new Error('invalid type for comparison')
  if (kindA !== kindB) throw incompatibleTypes(a, b)
  if (kindA === 'bool') throw new Error('invalid type for comparison')
  return (a as number | string) < (b as number | string)
}

function le(a: unknown, b: unknown): boolean {
  return lt(a, b) || eq(a, b)
}

/** The position an index argument denotes, checked as Go's indexArg does. */
function indexArgument(index: unknown, limit: number): number {
  if (!isValid(index)) throw new Error('cannot index slice/array with nil')
  if (goKind(index) !== 'int') throw new Error(`cannot index slice/array with type ${goTypeName(index)}`)
  const position = Number(index)
  if (position < 0 || position > limit) throw new Error(`index out of range: ${position}`)
  return position
}

/** The zero value a Go map would give for a missing key: "" for a map of strings, otherwise nothing. */
function missingEntry(map: Record<string, unknown>): unknown {
  return mapKeys(map).every((key) => typeof map[key] === 'string') ? '' : undefined
}

function index(item: unknown, ...indexes: unknown[]): unknown {
  if (!isValid(item)) throw new Error('index of untyped nil')
  let current = item
  for (const key of indexes) {
    if (current === null || current === undefined) throw new Error('index of nil pointer')
    switch (goKind(current)) {
      case 'slice': {
        const elements = current as unknown[]
        const position = indexArgument(key, elements.length)
        if (position === elements.length) throw new Error('reflect: slice index out of range')
        current = elements[position] ?? null
        break
      }
      case 'string': {
        const bytes = Buffer.from(current as string, 'utf8')
        const position = indexArgument(key, bytes.length)
        if (position === bytes.length) throw new Error('reflect: string index out of range')
        current = bytes[position]
        break
      }
      case 'map': {
        if (!isValid(key)) throw new Error('value is nil; should be of type string')
        if (typeof key !== 'string') throw new Error(`value has type ${goTypeName(key)}; should be string`)
        const map = current as Record<string, unknown>
        const entry = Object.hasOwn(map, key) && typeof map[key] !== 'function' ? map[key] : undefined
        current = entry === undefined ? missingEntry(map) : entry
        break
      }
      default:
        throw new Error(`can't index item of type ${goTypeName(current)}`)
    }
  }
  return current
}

function slice(item: unknown, ...indexes: unknown[]): unknown {
  if (!isValid(item)) throw new Error('slice of untyped nil')
  if (indexes.length > 3) throw new Error(`too many slice indexes: ${indexes.length}`)
  const kind = goKind(item)
  if (kind === 'string' && indexes.length === 3) throw new Error('cannot 3-index slice a string')
  if (kind !== 'string' && kind !== 'slice') throw new Error(`can't slice item of type ${goTypeName(item)}`)
  const bytes = kind === 'string' ? Buffer.from(item as string, 'utf8') : undefined
  const length = bytes ? bytes.length : (item as unknown[]).length
  const bounds = [0, length, length]
  indexes.forEach((position, at) => {
    bounds[at] = indexArgument(position, length)
  })
  if (bounds[0] > bounds[1]) throw new Error(`invalid slice index: ${bounds[0]} > ${bounds[1]}`)
  if (indexes.length === 3 && bounds[1] > bounds[2]) throw new Error(`invalid slice index: ${bounds[1]} > ${bounds[2]}`)
  return bytes ? bytes.subarray(bounds[0], bounds[1]).toString('utf8') : (item as unknown[]).slice(bounds[0], bounds[1])
}

function length(item: unknown): number {
  if (item === undefined) throw new Error('reflect: call of reflect.Value.Type on zero Value')
  if (goKind(item) === 'nil') throw new Error('len of nil pointer')
  switch (goKind(item)) {
    case 'string':
      return utf8Length(item as string)
    case 'slice':
      return (item as unknown[]).length
    case 'map': {
      // A struct has no length; Go's len names its type through the pointer it was given.
      const struct = goStructType(item as object)
      if (struct !== undefined) throw new Error(`len of type ${struct.replace(/^\*/, '')}`)
      return mapKeys(item as object).length
    }
    default:
      throw new Error(`len of type ${goTypeName(item)}`)
  }
}

function call(name: string, fn: unknown, ...args: unknown[]): unknown {
  if (!isValid(fn)) throw new Error('call of nil')
  if (typeof fn !== 'function') throw new Error(`non-function ${name} of type ${goTypeName(fn)}`)
  if (args.length !== fn.length) throw new Error(`wrong number of args for ${name}: got ${args.length} want ${fn.length}`)
  return fn(...args)
}

/** Go's evalArgs for html, js and urlquery: one string as it is, anything else through fmt.Sprint. */
function argsText(args: unknown[]): string {
  return args.length === 1 && typeof args[0] === 'string' ? args[0] : sprint(args)
}

const HTML_ESCAPES: Record<string, string> = {'"': '&#34;', "'": '&#39;', '&': '&amp;', '<': '&lt;', '>': '&gt;', '\0': '\ufffd'}

function htmlEscape(...args: unknown[]): string {
  return argsText(args).replace(/["'&<>\0]/g, (char) => HTML_ESCAPES[char])
}

const JS_ESCAPES: Record<string, string> = {'\\': '\\\\', "'": "\\'", '"': '\\"', '<': '\\u003C', '>': '\\u003E', '&': '\\u0026', '=': '\\u003D'}
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u

function jsEscape(...args: unknown[]): string {
  let escaped = ''
  for (const char of argsText(args)) {
    const code = char.codePointAt(0) as number
    if (JS_ESCAPES[char]) escaped += JS_ESCAPES[char]
    else if (code < 0x20) escaped += `\\u00${code.toString(16).toUpperCase().padStart(2, '0')}`
    else if (code < 0x80 || PRINTABLE.test(char)) escaped += char
    else escaped += `\\u${code.toString(16).toUpperCase().padStart(4, '0')}`
  }
  return escaped
}

function urlQueryEscape(...args: unknown[]): string {
  let escaped = ''
  for (const byte of Buffer.from(argsText(args), 'utf8')) {
    const char = String.fromCharCode(byte)
    if (/[A-Za-z0-9\-_.~]/.test(char)) escaped += char
    else if (char === ' ') escaped += '+'
    else escaped += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`
  }
  return escaped
}

/** strings.Title: upper-cases letters that start a word. */
function title(text: string): string {
  let previous = ' '
  let titled = ''
  for (const char of text) {
    titled += isSeparator(previous) ? char.toUpperCase() : char
    previous = char
  }
  return titled
}

function isSeparator(char: string): boolean {
  if (char.codePointAt(0)! <= 0x7f) return !/[0-9A-Za-z_]/.test(char)
  if (/[\p{L}\p{Nd}]/u.test(char)) return false
  return /\s/u.test(char)
}

function repeatSpaces(count: number): string {
  if (count < 0) throw new Error('strings: negative Repeat count')
  return ' '.repeat(count)
}

function split(text: string, separator: string): string[] {
  return separator === '' ? Array.from(text) : text.split(separator)
}

/** and/or: the first argument with the given truth, else the last one. */
function firstWithTruth(args: unknown[], truth: boolean): unknown {
  const position = args.findIndex((arg) => isTrue(arg) === truth)
  return args[position < 0 ? args.length - 1 : position]
}

/** Go's builtin template functions. */
export const BUILTIN_FUNCTIONS: FunctionMap = {
  and: {params: ['value'], variadic: 'value', call: (...args: unknown[]) => firstWithTruth(args, false)},
  or: {params: ['value'], variadic: 'value', call: (...args: unknown[]) => firstWithTruth(args, true)},
  not: {params: ['value'], call: (value: unknown) => !isTrue(value)},
  len: {params: ['value'], call: length},
  index: {params: ['value'], variadic: 'value', call: index},
  slice: {params: ['value'], variadic: 'value', call: slice},
  call: {params: ['value'], variadic: 'value', namesCallee: true, call},
  print: {params: [], variadic: 'any', call: (...args: unknown[]) => sprint(args)},
  printf: {params: ['string'], variadic: 'any', call: (format: string, ...args: unknown[]) => sprintf(format, args)},
  println: {params: [], variadic: 'any', call: (...args: unknown[]) => sprintln(args)},
  html: {params: [], variadic: 'any', call: htmlEscape},
  js: {params: [], variadic: 'any', call: jsEscape},
  urlquery: {params: [], variadic: 'any', call: urlQueryEscape},
  eq: {params: ['value'], variadic: 'value', call: eq},
  ne: {params: ['value', 'value'], call: (a: unknown, b: unknown) => !eq(a, b)},
  lt: {params: ['value', 'value'], call: lt},
  le: {params: ['value', 'value'], call: le},
  gt: {params: ['value', 'value'], call: (a: unknown, b: unknown) => !le(a, b)},
  ge: {params: ['value', 'value'], call: (a: unknown, b: unknown) => !lt(a, b)},
}

/** docker's template functions (github.com/docker/cli/templates). */
export const DOCKER_FUNCTIONS: FunctionMap = {
  json: {
    params: ['any'],
    // docker's json ignores encoding errors and prints nothing.
    call: (value: unknown) => {
      try {
        return goJSON(value, {escapeHTML: false})
      } catch {
        return ''
      }
    },
  },
  split: {params: ['string', 'string'], call: split},
  join: {params: ['stringList', 'string'], call: (list: string[] | null, separator: string) => (list ?? []).join(separator)},
  title: {params: ['string'], call: title},
  lower: {params: ['string'], call: (text: string) => text.toLowerCase()},
  upper: {params: ['string'], call: (text: string) => text.toUpperCase()},
  pad: {params: ['string', 'int', 'int'], call: (text: string, before: number, after: number) => (text === '' ? '' : repeatSpaces(before) + text + repeatSpaces(after))},
  truncate: {
    params: ['string', 'int'],
    call: (text: string, limit: number) => {
      const bytes = Buffer.from(text, 'utf8')
      if (bytes.length < limit) return text
      if (limit < 0) throw new Error(`runtime error: slice bounds out of range [:${limit}]`)
      return bytes.subarray(0, limit).toString('utf8')
    },
  },
}

const keepFirst = (text: string) => text

/**
 * docker's header functions: in a table's header line the column names pass through unchanged,
 * while pad still pads so headers stay aligned with their columns.
 */
export const HEADER_FUNCTIONS: FunctionMap = {
  json: {params: ['string'], call: keepFirst},
  split: {params: ['string', 'string'], call: keepFirst},
  join: {params: ['string', 'string'], call: keepFirst},
  title: {params: ['string'], call: keepFirst},
  lower: {params: ['string'], call: keepFirst},
  upper: {params: ['string'], call: keepFirst},
  truncate: {params: ['string', 'int'], call: keepFirst},
}
