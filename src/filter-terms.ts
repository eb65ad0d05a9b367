/**
 * docker's `-f/--filter` values, read as docker's FilterOpt reads them: an empty value is no filter
 * (scripts pass `-f "$F"` with F unset), a value without `=` is refused, name and value are trimmed
 * and the name lower-cased. What a name means, and which are known, is each command's own. Apart
 * from the flag (filter-flag.ts) so that the helpers containerd starts do not load oclif with it.
 */
import {NerdError} from './errors.ts'

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
