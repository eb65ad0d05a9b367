import {existsSync} from 'node:fs'
import {readFile} from 'node:fs/promises'
import {join, resolve} from 'node:path'
import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import type {Interfaces} from '@oclif/core'
import {NerdCommand} from '../../command.ts'
import {NerdError} from '../../errors.ts'

// In place of @oclif/plugin-plugins' link (nerd's command wins the id), which it runs once the
// plugin has passed the checks install makes.
export default class PluginsLink extends NerdCommand {
  static summary = 'Link a plugin directory into nerd for development'
  static description = `nerd uses the directory itself, so changes take effect at once. nerd's own commands cannot be
replaced: a plugin command with the id of one of nerd's is hidden by nerd's (link warns). A plugin
built for another major version of nerd's hook API is refused.`
  static args = {path: Args.string({default: '.', description: 'DIRECTORY of the plugin'})}
  static flags = {
    install: Flags.boolean({allowNo: true, default: true, description: "Install the plugin's dependencies after linking it"}),
    verbose: Flags.boolean({char: 'v', description: "Show npm's verbose output"}),
  }
  static examples = ['<%= config.bin %> plugins link ./nerd-plugin-hello']

  async run(): Promise<void> {
    const {args, flags} = await this.parse(PluginsLink)
    const {withPluginsLock} = await import('../../plugins/changes-lock.ts')
    await withPluginsLock(this.config, (config) => this.link(config, args.path, flags.install))
  }

  private async link(config: Interfaces.Config, path: string, install: boolean): Promise<void> {
    const [{Plugin}, {runOclifPluginsCommand}, {checkFailure, installRefusal, manifestProblem, oclifSectionProblem, pluginWarnings, printWarnings}, {isPackageName, pluginDirectoryProblem, removeStrandedCopies, removeUnusedPacks, shownPath}] = await Promise.all([
      import('@oclif/core/config'),
      import('../../plugins/oclif-plugins.ts'),
      import('../../plugins/install-check.ts'),
      import('../../plugins/local-install.ts'),
    ])
    const root = resolve(path)
    const problem = pluginDirectoryProblem(root, path)
    if (problem) throw new NerdError(problem)
    const file = join(root, 'package.json')
    let pjson: {name?: unknown}
    try {
      pjson = JSON.parse(await readFile(file, 'utf8')) as typeof pjson
    } catch (error) {
      throw new NerdError(`${file}: ${(error as Error).message}; it was not linked`)
    }
    // npm refuses such a name at install; nerd makes paths of it (its copy in node_modules).
    if (typeof pjson.name === 'string' && !isPackageName(pjson.name)) throw new NerdError(`${file}: invalid package name "${pjson.name}"; it was not linked`)
    // Before oclif loads it: it fails on a malformed oclif section, and warns of a manifest it cannot read.
    const malformed = oclifSectionProblem(String(pjson.name), pjson) ?? manifestProblem(String(pjson.name), root)
    if (malformed) throw new NerdError(`${malformed}; it was not linked`)
    const plugin = new Plugin({root, type: 'link'})
    await plugin.load()
    // All of it before the plugin is linked: a check that fails leaves nothing linked.
    let warnings: string[]
    try {
      const refusal = await installRefusal(config, plugin)
      if (refusal) throw new NerdError(`${refusal}; it was not linked`)
      warnings = await pluginWarnings(config, plugin)
    } catch (error) {
      if (error instanceof NerdError) throw error
      throw new NerdError(`${checkFailure(plugin.name, error)}; it was not linked`, {cause: error})
    }
    // oclif installs a linked plugin's dependencies when it has one of these lock files, and
    // without one only warns that they may need installing: for a plugin without dependencies, as
    // the guide recommends, on every link. There is nothing to install then.
    const lockFiles = ['package-lock.json', 'yarn.lock', 'pnpm-lock.yaml']
    const nothingToInstall = install && !lockFiles.some((name) => existsSync(join(root, name)))
    // The path as shownPath shows it, since oclif names it in its line (the default `.` too).
    const argv = [...this.argv.filter((word) => word !== path && word !== '--install' && word !== '--no-install'), ...(install && !nothingToInstall ? ['--install'] : ['--no-install']), shownPath(path)]
    await runOclifPluginsCommand(config, 'plugins:link', argv)
    // The link takes the place of the plugin's installed copy, if it had one: that goes.
    await removeStrandedCopies([plugin.name])
    await removeUnusedPacks()
    printWarnings(warnings)
  }
}
