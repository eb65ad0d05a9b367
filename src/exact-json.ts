/**
 * JSON whose integers may be 64-bit, as the OCI spec's rlimits and seccomp arguments are (unlimited is
 * 2^64-1). A JavaScript number holds integers exactly only up to 2^53: JSON.parse would round
 * 18446744073709551615 to 18446744073709552000, which runc then refuses as a uint64. Such integers
 * are bigints here, read from their source text and written back as the same literals.
 */

/** `JSON.rawJSON` (Node >= 21), missing from TypeScript's ES2023 library. */
const rawJSON = (JSON as unknown as {rawJSON(text: string): unknown}).rawJSON

/** The reviver's third argument (Node >= 21): the source text of a primitive value. */
type ReviverContext = {source?: string}

const INTEGER_LITERAL = /^-?\d+$/

/** JSON.parse, with integer literals beyond 2^53 as exact bigints. */
export function parseExactJson(text: string): unknown {
  const reviver = (_key: string, value: unknown, context?: ReviverContext): unknown =>
    typeof value === 'number' && !Number.isSafeInteger(value) && context?.source !== undefined && INTEGER_LITERAL.test(context.source) ? BigInt(context.source) : value
  return JSON.parse(text, reviver as (key: string, value: unknown) => unknown)
}

/** JSON.stringify, with bigints written as exact integer literals. */
export function stringifyExactJson(value: unknown, indent?: number): string {
  return JSON.stringify(value, (_key, member: unknown) => (typeof member === 'bigint' ? rawJSON(member.toString()) : member), indent)
}
