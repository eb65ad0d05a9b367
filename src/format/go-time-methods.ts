import {asGoTime, GoDuration, GoNamedInt, GoTime, goTimeString, withGoString, asGoStruct, ZERO_TIME_MS} from './go-values.ts'
import {goMonthName, goWeekdayName} from './go-time.ts'
import type {ParamKind, TemplateFunction} from './template-funcs.ts'

/**
 * The methods of Go's time.Time that a template can call on a time (`{{.Created.Year}}`,
 * `{{.Created.Format "2006-01-02"}}`, `{{.End.Sub .Start}}`), with Go's parameter and result types.
 */

const NANOS_PER_SECOND = 1_000_000_000n

function unixNano(time: GoTime): bigint {
  return BigInt(time.unixSeconds()) * NANOS_PER_SECOND + BigInt(time.nanosecond)
}

function method(params: ParamKind[], call: (time: GoTime, ...args: never[]) => unknown): (time: GoTime) => TemplateFunction {
  return (time) => ({params, call: (...args: never[]) => call(time, ...args)})
}

/** A method that returns several values, which text/template refuses to call (its goodFunc). */
function multipleResults(params: ParamKind[], results: number): (time: GoTime) => TemplateFunction {
  return () => ({params, results, call: () => undefined})
}

/** time.Location: its String is its name, `Local`, `UTC`, or the fixed zone's (empty). */
function location(time: GoTime): object {
  const name = time.location === 'UTC' || time.location === 'Local' ? time.location : ''
  return withGoString(asGoStruct({}, '*time.Location'), name)
}

const TIME_METHODS: Readonly<Record<string, (time: GoTime) => TemplateFunction>> = {
  Year: method([], (time) => time.civil().year),
  Month: method([], (time) => {
    const {month} = time.civil()
    return new GoNamedInt(month, 'time.Month', goMonthName(month))
  }),
  Day: method([], (time) => time.civil().day),
  Weekday: method([], (time) => {
    const {weekday} = time.civil()
    return new GoNamedInt(weekday, 'time.Weekday', goWeekdayName(weekday))
  }),
  YearDay: method([], (time) => time.civil().yearDay),
  Hour: method([], (time) => time.civil().hour),
  Minute: method([], (time) => time.civil().minute),
  Second: method([], (time) => time.civil().second),
  Nanosecond: method([], (time) => time.nanosecond),
  Unix: method([], (time) => BigInt(time.unixSeconds())),
  UnixMilli: method([], (time) => unixNano(time) / 1_000_000n),
  UnixMicro: method([], (time) => unixNano(time) / 1_000n),
  UnixNano: method([], (time) => unixNano(time)),
  UTC: method([], (time) => time.in('UTC')),
  Local: method([], (time) => time.in('Local')),
  Location: method([], location),
  IsZero: method([], (time) => time.getTime() === ZERO_TIME_MS && time.nanosecond === 0),
  IsDST: method([], (time) => time.location === 'Local' && time.zone().isDst === true),
  String: method([], (time) => goTimeString(time)),
  Format: method(['string'], (time, layout: string) => time.format(layout)),
  Sub: method(['time'], (time, other: Date) => new GoDuration(Number(unixNano(time) - unixNano(asGoTime(other))))),
  Before: method(['time'], (time, other: Date) => unixNano(time) < unixNano(asGoTime(other))),
  After: method(['time'], (time, other: Date) => unixNano(time) > unixNano(asGoTime(other))),
  Equal: method(['time'], (time, other: Date) => unixNano(time) === unixNano(asGoTime(other))),
  Compare: method(['time'], (time, other: Date) => {
    const difference = unixNano(time) - unixNano(asGoTime(other))
    return difference < 0n ? -1 : difference > 0n ? 1 : 0
  }),
  Date: multipleResults([], 3),
  Clock: multipleResults([], 3),
  ISOWeek: multipleResults([], 2),
  Zone: multipleResults([], 2),
  ZoneBounds: multipleResults([], 2),
}

/** The method `name` of a time.Time, bound to it; undefined when time.Time has none. */
export function timeMethod(time: Date, name: string): TemplateFunction | undefined {
  return Object.hasOwn(TIME_METHODS, name) ? TIME_METHODS[name]!(asGoTime(time)) : undefined
}
