import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import {NerdCommand} from '../command.ts'

export default class Rmi extends NerdCommand {
  static summary = 'Remove one or more images'
  static aliases = ['image:rm', 'image:rmi', 'image:remove']
  static strict = false
  static args = {
    image: Args.string({required: true, description: 'Image name or ID'}),
  }
  static flags = {
    force: Flags.boolean({char: 'f', description: 'Force removal of the image'}),
    // docker's: keep untagged parents. containerd's store has no parent images to remove.
    'no-prune': Flags.boolean({description: 'Do not delete untagged parents (nerd has none: no effect)'}),
  }

  async run(): Promise<void> {
    const {removeImage} = await import('../image/remove.ts')
    const {NoSuchImageError} = await import('../image/list.ts')
    const {imageUsers} = await import('../container/lifecycle.ts')
    const {argv, flags} = await this.parse(Rmi)
    const scope = await this.containerScope()
    const users = await imageUsers(scope)
    await this.forEachName(argv as string[], async (name) => {
      try {
        this.print((await removeImage(scope.client, name, {force: flags.force, users})).join('\n'))
      } catch (error) {
        // As docker's: with -f an image that is not there is said, and no failure (`rmi -f $(images -q)` names an image once per tag).
        if (!(flags.force && error instanceof NoSuchImageError)) throw error
        process.stderr.write(`Error: ${error.message}\n`)
      }
    })
  }
}
