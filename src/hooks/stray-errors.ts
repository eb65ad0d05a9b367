/**
 * What a plugin's code does outside the promise its hook returns: an error thrown from one of its
 * timers, a rejection nobody handles, a call of process.exit. Without this, node ended nerd with its
 * own report of a stack (or, for `process.exit(0)`, with success) halfway through the command's
 * work. Watched from the first hook call of a process on. Each hook call runs in an async context of
 * its own, which the timers, sockets and promises it makes keep, so such an error is told by it:
 *
 * - while the hook runs, it is the hook's failure (runner.ts), as if it had thrown;
 * - after the hook has returned, it is a warning naming the hook: nerd's own work (another hook of
 *   the same plugin's included) is not the plugin's timer's, and goes on;
 * - outside any hook's context, an error whose stack runs through a plugin's files is a warning
 *   naming the plugin alone: which of its hooks left it cannot be known;
 * - any other is nerd's own, and ends nerd as node would have;
 * - process.exit called from a plugin's files throws instead (PluginExitCall), which the above turn
 *   into the hook's failure or a warning; nerd's own calls exit as ever.
 */
import {AsyncLocalStorage} from 'node:async_hooks'
import {pathToFileURL} from 'node:url'
import {describeThrown} from './errors.ts'

/** What a plugin's call of process.exit throws. */
export class PluginExitCall extends Error {
  constructor(code: unknown) {
    super(`called process.exit(${code === undefined ? '' : describeThrown(code)})`)
    this.name = 'PluginExitCall'
  }
}

interface HookCall {
  plugin: string
  event: string
  /** Set while the hook runs. */
  fail?: (error: unknown) => void
}

/** The hook call whose work this is. */
const hookCalls = new AsyncLocalStorage<HookCall>()
/** The plugins whose hooks ran in this process, by root as a path and as a file URL (ES modules' frames), each with a trailing slash. */
const pluginRoots = new Map<string, string>()
const warned = new Set<string>()
let watching = false

/**
 * Watches the hook call of `plugin` (whose files are under `root`) for stray errors until `end()`:
 * `within` runs the hook's work in the call's context; `failure` rejects with the first stray error
 * of that work while it runs.
 */
export function watchHookCall(plugin: string, event: string, root: string): {within<T>(work: () => T): T; failure: Promise<never>; end(): void} {
  watchProcess()
  pluginRoots.set(`${root}/`, plugin)
  pluginRoots.set(`${pathToFileURL(root).href}/`, plugin)
  const call: HookCall = {plugin, event}
  const failure = new Promise<never>((_, reject) => (call.fail = reject))
  // Raced by the runner while the hook runs; never rejected after end().
  failure.catch(() => undefined)
  return {
    within: (work) => hookCalls.run(call, work),
    failure,
    end() {
      call.fail = undefined
    },
  }
}

function watchProcess(): void {
  if (watching) return
  watching = true
  process.on('uncaughtException', stray)
  process.on('unhandledRejection', stray)
  const exit = process.exit
  process.exit = function (...args: [code?: number | string | null]): never {
    // Not a plugin's call: nerd's own exits as ever (without a code, with process.exitCode: node
    // tells the two apart by the number of arguments).
    if (pluginOf(new Error().stack ?? '') === undefined) return exit.apply(process, args)
    throw new PluginExitCall(args[0])
  } as typeof process.exit
}

function stray(error: unknown): void {
  const call = hookCalls.getStore()
  if (call?.fail) {
    call.fail(error)
    return
  }
  const plugin = call?.plugin ?? pluginOf(stackOf(error))
  if (plugin !== undefined) {
    const line = `plugin "${plugin}" failed ${call ? `after its ${call.event} hook returned` : 'outside its hooks'}: ${describeThrown(error)}`
    if (!warned.has(line)) process.stderr.write(`WARNING: ${line}\n`)
    warned.add(line)
    return
  }
  // nerd's own: node's report, and its exit.
  process.off('uncaughtException', stray)
  process.off('unhandledRejection', stray)
  process.nextTick(() => {
    throw error
  })
}

/** The plugin whose files the stack runs through (the deepest root: a bundle's plugins lie inside it). */
function pluginOf(stack: string): string | undefined {
  if (stack === '') return undefined
  let found: string | undefined
  let foundLength = 0
  for (const [root, plugin] of pluginRoots) {
    if (root.length > foundLength && stack.includes(root)) {
      found = plugin
      foundLength = root.length
    }
  }
  return found
}

function stackOf(error: unknown): string {
  try {
    const stack = typeof error === 'object' && error !== null ? (error as {stack?: unknown}).stack : undefined
    return typeof stack === 'string' ? stack : ''
  } catch {
    return ''
  }
}
