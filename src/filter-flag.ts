/**
 * docker's `-f/--filter` flag of every command that has one (ps, images, volume/network ls, events,
 * the prunes); its values are read by filter-terms.ts.
 */
import * as Flags from '@oclif/core/flags'
import {RefusedFlagValue} from './errors.ts'
import {filterTerms} from './filter-terms.ts'

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
