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
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(number)) throw new Error(`strconv.ParseFloat: parsing "${number}": invalid syntax`)
  let size = Number(number)
  if (!Number.isFinite(size)) throw new Error(`strconv.ParseFloat: parsing "${number}": value out of range`)
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

/**
 * go-units' int64() of the size as Go gives it on amd64: truncated, and math.MinInt64 for a size
 * past int64 (`--memory 1e23`), which docker's daemon then refuses in its words (`Minimum memory
 * limit allowed is 6MB`, `SHM size can not be less than 0`).
 */
function goInt64(size: number): number {
  return size < 2 ** 63 ? Math.trunc(size) : -(2 ** 63)
}
