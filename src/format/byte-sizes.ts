/**
 * Sizes as docker reads them: github.com/docker/go-units v0.5.0's RAMInBytes (binary units) and
 * FromHumanSize (decimal ones), one parser with two tables. Apart from human.ts, for the logger
 * that runs beside every container reads its max-size with it and must not carry the formatters.
 */

const BINARY_MULTIPLIERS: Record<string, number> = {k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5}
const DECIMAL_MULTIPLIERS: Record<string, number> = {k: 1e3, m: 1e6, g: 1e9, t: 1e12, p: 1e15}

/**
 * go-units RAMInBytes, what docker uses for `--memory`, `--shm-size` and the like: a
 * number with an optional binary unit, case-insensitive, `b`/`ib` optional (`512m`, `1g`,
 * `100MB` = 100 MiB, `1.5GiB`, `2048`, `9e18`), a space allowed before the unit. Throws with
 * go-units' messages.
 */
export function parseBytes(text: string): number {
  return parseSize(text, BINARY_MULTIPLIERS)
}

/** go-units FromHumanSize, what docker's json-file driver reads max-size with: as parseBytes, in decimal units (`10k` = 10000, `1KiB` too). */
export function parseDecimalBytes(text: string): number {
  return parseSize(text, DECIMAL_MULTIPLIERS)
}

/** go-units parseSize. */
function parseSize(text: string, multipliers: Record<string, number>): number {
  const split = Math.max(...[...'0123456789. '].map((char) => text.lastIndexOf(char)))
  if (split < 0) throw new Error(`invalid size: '${text}'`)
  const number = text.slice(0, text[split] === ' ' ? split : split + 1)
  const suffix = text.slice(split + 1)
  let size = goParseFloat(number)
  // NaN passes, as in Go, to become math.MinInt64 (goInt64).
  if (size < 0) throw new Error(`invalid size: '${text}'`)
  if (suffix === '') return goInt64(size)
  const unit = suffix.toLowerCase()
  const badSuffix = new Error(`invalid suffix: '${unit}'`)
  if (suffix.length > 3) throw new Error(`invalid suffix: '${suffix}'`)
  if (unit[0] === 'b') {
    if (unit.length > 1) throw badSuffix
    return goInt64(size)
  }
  const multiplier = multipliers[unit[0]!]
  if (multiplier === undefined) throw badSuffix
  if ((unit.length === 2 && unit[1] !== 'b') || (unit.length === 3 && unit.slice(1) !== 'ib')) throw badSuffix
  size *= multiplier
  return goInt64(size)
}

/** Digits with `_` between two of them, as Go's literals allow. */
const DECIMAL_DIGITS = String.raw`\d(?:_?\d)*`
const HEX_DIGITS = String.raw`[\da-f](?:_?[\da-f])*`
const DECIMAL_FLOAT = new RegExp(String.raw`^[+-]?(?:${DECIMAL_DIGITS}(?:\.(?:${DECIMAL_DIGITS})?)?|\.${DECIMAL_DIGITS})(?:e[+-]?${DECIMAL_DIGITS})?$`, 'i')
/** Sign, mantissa (a `_` may follow the `0x`), binary exponent (not optional). */
const HEX_FLOAT = new RegExp(String.raw`^([+-]?)0x(_?${HEX_DIGITS}(?:\.(?:${HEX_DIGITS})?)?|\.${HEX_DIGITS})p([+-]?${DECIMAL_DIGITS})$`, 'i')
const SPECIAL_FLOAT = /^(?:[+-]?inf(?:inity)?|nan)$/i

/**
 * Go's strconv.ParseFloat(text, 64), which go-units reads the number with: decimal and hex
 * (`0x4p24`) literals, `_` between digits, and `inf`, `infinity` (signed) and `nan` in any case.
 * Throws its NumError texts, `value out of range` for a literal past float64.
 */
function goParseFloat(text: string): number {
  if (SPECIAL_FLOAT.test(text)) return text.toLowerCase() === 'nan' ? NaN : text.startsWith('-') ? -Infinity : Infinity
  const hex = HEX_FLOAT.exec(text)
  let value: number
  if (hex) {
    const [, sign, mantissa, exponent] = hex.map((part) => part.replaceAll('_', ''))
    const [whole, fraction = ''] = mantissa!.split('.')
    value = hexFloat(whole + fraction, fraction.length, Number(exponent))
    if (sign === '-') value = -value
  } else if (DECIMAL_FLOAT.test(text)) {
    value = Number(text.replaceAll('_', ''))
  } else {
    throw new Error(`strconv.ParseFloat: parsing "${text}": invalid syntax`)
  }
  if (!Number.isFinite(value)) throw new Error(`strconv.ParseFloat: parsing "${text}": value out of range`)
  return value
}

/** The float64 nearest to 0x<digits> (the last fractionLength of them after the point) times 2^exponent. */
function hexFloat(digits: string, fractionLength: number, exponent: number): number {
  let mantissa = BigInt(`0x${digits}`)
  if (mantissa === 0n) return 0
  let binaryExponent = exponent - 4 * fractionLength
  // Cut to 60 bits, the last one set if any bit cut was, so that Number() rounds once and right.
  const excess = mantissa.toString(2).length - 60
  if (excess > 0) {
    const sticky = mantissa & ((1n << BigInt(excess)) - 1n) ? 1n : 0n
    mantissa = (mantissa >> BigInt(excess)) | sticky
    binaryExponent += excess
  }
  // Past these, a mantissa under 2^60 gives Infinity or 0 anyway; within them, two powers of two stay finite.
  const clamped = Math.max(-1200, Math.min(1200, binaryExponent))
  const half = Math.trunc(clamped / 2)
  return Number(mantissa) * 2 ** half * 2 ** (clamped - half)
}

/**
 * go-units' int64() of the size as Go gives it on amd64: truncated, and math.MinInt64 for a size
 * past int64 (`--memory 1e23`), which docker's daemon then refuses in its words (`Minimum memory
 * limit allowed is 6MB`, `SHM size can not be less than 0`).
 */
function goInt64(size: number): number {
  return size < 2 ** 63 ? Math.trunc(size) : -(2 ** 63)
}
