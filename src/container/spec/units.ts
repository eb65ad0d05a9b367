/**
 * Docker's number formats for resource flags: binary sizes (`512m`, `1g`, `1.5GiB`, `100000`) and CPU
 * counts as rational numbers (`1.5`, `3/2`).
 */
import {specError} from './errors.ts'

const BINARY_UNITS: Record<string, number> = {k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40, p: 2 ** 50}

const SIZE = /^(\d+(?:\.\d*)?|\.\d+) ?(?:([kmgtp])(?:i?b)?|b)?$/i

/** Bytes in a docker size: a number, an optional space, an optional k/m/g/t/p unit (powers of 1024). */
export function parseBytes(value: string): number {
  const match = SIZE.exec(value)
  if (!match) throw specError(`invalid size: '${value}'`)
  const multiplier = match[2] ? BINARY_UNITS[match[2].toLowerCase()] : 1
  return Math.trunc(Number(match[1]) * multiplier)
}

/** `--memory-swap`: a size, or -1 for unlimited swap. */
export function parseSwapBytes(value: string): number {
  return value === '-1' ? -1 : parseBytes(value)
}

const NANO = 1_000_000_000n

/** `--cpus` as billionths of a CPU: `1.5` → 1500000000. Finer values than a billionth are an error. */
export function parseCpus(value: string): number {
  const fraction = /^([+-]?)(\d+)\/(\d+)$/.exec(value)
  const decimal = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(value)
  let numerator: bigint
  let denominator: bigint
  if (fraction) {
    numerator = BigInt(fraction[2]) * (fraction[1] === '-' ? -1n : 1n)
    denominator = BigInt(fraction[3])
  } else if (decimal && (decimal[2] !== '' || (decimal[3] ?? '') !== '')) {
    const digits = decimal[3] ?? ''
    numerator = BigInt(`${decimal[2] || '0'}${digits}`) * (decimal[1] === '-' ? -1n : 1n)
    denominator = 10n ** BigInt(digits.length)
  } else {
    throw specError(`failed to parse ${value} as a rational number`)
  }
  if (denominator === 0n) throw specError(`failed to parse ${value} as a rational number`)
  if ((numerator * NANO) % denominator !== 0n) throw specError('value is too precise')
  return Number((numerator * NANO) / denominator)
}

/** A byte count the way docker writes tmpfs sizes: the largest of g/m/k that divides it, else bytes. */
export function formatTmpfsSize(bytes: number): string {
  for (const [suffix, divisor] of [['g', 2 ** 30], ['m', 2 ** 20], ['k', 2 ** 10]] as const) {
    if (bytes % divisor === 0) return `${bytes / divisor}${suffix}`
  }
  return String(bytes)
}
