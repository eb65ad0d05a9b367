import {NerdError} from '../errors.ts'

/**
 * docker's `--disable-content-trust` (pull, push, run, create) is true unless Docker Content Trust is
 * asked for. Scripts pass it, so nerd takes it; nerd verifies no such signatures, so asking for
 * them fails rather than pretending.
 */
export function requireContentTrustDisabled(disabled: boolean | undefined, exitCode = 1): void {
  if (disabled === false) throw new NerdError('nerd does not verify Docker Content Trust signatures: --disable-content-trust=false is not supported', {exitCode})
}
