/**
 * docker's attach for a container running in the background: its output from now on (read from the
 * json-file log the shim's logger writes), signals forwarded, detach keys on a terminal, and the
 * container's exit code when it ends. A detached container has no stdin to attach to: the shim
 * hands its output to the logger and keeps no input pipe.
 */
import {constants} from 'node:os'
import {NerdError} from '../errors.ts'
import {DetachKeyScanner} from './attach.ts'
import type {AttachTerminal} from './attach.ts'
import type {ContainerScope, LoadedContainer} from './lifecycle.ts'
import {readLogs} from './logs/index.ts'

const PROXIED_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2']

export interface AttachRunningOptions {
  sigProxy: boolean
  detachKeys: number[]
}

export async function attachRunning(scope: ContainerScope, container: LoadedContainer, options: AttachRunningOptions, terminal: AttachTerminal): Promise<number | 'detached'> {
  const id = container.record.Id
  const task = await scope.client.tasks.get(id).catch(() => undefined)
  if (!task || (task.status !== 'RUNNING' && task.status !== 'PAUSED')) throw new NerdError('You cannot attach to a stopped container, start it first')
  if (!container.record.LogPath) throw new NerdError(`container ${container.record.Name} has no log to attach to (--log-driver none)`)
  const controller = new AbortController()
  let exited = false
  const exit = scope.client.tasks.wait(id, {signal: controller.signal}).then((status) => {
    exited = true
    return status.exitStatus
  })
  let detach: () => void = () => undefined
  const detached = new Promise<'detached'>((resolve) => (detach = () => resolve('detached')))
  const cleanups: (() => void)[] = []
  if (options.sigProxy && !container.record.Config.Tty) {
    for (const name of PROXIED_SIGNALS) {
      const forward = (): void => {
        scope.client.tasks.kill(id, constants.signals[name]).catch(() => undefined)
      }
      process.on(name, forward)
      cleanups.push(() => process.off(name, forward))
    }
  }
  if (terminal.stdin.isTTY) {
    const scanner = new DetachKeyScanner(options.detachKeys)
    terminal.stdin.setRawMode(true)
    const onData = (chunk: Buffer): void => {
      if (scanner.scan(chunk).detach) detach()
    }
    terminal.stdin.on('data', onData)
    cleanups.push(() => {
      terminal.stdin.off('data', onData)
      terminal.stdin.setRawMode(false)
      terminal.stdin.pause()
    })
  }
  const output = readLogs(
    container.record.LogPath,
    {follow: true, tail: 0, shouldStop: async () => exited, signal: controller.signal},
    {stdout: (chunk) => terminal.stdout.write(chunk), stderr: (chunk) => terminal.stderr.write(chunk)},
  )
  try {
    const outcome = await Promise.race([exit.then(async (code) => (await output, code)), detached])
    return outcome
  } finally {
    controller.abort()
    for (const cleanup of cleanups) cleanup()
  }
}
