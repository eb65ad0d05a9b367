import * as Flags from '@oclif/core/flags'
import {NerdCommand} from '../../command.ts'
import {NerdError} from '../../errors.ts'

// In place of @oclif/plugin-plugins' update (nerd's command wins the id), which updated every plugin
// in one npm run: a plugin whose source cannot be reached is named, with the reason, and one updated
// to a version install would refuse goes back to the version installed before (plugins/update.ts).
export default class PluginsUpdate extends NerdCommand {
  static summary = 'Update installed plugins'
  static flags = {verbose: Flags.boolean({char: 'v', description: "Show npm's verbose output"})}
  static examples = ['<%= config.bin %> plugins update']

  async run(): Promise<void> {
    const {flags} = await this.parse(PluginsUpdate)
    const [{updatePlugins}, {withPluginsLock}, {printWarnings}] = await Promise.all([import('../../plugins/update.ts'), import('../../plugins/changes-lock.ts'), import('../../plugins/install-check.ts')])
    const {failures, warnings} = await withPluginsLock(this.config, async (config) => {
      process.stderr.write(`${config.name}: Updating plugins...`)
      const outcome = await updatePlugins(config, {verbose: flags.verbose})
      process.stderr.write(outcome.failures.length === 0 ? ' done\n' : ' failed\n')
      return outcome
    })
    printWarnings(warnings)
    // One line each, as docker's commands report each name that failed; the last is the error.
    for (const failure of failures.slice(0, -1)) process.stderr.write(`Error: ${failure}\n`)
    if (failures.length > 0) throw new NerdError(failures.at(-1)!)
  }
}
