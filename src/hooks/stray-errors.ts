/**
 * What a plugin's code does outside the promise its hook returns: an error thrown from one of its
 * timers, a rejection nobody handles, a call of process.exit. Without this, node ended nerd with its
 * own report of a stack (or, for `process.exit(0)`, with success) halfway through the command's
 * work. Watched from the first hook call of a process on:
 *
 * - while a hook runs, such an error is that hook's failure (runner.ts), as if it had thrown;
 * - after a plugin's hook has returned, an error whose stack runs through the plugin's files is a
 *   warning naming the plugin: nerd's own work is not the plugin's timer's, and goes on;
 * - any other is nerd's own, and ends nerd as node would have;
 * - process.exit called from a plugin's files throws instead (PluginExitCall), which the above turn
 *   into the hook's failure or a warning; nerd's own calls exit as ever.
 */
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
  /** The plugin's root as a path and as a file URL (ES modules' frames), each with a trailing slash. */
  roots: string[]
  fail?: (error: unknown) => void
}

/** The hooks running now, the latest last. */
const running: HookCall[] = []
/** The last hook of each plugin that ran in this process, by plugin root. */
const returned = new Map<string, HookCall>()
const warned = new Set<string>()
let watching = false

/**
 * Watches the hook call of `plugin` (whose files are under `root`) for stray errors until `end()`;
 * `failure` rejects with the first one that is the hook's.
 */
export function watchHookCall(plugin: string, event: string, root: string): {failure: Promise<never>; end(): void} {
  watchProcess()
  const call: HookCall = {plugin, event, roots: [`${root}/`, `${pathToFileURL(root).href}/`]}
  const failure = new Promise<never>((_, reject) => (call.fail = reject))
  // Raced by the runner while the hook runs; never rejected after end().
  failure.catch(() => undefined)
  running.push(call)
  return {
    failure,
    end() {
      running.splice(running.indexOf(call), 1)
      call.fail = undefined
      returned.set(root, call)
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
    if (!pluginCallOf(new Error().stack ?? '')) return exit.apply(process, args)
    throw new PluginExitCall(args[0])
  } as typeof process.exit
}

function stray(error: unknown): void {
  const stack = stackOf(error)
  const call = pluginCallOf(stack) ?? running.at(-1)
  if (call?.fail) {
    call.fail(error)
    return
  }
  if (call) {
    const line = `plugin "${call.plugin}" failed after its ${call.event} hook returned: ${describeThrown(error)}`
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

/** The running hook, else the returned one, whose plugin's files the stack runs through (the deepest root first: a bundle's plugins lie inside it). */
function pluginCallOf(stack: string): HookCall | undefined {
  if (stack === '') return undefined
  let found: HookCall | undefined
  let foundLength = 0
  for (const call of [...returned.values(), ...running]) {
    for (const root of call.roots) {
      if (root.length >= foundLength && stack.includes(root)) {
        found = call
        foundLength = root.length
      }
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
