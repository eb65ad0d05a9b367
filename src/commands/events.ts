import * as Flags from '@oclif/core/flags'
import {constants} from 'node:os'
import {delayFor} from '../clock.ts'
import {NerdCommand} from '../command.ts'
import {filterFlag} from '../filter-flag.ts'
import {filterTerms} from '../filter-terms.ts'

export default class Events extends NerdCommand {
  static summary = 'Get real time events from the server'
  static description =
    "containerd's events as docker's, and those nerd's commands publish for what containerd never sees (a container's attach, kill, stop, execs with their command, images by ID, volume mounts, network connections, ...). Events arrive as they happen: --since leaves out those before it, but cannot replay past ones (a warning says so); --until ends the stream at that time."
  static aliases = ['system:events']
  static flags = {
    filter: filterFlag({char: 'f', description: 'Filter output based on conditions provided (event, type, scope, container, image, volume, network, label, daemon, plugin, node, service, secret, config)'}),
    format: Flags.string({description: "Format the output using the given Go template, or 'json'"}),
    since: Flags.string({description: 'Show all events created since timestamp'}),
    until: Flags.string({description: 'Stream events until this timestamp'}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(Events)
    const {ContainerFacts, dockerEvents, eventMatches, eventRenderer} = await import('../system/events.ts')
    const {eventWindow} = await import('../system/event-times.ts')
    // Any key is taken, as docker's daemon takes it: eventMatches ignores those it does not know.
    const filters = filterTerms(flags.filter ?? [])
    const render = eventRenderer(flags.format)
    // A bad value fails in parseLogTime's words, which docker's events prints as they are (no flag named, unlike logs).
    const {since, untilMillis, sinceInPast} = eventWindow(flags.since, flags.until, new Date())
    if (sinceInPast) process.stderr.write('WARNING: nerd cannot replay past events (containerd keeps none): only those from now on are shown\n')
    const [client, config] = await Promise.all([this.containerd(), this.nerdConfig()])
    const stop = new AbortController()
    let stoppedBy: NodeJS.Signals | undefined
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.once(signal, () => {
        stoppedBy ??= signal
        stop.abort()
      })
    }
    if (untilMillis !== undefined) void delayFor(untilMillis - Date.now(), stop.signal).then((due) => due && stop.abort())
    const facts = new ContainerFacts(config.dataRoot, config.namespace)
    try {
      for await (const event of dockerEvents(client.events.subscribe([`namespace==${config.namespace}`], {signal: stop.signal, timeoutMs: Infinity}), facts)) {
        // Those before a --since still to come are left out.
        if ((since !== undefined && event.TimeNano < since) || !eventMatches(event, filters)) continue
        // A line for every event, as docker's: also when the template made nothing of it, or failed on it (then its error ends the stream).
        const {text, failure} = render(event)
        process.stdout.write(`${text}\n`)
        if (failure) throw failure
      }
    } catch (error) {
      if (!stop.signal.aborted) throw error
    } finally {
      // Ends the wait for --until, which would keep nerd running.
      stop.abort()
    }
    // As docker's CLI, whose stream ends with the signal's cancellation as its error: status 128 + its number, no message.
    if (stoppedBy) process.exitCode = 128 + constants.signals[stoppedBy]
  }
}
