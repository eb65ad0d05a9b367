import * as Args from '@oclif/core/args'
import {RUN_FLAGS} from '../container-flags.ts'
import {ContainerCreateCommand} from '../container-command.ts'

export default class Run extends ContainerCreateCommand {
  static summary = 'Create and run a new container from an image'
  static aliases = ['container:run']
  // Flags plugins declare for `run` are this command's too (command.ts).
  static pluginFlagCommand = 'run'
  static examples = [
    '<%= config.bin %> run --rm busybox echo hello',
    '<%= config.bin %> run -d --name web -p 8080:80 nginx',
    '<%= config.bin %> run -it --rm alpine sh',
  ]
  /** docker's reads flags only before the image: what follows is the container's command. */
  static flagsEndAtFirstPositional = true
  static args = {
    image: Args.string({required: true, description: 'The image to create the container from'}),
    command: Args.string({description: "The command to run (the image's when omitted)"}),
    arg: Args.string({description: "The command's arguments"}),
  }
  static flags = RUN_FLAGS
  // oclif's parse copies only a class's own statics: inherited ones would not count.
  static strict = false

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(Run)
    await this.requireAttachTerminal(flags)
    // Keys that do not parse are refused before anything is made.
    const detachKeys = flags.detach ? [] : await this.detachKeys(flags['detach-keys'])
    // An attached run's FIFOs are made while the container is created.
    const fifos = this.attachedFifosAhead(flags)
    const {scope, request, created} = await this.discardingFifosOnFailure(fifos, this.createFromFlags(flags, argv as string[]))
    const {policyRestarts, removeAutoRemoved} = await import('../container/lifecycle.ts')
    const {defaultStartContext, startAttached, startDetached} = await import('../container/run.ts')
    const {readState} = await import('../container/store.ts')
    const container = {record: created.record, paths: created.paths, labels: created.labels}
    // Its first start needs neither a look for an old task nor the snapshot's mounts again.
    const fresh = {...container, justCreated: {rootfs: created.rootfs}}
    const removeAfterwards = (): Promise<boolean> => removeAutoRemoved(scope, container)
    if (flags.detach) {
      try {
        const pid = await startDetached(scope, fresh, defaultStartContext())
        await this.announceStart(container, pid)
      } catch (error) {
        await removeAfterwards().catch(() => undefined)
        throw error
      }
      this.print(created.record.Id)
      return
    }
    let outcome: number | 'detached'
    try {
      outcome = await startAttached(scope, fresh, defaultStartContext(), {
        terminal: process,
        stdin: request.interactive,
        tty: request.tty,
        sigProxy: flags['sig-proxy'],
        detachKeys,
        shown: new Set(request.attach.filter((stream) => stream !== 'stdin')),
        onStarted: (pid) => this.announceStart(container, pid),
        fifos,
      })
    } catch (error) {
      await removeAfterwards().catch(() => undefined)
      throw error
    }
    if (outcome === 'detached') return
    // A policy that restarts the process takes over from here, in the background like docker's daemon.
    const {restartByPolicy} = await import('../container/task-exit.ts')
    if (policyRestarts(container.record, await readState(container.paths), outcome)) {
      await restartByPolicy(scope, container)
    } else {
      await removeAfterwards()
    }
    if (outcome !== 0) this.exit(outcome)
  }
}
