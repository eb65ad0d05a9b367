/** The shipped bundle's entry: the CLI's main, and the command table and hooks oclif loads from the same module. */
export {main} from './cli.ts'
export {COMMANDS} from './command-index.ts'
export {checkInstalledPlugins} from './plugins/install-check.ts'
export {recordInstalledPlugins} from './plugins/installed-before.ts'
export {exportSettingsToPluginCommand} from './plugins/command-environment.ts'
export {NerdHelp} from './help.ts'
