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

/** How much of a plugin's reason a message keeps: a reason is a line, not a document. */
export const REASON_MAX_CHARACTERS = 500

/**
 * The first line of what a hook threw: plugins throw anything, stack traces stay out of the
 * message. Never throws itself, whatever was thrown (an object without a prototype, a getter that
 * throws, a Proxy), and keeps to one short printable line (plainLine).
 */
export function describeThrown(thrown: unknown): string {
  const line = plainLine(textOfThrown(thrown) ?? '')
  if (line !== '') return line
  try {
    if (thrown instanceof Error) return plainLine(thrown.name) || 'Error'
  } catch {
    // A Proxy whose prototype cannot be read: no name to give.
  }
  return 'failed without a message'
}

function textOfThrown(thrown: unknown): string | undefined {
  try {
    const message = typeof thrown === 'object' && thrown !== null ? (thrown as {message?: unknown}).message : undefined
    if (typeof message === 'string') return message
  } catch {
    // A message getter that throws: what String() makes of the value instead.
  }
  try {
    return String(thrown)
  } catch {
    return typeof thrown === 'object' ? 'threw an object that cannot be turned into text' : undefined
  }
}

/**
 * A plugin's text as nerd prints it in its own line: the first line, trimmed, cut at
 * REASON_MAX_CHARACTERS (marked with …), its control characters escaped (`\x1b`, `\r`), so that a
 * plugin can neither print megabytes nor move the cursor, clear the screen or overwrite the
 * plugin's name on the terminal.
 */
export function plainLine(text: string): string {
  const end = text.indexOf('\n')
  const line = (end === -1 ? text : text.slice(0, end)).trim()
  const characters = Array.from(line.slice(0, REASON_MAX_CHARACTERS * 2 + 1)).slice(0, REASON_MAX_CHARACTERS + 1)
  const cut = characters.length > REASON_MAX_CHARACTERS
  return characters.slice(0, REASON_MAX_CHARACTERS).join('').replace(/[\u0000-\u001f\u007f-\u009f]/g, escapeControl) + (cut ? '…' : '')
}

function escapeControl(character: string): string {
  const named: Record<string, string> = {'\r': '\\r', '\t': '\\t'}
  return named[character] ?? `\\x${character.charCodeAt(0).toString(16).padStart(2, '0')}`
}
