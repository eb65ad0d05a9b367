// @ts-check
// Before a container is created: an environment variable (and another from the flag
// --example-greeting), a tmpfs mount at /example and a label (and the log file's name, as a label
// for the network hooks). After it starts: a line in the log.
import {note} from './log.js'

/** @type {import('nerd/sdk').NerdHook<'nerd:container:create'>} */
export async function create(payload) {
  payload.spec.process?.env?.push('EXAMPLE_PLUGIN=1')
  // The flag the plugin declares for run and create in its package.json (nerd.flags).
  const greeting = payload.flags['example-greeting']
  if (typeof greeting === 'string') payload.spec.process?.env?.push(`EXAMPLE_GREETING=${greeting}`)
  payload.spec.mounts = [...(payload.spec.mounts ?? []), {destination: '/example', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'size=1m']}]
  /** @type {Record<string, string>} */
  const labels = {'org.example.plugin': 'nerd-plugin-example'}
  if (process.env.EXAMPLE_LOG) labels['org.example.log'] = process.env.EXAMPLE_LOG
  return {labels}
}

/** @type {import('nerd/sdk').NerdHook<'nerd:container:start'>} */
export async function start(payload) {
  note(payload.labels['org.example.log'], 'started', {id: payload.id, name: payload.name, pid: payload.pid})
}
