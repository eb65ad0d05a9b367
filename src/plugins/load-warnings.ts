/**
 * oclif reports a plugin it cannot load (a bundled plugin missing, a command module that does not
 * import) with process.emitWarning: an object dump of dozens of lines, on every command, for as
 * long as the plugin stays. nerd makes that one line naming the plugin, and keeps a command
 * module's failure for when that command is run (commandLoadFailure): the other commands do not
 * need it. Its warning of a manifest of another version than the package's is install's and link's
 * to give, once.
 */
import {dirname, join} from 'node:path'
import {listedPlugins, unparsablePackage, whyNotLoaded} from './listed-plugins.ts'

export interface CommandLoadFailure {
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
      if (heldLines) heldLines.push(line)
      else process.stderr.write(`WARNING: ${line}\n`)
    }
  } as typeof process.emitWarning
}

/** The lines held back while plugins are installed (holdingPluginLoadWarnings); undefined when none are. */
let heldLines: string[] | undefined

/**
 * Runs `install` (oclif's installer) holding the lines back: it loads each plugin it installed, and
 * oclif warns of what it cannot load in one (a manifest that does not parse) before nerd's check
 * refuses it with the reason. The check prints them for a plugin it keeps and drops them for one it
 * refuses (releasePluginLoadWarnings); those of an install that failed, which its error explains, go too.
 */
export async function holdingPluginLoadWarnings<T>(install: () => Promise<T>): Promise<T> {
  heldLines = []
  try {
    return await install()
  } finally {
    heldLines = undefined
  }
}

/** Prints the lines held back (`keep`: the plugin installed stays) or drops them (it was refused). */
export function releasePluginLoadWarnings(keep: boolean): void {
  if (keep) for (const line of heldLines ?? []) process.stderr.write(`WARNING: ${line}\n`)
  if (heldLines) heldLines = []
}

/** Why the command `id` (oclif's, `bad:syntax`) could not be loaded from its plugin, if that is why it is missing. */
export function commandLoadFailure(id: string): CommandLoadFailure | undefined {
  return commandFailures.get(id)
}

/** The first (by id) of the commands under the topic `topic` (`bad`) that could not be loaded, with its id. */
export function commandLoadFailureUnder(topic: string): (CommandLoadFailure & {id: string}) | undefined {
  const [id] = [...commandFailures.keys()].filter((each) => each.startsWith(`${topic}:`)).sort()
  return id === undefined ? undefined : {...commandFailures.get(id)!, id}
}

/**
 * The line to print for one of oclif's plugin warnings ('' when nothing is printed now), undefined
 * for other warnings. oclif passes the error either alone or after its name, its `detail` naming
 * the plugin and the task.
 */
function pluginLoadWarning(warning: unknown, second: unknown): string | undefined {
  // A manifest of another version than its package's, which oclif ignores (it scans the commands
  // instead) and warns of in three lines on every command: install and link say so in a line of
  // nerd's (pluginWarnings), and the plugin works.
  if (typeof warning === 'string' && /^Mismatched version in .+ plugin manifest\./.test(warning)) return ''
  const error = warning instanceof Error ? warning : second instanceof Error ? second : undefined
  const detail = (error as {detail?: unknown} | undefined)?.detail
  if (!error || typeof detail !== 'string') return undefined
  const plugin = /^plugin: (.+)$/m.exec(detail)?.[1]
  if (plugin === undefined) return undefined
  const reason = error.message.split('\n', 1)[0]!.trim()
  // A user's plugin whose package.json does not parse: oclif's detail names the CLI's own root.
  const unparsable = error instanceof SyntaxError ? unparsablePluginPackage(error.message) : undefined
  if (unparsable) return `plugin "${unparsable.name}" cannot be loaded: ${unparsable.file}: ${reason}`
  const command = /^task: findCommand \((.+)\)$/m.exec(detail)?.[1]
  if (command !== undefined) {
    commandFailures.set(command, {plugin, reason})
    return ''
  }
  // A plugin oclif looked for and did not find: its options are in the message, the plugin that
  // wanted it in their root (the data directory's package.json for one the user installed). oclif
  // says the same of a package.json that is there and does not parse.
  const notFound = /^could not find package\.json with \{[^]*?\bname: '([^']+)'[^]*?\broot: '([^']+)'/.exec(error.message)
  if (notFound) {
    const [, name, root] = notFound as unknown as [string, string, string]
    const wantedBy = /node_modules\/((?:@[^/]+\/)?[^/]+)\/?$/.exec(root)?.[1]
    const directory = join(root.endsWith('/package.json') ? dirname(root) : root, 'node_modules', name)
    if (wantedBy === undefined) return `plugin "${name}" cannot be loaded: ${whyNotLoaded(directory)}`
    const unparsable = unparsablePackage(directory)
    return `plugin "${name}" of "${wantedBy}" cannot be loaded: ${unparsable ? `${unparsable.file}: ${unparsable.reason}` : 'it is not installed with it'}`
  }
  return `plugin "${plugin}" cannot be loaded: ${reason}`
}

/**
 * The installed or linked plugin (as the data directory lists them) whose package.json fails to
 * parse with `message`. Read only when oclif has reported such a failure.
 */
function unparsablePluginPackage(message: string): {name: string; file: string} | undefined {
  for (const {name, directory} of listedPlugins()) {
    const unparsable = unparsablePackage(directory)
    if (unparsable?.reason === message) return {name, file: unparsable.file}
  }
  return undefined
}
