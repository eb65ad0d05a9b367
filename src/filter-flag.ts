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
