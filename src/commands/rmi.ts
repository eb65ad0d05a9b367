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
    platform: Flags.string({multiple: true, description: 'Remove only the given platform variant\'s content, whatever images share it (os[/arch[/variant]], repeatable or comma-separated; needs --force)'}),
  }

  async run(): Promise<void> {
    const {removeImage, removeImagePlatforms} = await import('../image/remove.ts')
    const {NoSuchImageError} = await import('../image/list.ts')
    const {imageUsers} = await import('../container/lifecycle.ts')
    const {parsePlatform} = await import('../image/platform.ts')
    const {commaSeparated} = await import('../string-slice.ts')
    const {argv, flags} = await this.parse(Rmi)
    // docker's CLI reads every platform before it removes anything.
    const platforms = commaSeparated(flags.platform).map(parsePlatform)
    const scope = await this.containerScope()
    const users = platforms.length > 0 ? [] : await imageUsers(scope)
    const remove = (name: string) =>
      platforms.length > 0 ? removeImagePlatforms(scope.client, name, platforms, {force: flags.force}) : removeImage(scope.client, name, {force: flags.force, users})
    await this.forEachName(argv as string[], async (name) => {
      try {
        this.print((await remove(name)).join('\n'))
      } catch (error) {
        // As docker's: with -f an image that is not there is said, and no failure (`rmi -f $(images -q)` names an image once per tag).
        if (!(flags.force && error instanceof NoSuchImageError)) throw error
        process.stderr.write(`Error: ${error.message}\n`)
      }
    })
  }
}
