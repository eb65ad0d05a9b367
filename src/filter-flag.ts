/**
 * docker's `-f/--filter` flag of every command that has one (ps, images, volume/network ls, events,
 * the prunes), read as docker's FilterOpt reads it: an empty value is no filter (scripts pass
 * `-f "$F"` with F unset), a value without `=` is the flag's error, name and value are trimmed and
 * the name lower-cased. What a name means, and which are known, is each command's own.
 */
import * as Flags from '@oclif/core/flags'
import {NerdError, RefusedFlagValue} from './errors.ts'

const BAD_FORMAT = 'bad format of filter (expected name=value)'

export interface FilterTerm {
  key: string
  value: string
}

/** The terms of `--filter` values, in the order given; refused values throw BAD_FORMAT. */
export function filterTerms(texts: readonly string[]): FilterTerm[] {
  return texts.flatMap((text) => {
    if (text === '') return []
    const equals = text.indexOf('=')
    if (equals === -1) throw new NerdError(BAD_FORMAT)
    return [{key: text.slice(0, equals).trim().toLowerCase(), value: text.slice(equals + 1).trim()}]
  })
}

/**
 * A boolean filter's values as docker's GetBoolOrDefault reads them: `true` or `1`, `false` or `0`;
 * neither, or both, refused in its words. Undefined when no value is given.
 */
export function booleanFilter(key: string, values: readonly string[]): boolean | undefined {
  const distinct = [...new Set(values)]
  if (distinct.length === 0) return undefined
  const isFalse = distinct.includes('0') || distinct.includes('false')
  const isTrue = distinct.includes('1') || distinct.includes('true')
  if (isFalse === isTrue) throw new NerdError(`invalid filter '${key}=[${distinct.join(' ')}]'`)
  return isTrue
}

/**
 * The flag, whose values stay as typed for the command's filterTerms: a bad one is refused while
 * flags are parsed, so that it is pflag's `invalid argument "x" for "-f, --filter" flag`, exit 125.
 */
export function filterFlag(options: {char?: 'f'; description: string}) {
  return Flags.string({
    ...options,
    multiple: true,
    parse: async (text) => {
      try {
        filterTerms([text])
      } catch (error) {
        throw new RefusedFlagValue(text, (error as Error).message)
      }
      return text
    },
  })
}
