import * as Flags from '@oclif/core/flags'
import {NerdCommand} from '../../command.ts'

/** docker-style `ls` of the plugins: oclif's `nerd plugins` has no -q or --format. */
export default class PluginsLs extends NerdCommand {
  static summary = 'List installed plugins (--core adds nerd\'s own)'
  static aliases = ['plugins:list']
  static examples = ['<%= config.bin %> plugins ls', '<%= config.bin %> plugins ls --core', "<%= config.bin %> plugins ls --format '{{.Name}} {{.HookApi}}'"]
  static flags = {
    quiet: Flags.boolean({char: 'q', description: 'Only display plugin names'}),
    format: Flags.string({description: "Format the output using a Go template, 'table', or 'json'"}),
    core: Flags.boolean({description: "Show nerd's own plugins too"}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(PluginsLs)
    const {pluginRows} = await import('../../plugins/list.ts')
    const {asGoStruct} = await import('../../format/go-values.ts')
    const {unloadedPlugins} = await import('../../plugins/listed-plugins.ts')
    const plugins = this.config.getPluginsList()
    this.print(
      await this.renderList(pluginRows(plugins, unloadedPlugins(new Set(plugins.map((plugin) => plugin.name))), {core: flags.core}), {
        // A field the rows lack is an error, as in docker's listings.
        fields: (row) => asGoStruct({...row}, 'pluginContext'),
        format: flags.quiet ? '{{.Name}}' : flags.format,
        defaultTable: 'table {{.Name}}\t{{.Version}}\t{{.Type}}\t{{.Bundle}}\t{{.HookApi}}\t{{.Error}}',
        headers: {Name: 'NAME', Version: 'VERSION', Type: 'TYPE', Bundle: 'BUNDLE', HookApi: 'HOOK API', Error: 'ERROR'},
      }),
    )
  }
}
