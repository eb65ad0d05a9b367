/**
 * nerd's stable entry for plugin authors (`import type {...} from 'nerd/sdk'`): the hook events,
 * their payload and result types, and the helpers a hook module may use at run time.
 */
export * from './hooks/index.ts'
export {NerdError} from './errors.ts'
