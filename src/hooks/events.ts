import type {NerdHookEvent} from './types.ts'

/** Names of the events nerd fires for plugins; declare hooks for them under `oclif.hooks`. */
export const HOOK_IMAGE_RESOLVE = 'nerd:image:resolve'
export const HOOK_IMAGE_VERIFY = 'nerd:image:verify'
export const HOOK_IMAGE_UNPACK = 'nerd:image:unpack'
export const HOOK_IMAGE_CONVERT = 'nerd:image:convert'
export const HOOK_IMAGE_PUSH = 'nerd:image:push'
export const HOOK_IMAGE_PUSHED = 'nerd:image:pushed'
export const HOOK_CONTAINER_CREATE = 'nerd:container:create'
export const HOOK_CONTAINER_START = 'nerd:container:start'
export const HOOK_NETWORK_SETUP = 'nerd:network:setup'
export const HOOK_NETWORK_READY = 'nerd:network:ready'
export const HOOK_NETWORK_TEARDOWN = 'nerd:network:teardown'

/** Every event, for checking the names plugins declare. */
export const NERD_HOOK_EVENTS: readonly NerdHookEvent[] = [
  HOOK_IMAGE_RESOLVE,
  HOOK_IMAGE_VERIFY,
  HOOK_IMAGE_UNPACK,
  HOOK_IMAGE_CONVERT,
  HOOK_IMAGE_PUSH,
  HOOK_IMAGE_PUSHED,
  HOOK_CONTAINER_CREATE,
  HOOK_CONTAINER_START,
  HOOK_NETWORK_SETUP,
  HOOK_NETWORK_READY,
  HOOK_NETWORK_TEARDOWN,
]
