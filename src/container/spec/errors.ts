import {NerdError, EXIT_NERD_FAILED} from '../../errors.ts'

/** A user error found while building a container's spec: docker reports these before any process starts. */
export function specError(message: string): NerdError {
  return new NerdError(message, {exitCode: EXIT_NERD_FAILED})
}
