import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import {NerdCommand} from '../../command.ts'

// In place of @oclif/plugin-plugins' install (nerd's command wins the id), which it runs once local
// paths are tarballs.
export default class PluginsInstall extends NerdCommand {
  static summary = 'Install plugins: an npm name, a directory, a .tgz (npm pack) or its http(s) URL, or a git URL'
  static description = `A directory is packed and installed as a copy. nerd's own commands cannot be replaced: a plugin
command with the id of one of nerd's is hidden by nerd's (install warns). A plugin built for
another major version of nerd's hook API, or a bundle that does not carry its plugins or carries
one nerd refuses, is refused.`
  static aliases = ['plugins:add']
  static strict = false
  static args = {plugin: Args.string({required: true, description: 'PLUGIN: npm name[@version], directory, .tgz, .tgz URL or git URL'})}
  static flags = {
    force: Flags.boolean({char: 'f', description: 'Fetch remote resources even if a local copy exists'}),
    silent: Flags.boolean({char: 's', description: "Silence npm's output", exclusive: ['verbose']}),
    verbose: Flags.boolean({char: 'v', description: "Show npm's verbose output", exclusive: ['silent']}),
  }
  static examples = [
    '<%= config.bin %> plugins install nerd-plugin-hello',
    '<%= config.bin %> plugins install ./nerd-plugin-hello',
    '<%= config.bin %> plugins install ./nerd-plugin-hello-0.1.0.tgz',
  ]

  async run(): Promise<void> {
    const {flags} = await this.parse(PluginsInstall)
    const [{installArgv, namingPluginsAsTyped, removeUnusedPacks, undoingFailedInstall}, {runOclifPluginsCommand}, {withPluginsLock}, {holdingPluginLoadWarnings}, {keepingNpmOutput}] = await Promise.all([
      import('../../plugins/local-install.ts'),
      import('../../plugins/oclif-plugins.ts'),
      import('../../plugins/changes-lock.ts'),
      import('../../plugins/load-warnings.ts'),
      import('../../plugins/npm-output.ts'),
    ])
    await withPluginsLock(this.config, async (config) => {
      try {
        // The checks of what was installed are nerd's plugins:postinstall hook (plugins/install-check.ts).
        const {argv, typed} = await installArgv(config, this.argv)
        const install = () => runOclifPluginsCommand(config, 'plugins:install', argv)
        await undoingFailedInstall(() => holdingPluginLoadWarnings(() => keepingNpmOutput(config, flags.verbose, () => namingPluginsAsTyped(config, typed, install))))
      } finally {
        await removeUnusedPacks()
      }
    })
  }
}
