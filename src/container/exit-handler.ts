import {spawn} from 'node:child_process'
import {join} from 'node:path'
import {codeDir} from '../paths.ts'

/**
 * Starts the exit handler (dist/task-exit.js, see task-exit.ts) for the container, in a session of
 * its own that outlives this process: it waits for the task's exit and applies the restart policy,
 * `--rm`, or else deletes the task.
 */
export function startExitHandler(dataRoot: string, namespace: string, id: string): void {
  spawn(process.execPath, [join(codeDir, 'task-exit.js'), dataRoot, namespace, id], {detached: true, stdio: 'ignore'}).unref()
}
