import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import {NerdCommand} from '../command.ts'
import {NerdError, trimmedId} from '../errors.ts'

export default class Rm extends NerdCommand {
  static summary = 'Remove one or more containers'
  static aliases = ['container:rm', 'container:remove']
  static strict = false
  static args = {container: Args.string({required: true, description: 'CONTAINER...'})}
  static flags = {
    force: Flags.boolean({char: 'f', description: 'Force the removal of a running container (uses SIGKILL)'}),
    volumes: Flags.boolean({char: 'v', description: 'Remove anonymous volumes associated with the container'}),
    link: Flags.boolean({char: 'l', description: 'Remove the specified link (PARENT/ALIAS), not a container'}),
  }

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(Rm)
    const {loadContainer, removeContainer, removeContainerRemains} = await import('../container/lifecycle.ts')
    const {NoSuchContainerError} = await import('../container/store.ts')
    const {InvalidFileError} = await import('../errors.ts')
    const {removeOrphanedRootfsMounts} = await import('../container/rootfs-mount.ts')
    // A root filesystem a killed cp or export left mounted would keep a removed container's files on disk.
    const [scope, config] = await Promise.all([this.containerScope(), this.nerdConfig(), removeOrphanedRootfsMounts()])
    const options = {force: flags.force, volumes: flags.volumes}
    // With --link a word names a link, PARENT/ALIAS, for docker's daemon to remove from the parent.
    const removeLink = flags.link ? (await import('../container/linked-containers.ts')).removeLink : undefined
    const remove = async (reference: string) =>
      removeLink ? removeLink(scope, reference) : removeContainer(scope, await loadContainer(scope, reference), {...options, reference})
    await this.forEachName(argv as string[], async (name) => {
      // As docker's CLI (cli/command/container/rm.go, runRm): the slashes around a name go, and what is left must be something; then its client's trim.
      const unslashed = name.replace(/^\/+|\/+$/g, '')
      if (unslashed === '') throw new NerdError('container name cannot be empty')
      const reference = trimmedId('container', unslashed)
      try {
        await remove(reference)
      } catch (error) {
        // What is left of a container, or one whose state file nerd cannot read, is removed all the same.
        if (!(error instanceof NoSuchContainerError || error instanceof InvalidFileError)) throw error
        if (!removeLink && (await removeContainerRemains(scope, reference, config.snapshotter, options))) return name
        if (!(error instanceof NoSuchContainerError)) throw error
        // docker's rm -f reports what is not there but does not fail for it: clean-up scripts need no `|| true`.
        if (!flags.force) throw error
        process.stderr.write(`Error: ${new NoSuchContainerError(reference).message}\n`)
        return
      }
      return name
    }, {parallel: true})
  }
}
