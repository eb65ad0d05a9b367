import {spawn} from 'node:child_process'
import {join} from 'node:path'
import {codeDir} from '../paths.ts'

/**
 * Starts the exit handler (dist/task-exit.js, see task-exit.ts) for the container's process `pid`, in
 * a session of its own that outlives this process: it waits for that process's exit and applies the
 * restart policy, `--rm`, or else deletes the task. (Without a pid: the task's current process.)
 */
export function startExitHandler(dataRoot: string, namespace: string, id: string, pid: number | undefined): void {
  spawn(process.execPath, [join(codeDir, 'task-exit.js'), dataRoot, namespace, id, ...(pid === undefined ? [] : [String(pid)])], {detached: true, stdio: 'ignore'}).unref()
}
