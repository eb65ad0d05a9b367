/**
 * oclif reports a plugin it cannot load (a bundled plugin missing, a command module that does not
 * import) with process.emitWarning: an object dump of dozens of lines, on every command, for as
 * long as the plugin stays. nerd makes that one line naming the plugin, and keeps a command
 * module's failure for when that command is run (commandLoadFailure): the other commands do not
 * need it.
 */

interface CommandLoadFailure {
  plugin: string
  reason: string
}

const commandFailures = new Map<string, CommandLoadFailure>()
const told = new Set<string>()

/** Installs the filter; with `debug`, oclif's own report is printed too. */
export function shortenPluginLoadWarnings(debug: boolean): void {
  const emitWarning = process.emitWarning
  process.emitWarning = function (warning: string | Error, ...rest: unknown[]) {
    const line = pluginLoadWarning(warning, rest[0])
    if (line === undefined || debug) emitWarning.call(process, warning, ...(rest as []))
    if (line && !told.has(line)) {
      told.add(line)
      process.stderr.write(`WARNING: ${line}\n`)
    }
  } as typeof process.emitWarning
}

/** Why the command `id` (oclif's, `bad:syntax`) could not be loaded from its plugin, if that is why it is missing. */
export function commandLoadFailure(id: string): CommandLoadFailure | undefined {
  return commandFailures.get(id)
}

/**
 * The line to print for one of oclif's plugin warnings ('' when it is kept for later), undefined
 * for other warnings. oclif passes the error either alone or after its name, its `detail` naming
 * the plugin and the task.
 */
function pluginLoadWarning(warning: unknown, second: unknown): string | undefined {
  const error = warning instanceof Error ? warning : second instanceof Error ? second : undefined
  const detail = (error as {detail?: unknown} | undefined)?.detail
  if (!error || typeof detail !== 'string') return undefined
  const plugin = /^plugin: (.+)$/m.exec(detail)?.[1]
  if (plugin === undefined) return undefined
  const reason = error.message.split('\n', 1)[0]!.trim()
  const command = /^task: findCommand \((.+)\)$/m.exec(detail)?.[1]
  if (command !== undefined) {
    commandFailures.set(command, {plugin, reason})
    return ''
  }
  // A plugin oclif looked for and did not find: its options are in the message, the plugin that
  // wanted it in their root.
  const notFound = /^could not find package\.json with \{[^]*?\bname: '([^']+)'[^]*?\broot: '([^']+)'/.exec(error.message)
  if (notFound) {
    const wantedBy = /node_modules\/((?:@[^/]+\/)?[^/]+)\/?$/.exec(notFound[2]!)?.[1]
    return wantedBy
      ? `plugin "${notFound[1]}" of "${wantedBy}" cannot be loaded: it is not installed with it`
      : `plugin "${notFound[1]}" cannot be loaded: its package is not found`
  }
  return `plugin "${plugin}" cannot be loaded: ${reason}`
}
