import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import {NerdCommand} from '../command.ts'

const INTERVAL_MS = 1000

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
    const {sampleStats, statsRow} = await import('../container/stats.ts')
    const {listContainerViews, loadContainer, containerView} = await import('../container/lifecycle.ts')
    const scope = await this.containerScope()
    const named = argv as string[]
    const typed = new Map<string, string>()
    const views = async () => {
      if (named.length > 0) {
        return Promise.all(
          named.map(async (reference) => {
            const container = await loadContainer(scope, reference)
            typed.set(container.record.Id, reference)
            return containerView(scope, container)
          }),
        )
      }
      const all = await listContainerViews(scope)
      return flags.all ? all : all.filter((view) => view.status === 'running' || view.status === 'paused')
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
    let current = await views()
    let previous = await sampleStats(scope, current)
    await new Promise((resolve) => setTimeout(resolve, flags['no-stream'] ? INTERVAL_MS / 2 : INTERVAL_MS))
    const terminal = process.stdout.isTTY && !flags['no-stream']
    for (;;) {
      current = await views()
      const samples = await sampleStats(scope, current)
      const table = await render(current.map((view) => statsRow(view, samples.get(view.record.Id), previous.get(view.record.Id), {noTrunc: flags['no-trunc'] ?? false, typed: typed.get(view.record.Id)})))
      // On a terminal the table is redrawn in place, as docker does.
      if (terminal) process.stdout.write('\x1b[2J\x1b[H')
      this.print(table)
      if (flags['no-stream']) return
      previous = samples
      await new Promise((resolve) => setTimeout(resolve, INTERVAL_MS))
    }
  }
}
