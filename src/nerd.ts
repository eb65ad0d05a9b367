/** The shipped bundle's entry: the CLI's main and the command table oclif loads from the same module. */
export {main} from './cli.ts'
export {COMMANDS} from './command-index.ts'
