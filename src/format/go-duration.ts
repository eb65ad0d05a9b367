/** Go's time.Duration as text: ParseDuration and String, in milliseconds. */

const UNIT_MS: Record<string, number> = {ns: 1e-6, us: 1e-3, 'µs': 1e-3, 'μs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000}

/** Go's time.ParseDuration, in milliseconds; undefined when `value` is not a duration. */
export function parseGoDuration(value: string): number | undefined {
  const match = /^([+-]?)((?:(?:\d+\.?\d*|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+)$/.exec(value)
  if (!match) return /^[+-]?0$/.test(value) ? 0 : undefined
  let total = 0
  for (const [, amount, unit] of match[2]!.matchAll(/(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g)) total += Number(amount) * UNIT_MS[unit!]!
  return match[1] === '-' ? -total : total
}

/**
 * The error Go's time.ParseDuration gives for `value`, one parseGoDuration refuses: a number
 * without a unit, a unit it does not know, or anything else.
 */
export function goDurationError(value: string): string {
  const quoted = JSON.stringify(value)
  let rest = value.replace(/^[+-]/, '')
  while (rest !== '') {
    const [number] = /^\d*(?:\.\d*)?/.exec(rest)!
    if (!/\d/.test(number)) break
    rest = rest.slice(number.length)
    const [unit] = /^[^\d.]*/.exec(rest)!
    if (unit === '') return `time: missing unit in duration ${quoted}`
    if (!(unit in UNIT_MS)) return `time: unknown unit ${JSON.stringify(unit)} in duration ${quoted}`
    rest = rest.slice(unit.length)
  }
  return `time: invalid duration ${quoted}`
}

/** Go's Duration.String: `300ms`, `30s`, `1m30s`, `1h0m0s`, `1.5µs`. */
export function formatGoDuration(ms: number): string {
  if (ms === 0) return '0s'
  const sign = ms < 0 ? '-' : ''
  const abs = Math.abs(ms)
  const trim = (value: number) => String(Number(value.toFixed(9)))
  if (abs < 1e-3) return `${sign}${trim(abs * 1e6)}ns`
  if (abs < 1) return `${sign}${trim(abs * 1e3)}µs`
  if (abs < 1000) return `${sign}${trim(abs)}ms`
  const hours = Math.floor(abs / 3_600_000)
  const minutes = Math.floor((abs % 3_600_000) / 60_000)
  const seconds = `${trim((abs % 60_000) / 1000)}s`
  if (hours > 0) return `${sign}${hours}h${minutes}m${seconds}`
  if (minutes > 0) return `${sign}${minutes}m${seconds}`
  return `${sign}${seconds}`
}
