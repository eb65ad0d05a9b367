/**
 * An error nerd reports to the user as one line, exiting with `exitCode`.
 * Domain code throws these; the entry point prints `message` without a stack trace
 * (the stack is shown with --debug).
 */
export class NerdError extends Error {
  readonly exitCode: number
  /** Command id whose help the user should look at, for usage errors (`Run 'nerd run --help' for more information`). */
  readonly usageOf?: string

  constructor(message: string, options: {exitCode?: number; usageOf?: string; cause?: unknown} = {}) {
    super(message, {cause: options.cause})
    this.name = 'NerdError'
    this.exitCode = options.exitCode ?? 1
    this.usageOf = options.usageOf
  }
}

/** A name or ID as docker's client sends it to the daemon (client/utils.go trimID): trimmed, refused when nothing is left. */
export function trimmedId(objectType: string, id: string): string {
  const trimmed = id.trim()
  if (trimmed === '') throw new NerdError(`invalid ${objectType} name or ID: value is empty`)
  return trimmed
}

/** Docker's exit codes for run/create/exec: nerd failed before the container's process started. */
export const EXIT_NERD_FAILED = 125
/** The command exists but cannot be executed (permission denied, a directory). */
export const EXIT_NOT_EXECUTABLE = 126
/** The command was not found in the container. */
export const EXIT_NOT_FOUND = 127

/**
 * A flag value docker's parser (pflag) refuses, in pflag's words: printed as docker prints them
 * (no "Error:", then `Run 'nerd X --help' for more information` for the command, `usageOf`, or the one typed), exit 125
 * on every command.
 */
export class FlagError extends NerdError {
  constructor(message: string, usageOf?: string) {
    super(message, {exitCode: EXIT_NERD_FAILED, usageOf})
    this.name = 'FlagError'
  }
}

/** An error docker's CLI prints as it is, without `Error: ` (`Unable to parse logging level: foo`). */
export class UnprefixedError extends NerdError {
  constructor(message: string) {
    super(message)
    this.name = 'UnprefixedError'
  }
}

/**
 * A flag's value that docker's CLI refuses after reading it (an --env-file it cannot read or parse):
 * printed as nerd's other errors, exit 125 on every command, `create` included, since docker's CLI
 * refuses it before the daemon is asked for anything.
 */
export class FlagValueError extends NerdError {
  constructor(message: string) {
    super(message, {exitCode: EXIT_NERD_FAILED})
    this.name = 'FlagValueError'
  }
}

/**
 * pflag's error for a flag nobody defines: `unknown flag: --bogus`, or for a short one typed in the
 * group `typed`, the first character nobody defines with what of the group is left from it, as
 * pflag has read the letters before it (`'Z' in -Zq` for `-aZq`).
 */
export function unknownFlag(typed: string, usageOf?: string, char = typed[1]!): FlagError {
  const message = typed.startsWith('--') ? `unknown flag: ${typed.split('=', 1)[0]}` : `unknown shorthand flag: '${char}' in -${typed.slice(typed.indexOf(char, 1))}`
  return new FlagError(message, usageOf)
}

/** pflag's error for a flag at the end of argv: `--network`, or the short flag wanting it in `-dp`. */
export function flagNeedsArgument(typed: string, usageOf?: string): FlagError {
  const message = typed.startsWith('--') ? `flag needs an argument: ${typed}` : `flag needs an argument: '${typed.at(-1)}' in -${typed.at(-1)}`
  return new FlagError(message, usageOf)
}

/** pflag's error for a value the flag's type refuses; `flag` as pflag names it (`-n, --last`, `--cpus`). */
export function invalidFlagArgument(value: string, flag: string, reason: string, usageOf?: string): FlagError {
  return new FlagError(`invalid argument ${JSON.stringify(value)} for "${flag}" flag: ${reason}`, usageOf)
}

/**
 * What a flag's own parse (an oclif `parse`) throws for a value it refuses: oclif rewrites the
 * message (`Parsing --filter ...`) but keeps the error, whose value is the one pflag would name
 * (the last typed may be another).
 */
export class RefusedFlagValue extends Error {
  readonly value: string

  constructor(value: string, reason: string) {
    super(reason)
    this.name = 'RefusedFlagValue'
    this.value = value
  }
}

/**
 * A file of nerd's state that cannot be used: not JSON, empty, or not of the shape nerd wrote
 * (json-shape.ts). Its message names the file, for the user to see which one to fix or remove.
 */
export class InvalidFileError extends NerdError {
  readonly path: string

  /** `what` the file is to nerd (`container record`, `volume record`, `network config`). */
  constructor(what: string, path: string, reason: string) {
    super(`invalid ${what} ${path}: ${reason}`)
    this.name = 'InvalidFileError'
    this.path = path
  }
}
