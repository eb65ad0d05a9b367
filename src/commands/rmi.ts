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
    'no-prune': Flags.boolean({description: 'Do not delete untagged parents'}),
  }

  async run(): Promise<void> {
    const {removeImage} = await import('../image/remove.ts')
    const {NoSuchImageError} = await import('../image/list.ts')
    const {imageUsers} = await import('../container/lifecycle.ts')
    const {argv, flags} = await this.parse(Rmi)
    const scope = await this.containerScope()
    const users = await imageUsers(scope)
    // As docker's: the failures come after all the lines, and with -f an image that is not there is
    // said but fails nothing on its own (`rmi -f $(images -q)` names an image once per tag).
    await this.forEachName(argv as string[], async (name) => (await removeImage(scope.client, name, {force: flags.force, users, prune: !flags['no-prune']})).join('\n'), {
      failuresLast: true,
      excused: (error) => flags.force && error instanceof NoSuchImageError,
    })
  }
}
