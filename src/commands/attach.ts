import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import {NerdCommand} from '../command.ts'

export default class Attach extends NerdCommand {
  static summary = "Attach local standard output and error streams to a running container"
  static aliases = ['container:attach']
  static args = {container: Args.string({required: true, description: 'CONTAINER'})}
  static flags = {
    'no-stdin': Flags.boolean({description: 'Do not attach STDIN'}),
    'sig-proxy': Flags.boolean({default: true, allowNo: true, description: 'Proxy all received signals to the process'}),
    'detach-keys': Flags.string({description: 'Override the key sequence for detaching a container'}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(Attach)
    const {attachRunning} = await import('../container/attach-running.ts')
    const {requireInputTerminal} = await import('../container/attach.ts')
    const detachKeys = await this.detachKeys(flags['detach-keys'])
    await this.forEachContainer([args.container], async (scope, container) => {
      requireInputTerminal(process.stdin, {stdin: !flags['no-stdin'], tty: container.record.Config.Tty})
      const outcome = await attachRunning(scope, container, {sigProxy: flags['sig-proxy'], detachKeys, stdin: !flags['no-stdin'], redraw: true}, process)
      if (outcome === 'detached') this.exitDetached()
      if (outcome !== 0) this.exit(outcome)
    })
  }
}
