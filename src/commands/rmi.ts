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
    platform: Flags.string({multiple: true, description: 'Remove only the given platform variant\'s content, whatever images share it (os[/arch[/variant]], repeatable or comma-separated; needs --force)'}),
  }

  async run(): Promise<void> {
    const {removeImage, removeImagePlatforms} = await import('../image/remove.ts')
    const {NoSuchImageError} = await import('../image/list.ts')
    const {forgetRemovedImages} = await import('../image/manifest-cache.ts')
    const {imageUsers} = await import('../container/lifecycle.ts')
    const {parsePlatform} = await import('../image/platform.ts')
    const {commaSeparated} = await import('../string-slice.ts')
    const {argv, flags} = await this.parse(Rmi)
    // docker's CLI reads every platform before it removes anything.
    const platforms = commaSeparated(flags.platform).map(parsePlatform)
    const scope = await this.containerScope()
    const users = platforms.length > 0 ? [] : await imageUsers(scope)
    const remove = (name: string) =>
      platforms.length > 0
        ? removeImagePlatforms(scope.client, name, platforms, {force: flags.force})
        : removeImage(scope.client, name, {force: flags.force, users, prune: !flags['no-prune']})
    // As docker's: the failures come after all the lines, and with -f an image that is not there is
    // said but fails nothing on its own (`rmi -f $(images -q)` names an image once per tag).
    try {
      await this.forEachName(argv as string[], async (name) => (await remove(name)).join('\n'), {
        failuresLast: true,
        excused: (error) => flags.force && error instanceof NoSuchImageError,
      })
    } finally {
      await forgetRemovedImages(scope.client, scope.dataRoot)
    }
  }
}
