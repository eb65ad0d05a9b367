/**
 * `events --since/--until`: the window of event times, as docker's CLI sends it (GetTimestamp) and its
 * daemon checks it. nerd has no daemon keeping past events (docker's keeps its last 256 in memory,
 * containerd none), so a `--since` in the past replays nothing: the caller warns of it.
 */
import {NerdError} from '../errors.ts'
import {parseGoDuration} from '../format/index.ts'
import {parseLogTimeNanoseconds} from '../container/logs/index.ts'

const NANOS_PER_SECOND = 1_000_000_000n

/** A --since/--until value: the time it names (ns since the epoch) and the text docker's CLI sends for it. */
interface EventTime {
  nanos: bigint
  text: string
}

/**
 * docker's GetTimestamp: a duration before `now` to the whole second, a Unix timestamp as typed, a
 * date as `seconds.nanoseconds`.
 */
export function eventTime(value: string, now: Date): EventTime {
  const nanos = parseLogTimeNanoseconds(value, now)
  // A duration's time is a whole second.
  if (value !== '0' && parseGoDuration(value) !== undefined) return {nanos, text: String(nanos / NANOS_PER_SECOND)}
  if (/^\d+(\.\d+)?$/.test(value)) return {nanos, text: value}
  return {nanos, text: `${nanos / NANOS_PER_SECOND}.${String(nanos % NANOS_PER_SECOND).padStart(9, '0')}`}
}

export interface EventWindow {
  /** Events before this time (ns) are left out. */
  since?: bigint
  /** The stream ends at this time (ms since the epoch). */
  untilMillis?: number
  /** A --since before now asks for events nerd cannot replay. */
  sinceInPast: boolean
}

/** The window --since and --until give, refused in docker's daemon's words when `since` is after `until`. */
export function eventWindow(since: string | undefined, until: string | undefined, now: Date): EventWindow {
  const from = since === undefined ? undefined : eventTime(since, now)
  const to = until === undefined ? undefined : eventTime(until, now)
  if (from && to && to.nanos < from.nanos) throw new NerdError(`\`since\` time (${from.text}) cannot be after \`until\` time (${to.text})`)
  // A time within the current second is "from now on" (`--since $(date +%s)`): nothing was missed.
  const sinceInPast = from !== undefined && from.nanos < BigInt(now.getTime() - 1000) * 1_000_000n
  return {since: from?.nanos, untilMillis: to === undefined ? undefined : Number(to.nanos / 1_000_000n), sinceInPast}
}
