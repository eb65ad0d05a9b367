/**
 * An error nerd reports to the user as one line, exiting with `exitCode`.
 * Domain code throws these; the entry point prints `message` without a stack trace
 * (the stack is shown with --debug).
 */
export class NerdError extends Error {
  readonly exitCode: number
  /** Command id whose help the user should look at, for usage errors (`See 'nerd run --help'.`). */
  readonly usageOf?: string

  constructor(message: string, options: {exitCode?: number; usageOf?: string; cause?: unknown} = {}) {
    super(message, {cause: options.cause})
    this.name = 'NerdError'
    this.exitCode = options.exitCode ?? 1
    this.usageOf = options.usageOf
  }
}

/** Docker's exit codes for run/create/exec: nerd failed before the container's process started. */
export const EXIT_NERD_FAILED = 125
/** The command exists but cannot be executed (permission denied, a directory). */
export const EXIT_NOT_EXECUTABLE = 126
/** The command was not found in the container. */
export const EXIT_NOT_FOUND = 127
