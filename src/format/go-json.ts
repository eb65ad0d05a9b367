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

/** Go's quoteChar: how its JSON scanner names a byte in an error (`'b'`, `'\n'`, `'\''`). */
function quoteChar(char: string): string {
  if (char === "'") return "'\\''"
  if (char === '"') return `'"'`
  return `'${goCharQuote(char)}'`
}

/** strconv.Quote's escaping of one character, without the quotes. */
function goCharQuote(char: string): string {
  const short: Record<string, string> = {'\x07': '\\a', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v', '\\': '\\\\'}
  if (short[char]) return short[char]
  const code = char.codePointAt(0)!
  if (code < 0x20 || code === 0x7f) return `\\x${code.toString(16).padStart(2, '0')}`
  return char
}

class JSONSyntaxError extends Error {}

/**
 * Where the first JSON value of `text` ends, as Go's json.Decoder reads one (what follows it is not
 * read), or the error it gives: its scanner's `invalid character 'b' looking for beginning of
 * object key string` at the first byte that cannot continue the value, `unexpected EOF` when the
 * text ends inside it, `EOF` when there is none.
 */
export function goJSONFirstValue(text: string): {end: number} | {error: string} {
  let at = 0
  const fail = (context: string): never => {
    if (at >= text.length) throw new JSONSyntaxError('unexpected EOF')
    // Go's scanner names a byte: of a character beyond ASCII, the first of its UTF-8 encoding.
    throw new JSONSyntaxError(`invalid character ${quoteChar(String.fromCharCode(Buffer.from(String.fromCodePoint(text.codePointAt(at)!))[0]!))} ${context}`)
  }
  const skipSpace = () => {
    while (at < text.length && ' \t\r\n'.includes(text[at]!)) at++
  }
  const expect = (chars: string, context: string) => {
    if (at >= text.length || !chars.includes(text[at]!)) fail(context)
    at++
  }
  const digits = () => {
    while (at < text.length && text[at]! >= '0' && text[at]! <= '9') at++
  }
  const string = () => {
    at++
    for (;;) {
      if (at >= text.length) fail('')
      const char = text[at]!
      if (char === '"') return void at++
      if (char === '\\') {
        at++
        if (text[at] === 'u') {
          at++
          for (let index = 0; index < 4; index++) expect('0123456789abcdefABCDEF', 'in \\u hexadecimal character escape')
        } else {
          expect('"\\/bfnrtu', 'in string escape code')
        }
        continue
      }
      if (char < ' ') fail('in string literal')
      at++
    }
  }
  const number = () => {
    if (text[at] === '-') at++
    if (text[at] === '0') at++
    else {
      expect('123456789', 'in numeric literal')
      digits()
    }
    if (text[at] === '.') {
      at++
      expect('0123456789', 'after decimal point in numeric literal')
      digits()
    }
    if (text[at] === 'e' || text[at] === 'E') {
      at++
      if (text[at] === '+' || text[at] === '-') at++
      expect('0123456789', 'in exponent of numeric literal')
      digits()
    }
  }
  const value = (): void => {
    skipSpace()
    const char = text[at]
    if (char === '{') {
      at++
      skipSpace()
      if (text[at] === '}') return void at++
      for (;;) {
        if (text[at] !== '"') fail('looking for beginning of object key string')
        string()
        skipSpace()
        expect(':', 'after object key')
        value()
        skipSpace()
        if (text[at] === '}') return void at++
        expect(',', 'after object key:value pair')
        skipSpace()
      }
    }
    if (char === '[') {
      at++
      skipSpace()
      if (text[at] === ']') return void at++
      for (;;) {
        value()
        skipSpace()
        if (text[at] === ']') return void at++
        expect(',', 'after array element')
      }
    }
    if (char === '"') return string()
    if (char === '-' || (char !== undefined && char >= '0' && char <= '9')) return number()
    for (const literal of ['true', 'false', 'null']) {
      if (char !== literal[0]) continue
      at++
      for (const letter of literal.slice(1)) expect(letter, `in literal ${literal} (expecting ${quoteChar(letter)})`)
      return
    }
    fail('looking for beginning of value')
  }
  skipSpace()
  if (at >= text.length) return {error: 'EOF'}
  try {
    value()
  } catch (error) {
    if (error instanceof JSONSyntaxError) return {error: error.message}
    throw error
  }
  return {end: at}
}
