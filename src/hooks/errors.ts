import {NerdError} from '../errors.ts'

/**
 * A plugin's hook failed, was refused or returned something unusable. The message is one line that
 * names the plugin and the event, so the user knows whom to blame and what to update or remove.
 */
export class HookError extends NerdError {
  readonly plugin: string
  readonly event: string
  /** The cause in a few words, without the plugin and event. */
  readonly reason: string

  constructor(init: {plugin: string; event: string; reason: string; message?: string; cause?: unknown}) {
    super(init.message ?? `plugin "${init.plugin}" failed in ${init.event}: ${init.reason}`, {cause: init.cause})
    this.name = 'HookError'
    this.plugin = init.plugin
    this.event = init.event
    this.reason = init.reason
  }
}

/** The first line of what a hook threw: plugins throw anything, stack traces stay out of the message. */
export function describeThrown(thrown: unknown): string {
  const message = typeof thrown === 'object' && thrown !== null ? (thrown as {message?: unknown}).message : undefined
  const text = typeof message === 'string' ? message : String(thrown)
  const line = text.split('\n', 1)[0].trim()
  if (line !== '') return line
  return thrown instanceof Error ? thrown.name : 'failed without a message'
}
