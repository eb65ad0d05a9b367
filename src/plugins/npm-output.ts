/**
 * npm's output under oclif's installer, which prints all of it on stdout (npm's error lines too),
 * and fails with npm's whole command line and exit code when npm fails. Held back while plugins are
 * installed, and printed unless npm failed: then npm's reason is the error, in one line (as
 * `plugins update` gives it), and the rest goes.
 */
import type {Interfaces} from '@oclif/core'
import {installersOclif, NpmFailed} from './install-check.ts'
import {npmFailureReason} from './update.ts'

/**
 * Runs `install` (oclif's installer) holding npm's output back; `verbose` (`--verbose`, which asks
 * for npm's output) shows it as it comes all the same.
 */
export async function holdingNpmOutput<T>(config: Interfaces.Config, verbose: boolean, install: () => Promise<T>): Promise<T> {
  const {ux} = installersOclif(config)
  const print = ux.stdout
  const held: Parameters<typeof print>[] = []
  const said: string[] = []
  ux.stdout = (...args: Parameters<typeof print>) => {
    said.push(Array.isArray(args[0]) ? args[0].join('\n') : String(args[0] ?? ''))
    if (verbose) print(...args)
    else held.push(args)
  }
  let failed = false
  try {
    return await install()
  } catch (error) {
    // oclif's spawn: `<node> <npm-cli.js> install … exited with code N`.
    const exit = error instanceof Error ? /^\S+ \S*npm-cli\.js .* exited with code (\S+)$/.exec(error.message) : null
    if (!exit) throw error
    failed = true
    throw new NpmFailed(npmFailureReason(said.join('\n')) ?? `npm exited with code ${exit[1]}`, {cause: error})
  } finally {
    ux.stdout = print
    if (!failed) for (const args of held) print(...args)
  }
}
