import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import {NerdCommand} from '../command.ts'

export default class Logs extends NerdCommand {
  static summary = 'Fetch the logs of a container'
  static aliases = ['container:logs']
  static examples = ['<%= config.bin %> logs -f web', '<%= config.bin %> logs --tail 20 --since 10m web']
  static args = {container: Args.string({required: true, description: 'CONTAINER'})}
  static flags = {
    follow: Flags.boolean({char: 'f', description: 'Follow log output'}),
    tail: Flags.string({char: 'n', default: 'all', description: 'Number of lines to show from the end of the logs'}),
    since: Flags.string({description: 'Show logs since timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m" for 42 minutes)'}),
    until: Flags.string({description: 'Show logs before a timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m" for 42 minutes)'}),
    timestamps: Flags.boolean({char: 't', description: 'Show timestamps'}),
    details: Flags.boolean({description: 'Show extra details provided to logs'}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(Logs)
    const {followLogs} = await import('../container/logs-command.ts')
    // docker's daemon reads --tail with Go's Atoi and shows everything for what it cannot read
    // ("all", "1.5", ""), as for a negative count.
    const tail = /^[+-]?\d+$/.test(flags.tail) ? Number(flags.tail) : undefined
    await this.forEachContainer([args.container], (scope, container) =>
      followLogs(scope, container, {follow: flags.follow, tail, since: flags.since, until: flags.until, timestamps: flags.timestamps, details: flags.details}, process),
    )
  }
}
