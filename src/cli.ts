import {splitGlobalArgs} from './config/index.ts'
import {connectEarly, exitIfWorkWasAbandoned, setGlobalFlags, takeEarlyConnection} from './context.ts'
import {packageRoot} from './paths.ts'
import {NerdError} from './errors.ts'
import {isVersionRequest, versionBanner} from './version-banner.ts'

/**
 * Runs nerd with the process's argv (without node and script). Global options are lifted out first
 * because oclif takes argv[0] as the command id (`nerd -n k8s.io ps`).
 */
export async function main(argv: string[]): Promise<void> {
  let debug = false
  let commandWords: string[] = []
  try {
    const {globals, rest} = splitGlobalArgs(argv)
    debug = Boolean(globals.debug || globals.debugFull)
    commandWords = rest.filter((word) => !word.startsWith('-'))
    setGlobalFlags(globals)
    if (isVersionRequest(rest)) {
      process.stdout.write(versionBanner())
      return
    }
    // oclif's subpath modules, not its index: the index evaluates every part of oclif at start-up.
    const [{run}, {flush}] = await Promise.all([import('@oclif/core/run'), import('@oclif/core/flush')])
    if (talksToContainerd(commandWords)) connectEarly()
    const argvForOclif = rest[0]?.startsWith('plugins') ? await (await import('./plugins/local-install.ts')).rewriteLocalPluginInstall(rest) : rest
    try {
      await run(argvForOclif, packageRoot)
    } finally {
      // Not taken (help, a usage error): closed, or it would keep nerd running.
      await takeEarlyConnection()?.then((client) => client.close(), () => undefined)
    }
    await flush()
  } catch (error) {
    process.exitCode = reportError(error, debug, commandWords)
  }
  // The command's result or error is out: a hook that outlived its time limit does not hold nerd.
  exitIfWorkWasAbandoned()
}

/** Commands that never call containerd (or call it only sometimes) do not pay for an early connection. */
const WITHOUT_CONTAINERD = new Set(['help', 'plugins', 'network', 'volume', 'login', 'logout', 'autocomplete'])

function talksToContainerd(commandWords: string[]): boolean {
  const [first] = commandWords
  return first !== undefined && !WITHOUT_CONTAINERD.has(first.split(':')[0]!)
}

interface OclifLikeError extends Error {
  oclif?: {exit?: number}
  code?: string
  flags?: string[]
  parse?: {input?: {context?: {id?: string}; args?: Record<string, {required?: boolean}>; strict?: boolean}}
}

/** Prints one line (plus a usage hint for usage errors) and returns the exit code, as docker does. */
function reportError(error: unknown, debug: boolean, commandWords: string[]): number {
  const err = (error instanceof Error ? error : new Error(String(error))) as OclifLikeError
  if (err.code === 'EEXIT') return err.oclif?.exit ?? 0
  if (debug && err.stack) process.stderr.write(`${err.stack}\n`)

  const kind = err.constructor?.name
  const commandHelp = (id: string) => `See 'nerd ${id} --help'.`
  if (err instanceof NerdError) {
    process.stderr.write(`Error: ${err.message}\n`)
    if (err.usageOf) process.stderr.write(`${commandHelp(err.usageOf)}\n`)
    return err.exitCode
  }
  const notFound = /^command (\S+) not found$/.exec(err.message)
  if (notFound) {
    process.stderr.write(`unknown command: nerd ${notFound[1].replaceAll(':', ' ')}\nRun 'nerd --help' for more information\n`)
    return 1
  }
  const commandId = err.parse?.input?.context?.id?.replaceAll(':', ' ') ?? commandWords[0] ?? 'nerd'
  if (kind === 'NonExistentFlagsError') {
    process.stderr.write(`unknown flag: ${err.flags?.join(', ')}\n${commandHelp(commandId)}\n`)
    return 125
  }
  if (kind === 'RequiredArgsError' || kind === 'UnexpectedArgsError') {
    process.stderr.write(`"nerd ${commandId}" ${argumentCountRule(err)}.\n${commandHelp(commandId)}\n`)
    return 1
  }
  if (kind?.endsWith('ArgsError') || kind?.includes('Flag')) {
    process.stderr.write(`Error: ${firstLine(err.message)}\n${commandHelp(commandId)}\n`)
    return 1
  }
  process.stderr.write(`Error: ${firstLine(err.message)}\n`)
  return typeof err.oclif?.exit === 'number' ? err.oclif.exit : 1
}

/** docker's words for a command's arguments: `requires exactly 2 arguments`, `at least 1`, `at most 1`, `at least 1 and at most 2`. */
function argumentCountRule(err: OclifLikeError): string {
  const args = Object.values(err.parse?.input?.args ?? {})
  const required = args.filter((arg) => arg.required).length
  const most = args.length
  const plural = (count: number) => `${count} argument${count === 1 ? '' : 's'}`
  if (err.parse?.input?.strict === false) return `requires at least ${plural(required)}`
  if (most === required) return `requires exactly ${plural(required)}`
  if (required === 0) return `requires at most ${plural(most)}`
  return `requires at least ${required} and at most ${plural(most)}`
}

function firstLine(text: string): string {
  return text.split('\n', 1)[0].trim()
}
