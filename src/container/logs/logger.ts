/**
 * The logging driver containerd's shim runs for a detached container (`binary://` log URI): fd 3
 * and 4 carry the container's stdout and stderr, fd 5 tells the shim the logger is ready. It
 * writes the json-file log and, when the container's init process exits, starts the exit handler
 * that applies the restart policy or `--rm`. It lives as long as the container, so it loads little.
 */
import {spawn} from 'node:child_process'
import {closeSync, createReadStream, readFileSync, statSync, unlinkSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {containerPaths, readRecord, updateState} from '../store.ts'
import {openJsonFileLog, parseLogOptions} from './json-file.ts'
import type {LogStream} from './json-file.ts'

/** `binary://<node>?<logger script>=<data root>`: the shim runs `<node> <logger script> <data root>`. */
export function loggerUri(nodePath: string, loggerScript: string, dataRoot: string): string {
  const path = nodePath.split('/').map(encodeURIComponent).join('/')
  return `binary://${path}?${encodeURIComponent(loggerScript)}=${encodeURIComponent(dataRoot)}`
}

export interface LoggerEnvironment {
  dataRoot: string
  namespace: string
  id: string
  /** Where the exit handler (dist/task-exit.js) is; beside the logger. */
  loggerScript: string
}

export async function runLogger(environment: LoggerEnvironment): Promise<void> {
  const started = Date.now()
  const paths = containerPaths(environment.dataRoot, environment.namespace, environment.id)
  const record = await readRecord(paths)
  if (!record) throw new Error(`no container ${environment.id} under ${environment.dataRoot}`)
  // nerd marks the starts it makes; a task nobody marked is containerd's restart monitor at work.
  // (Only then is the state locked: the lock's module costs the long-lived logger memory.)
  try {
    unlinkSync(paths.startMark)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
    await updateState(paths, (state) => ({RestartCount: state.RestartCount + 1, StartedAt: new Date().toISOString(), FinishedAt: ''}))
  }
  const log = record.LogPath ? await openJsonFileLog(record.LogPath, parseLogOptions(record.HostConfig.LogConfig.Config)) : undefined
  closeSync(5)
  const copy = (fd: number, stream: LogStream): Promise<void> =>
    new Promise((resolve) => {
      const input = createReadStream('', {fd, highWaterMark: 64 * 1024})
      input.on('data', (chunk) => log?.write(stream, chunk as Buffer))
      input.on('error', () => resolve())
      input.on('close', () => resolve())
    })
  const copied = Promise.all([copy(3, 'stdout'), copy(4, 'stderr')])
  const policy = record.HostConfig.RestartPolicy.Name
  if (record.HostConfig.AutoRemove || (policy !== '' && policy !== 'no')) {
    // The shim keeps the output pipes open until the task is deleted, so the exit shows as the init process going away.
    const exited = await Promise.race([processExit(paths.initPid, started).then(() => true), copied.then(() => false)])
    if (exited) {
      // Its own session: deleting the task (which the handler may do) makes the shim kill the logger.
      spawn(process.execPath, [join(dirname(environment.loggerScript), 'task-exit.js'), environment.dataRoot, environment.namespace, environment.id], {
        detached: true,
        stdio: 'ignore',
      }).unref()
    }
  }
  await copied
  await log?.close()
}

const POLL_MS = 250

/** Resolves when the init process this task's hook recorded (after `since`) is gone or a zombie. */
async function processExit(pidFile: string, since: number): Promise<void> {
  let pid: number | undefined
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS))
    if (pid === undefined) {
      try {
        if (statSync(pidFile).mtimeMs >= since) pid = Number(readFileSync(pidFile, 'utf8'))
      } catch {
        // not written yet
      }
      continue
    }
    try {
      if (readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.startsWith('Z')) return
    } catch {
      return
    }
  }
}
