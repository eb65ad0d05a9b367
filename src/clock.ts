/**
 * The wall-clock time to the nanosecond, as docker's daemon takes its times from Go's time.Now():
 * JavaScript's Date has milliseconds only. The time the process began (performance.timeOrigin, to
 * the microsecond) plus the monotonic clock's nanoseconds since (performance.now()); when the wall
 * clock has been set since the process began (the two then differ), Date's milliseconds.
 */

/** How far the monotonic reckoning may stray from Date.now() before it is taken for a clock set meanwhile. */
const STRAY_MS = 2

/** Now, as RFC 3339 with nine fractional digits in UTC (`2024-01-02T15:04:05.123456789Z`): what nerd records its times as. */
export function preciseNow(): string {
  const now = Date.now()
  const nanoseconds = BigInt(Math.round(performance.timeOrigin * 1000)) * 1000n + BigInt(Math.round(performance.now() * 1e6))
  const reckoned = nanoseconds / 1_000_000n
  const exact = reckoned >= BigInt(now - STRAY_MS) && reckoned <= BigInt(now + STRAY_MS) ? nanoseconds : BigInt(now) * 1_000_000n
  const seconds = exact / 1_000_000_000n
  const fraction = String(exact % 1_000_000_000n).padStart(9, '0')
  return `${new Date(Number(seconds) * 1000).toISOString().slice(0, 19)}.${fraction}Z`
}
