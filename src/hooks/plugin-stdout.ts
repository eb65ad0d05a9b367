import {AsyncLocalStorage} from 'node:async_hooks'

/** Set in the async context of a plugin's code: its hooks (and what they leave running), the import of its modules. */
const pluginCode = new AsyncLocalStorage<true>()
let diverting = false

/**
 * Runs `work`, a call into plugins' code, with what that code writes to stdout (console.log,
 * process.stdout.write) sent to stderr: stdout is the command's output, which scripts parse
 * (`run -d`'s ID, `pull -q`, `ps --format json`), as docker's CLI prints its plugins' hook
 * messages on stderr. A plugin's own command runs outside: its stdout is its output.
 */
export function asPluginCode<T>(work: () => T): T {
  divertPluginStdout()
  return pluginCode.run(true, work)
}

function divertPluginStdout(): void {
  if (diverting) return
  diverting = true
  const write = process.stdout.write
  // The stream's own method is replaced: console.log writes through it too.
  process.stdout.write = function (...args: Parameters<typeof write>) {
    return pluginCode.getStore() ? process.stderr.write(...(args as Parameters<typeof process.stderr.write>)) : write.apply(process.stdout, args)
  } as typeof write
}
