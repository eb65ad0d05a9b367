import * as Flags from '@oclif/core/flags'
import {createInterface} from 'node:readline/promises'
import {NerdCommand} from '../../command.ts'
import {humanSize} from '../../format/index.ts'
import {pruneImages} from '../../image/remove.ts'

export default class ImagePrune extends NerdCommand {
  static summary = 'Remove unused images'
  static flags = {
    all: Flags.boolean({char: 'a', description: 'Remove all unused images, not just dangling ones'}),
    force: Flags.boolean({char: 'f', description: 'Do not prompt for confirmation'}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(ImagePrune)
    if (!flags.force && !(await this.confirm(flags.all))) return
    const {lines, reclaimedBytes} = await pruneImages(await this.containerd(), {all: flags.all})
    if (lines.length > 0) this.print(['Deleted Images:', ...lines, ''].join('\n'))
    this.print(`Total reclaimed space: ${humanSize(reclaimedBytes)}`)
  }

  private async confirm(all: boolean): Promise<boolean> {
    const warning = all
      ? 'WARNING! This will remove all images without at least one container associated to them.'
      : 'WARNING! This will remove all dangling images.'
    const prompt = createInterface({input: process.stdin, output: process.stdout})
    // stdin that ends without an answer is a no, as with docker.
    const closed = new Promise<string>((resolve) => prompt.once('close', () => resolve('')))
    try {
      const answer = await Promise.race([prompt.question(`${warning}\nAre you sure you want to continue? [y/N] `), closed])
      return /^y(es)?$/i.test(answer.trim())
    } finally {
      prompt.close()
    }
  }
}
