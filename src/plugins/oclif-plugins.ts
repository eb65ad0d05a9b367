import type {Interfaces} from '@oclif/core'

/**
 * Runs a command of @oclif/plugin-plugins (`plugins:install`, `plugins:link`, `plugins:inspect`,
 * `plugins:uninstall`, `plugins:reset`) under nerd's own command of the same id,
 * which takes its place (the root plugin wins an id) to check what the user gives it and what gets
 * installed, and to hold the plugins' lock.
 */
export async function runOclifPluginsCommand(config: Interfaces.Config, id: string, argv: string[]): Promise<void> {
  const upstream = await config.plugins.get('@oclif/plugin-plugins')?.findCommand(id, {must: true})
  if (!upstream) throw new Error(`@oclif/plugin-plugins is missing: cannot run ${id}`)
  await upstream.run(argv, config)
}
