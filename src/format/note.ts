/**
 * docker's notes (internal/tui PrintNote): a blank line, ` Info -> ` before the first line of the
 * text and the later lines indented under it, as docker prints them off a terminal.
 */
const INFO_HEADER = ' Info -> '

export function infoNote(text: string): string {
  const indent = ' '.repeat(INFO_HEADER.length)
  return `\n${text.split('\n').map((line, index) => `${index === 0 ? INFO_HEADER : indent}${line}\n`).join('')}`
}
