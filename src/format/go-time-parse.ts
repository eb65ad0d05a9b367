/**
 * Go's time.Parse for the numeric layouts docker's GetTimestamp uses (`2006-01-02T15:04:05.999999999Z07:00`
 * and its shorter forms), with Go's errors: docker shows them as they are for a `--since`/`--until`
 * value that has a `-` and is no time.
 */

import {layoutChunks} from './go-time.ts'

/** Go's time.ParseError text. */
export class GoTimeParseError extends Error {}

/** Go's quote of a value in its time errors: ASCII control and non-ASCII bytes as `\xNN`. */
function quote(text: string): string {
  let quoted = '"'
  for (const byte of Buffer.from(text)) {
    if (byte < 0x20 || byte >= 0x80) quoted += `\\x${byte.toString(16).padStart(2, '0')}`
    else quoted += (byte === 0x22 || byte === 0x5c ? '\\' : '') + String.fromCharCode(byte)
  }
  return `${quoted}"`
}

const isDigit = (text: string, at: number): boolean => at < text.length && text[at]! >= '0' && text[at]! <= '9'

/** Go's getnum: one or two digits, exactly two when `fixed`. */
function number(text: string, fixed: boolean): [number, string] | undefined {
  if (!isDigit(text, 0)) return undefined
  if (!isDigit(text, 1)) return fixed ? undefined : [Number(text[0]), text.slice(1)]
  return [Number(text.slice(0, 2)), text.slice(2)]
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate()
}

/**
 * Go's time.Parse of `value` in `layout` (one of GetTimestamp's), in nanoseconds since the epoch; a
 * time without a zone is at `offsetSeconds` east of UTC (ParseInLocation with a fixed zone). Throws
 * GoTimeParseError in Go's words.
 */
export function parseGoTime(layout: string, value: string, offsetSeconds: number): bigint {
  const failure = (message: string): GoTimeParseError => new GoTimeParseError(`parsing time ${quote(value)}${message}`)
  const cannotParse = (rest: string, element: string): GoTimeParseError => failure(` as ${quote(layout)}: cannot parse ${quote(rest)} as ${quote(element)}`)
  let [year, month, day, hour, minute, second, nanosecond] = [0, 1, 1, 0, 0, 0, 0]
  let zone: number | undefined
  let rest = value
  for (const chunk of layoutChunks(layout)) {
    if (chunk.kind === 'literal') {
      // Go's skip: the literal text, character by character.
      for (const character of chunk.text) {
        if (rest[0] !== character) throw cannotParse(rest, chunk.text)
        rest = rest.slice(1)
      }
      continue
    }
    if (chunk.kind === 'fraction') {
      // Optional; any number of digits, the first nine counted.
      if (rest.length >= 2 && (rest[0] === '.' || rest[0] === ',') && isDigit(rest, 1)) {
        const [digits] = /^\d+/.exec(rest.slice(1))!
        nanosecond = Number(digits.slice(0, 9).padEnd(9, '0'))
        rest = rest.slice(1 + digits.length)
      }
      continue
    }
    const held = rest
    let parsed: [number, string] | undefined
    let outOfRange: string | undefined
    switch (chunk.std) {
      case '2006': {
        // Go's atoi of four characters (a sign allowed after the first digit fails it).
        const digits = /^\d{4}/.exec(rest)
        parsed = digits ? [Number(digits[0]), rest.slice(4)] : undefined
        if (parsed) year = parsed[0]
        break
      }
      case '01':
        parsed = number(rest, true)
        if (parsed) {
          month = parsed[0]
          if (month < 1 || month > 12) outOfRange = 'month'
        }
        break
      case '02':
        parsed = number(rest, true)
        if (parsed) day = parsed[0]
        break
      case '15':
        parsed = number(rest, false)
        if (parsed) {
          hour = parsed[0]
          if (hour >= 24) outOfRange = 'hour'
        }
        break
      case '04':
        parsed = number(rest, true)
        if (parsed) {
          minute = parsed[0]
          if (minute >= 60) outOfRange = 'minute'
        }
        break
      case '05':
        parsed = number(rest, true)
        if (parsed) {
          second = parsed[0]
          if (second >= 60) outOfRange = 'second'
        }
        break
      case 'Z07:00': {
        if (rest[0] === 'Z') {
          zone = 0
          parsed = [0, rest.slice(1)]
          break
        }
        const offset = rest.length >= 6 && rest[3] === ':' ? [number(rest.slice(1, 3), true), number(rest.slice(4, 6), true)] : undefined
        if (!offset) break
        const [hours, minutes] = [offset[0]?.[0] ?? 0, offset[1]?.[0] ?? 0]
        if (hours > 24) outOfRange = 'time zone offset hour'
        if (minutes > 60) outOfRange = 'time zone offset minute'
        if (!offset[0] || !offset[1] || (rest[0] !== '+' && rest[0] !== '-')) break
        zone = (rest[0] === '-' ? -1 : 1) * (hours * 60 + minutes) * 60
        parsed = [0, rest.slice(6)]
        break
      }
    }
    if (outOfRange) throw failure(`: ${outOfRange} out of range`)
    if (!parsed) throw cannotParse(held, chunk.std)
    rest = parsed[1]
  }
  if (rest !== '') throw failure(`: extra text: ${quote(rest)}`)
  if (day < 1 || day > daysInMonth(year, month)) throw failure(': day out of range')
  const seconds = Date.UTC(year, month - 1, day, hour, minute, second) / 1000 - (zone ?? offsetSeconds)
  return BigInt(seconds) * 1_000_000_000n + BigInt(nanosecond)
}
