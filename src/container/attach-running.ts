/**
 * docker's attach for a container running in the background: its output from now on (read from the
 * json-file log), nerd's stdin into the container's stdin FIFO for a container run with `-i` (held
 * open by its logger with `-it`, by nerd's drain with `-i` alone, so input goes on across attaches),
 * the terminal's size, signals forwarded, detach keys on a terminal, and the container's exit code
 * when it ends.
 */
import {constants as fsConstants, existsSync, openSync} from 'node:fs'
import {Socket} from 'node:net'
import {constants} from 'node:os'
import {NerdError} from '../errors.ts'
import {DetachKeyScanner} from './attach.ts'
import type {AttachTerminal} from './attach.ts'
import {publishContainerEvent} from './lifecycle.ts'
import type {ContainerScope, LoadedContainer} from './lifecycle.ts'
import {outputDrained} from './detached-output.ts'
import {readLogs} from './logs/index.ts'

const PROXIED_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2']

export interface AttachRunningOptions {
  sigProxy: boolean
  detachKeys: number[]
  /** Forward nerd's stdin (unless `--no-stdin`); only a container run with `-it` takes it. */
  stdin: boolean
}

export async function attachRunning(scope: ContainerScope, container: LoadedContainer, options: AttachRunningOptions, terminal: AttachTerminal): Promise<number | 'detached'> {
  const id = container.record.Id
  const task = await scope.client.tasks.get(id).catch(() => undefined)
  if (!task || (task.status !== 'RUNNING' && task.status !== 'PAUSED')) throw new NerdError('You cannot attach to a stopped container, start it first')
  if (!container.record.LogPath) throw new NerdError(`container ${container.record.Name} has no log to attach to (--log-driver none)`)
  await publishContainerEvent(scope, container, 'attach')
  const controller = new AbortController()
  let exited = false
  const exit = scope.client.tasks.wait(id, {signal: controller.signal}).then((status) => {
    exited = true
    return status.exitStatus
  })
  // The output of a `-di` container reaches the log through nerd's drain, which may still be writing at the exit.
  const outputDone = (): boolean => exited && outputDrained(container.paths)
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
  const {OpenStdin, Tty} = container.record.Config
  // The shim reads the FIFO: opening it for writing does not wait.
  const input = options.stdin && OpenStdin && existsSync(container.paths.stdin)
    ? new Socket({fd: openSync(container.paths.stdin, fsConstants.O_WRONLY | fsConstants.O_NONBLOCK), readable: false, writable: true})
    : undefined
  if (input) {
    input.on('error', () => undefined)
    cleanups.push(() => input.destroy())
  }
  if (Tty && terminal.stdout.isTTY) {
    const resize = (): void => {
      scope.client.tasks.resizePty({containerId: id, width: terminal.stdout.columns, height: terminal.stdout.rows}).catch(() => undefined)
    }
    resize()
    terminal.stdout.on('resize', resize)
    cleanups.push(() => terminal.stdout.off('resize', resize))
  }
  if (terminal.stdin.isTTY) {
    const scanner = new DetachKeyScanner(options.detachKeys)
    terminal.stdin.setRawMode(true)
    const onData = (chunk: Buffer): void => {
      const scanned = scanner.scan(chunk)
      if (scanned.forward.length > 0) input?.write(scanned.forward)
      if (scanned.detach) detach()
    }
    terminal.stdin.on('data', onData)
    cleanups.push(() => {
      terminal.stdin.off('data', onData)
      terminal.stdin.setRawMode(false)
      terminal.stdin.pause()
    })
  } else if (input) {
    // Piped input goes in as it comes; its end is not the container's (docker keeps stdin open).
    const onData = (chunk: Buffer): void => {
      input.write(chunk)
    }
    terminal.stdin.on('data', onData)
    cleanups.push(() => {
      terminal.stdin.off('data', onData)
      terminal.stdin.pause()
    })
  }
  const output = readLogs(
    container.record.LogPath,
    {follow: true, tail: 0, shouldStop: async () => outputDone(), signal: controller.signal},
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
