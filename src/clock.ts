/**
 * Time as nerd reads it and waits for it.
 *
 * Read: the wall-clock time to the nanosecond, as docker's daemon takes its times from Go's time.Now():
 * JavaScript's Date has milliseconds only. The time the process began (performance.timeOrigin, to
 * the microsecond) plus the monotonic clock's nanoseconds since (performance.now()); when the wall
 * clock has been set since the process began (the two then differ), Date's milliseconds.
 */
import {setTimeout as delay} from 'node:timers/promises'

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

/** Node's timers take at most this many milliseconds (2^31 - 1); a longer delay would fire at once, with a warning. */
const LONGEST_TIMER_MS = 2 ** 31 - 1

/**
 * Resolves true after `ms`, however long (a Go duration, docker's stop timeout of any int: waited
 * in steps Node's timers take), false at once when the signal aborts first.
 */
export async function delayFor(ms: number, signal: AbortSignal): Promise<boolean> {
  const due = performance.now() + ms
  for (let left = ms; left > 0; left = due - performance.now()) {
    if (!(await delay(Math.min(left, LONGEST_TIMER_MS), true, {signal}).catch(() => false))) return false
  }
  return !signal.aborted
}
