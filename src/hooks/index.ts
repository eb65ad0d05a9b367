/**
 * nerd's plugin hooks: the contract plugins write against (types, event names, API version,
 * defineHook) and the runner nerd and its first-party plugins fire events with.
 */
export type * from './types.ts'
export * from './events.ts'
export {HOOK_API_VERSION, hookApiIncompatibility} from './version.ts'
export {HookError} from './errors.ts'
export {defineHook} from './define.ts'
export {DEFAULT_HOOK_ORDER, DEFAULT_HOOK_TIMEOUT_MS} from './discovery.ts'
export {runNerdHook} from './runner.ts'
export type {HookOutput, NerdHookOutcomes, NotifyOutcome, RegisteredConversion, RunNerdHookOptions, Verification} from './runner.ts'
