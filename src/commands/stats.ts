import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import {NerdCommand} from '../command.ts'
import type {StatsEntry} from '../container/stats.ts'

/** docker's client draws a frame every half second. */
const FRAME_MS = 500

export default class Stats extends NerdCommand {
  static summary = 'Display a live stream of container(s) resource usage statistics'
  static aliases = ['container:stats']
  static strict = false
  static args = {container: Args.string({description: 'CONTAINER...'})}
  static flags = {
    all: Flags.boolean({char: 'a', description: 'Show all containers (default shows just running)'}),
    format: Flags.string({description: "Format output using a custom template: 'table', 'table TEMPLATE', 'json' or a Go template"}),
    'no-stream': Flags.boolean({description: 'Disable streaming stats and only pull the first result'}),
    'no-trunc': Flags.boolean({description: 'Do not truncate output'}),
  }

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(Stats)
    const {listedStatsEntries, namedStatsEntries, refreshStatsEntries, sampleStats, statsFrame, statsRow} = await import('../container/stats.ts')
    const {listContainerViews} = await import('../container/lifecycle.ts')
    const scope = await this.containerScope()
    const named = argv as string[]
    let entries: StatsEntry[] = []
    if (named.length > 0) {
      // As docker's: every container that cannot be shown is reported, then nothing is shown.
      const {entries: found, failures} = await namedStatsEntries(scope, named)
      if (failures.length > 0) {
        for (const failure of failures) process.stderr.write(`Error: ${failure}\n`)
        this.exit(1)
      }
      entries = found
    }
    const next = async (): Promise<StatsEntry[]> => {
      if (named.length > 0) return refreshStatsEntries(scope, entries)
      const all = await listContainerViews(scope)
      return listedStatsEntries(entries, flags.all ? all : all.filter((view) => view.status === 'running' || view.status === 'paused'))
    }
    // As docker's: config.json's statsFormat when no --format is given.
    const format = flags.format || (await this.configuredFormat('statsFormat'))
    const render = async (rows: object[]) =>
      this.renderList(rows, {
        format,
        defaultTable: 'table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}',
        headers: {Container: 'CONTAINER', ID: 'CONTAINER ID', Name: 'NAME', CPUPerc: 'CPU %', MemUsage: 'MEM USAGE / LIMIT', MemPerc: 'MEM %', NetIO: 'NET I/O', BlockIO: 'BLOCK I/O', PIDs: 'PIDS'},
        itemType: '*container.statsContext',
      })
    // CPU % needs two readings: the first is taken a moment before the one shown.
    if (named.length === 0) entries = await next()
    const shown = () => entries.filter((entry) => !entry.gone).map((entry) => entry.view)
    // As docker's daemon, the containers are read once a second, on every other frame from the first,
    // while its client draws twice as often: CPU % is over the time between the last two readings (a
    // second; half of one for the first frame). Which containers are shown is looked up on every frame,
    // as docker's client follows their events.
    let samples = await sampleStats(scope, shown())
    let previous = samples
    for (let frame = 0; ; frame++) {
      await new Promise((resolve) => setTimeout(resolve, FRAME_MS))
      entries = await next()
      if (frame % 2 === 0) [previous, samples] = [samples, await sampleStats(scope, shown())]
      const rows = entries.map((entry) => statsRow(entry, samples.get(entry.view.record.Id), previous.get(entry.view.record.Id), {noTrunc: flags['no-trunc'] ?? false}))
      const table = await render(rows)
      if (flags['no-stream']) {
        this.print(table)
        return
      }
      process.stdout.write(statsFrame(table))
    }
  }
}
