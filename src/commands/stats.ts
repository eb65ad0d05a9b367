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
    // The readings of the last two frames: CPU % is over the second before, as docker's daemon reads a
    // container once a second while its client draws twice as often.
    let readings = [await sampleStats(scope, shown())]
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, FRAME_MS))
      entries = await next()
      const samples = await sampleStats(scope, shown())
      const previous = readings[0]!
      const rows = entries.map((entry) => statsRow(entry, samples.get(entry.view.record.Id), previous.get(entry.view.record.Id), {noTrunc: flags['no-trunc'] ?? false}))
      const table = await render(rows)
      if (flags['no-stream']) {
        this.print(table)
        return
      }
      process.stdout.write(statsFrame(table))
      readings = [readings.at(-1)!, samples]
    }
  }
}
