import {GO_JSON} from './go-json.ts'
import {GoNilPointer, goKind, goStringOf, goStructType, goTimeString, goTypeName, mapKeys} from './go-values.ts'

/**
 * Go's fmt package as docker templates use it: `%v` printing of values (what `{{.Field}}` prints),
 * `printf` verbs and flags, `print`/`println`, strconv's float formatting and quoting.
 * JavaScript has one number type, so whole numbers print as Go ints and the float verbs
 * (%f %e %g) accept them too.
 */

interface Flags {
  minus: boolean
  plus: boolean
  sharp: boolean
  space: boolean
  zero: boolean
  /** `%+v`: struct field names (the plus flag of verb v). */
  plusV?: boolean
  /** `%#v`: Go syntax (the sharp flag of verb v). */
  sharpV?: boolean
  width?: number
  precision?: number
}

const NO_FLAGS: Flags = {minus: false, plus: false, sharp: false, space: false, zero: false}

/** A struct's fields as fmt prints them, in declaration order (methods and absent fields are not fields). */
function structFields(struct: Record<string, unknown>): [string, unknown][] {
  return Object.entries(struct).filter(([, member]) => member !== undefined && typeof member !== 'function')
}

/** Whether a slice or map is Go's nil one (goTypedValue's: empty, with JSON null). */
function isNilCollection(value: object): boolean {
  const marshal = (value as {[GO_JSON]?: () => unknown})[GO_JSON]
  return typeof marshal === 'function' && marshal() === null
}

/** `%#v`: the value as Go syntax, for the types templates meet. */
function goSyntax(value: unknown, flags: Flags, nested: boolean): string {
  if (value instanceof GoNilPointer) return `(${value.typeName})(nil)`
  if (value === null || value === undefined) return nested ? 'interface {}(nil)' : '<nil>'
  switch (goKind(value)) {
    case 'string':
      return pad(goQuote(value as string), flags)
    case 'slice': {
      const type = goTypeName(value)
      if (isNilCollection(value as object)) return `${type}(nil)`
      return `${type}{${(value as unknown[]).map((element) => goSyntax(element, flags, true)).join(', ')}}`
    }
    case 'map': {
      const record = value as Record<string, unknown>
      const struct = goStructType(record)
      if (struct !== undefined) {
        return `${struct}{${structFields(record).map(([name, member]) => `${name}:${member === null ? '<nil>' : goSyntax(member, flags, true)}`).join(', ')}}`
      }
      const type = goTypeName(value)
      if (isNilCollection(record)) return `${type}(nil)`
      return `${type}{${mapKeys(record).map((key) => `${goQuote(key)}:${goSyntax(record[key], flags, true)}`).join(', ')}}`
    }
    case 'int':
      // A time.Duration's String method is not used by %#v: Go prints its number.
      return formatIntegerVerb(value as number, 'v', {...flags, sharpV: false})
    default:
      return printArg(value, 'v', {...flags, sharpV: false}, nested)
  }
}

/** `value = 0.digits × 10^dp`, digits without trailing zeros (empty for zero), like strconv's decimal. */
interface Decimal {
  digits: string
  dp: number
}

/** The exact decimal expansion of a positive finite double. */
function exactDecimal(value: number): Decimal {
  const view = new DataView(new ArrayBuffer(8))
  view.setFloat64(0, value)
  const high = view.getUint32(0)
  const exponentBits = (high >>> 20) & 0x7ff
  let mantissa = (BigInt(high & 0xfffff) << 32n) | BigInt(view.getUint32(4))
  let exponent: number
  if (exponentBits === 0) {
    exponent = -1074
  } else {
    mantissa |= 1n << 52n
    exponent = exponentBits - 1075
  }
  let digits: string
  let dp: number
  if (exponent >= 0) {
    digits = (mantissa << BigInt(exponent)).toString()
    dp = digits.length
  } else {
    // m × 2^-k = m × 5^k × 10^-k
    digits = (mantissa * 5n ** BigInt(-exponent)).toString()
    dp = digits.length + exponent
  }
  return {digits: digits.replace(/0+$/, ''), dp}
}

/** The shortest digits that read back as the same double (what Go's precision -1 uses). */
function shortestDecimal(value: number): Decimal {
  const [mantissa, exponent] = value.toExponential().split('e')
  return {digits: mantissa.replace('.', '').replace(/0+$/, ''), dp: Number(exponent) + 1}
}

/** Rounds to `count` digits; an exact half rounds to even, as strconv does. */
function roundDecimal(decimal: Decimal, count: number): Decimal {
  const {digits, dp} = decimal
  if (count < 0 || count >= digits.length) return decimal
  const half = digits[count] === '5' && count + 1 === digits.length
  const up = half ? count > 0 && Number(digits[count - 1]) % 2 === 1 : digits[count] >= '5'
  if (!up) return {digits: digits.slice(0, count).replace(/0+$/, ''), dp}
  let index = count - 1
  while (index >= 0 && digits[index] === '9') index--
  if (index < 0) return {digits: '1', dp: dp + 1}
  return {digits: digits.slice(0, index) + String(Number(digits[index]) + 1), dp}
}

function formatExponent(negative: boolean, decimal: Decimal, precision: number, letter: string): string {
  const {digits, dp} = decimal
  let text = (negative ? '-' : '') + (digits[0] ?? '0')
  if (precision > 0) text += '.' + digits.slice(1, precision + 1).padEnd(precision, '0')
  let exponent = digits.length === 0 ? 0 : dp - 1
  const sign = exponent < 0 ? '-' : '+'
  exponent = Math.abs(exponent)
  return `${text}${letter}${sign}${exponent < 10 ? '0' : ''}${exponent}`
}

function formatFixed(negative: boolean, decimal: Decimal, precision: number): string {
  const {digits, dp} = decimal
  let text = negative ? '-' : ''
  text += dp > 0 ? digits.slice(0, dp).padEnd(dp, '0') : '0'
  if (precision > 0) {
    text += '.'
    for (let index = 0; index < precision; index++) {
      const position = dp + index
      text += position >= 0 && position < digits.length ? digits[position] : '0'
    }
  }
  return text
}

/** strconv.FormatFloat(value, format, precision, 64); precision -1 means the shortest exact form. */
export function formatFloat(value: number, format: 'e' | 'E' | 'f' | 'F' | 'g' | 'G', precision: number): string {
  if (Number.isNaN(value)) return 'NaN'
  if (value === Infinity) return '+Inf'
  if (value === -Infinity) return '-Inf'
  const negative = value < 0 || Object.is(value, -0)
  const magnitude = Math.abs(value)
  const shortest = precision < 0
  let decimal: Decimal
  if (magnitude === 0) {
    decimal = {digits: '', dp: 0}
  } else if (shortest) {
    decimal = shortestDecimal(magnitude)
  } else {
    decimal = exactDecimal(magnitude)
    if (format === 'e' || format === 'E') decimal = roundDecimal(decimal, precision + 1)
    else if (format === 'f' || format === 'F') decimal = roundDecimal(decimal, decimal.dp + precision)
    else {
      if (precision === 0) precision = 1
      decimal = roundDecimal(decimal, precision)
    }
  }
  const count = decimal.digits.length
  if (shortest) {
    if (format === 'e' || format === 'E') precision = count - 1
    else if (format === 'f' || format === 'F') precision = Math.max(count - decimal.dp, 0)
    else precision = count
  }
  switch (format) {
    case 'e':
    case 'E':
      return formatExponent(negative, decimal, precision, format)
    case 'f':
    case 'F':
      return formatFixed(negative, decimal, precision)
    default: {
      let exponentPrecision = precision
      if (exponentPrecision > count && count >= decimal.dp) exponentPrecision = count
      if (shortest) exponentPrecision = 6
      const exponent = decimal.dp - 1
      if (exponent < -4 || exponent >= exponentPrecision) {
        return formatExponent(negative, decimal, Math.min(precision, count) - 1, format === 'g' ? 'e' : 'E')
      }
      if (precision > decimal.dp) precision = count
      return formatFixed(negative, decimal, Math.max(precision - decimal.dp, 0))
    }
  }
}

const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u

/** Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space. */
function isPrint(char: string): boolean {
  return char === ' ' || PRINTABLE.test(char)
}

function hex(code: number, width: number): string {
  return code.toString(16).padStart(width, '0')
}

function escapeChar(char: string, quote: string, asciiOnly: boolean): string {
  const code = char.codePointAt(0) as number
  // A lone surrogate has no UTF-8 form; Go would see the replacement character.
  if (code >= 0xd800 && code <= 0xdfff) return escapeChar('\ufffd', quote, asciiOnly)
  if (char === quote || char === '\\') return `\\${char}`
  if (asciiOnly ? code < 0x80 && isPrint(char) : isPrint(char)) return char
  switch (char) {
    case '\x07':
      return '\\a'
    case '\b':
      return '\\b'
    case '\f':
      return '\\f'
    case '\n':
      return '\\n'
    case '\r':
      return '\\r'
    case '\t':
      return '\\t'
    case '\v':
      return '\\v'
  }
  if (code < 0x20 || code === 0x7f) return `\\x${hex(code, 2)}`
  if (code < 0x10000) return `\\u${hex(code, 4)}`
  return `\\U${hex(code, 8)}`
}

/** strconv.Quote (or QuoteToASCII): a double-quoted Go string literal. */
export function goQuote(text: string, asciiOnly = false): string {
  let quoted = '"'
  for (const char of text) quoted += escapeChar(char, '"', asciiOnly)
  return `${quoted}"`
}

export function quoteRune(code: number, asciiOnly: boolean): string {
  const valid = code >= 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff)
  return `'${escapeChar(valid ? String.fromCodePoint(code) : '\ufffd', "'", asciiOnly)}'`
}

function canBackquote(text: string): boolean {
  return !/[\x00-\x08\x0a-\x1f\x7f`\ufeff]/.test(text) && !/[\ud800-\udfff]/u.test(text)
}

function runeCount(text: string): number {
  let count = 0
  for (const _ of text) count++
  return count
}

function pad(text: string, flags: Flags): string {
  if (flags.width === undefined) return text
  const fill = flags.width - runeCount(text)
  if (fill <= 0) return text
  if (flags.minus) return text + ' '.repeat(fill)
  return (flags.zero ? '0' : ' ').repeat(fill) + text
}

function truncateRunes(text: string, precision: number | undefined): string {
  if (precision === undefined) return text
  return Array.from(text).slice(0, precision).join('')
}

function badVerb(value: unknown, verb: string, flags: Flags): string {
  if (value === null || value === undefined) return `%!${verb}(<nil>)`
  return `%!${verb}(${goTypeName(value)}=${printArg(value, 'v', flags, false)})`
}

function formatInteger(value: bigint, base: number, verb: string, flags: Flags): string {
  const negative = value < 0n
  let digits = (negative ? -value : value).toString(base)
  if (verb === 'X') digits = digits.toUpperCase()
  let precision = 0
  if (flags.precision !== undefined) {
    precision = flags.precision
    if (precision === 0 && value === 0n) return pad('', {...flags, zero: false})
  } else if (flags.zero && !flags.minus && flags.width !== undefined) {
    precision = flags.width
    if (negative || flags.plus || flags.space) precision--
  }
  digits = digits.padStart(precision, '0')
  if (flags.sharp) {
    if (base === 2) digits = `0b${digits}`
    else if (base === 8 && digits[0] !== '0') digits = `0${digits}`
    else if (base === 16) digits = `${verb === 'X' ? '0X' : '0x'}${digits}`
  }
  if (verb === 'O') digits = `0o${digits}`
  const sign = negative ? '-' : flags.plus ? '+' : flags.space ? ' ' : ''
  return pad(sign + digits, {...flags, zero: false})
}

function formatFloatVerb(value: number, verb: string, flags: Flags): string {
  const format = (verb === 'v' ? 'g' : verb) as 'e' | 'E' | 'f' | 'F' | 'g' | 'G'
  const defaultPrecision = verb === 'v' || verb === 'g' || verb === 'G' ? -1 : 6
  const formatted = formatFloat(value, format, flags.precision ?? defaultPrecision)
  let number = formatted[0] === '-' || formatted[0] === '+' ? formatted : `+${formatted}`
  if (flags.space && number[0] === '+' && !flags.plus) number = ` ${number.slice(1)}`
  if (number[1] === 'I' || number[1] === 'N') {
    if (number[1] === 'N' && !flags.space && !flags.plus) number = number.slice(1)
    return pad(number, {...flags, zero: false})
  }
  if (flags.plus || number[0] !== '+') {
    // Zero padding goes between the sign and the digits.
    if (flags.zero && !flags.minus && flags.width !== undefined && flags.width > number.length) {
      return number[0] + '0'.repeat(flags.width - number.length) + number.slice(1)
    }
    return pad(number, flags)
  }
  return pad(number.slice(1), flags)
}

function formatStringVerb(text: string, verb: string, flags: Flags): string {
  switch (verb) {
    case 'v':
    case 's':
      return pad(truncateRunes(text, flags.precision), flags)
    case 'q': {
      const shown = truncateRunes(text, flags.precision)
      if (flags.sharp && canBackquote(shown)) return pad(`\`${shown}\``, flags)
      return pad(goQuote(shown, flags.plus), flags)
    }
    case 'x':
    case 'X': {
      let bytes = [...Buffer.from(text, 'utf8')]
      if (flags.precision !== undefined) bytes = bytes.slice(0, flags.precision)
      const prefix = flags.sharp ? (verb === 'X' ? '0X' : '0x') : ''
      const parts = bytes.map((byte) => hex(byte, 2))
      let encoded = flags.space ? parts.map((part) => prefix + part).join(' ') : prefix + parts.join('')
      if (verb === 'X') encoded = encoded.toUpperCase()
      return pad(encoded, flags)
    }
    default:
      return badVerb(text, verb, flags)
  }
}

function formatIntegerVerb(value: number | bigint, verb: string, flags: Flags): string {
  const integer = BigInt(value)
  switch (verb) {
    case 'v':
    case 'd':
      return formatInteger(integer, 10, verb, flags)
    case 'b':
      return formatInteger(integer, 2, verb, flags)
    case 'o':
    case 'O':
      return formatInteger(integer, 8, verb, flags)
    case 'x':
    case 'X':
      return formatInteger(integer, 16, verb, flags)
    case 'c': {
      const code = Number(integer)
      const valid = code >= 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff)
      return pad(valid ? String.fromCodePoint(code) : '\ufffd', flags)
    }
    case 'q':
      return pad(quoteRune(Number(integer), flags.plus), flags)
    case 'U': {
      const code = Number(integer)
      let text = `U+${code.toString(16).toUpperCase().padStart(flags.precision ?? 4, '0')}`
      if (flags.sharp && code >= 0 && code <= 0x10ffff && isPrint(String.fromCodePoint(code))) text += ` '${String.fromCodePoint(code)}'`
      return pad(text, {...flags, zero: false})
    }
    case 'e':
    case 'E':
    case 'f':
    case 'F':
    case 'g':
    case 'G':
      return formatFloatVerb(Number(value), verb, flags)
    default:
      return badVerb(value, verb, flags)
  }
}

/** Formats one operand the way fmt's printArg/printValue does. `nested` is true inside a slice or map. */
function printArg(value: unknown, verb: string, flags: Flags, nested: boolean): string {
  if (value instanceof GoNilPointer) {
    if (verb === 'T') return pad(value.typeName, flags)
    if (flags.sharpV) return goSyntax(value, flags, nested)
    value = null
  }
  if (value === null || value === undefined) {
    return nested || verb === 'v' || verb === 'T' ? pad('<nil>', flags) : badVerb(value, verb, flags)
  }
  if (verb === 'T') return pad(goTypeName(value), flags)
  // fmt's handleMethods: a Stringer prints its String() for the string verbs (not %#v).
  const stringer = goStringOf(value)
  if (stringer !== undefined && !flags.sharpV && 'vsxXq'.includes(verb)) return formatStringVerb(stringer, verb, flags)
  switch (goKind(value)) {
    case 'bool':
      return verb === 't' || verb === 'v' ? pad(String(value), flags) : badVerb(value, verb, flags)
    case 'int':
      return formatIntegerVerb(value as number | bigint, verb, flags)
    case 'float':
      if ('vgGeEfF'.includes(verb)) return formatFloatVerb(Number(value), verb, flags)
      return badVerb(value, verb, flags)
    case 'string':
      if (flags.sharpV) return goSyntax(value, flags, nested)
      return formatStringVerb(value as string, verb, flags)
    case 'slice':
      if (flags.sharpV) return goSyntax(value, flags, nested)
      return `[${(value as unknown[]).map((element) => printArg(element, verb, flags, true)).join(' ')}]`
    case 'map': {
      if (flags.sharpV) return goSyntax(value, flags, nested)
      const record = value as Record<string, unknown>
      if (goStructType(record) !== undefined) {
        return `{${structFields(record).map(([name, member]) => `${flags.plusV ? `${name}:` : ''}${printArg(member, verb, flags, true)}`).join(' ')}}`
      }
      const entries = mapKeys(record).map((key) => `${printArg(key, verb, flags, true)}:${printArg(record[key], verb, flags, true)}`)
      return `map[${entries.join(' ')}]`
    }
    case 'time':
      if ('vsqxX'.includes(verb)) return formatStringVerb(goTimeString(value as Date), verb, flags)
      return badVerb(value, verb, flags)
    default:
      return badVerb(value, verb, flags)
  }
}

/** fmt.Sprint of one value with `%v`: `[a b]`, `map[k:v]`, `<nil>`. */
export function formatValue(value: unknown): string {
  return printArg(value, 'v', NO_FLAGS, false)
}

/** fmt.Sprint: spaces between operands when neither is a string. */
export function sprint(args: readonly unknown[]): string {
  let text = ''
  let previousString = false
  args.forEach((arg, index) => {
    const isString = typeof arg === 'string'
    if (index > 0 && !isString && !previousString) text += ' '
    text += formatValue(arg)
    previousString = isString
  })
  return text
}

/** fmt.Sprintln: operands separated by spaces, then a newline. */
export function sprintln(args: readonly unknown[]): string {
  return `${args.map(formatValue).join(' ')}\n`
}

function parseNumber(format: string, start: number): {value?: number; end: number} {
  let end = start
  while (end < format.length && format[end] >= '0' && format[end] <= '9') end++
  return end === start ? {end} : {value: Number(format.slice(start, end)), end}
}

/**
 * Go's parseArgNumber at `[`: the 0-based argument index of `[n]`, and the text's length taken
 * (1 when there is no closing bracket); ok false when it is not a positive number.
 */
function parseArgNumber(format: string, start: number): {index: number; width: number; ok: boolean} {
  if (format.length - start < 3) return {index: 0, width: 1, ok: false}
  for (let end = start + 1; end < format.length; end++) {
    if (format[end] !== ']') continue
    const number = parseNumber(format, start + 1)
    if (number.value === undefined || number.end !== end) return {index: 0, width: end - start + 1, ok: false}
    return {index: number.value - 1, width: end - start + 1, ok: true}
  }
  return {index: 0, width: 1, ok: false}
}

/**
 * fmt.Sprintf, including Go's in-band errors: `%!d(string=x)`, `%!s(MISSING)`, `%!(EXTRA int=1)`,
 * `%!v(BADINDEX)`; explicit argument indexes (`%[2]s`), and `%+v`/`%#v` as field names and Go syntax.
 */
export function sprintf(format: string, args: readonly unknown[]): string {
  let text = ''
  let argIndex = 0
  let reordered = false
  let index = 0
  while (index < format.length) {
    const percent = format.indexOf('%', index)
    if (percent < 0) {
      text += format.slice(index)
      break
    }
    text += format.slice(index, percent)
    index = percent + 1
    let goodArgNum = true
    /** Go's argNumber: an explicit `[n]` here sets the next argument; whether one was read. */
    const argNumber = (): boolean => {
      if (format[index] !== '[') return false
      reordered = true
      const parsed = parseArgNumber(format, index)
      index += parsed.width
      if (parsed.ok && parsed.index >= 0 && parsed.index < args.length) {
        argIndex = parsed.index
        return true
      }
      goodArgNum = false
      return parsed.ok
    }
    /** Go's intFromArg for `*`: the argument as an int, undefined when it is not one. */
    const intFromArg = (): number | undefined => {
      if (argIndex >= args.length) return undefined
      const arg = args[argIndex++]
      return goKind(arg) === 'int' && Math.abs(Number(arg)) <= 1e6 ? Number(arg) : undefined
    }
    const flags: Flags = {...NO_FLAGS}
    flagLoop: for (; index < format.length; index++) {
      switch (format[index]) {
        case '#':
          flags.sharp = true
          break
        case '0':
          flags.zero = !flags.minus
          break
        case '+':
          flags.plus = true
          break
        case '-':
          flags.minus = true
          flags.zero = false
          break
        case ' ':
          flags.space = true
          break
        default:
          break flagLoop
      }
    }
    let afterIndex = argNumber()
    if (format[index] === '*') {
      index++
      flags.width = intFromArg()
      if (flags.width === undefined) text += '%!(BADWIDTH)'
      else if (flags.width < 0) {
        flags.minus = true
        flags.zero = false
        flags.width = -flags.width
      }
      afterIndex = false
    } else {
      const width = parseNumber(format, index)
      flags.width = width.value
      index = width.end
      if (afterIndex && flags.width !== undefined) goodArgNum = false
    }
    if (index + 1 < format.length && format[index] === '.') {
      index++
      if (afterIndex) goodArgNum = false
      afterIndex = argNumber()
      if (format[index] === '*') {
        index++
        flags.precision = intFromArg()
        if (flags.precision !== undefined && flags.precision < 0) flags.precision = undefined
        if (flags.precision === undefined) text += '%!(BADPREC)'
        afterIndex = false
      } else {
        const precision = parseNumber(format, index)
        flags.precision = precision.value ?? 0
        index = precision.end
      }
    }
    if (!afterIndex) afterIndex = argNumber()
    if (index >= format.length) {
      text += '%!(NOVERB)'
      break
    }
    const verb = String.fromCodePoint(format.codePointAt(index) as number)
    index += verb.length
    if (verb === '%') {
      text += '%'
    } else if (!goodArgNum) {
      text += `%!${verb}(BADINDEX)`
    } else if (argIndex >= args.length) {
      text += `%!${verb}(MISSING)`
    } else {
      if (verb === 'v') {
        // Verb v takes + for field names and # for Go syntax, not as a sign or an alternate form.
        Object.assign(flags, {plusV: flags.plus, plus: false, sharpV: flags.sharp, sharp: false})
      }
      text += printArg(args[argIndex++], verb, flags, false)
    }
  }
  if (!reordered && argIndex < args.length) {
    const extra = args.slice(argIndex).map((arg) => (arg === null || arg === undefined ? '<nil>' : `${goTypeName(arg)}=${formatValue(arg)}`))
    text += `%!(EXTRA ${extra.join(', ')})`
  }
  return text
}
