/**
 * docker's exec: a new process in a running container, its spec derived from the container's own
 * (environment, user, capabilities), attached through FIFOs or detached with no stdio (a terminal's
 * output goes to /dev/null).
 */
import {randomBytes} from 'node:crypto'
import {packJson, unpackJson} from '../containerd/index.ts'
import type {ExecInput} from '../containerd/index.ts'
import {EXIT_NERD_FAILED, NerdError} from '../errors.ts'
import {publishEvents} from '../system/nerd-events.ts'
import type {NerdEvent} from '../system/nerd-events.ts'
import {attachStdio, parseDetachKeys, runtimeStartFailure, startFailureMessage} from './attach.ts'
import {hostCapabilities} from './host-facts.ts'
import type {AttachTerminal} from './attach.ts'
import {handOverSession} from './detached-output.ts'
import {forgetExec, handOverExec, recordExec} from './exec-reaper.ts'
import {seeOutOrphanedExecs} from './exec-orphans.ts'
import {discardFifos, hasEnded, makeFifos, openFifos, type FifoSet} from './io.ts'
import {currentLinks} from './linked-containers.ts'
import {getTask, publishContainerEvent, restartingMessage, viewOf} from './lifecycle.ts'
import type {ContainerScope, LoadedContainer} from './lifecycle.ts'
import {readRootfsFiles, USER_FILES} from './rootfs-files.ts'
import {readState} from './store.ts'
import {daemonEnvironment, envKey, KNOWN_CAPABILITIES, replaceOrAppendEnv, resolveUser} from './spec/index.ts'
import type {Spec} from './spec/index.ts'

export const PROCESS_TYPE_URL = 'types.containerd.io/opencontainers/runtime-spec/1/Process'

export interface ExecOptions {
  command: string[]
  interactive: boolean
  tty: boolean
  detach: boolean
  /** `NAME=value` entries (from -e and --env-file, `NAME` already resolved) added to the container's; a bare `NAME` (nerd has none) removes it. */
  env: string[]
  workdir?: string
  user?: string
  privileged: boolean
  /** The detach keys' text, checked as docker's daemon does, once the container runs and the user is found. */
  detachKeys: string
  /** The terminal's size, which the runtime gives the pty before the process starts (it may read it at once). */
  consoleSize?: {width: number; height: number}
  /** FIFOs the caller is making already (an attached exec); removed here if the exec cannot start. */
  fifos?: Promise<FifoSet>
}

type Process = NonNullable<Spec['process']>

/**
 * The exec'd process: the container's process spec with the command, env, cwd, user and terminal
 * replaced. Its environment is docker's daemon's for an exec (daemon/exec.go): made again as the
 * container's was, with TERM for the exec's own -t only, the links' variables as they are now, and
 * the exec's variables over it. HOME is left to the runtime, which adds the user's at the end when
 * none is set, as for docker's.
 */
export async function execProcessSpec(scope: ContainerScope, container: LoadedContainer, options: ExecOptions): Promise<Process> {
  const [stored, links] = await Promise.all([
    scope.client.containers.get(container.record.Id),
    // docker's daemon works the links out as it creates the exec: a failure before the process, 125.
    currentLinks(scope, container).catch((error: unknown) => {
      throw new NerdError((error as Error).message, {exitCode: EXIT_NERD_FAILED, cause: error})
    }),
  ])
  const base = unpackJson<Spec>(stored.spec)?.process
  if (!base) throw new NerdError(`container ${container.record.Name} has no process spec`)
  // The HOSTNAME the container's start gave it: docker's Config.Hostname (for one on another's network, that one's).
  const hostname = base.env?.find((entry) => entry.startsWith('HOSTNAME='))?.slice('HOSTNAME='.length)
  const containerEnv = daemonEnvironment({hostname, tty: options.tty, linkEnv: links?.env ?? []}, container.record.Config.Env ?? [])
  // What a plugin's spec hook added to the container's environment is the container's too; the
  // TERM and HOME its start added are the start's, not the exec's.
  const made = new Set([...containerEnv.map(envKey), 'TERM', 'HOME'])
  const pluginEnv = (base.env ?? []).filter((entry) => !made.has(envKey(entry)))
  const env = replaceOrAppendEnv([...containerEnv, ...pluginEnv], options.env)
  const process: Process = {...base, args: options.command, env, terminal: options.tty, cwd: options.workdir || base.cwd}
  if (options.tty && options.consoleSize) process.consoleSize = options.consoleSize
  if (options.user) {
    const rootfs = await scope.client.snapshots.mounts(container.record.Snapshotter, container.record.Id)
    const files = await readRootfsFiles(rootfs, USER_FILES)
    let user
    try {
      // The container's --group-add groups too, as docker's daemon adds them to an exec's user.
      user = resolveUser(options.user, {passwd: files['/etc/passwd'], group: files['/etc/group']}, container.record.HostConfig.GroupAdd ?? [])
    } catch (error) {
      // docker's daemon looks the user up as it creates the exec: a failure before the process, 125.
      throw new NerdError((error as Error).message, {exitCode: EXIT_NERD_FAILED, cause: error})
    }
    process.user = {uid: user.uid, gid: user.gid, additionalGids: user.additionalGids}
  }
  if (options.privileged) {
    // Every capability the host has, as a privileged container gets: asking for more fails the exec.
    const all = [...(hostCapabilities() ?? KNOWN_CAPABILITIES)]
    process.capabilities = {bounding: all, effective: all, permitted: all}
  }
  return process
}

/** A new exec's ID, docker's (stringid.GenerateRandomID: 64 hex digits), a health probe's too: events and ExecIDs show it. */
export function newExecId(): string {
  return randomBytes(32).toString('hex')
}

/**
 * docker's exec_create and exec_start of an exec (containerd's own events name no command), their
 * action text the command's first word, a space and the rest: `exec_start: ls -l /`.
 */
export function execEvents(containerId: string, execId: string, command: readonly string[]): NerdEvent[] {
  const text = `${command[0] ?? ''} ${command.slice(1).join(' ')}`
  return ['exec_create', 'exec_start'].map((action) => ({type: 'container', action, id: containerId, attributes: {execID: execId, [action]: text}}))
}

/**
 * docker's refusal of an exec by the container's state, a failure before the process starts (exit
 * 125); none when the container runs.
 */
async function stateRefusal(scope: ContainerScope, container: LoadedContainer): Promise<NerdError | undefined> {
  const id = container.record.Id
  const [state, task] = await Promise.all([readState(container.paths), getTask(scope, id)])
  const refusal = (reason: string): NerdError => new NerdError(reason, {exitCode: EXIT_NERD_FAILED})
  switch (container.dead ? 'dead' : viewOf(container.record, state, container.labels, task).status) {
    case 'running':
      return undefined
    case 'paused':
      return refusal(`Container ${id} is paused, unpause the container before exec`)
    case 'restarting':
      return refusal(restartingMessage(id))
    default:
      return refusal(`container ${id} is not running`)
  }
}

/**
 * Why the exec's process could not be made or started: the container's state if it stopped or began
 * restarting meanwhile, else the runtime's failure as docker's daemon records it for the exec
 * (runtimeStartFailure), the text and the exec's ExitCode, which docker's CLI exits with.
 */
async function startFailure(scope: ContainerScope, container: LoadedContainer, error: unknown): Promise<NerdError> {
  const refusal = await stateRefusal(scope, container).catch(() => undefined)
  const {message, exitCode} = runtimeStartFailure(startFailureMessage((error as Error).message))
  return refusal ?? new NerdError(message, {exitCode, cause: error})
}

async function createExecProcess(scope: ContainerScope, container: LoadedContainer, request: ExecInput): Promise<void> {
  await scope.client.tasks.exec(request).catch(async (error: unknown) => {
    throw await startFailure(scope, container, error)
  })
}

async function startExecProcess(scope: ContainerScope, container: LoadedContainer, execId: string): Promise<void> {
  await scope.client.tasks.start(container.record.Id, execId).catch(async (error: unknown) => {
    await scope.client.tasks.deleteProcess(container.record.Id, execId).catch(() => undefined)
    throw await startFailure(scope, container, error)
  })
}

/** The exec's detach keys, refused as docker's daemon does at exec create (a failure before the process, 125). */
function detachKeysOf(options: ExecOptions): number[] {
  try {
    return parseDetachKeys(options.detachKeys, 'escape')
  } catch (error) {
    throw new NerdError((error as Error).message, {exitCode: EXIT_NERD_FAILED, cause: error})
  }
}

/** Runs the exec; resolves with its exit code (0 with `-d`), or how it let go of the process (see attachStdio). */
export async function execInContainer(
  scope: ContainerScope,
  container: LoadedContainer,
  options: ExecOptions,
  terminal: AttachTerminal,
): Promise<number | 'detached' | 'let-go'> {
  const id = container.record.Id
  const execId = newExecId()
  let spec
  let detachKeys
  try {
    // The process spec is worked out while the container's state is looked at.
    const processSpec = execProcessSpec(scope, container, options)
    processSpec.catch(() => undefined)
    const refusal = await stateRefusal(scope, container)
    if (refusal) throw refusal
    spec = packJson(PROCESS_TYPE_URL, await processSpec)
    detachKeys = detachKeysOf(options)
    // Recorded before its process is made: a nerd killed from now on leaves it to a later sweep.
    await recordExec(container.paths, execId)
  } catch (error) {
    await discardFifos(options.fifos)
    throw error
  }
  const swept = seeOutOrphanedExecs(scope, id, container.paths)
  try {
    return await runExec(scope, container, options, terminal, spec, execId, detachKeys)
  } finally {
    await swept
  }
}

async function runExec(
  scope: ContainerScope,
  container: LoadedContainer,
  options: ExecOptions,
  terminal: AttachTerminal,
  spec: ReturnType<typeof packJson>,
  execId: string,
  detachKeys: number[],
): Promise<number | 'detached' | 'let-go'> {
  const id = container.record.Id
  // Published while the process is made, and before it starts: its exec_die comes after them.
  const announced = publishEvents(scope.client, execEvents(id, execId, options.command))
  if (options.detach) {
    // The shim copies a terminal's output to stdout, which must be somewhere: nowhere, as nobody
    // reads a detached exec's output (docker's daemon reads and drops it).
    try {
      await createExecProcess(scope, container, {containerId: id, execId, spec, terminal: options.tty, ...(options.tty ? {stdout: '/dev/null'} : {})})
      await announced
      await startExecProcess(scope, container, execId)
    } catch (error) {
      await forgetExec(container.paths, execId)
      throw error
    }
    handOverExec(scope.client, scope.dataRoot, id, execId)
    return 0
  }
  const fifos = openFifos(await (options.fifos ?? makeFifos(scope.dataRoot, {stdin: options.interactive, terminal: options.tty})))
  let session
  const detaching = new AbortController()
  try {
    let exit
    try {
      await createExecProcess(scope, container, {
        containerId: id,
        execId,
        spec,
        terminal: options.tty,
        stdin: fifos.paths.stdin,
        stdout: fifos.paths.stdout,
        stderr: fifos.paths.stderr,
      })
      exit = scope.client.tasks.wait(id, {execId, signal: detaching.signal})
      exit.catch(() => undefined)
      await announced
      await startExecProcess(scope, container, execId)
    } catch (error) {
      await forgetExec(container.paths, execId)
      throw error
    }
    session = attachStdio({
      fifos,
      terminal,
      stdin: options.interactive,
      tty: options.tty,
      // docker's exec passes no signal on (no forwardSignal): its process goes on past the CLI's end, as a detached one.
      stopStatus: 0,
      detachKeys,
      resize: (width, height) => scope.client.tasks.resizePty({containerId: id, execId, width, height}),
      closeStdin: () => scope.client.tasks.closeIO({containerId: id, execId, stdin: true}),
    })
    const outcome = await session.done(exit)
    // The detach keys end the exec's attach as docker's daemon tells it.
    if (outcome === 'detached') await publishContainerEvent(scope, container, 'exec_detach', {execID: execId})
    // docker keeps no log of an exec: its further output is read and dropped, so it never blocks.
    if (outcome !== 'exited' && (await handOverSession(fifos, ''))) {
      handOverExec(scope.client, scope.dataRoot, id, execId)
      return outcome
    }
    const code = (await exit).exitStatus
    // Output still held open past attachStdio's grace (a background child of the exec's): docker's
    // daemon gives up on it there and deletes the exec in the background. containerd's deletion
    // would wait up to 2 s more for that output, so a reaper deletes it.
    if (!hasEnded(fifos.stdout) || !hasEnded(fifos.stderr)) {
      handOverExec(scope.client, scope.dataRoot, id, execId)
      return code
    }
    await scope.client.tasks.deleteProcess(id, execId).catch(() => undefined)
    await forgetExec(container.paths, execId)
    return code
  } finally {
    detaching.abort()
    session?.close()
    await fifos.dispose()
  }
}
