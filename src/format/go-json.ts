import {GoFloat, GoNamedInt, GoNilPointer, goTimeRFC3339} from './go-values.ts'

/**
 * JSON as Go's encoding/json writes it, which is what docker prints: `<`, `>` and `&` escaped as
 * `\u003c` unless HTML escaping is off (the `json` template function turns it off), U+2028/U+2029
 * always escaped, NaN and infinities refused. Object keys keep their order; `undefined` and
 * function-valued properties are left out, as JSON.stringify does.
 */
export interface GoJSONOptions {
  escapeHTML?: boolean
  /** Indentation per level, as json.MarshalIndent's indent argument. */
  indent?: string
}

/**
 * A value with a method under this key is encoded as what the method returns, as a Go type with a
 * MarshalJSON method is: how a Go struct whose json tags rename its fields is shown, with templates
 * seeing the fields (`.ID`) and JSON the tags (`"id"`).
 */
export const GO_JSON = Symbol('goJSON')

/**
 * Marks a value whose JSON is HTML-escaped whatever the encoder around it asks, as a Go type whose
 * MarshalJSON is json.Marshal's: docker's listing contexts (formatter.MarshalJSON), so that their
 * `--format json` and `{{json .}}` escape what the `json` template function otherwise would not.
 */
const ESCAPES_HTML: unique symbol = Symbol('JSON escapes HTML')

export function withHTMLEscapedJSON<T extends object>(value: T): T {
  Object.defineProperty(value, ESCAPES_HTML, {value: true})
  return value
}

interface GoJSONMarshaler {
  [GO_JSON](): unknown
}

function isMarshaler(value: unknown): value is GoJSONMarshaler {
  return typeof (value as Partial<GoJSONMarshaler>)[GO_JSON] === 'function'
}

const SHORT_ESCAPES: Record<string, string> = {'"': '\\"', '\\': '\\\\', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t'}

function encodeString(text: string, escapeHTML: boolean): string {
  const pattern = escapeHTML ? /["\\\x00-\x1f<>&\u2028\u2029]|[\ud800-\udfff]/gu : /["\\\x00-\x1f\u2028\u2029]|[\ud800-\udfff]/gu
  return `"${text.replace(pattern, (char) => {
    const short = SHORT_ESCAPES[char]
    if (short) return short
    // A lone surrogate is not valid UTF-8; Go writes the replacement character.
    if (char.length === 1 && char >= '\ud800' && char <= '\udfff') return '\\ufffd'
    return `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`
  })}"`
}

function encodeNumber(value: number): string {
  if (!Number.isFinite(value)) throw new TypeError(`json: unsupported value: ${value === Infinity ? '+Inf' : String(value)}`)
  // JavaScript and Go agree on the shortest digits and on switching to exponents below 1e-6 and from 1e21.
  return Object.is(value, -0) ? '-0' : String(value)
}

function encode(value: unknown, options: Required<GoJSONOptions>, depth: number): string {
  switch (typeof value) {
    case 'string':
      return encodeString(value, options.escapeHTML)
    case 'number':
      return encodeNumber(value)
    case 'bigint':
      return value.toString()
    case 'boolean':
      return String(value)
    case 'undefined':
    case 'function':
    case 'symbol':
      return 'null'
  }
  if (value === null || value instanceof GoNilPointer) return 'null'
  if ((value as {[ESCAPES_HTML]?: boolean})[ESCAPES_HTML]) options = {...options, escapeHTML: true}
  if (value instanceof Date) return encodeString(goTimeRFC3339(value), options.escapeHTML)
  if (value instanceof GoFloat) return encodeNumber(value.value)
  if (value instanceof GoNamedInt) return encodeNumber(value.value)
  if (isMarshaler(value)) return encode(value[GO_JSON](), options, depth)
  const {indent} = options
  const inner = indent ? `\n${indent.repeat(depth + 1)}` : ''
  const outer = indent ? `\n${indent.repeat(depth)}` : ''
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]'
    return `[${inner}${value.map((element) => encode(element, options, depth + 1)).join(`,${inner}`)}${outer}]`
  }
  const separator = indent ? ': ' : ':'
  const members = Object.entries(value as Record<string, unknown>)
    .filter(([, member]) => member !== undefined && typeof member !== 'function')
    .map(([key, member]) => `${encodeString(key, options.escapeHTML)}${separator}${encode(member, options, depth + 1)}`)
  if (members.length === 0) return '{}'
  return `{${inner}${members.join(`,${inner}`)}${outer}}`
}

/** json.Marshal (or MarshalIndent with `indent`); throws TypeError for NaN and infinities. */
export function goJSON(value: unknown, options: GoJSONOptions = {}): string {
  return encode(value, {escapeHTML: options.escapeHTML ?? true, indent: options.indent ?? ''}, 0)
}
