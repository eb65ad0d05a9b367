/**
 * Go's json.Decoder as docker's config loading meets it: where the first JSON value of a text ends,
 * or the error its scanner gives, in Go's words.
 */
import {quoteRune} from './go-fmt.ts'

/** Go's quoteChar: how its JSON scanner names a byte in an error (`'b'`, `'\n'`, `'\''`, `'"'`): strconv's quoting in single quotes. */
function quoteChar(char: string): string {
  return quoteRune(char.charCodeAt(0), false)
}

class JSONSyntaxError extends Error {}

/** How Go's scanner names the byte at `at`: of a character beyond ASCII, the first of its UTF-8 encoding. */
function byteAt(text: string, at: number): string {
  return quoteChar(String.fromCharCode(Buffer.from(String.fromCodePoint(text.codePointAt(at)!))[0]!))
}

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
    throw new JSONSyntaxError(`invalid character ${byteAt(text, at)} ${context}`)
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

/**
 * The error Go's json.Compact gives for `text` (its scanner over the whole text), in its words, or
 * undefined for one JSON value with nothing but white space after it.
 */
export function goJSONCompactError(text: string): string | undefined {
  const first = goJSONFirstValue(text)
  if ('error' in first) return first.error === 'EOF' || first.error === 'unexpected EOF' ? 'unexpected end of JSON input' : first.error
  const rest = text.slice(first.end).search(/[^ \t\r\n]/)
  return rest === -1 ? undefined : `invalid character ${byteAt(text, first.end + rest)} after top-level value`
}
