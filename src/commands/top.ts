import * as Args from '@oclif/core/args'
import {NerdCommand} from '../command.ts'

export default class Top extends NerdCommand {
  static summary = 'Display the running processes of a container'
  static aliases = ['container:top']
  static strict = false
  static args = {
    container: Args.string({required: true, description: 'CONTAINER'}),
    options: Args.string({description: 'Options of ps (default -ef)'}),
  }

  /** docker's top takes its own flags only before the container: `top web -o pid,comm` passes -o to ps. */
  static flagsEndAtFirstPositional = true

  async run(): Promise<void> {
    const {argv} = await this.parse(Top)
    const [reference, ...psArgs] = argv as string[]
    const {containerTop, psArguments, TOP_TABLE} = await import('../container/top.ts')
    const {alignColumns} = await import('../format/index.ts')
    // docker's daemon checks ps's arguments before it looks the container up.
    await this.forEachContainer([reference!], async (scope, container) => {
      const top = await containerTop(scope, container, psArgs)
      this.print(alignColumns([top.titles, ...top.processes].map((row) => row.join('\t')).join('\n'), TOP_TABLE))
    }, {beforeLookup: () => psArguments(psArgs)})
  }
}
