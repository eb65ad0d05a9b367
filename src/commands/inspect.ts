import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import {NerdCommand} from '../command.ts'

export default class Inspect extends NerdCommand {
  static summary = 'Return low-level information on containers and images'
  static strict = false
  static args = {name: Args.string({required: true, description: 'NAME|ID...'})}
  static flags = {
    format: Flags.string({char: 'f', description: 'Format the output using the given Go template'}),
    size: Flags.boolean({char: 's', description: 'Display total file sizes if the type is container'}),
    type: Flags.string({options: ['container', 'image'], description: 'Return JSON for the specified type only'}),
  }

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(Inspect)
    const scope = await this.containerScope()
    const {inspectContainers} = await import('../container/inspect.ts')
    const {inspectDocument} = await import('../image/inspect.ts')
    const {findImages, summarizeImages} = await import('../image/list.ts')
    let summaries: Awaited<ReturnType<typeof summarizeImages>> | undefined
    const image = async (name: string): Promise<object | undefined> => {
      summaries ??= await summarizeImages(scope.client)
      const [found] = findImages(summaries, name)
      return found && inspectDocument(found, summaries.filter((summary) => summary.id === found.id))
    }
    await this.printInspect(
      argv as string[],
      async (name) => {
        if (flags.type === 'image') return image(name)
        const container = await inspectContainers(scope, name, {size: flags.size})
        return container ?? (flags.type === 'container' ? undefined : image(name))
      },
      flags.format,
      flags.type ?? 'object',
    )
  }
}
