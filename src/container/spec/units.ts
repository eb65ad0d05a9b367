/**
 * Docker's number formats for resource flags: binary sizes (format/byte-sizes.ts's parseBytes: `512m`,
 * `1g`, `1.5GiB`, `100000`), `-1` for unlimited swap, and CPU counts as rational numbers (`1.5`, `3/2`).
 */
import {parseBytes} from '../../format/byte-sizes.ts'
import {specError} from './errors.ts'

/** `--memory-swap`: a size, or -1 for unlimited swap. */
export function parseSwapBytes(value: string): number {
  return value === '-1' ? -1 : parseBytes(value)
}

const NANO = 1_000_000_000n

/** Go's big.Rat.SetString refuses exponents past a million (the number would be too large). */
const MAX_EXPONENT = 1_000_000

/**
 * `--cpus` as billionths of a CPU: `1.5` → 1500000000, read as Go's big.Rat.SetString reads it (`3/2`,
 * `1e0`, `25e-2`). Finer values than a billionth are an error.
 */
export function parseCpus(value: string): number {
  const fraction = /^([+-]?)(\d+)\/(\d+)$/.exec(value)
  const decimal = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(value)
  let numerator: bigint
  let denominator: bigint
  if (fraction) {
    numerator = BigInt(fraction[2]) * (fraction[1] === '-' ? -1n : 1n)
    denominator = BigInt(fraction[3])
  } else if (decimal && (decimal[2] !== '' || (decimal[3] ?? '') !== '')) {
    const digits = decimal[3] ?? ''
    numerator = BigInt(`${decimal[2] || '0'}${digits}`) * (decimal[1] === '-' ? -1n : 1n)
    const exponent = Number(decimal[4] ?? 0) - digits.length
    if (numerator !== 0n && Math.abs(exponent) > MAX_EXPONENT) throw specError(`failed to parse ${value} as a rational number`)
    denominator = 1n
    if (numerator !== 0n && exponent > 0) numerator *= 10n ** BigInt(exponent)
    else if (numerator !== 0n) denominator = 10n ** BigInt(-exponent)
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
