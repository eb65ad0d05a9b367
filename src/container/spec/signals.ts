/** Linux signal names and numbers, as docker's `--stop-signal` and `STOPSIGNAL` accept them. */
import {NerdError} from '../../errors.ts'
import {specError} from './errors.ts'

const RTMIN = 34
const RTMAX = 64

const SIGNALS: Record<string, number> = {
  HUP: 1, INT: 2, QUIT: 3, ILL: 4, TRAP: 5, ABRT: 6, IOT: 6, BUS: 7, FPE: 8, KILL: 9, USR1: 10, SEGV: 11, USR2: 12,
  PIPE: 13, ALRM: 14, TERM: 15, STKFLT: 16, CHLD: 17, CLD: 17, CONT: 18, STOP: 19, TSTP: 20, TTIN: 21, TTOU: 22,
  URG: 23, XCPU: 24, XFSZ: 25, VTALRM: 26, PROF: 27, WINCH: 28, IO: 29, POLL: 29, PWR: 30, SYS: 31,
  ...realtimeSignals(),
}

/**
 * The number of `SIGTERM`, `term`, `TERM`, `15`, `SIGRTMIN+3`, `RTMAX-1`, as moby/sys/signal's ParseSignal:
 * any non-zero integer is taken as it is (whether the kernel has such a signal is the kill's affair).
 */
export function signalNumber(signal: string): number {
  // Go's strconv.Atoi: an optionally signed decimal int64.
  if (/^[+-]?\d+$/.test(signal) && BigInt.asIntN(64, BigInt(signal)) === BigInt(signal)) {
    const number = Number(signal)
    if (number === 0) throw specError(`invalid signal: ${signal}`)
    return number
  }
  const name = signal.toUpperCase().replace(/^SIG/, '')
  const number = SIGNALS[name]
  if (number === undefined) throw specError(`invalid signal: ${signal}`)
  return number
}

/** signalNumber for a command (kill, stop, commit's STOPSIGNAL): a bad signal fails it with status 1, not as a container's start (125). */
export function commandSignal(signal: string): number {
  try {
    return signalNumber(signal)
  } catch (error) {
    throw new NerdError((error as Error).message)
  }
}

/** Whether Linux has the signal (moby/sys/signal's ValidSignalForPlatform: one of its names' numbers). */
export function isPlatformSignal(number: number): boolean {
  return (number >= 1 && number <= 31) || (number >= RTMIN && number <= RTMAX)
}

/**
 * moby/sys/signal's names of the real-time signals, its only ones: RTMIN, RTMIN+1 to RTMIN+15,
 * RTMAX-14 to RTMAX-1, RTMAX (no other offset, nor one written otherwise, as RTMIN+0 or RTMAX-01).
 */
function realtimeSignals(): Record<string, number> {
  return Object.fromEntries(
    Array.from({length: RTMAX - RTMIN + 1}, (_, offset) => {
      const number = RTMIN + offset
      const name = offset === 0 ? 'RTMIN' : offset <= 15 ? `RTMIN+${offset}` : number === RTMAX ? 'RTMAX' : `RTMAX-${RTMAX - number}`
      return [name, number]
    }),
  )
}

/** A valid signal as docker records it: names upper-cased with their `SIG` prefix, numbers as given. */
export function normalizeSignal(signal: string): string {
  signalNumber(signal)
  return /^[+-]?\d+$/.test(signal) ? signal : `SIG${signal.toUpperCase().replace(/^SIG/, '')}`
}
