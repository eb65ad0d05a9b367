/**
 * npm's output under oclif's installer, which prints all of it on stdout (npm's error lines too),
 * and fails with npm's whole command line and exit code when npm fails. Kept from the user, as
 * nerd's plugin commands print only their own lines (`plugins update` shows none of npm's either):
 * when npm fails, its reason is the error, in one line (as `plugins update` gives it).
 */
import type {Interfaces} from '@oclif/core'
import {installersOclif, NpmFailed} from './install-check.ts'
import {npmFailureReason, npmRegistryArgs, runNpm} from './update.ts'

/** Runs `install` (oclif's installer) keeping npm's output; `verbose` (`--verbose`, which asks for npm's output) shows it as it comes. */
export async function keepingNpmOutput<T>(config: Interfaces.Config, verbose: boolean, install: () => Promise<T>): Promise<T> {
  const print = installersOclif(config).ux.stdout
  const said: string[] = []
  try {
    return await redirectingInstallerOutput(
      config,
      (...args) => {
        said.push(Array.isArray(args[0]) ? args[0].join('\n') : String(args[0] ?? ''))
        if (verbose) print(...args)
      },
      install,
    )
  } catch (error) {
    if (!(error instanceof Error)) throw error
    // oclif's spawn: `<node> <npm-cli.js> install … exited with code N`.
    const exit = /^\S+ \S*npm-cli\.js .* exited with code (\S+)$/.exec(error.message)
    if (exit) throw new NpmFailed(npmFailureReason(said.join('\n')) ?? `npm exited with code ${exit[1]}`, {cause: error})
    const unfound = /^(\S+) does not exist in the registry\.$/.exec(error.message)?.[1]
    const lookupFailure = unfound === undefined ? undefined : await registryLookupFailure(config, unfound)
    if (lookupFailure !== undefined) throw new NpmFailed(lookupFailure, {cause: error})
    throw error
  }
}

/**
 * Runs `work` (a command of oclif's installer) with what it prints on stdout, its own lines and
 * npm's output, given to `sink` instead.
 */
export async function redirectingInstallerOutput<T>(config: Interfaces.Config, sink: ReturnType<typeof installersOclif>['ux']['stdout'], work: () => Promise<T>): Promise<T> {
  const {ux} = installersOclif(config)
  const print = ux.stdout
  ux.stdout = sink
  try {
    return await work()
  } finally {
    ux.stdout = print
  }
}

/**
 * oclif says a package "does not exist in the registry" whatever its `npm view` failed of (an
 * unreachable registry, a refused login): npm's reason when it is not that the registry has no such
 * package. Asked once, without npm's retries, which oclif's lookup has already sat through.
 */
async function registryLookupFailure(config: Interfaces.Config, name: string): Promise<string | undefined> {
  const {code, stderr} = await runNpm(['view', name, 'name', '--loglevel=error', '--fetch-retries=0', ...npmRegistryArgs(config)], config.dataDir, false)
  if (code === 0 || /^npm (?:error|ERR!) code E404$/m.test(stderr)) return undefined
  return npmFailureReason(stderr)
}
