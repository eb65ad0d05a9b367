import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import {NerdCommand} from '../command.ts'
import {NerdError} from '../errors.ts'

export default class Start extends NerdCommand {
  static summary = 'Start one or more stopped containers'
  static aliases = ['container:start']
  static strict = false
  static args = {container: Args.string({required: true, description: 'CONTAINER...'})}
  static flags = {
    attach: Flags.boolean({char: 'a', description: 'Attach STDOUT/STDERR and forward signals'}),
    interactive: Flags.boolean({char: 'i', description: "Attach container's STDIN"}),
    'detach-keys': Flags.string({description: 'Override the key sequence for detaching a container (default "ctrl-p,ctrl-q")'}),
  }

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(Start)
    const references = argv as string[]
    const {defaultStartContext, startCommandFailure, startAttached, startDetached} = await import('../container/run.ts')
    const {AlreadyRunningError, refuseDeadStart, removeAutoRemoved, resetRestartPolicy, startNotNeeded} = await import('../container/lifecycle.ts')
    const context = defaultStartContext()
    if (!flags.attach && !flags.interactive) {
      await this.forEachContainer(references, async (scope, container, _reference, typed) => {
        refuseDeadStart(container)
        // Starting a running (or restarting) container is no error: docker's daemon answers "not modified".
        if (!(await startNotNeeded(scope, container))) {
          await resetRestartPolicy(scope, container)
          const pid = await startDetached(scope, container, context).catch((error: unknown) => {
            if (error instanceof Error && error.cause instanceof AlreadyRunningError) return undefined
            throw startCommandFailure(error)
          })
          if (pid !== undefined) await this.announceStart(container, pid)
        }
        this.print(typed)
      }, {failureSummary: (failed) => `failed to start containers: ${failed.join(', ')}`})
      return
    }
    if (references.length > 1) throw new NerdError('you cannot start and attach multiple containers at once')
    const {requireInputTerminal} = await import('../container/attach.ts')
    const detachKeys = await this.detachKeys(flags['detach-keys'])
    await this.forEachContainer(references, async (scope, container) => {
      requireInputTerminal(process.stdin, {stdin: flags.interactive ?? false, tty: container.record.Config.Tty})
      refuseDeadStart(container)
      // docker's CLI attaches before the start: its daemon's attach refuses a paused container.
      if (await startNotNeeded(scope, container, `container ${container.record.Id} is paused, unpause the container before attach`)) {
        // docker's CLI attaches first and its daemon answers the start of a running container "not
        // modified": `start -ai` gets back into a running container, as attach does.
        const {attachRunning} = await import('../container/attach-running.ts')
        const outcome = await attachRunning(scope, container, {sigProxy: true, detachKeys, stdin: flags.interactive ?? false, redraw: false}, process)
        if (outcome === 'detached') return
        if (outcome !== 0) this.exit(outcome)
        return
      }
      await resetRestartPolicy(scope, container)
      const outcome = await startAttached(scope, container, context, {
        terminal: process,
        stdin: flags.interactive && container.record.Config.OpenStdin,
        tty: container.record.Config.Tty,
        // As docker's attach, its start -a passes signals on only to a container without a terminal (its run to one too).
        sigProxy: !container.record.Config.Tty,
        detachKeys,
        onStarted: (pid) => this.announceStart(container, pid),
      }).catch((error: unknown) => Promise.reject(startCommandFailure(error)))
      if (outcome === 'detached') return
      await removeAutoRemoved(scope, container)
      if (outcome !== 0) this.exit(outcome)
    })
  }
}
