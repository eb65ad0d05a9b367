// @ts-check
// Where the example's hooks write what they saw: the file EXAMPLE_LOG names. The create hook copies
// it into the container's label `org.example.log`, because network hooks run in nerd's OCI hook,
// which gets no environment of the command.
import {appendFileSync} from 'node:fs'

/**
 * @param {string | undefined} file
 * @param {string} event
 * @param {Record<string, unknown>} facts
 */
export function note(file, event, facts) {
  if (file) appendFileSync(file, `${JSON.stringify({event, ...facts})}\n`)
}
