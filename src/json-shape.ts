/**
 * The shape of JSON nerd reads back from its own files, checked on reading: a file cut short, edited
 * by hand or written by something else then fails with its name and the member at fault, where the
 * code reading it would fail far away with JavaScript's words ("Cannot read properties of
 * undefined", "NaN cannot be converted to a BigInt"). Members not described are not looked at.
 */

export type Shape =
  | 'string'
  | 'number'
  | 'boolean'
  /** A string Date.parse reads. */
  | 'time'
  /** A time, or '' for never. */
  | 'time-or-empty'
  /** Anything at all (a member only passed on, never looked into). */
  | 'unknown'
  | {readonly array: Shape}
  /** An object whose every member has this shape (labels, options). */
  | {readonly record: Shape}
  | {readonly object: Readonly<Record<string, Shape | Optional>>}
  | {readonly nullable: Shape}
  /** A string of these values. */
  | {readonly oneOf: readonly string[]}

/** A member that may be absent (a file an older nerd wrote has none). */
export interface Optional {
  readonly optional: Shape
}

export const arrayOf = (shape: Shape): Shape => ({array: shape})
export const recordOf = (shape: Shape): Shape => ({record: shape})
export const objectOf = (members: Record<string, Shape | Optional>): Shape => ({object: members})
export const nullable = (shape: Shape): Shape => ({nullable: shape})
export const optional = (shape: Shape): Optional => ({optional: shape})
export const oneOf = (...values: string[]): Shape => ({oneOf: values})

function describe(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'object') return 'an object'
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`
  return `${typeof value === 'number' ? 'the number' : typeof value === 'boolean' ? 'the boolean' : typeof value} ${String(value)}`
}

function expected(shape: Shape): string {
  if (typeof shape === 'string') {
    if (shape === 'time' || shape === 'time-or-empty') return shape === 'time' ? 'a time' : "a time or ''"
    return shape === 'unknown' ? 'a value' : `a ${shape}`
  }
  if ('array' in shape) return 'an array'
  if ('nullable' in shape) return `${expected(shape.nullable)} or null`
  if ('oneOf' in shape) return `one of ${shape.oneOf.map((value) => JSON.stringify(value)).join(', ')}`
  return 'an object'
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function member(where: string, key: string | number): string {
  if (typeof key === 'number') return `${where}[${key}]`
  return where === '' ? key : `${where}.${key}`
}

/**
 * What in `value` does not fit `shape`, in words naming the member (`HostConfig.RestartPolicy is
 * missing`, `Args[1] is the number 5, not a string`); undefined when it fits.
 */
export function shapeMismatch(value: unknown, shape: Shape, where = ''): string | undefined {
  const wrong = () => `${where === '' ? 'the content' : where} is ${describe(value)}, not ${expected(shape)}`
  if (typeof shape === 'string') {
    switch (shape) {
      case 'unknown':
        return undefined
      case 'time-or-empty':
        return value === '' ? undefined : shapeMismatch(value, 'time', where)
      case 'time':
        return typeof value === 'string' && !Number.isNaN(Date.parse(value)) ? undefined : wrong()
      case 'number':
        return typeof value === 'number' && Number.isFinite(value) ? undefined : wrong()
      default:
        return typeof value === shape ? undefined : wrong()
    }
  }
  if ('nullable' in shape) return value === null ? undefined : shapeMismatch(value, shape.nullable, where)
  if ('oneOf' in shape) return typeof value === 'string' && shape.oneOf.includes(value) ? undefined : wrong()
  if ('array' in shape) {
    if (!Array.isArray(value)) return wrong()
    for (const [index, item] of value.entries()) {
      const mismatch = shapeMismatch(item, shape.array, member(where, index))
      if (mismatch) return mismatch
    }
    return undefined
  }
  if (!isObject(value)) return wrong()
  if ('record' in shape) {
    for (const [key, item] of Object.entries(value)) {
      const mismatch = shapeMismatch(item, shape.record, member(where, key))
      if (mismatch) return mismatch
    }
    return undefined
  }
  for (const [key, wanted] of Object.entries(shape.object)) {
    const present = Object.hasOwn(value, key) && value[key] !== undefined
    if (typeof wanted === 'object' && 'optional' in wanted) {
      if (!present) continue
      const mismatch = shapeMismatch(value[key], wanted.optional, member(where, key))
      if (mismatch) return mismatch
      continue
    }
    if (!present) return `${member(where, key)} is missing`
    const mismatch = shapeMismatch(value[key], wanted, member(where, key))
    if (mismatch) return mismatch
  }
  return undefined
}
