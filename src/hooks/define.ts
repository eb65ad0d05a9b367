import type {NerdHook, NerdHookEvent} from './types.ts'

/**
 * Types a hook by its event: `export default defineHook<'nerd:container:create'>(async (payload, ctx) => …)`.
 * It returns the function unchanged, so it is only of use to first-party plugins, which may import
 * nerd at run time; a plugin installed by users writes `const hook: NerdHook<'…'> = …` with
 * `import type` instead.
 */
export function defineHook<E extends NerdHookEvent>(hook: NerdHook<E>): NerdHook<E> {
  return hook
}
