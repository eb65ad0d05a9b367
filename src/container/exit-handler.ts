import {spawn} from 'node:child_process'
import {join} from 'node:path'
import {codeDir, HELPER_NODE_FLAGS} from '../paths.ts'

/**
 * Starts the exit handler (dist/task-exit.js, see task-exit.ts) for the container's process `pid`, in
 * a session of its own that outlives this process: it waits for that process's exit and applies the
 * restart policy, `--rm`, or else deletes the task. (Without a pid: the task's current process.)
 * `killAt` (ms since the epoch): a stop's deadline, after which the handler kills the process.
 */
export function startExitHandler(dataRoot: string, namespace: string, id: string, pid: number | undefined, killAt?: number): void {
  const args = pid === undefined ? [] : [String(pid), ...(killAt === undefined ? [] : [String(killAt)])]
  spawn(process.execPath, [...HELPER_NODE_FLAGS, join(codeDir, 'task-exit.js'), dataRoot, namespace, id, ...args], {detached: true, stdio: 'ignore'}).unref()
}
