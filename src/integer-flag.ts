/**
 * An integer flag read as pflag's IntVar reads it (strconv.ParseInt): oclif's own takes
 * 99999999999999999999 as 1e20 and 9007199254740993 as 9007199254740992 without a word. A value a
 * number cannot hold exactly (beyond 2^53; Go's int goes to 2^63) is refused in ParseInt's words for
 * a value out of range; a malformed one as oclif's integer flag refuses it (flag-errors.ts).
 */
import * as Flags from '@oclif/core/flags'
import {CLIError} from '@oclif/core/errors'
import {RefusedFlagValue} from './errors.ts'

export const integerFlag = Flags.custom<number, {min?: number}>({
  parse: async (text, _context, options) => {
    if (!/^-?\d+$/.test(text)) throw new CLIError(`Expected an integer but received: ${text}`)
    const value = Number(text)
    if (!Number.isSafeInteger(value)) throw new RefusedFlagValue(text, `strconv.ParseInt: parsing ${JSON.stringify(text)}: value out of range`)
    if (options.min !== undefined && value < options.min) throw new CLIError(`Expected an integer greater than or equal to ${options.min} but received: ${text}`)
    return value
  },
})
