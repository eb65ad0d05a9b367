/**
 * docker's daemon deletes an exec's process from containerd's shim when it ends; nerd has no
 * daemon, so whoever holds an exec deletes it: the attached `exec` itself once its process ends,
 * else a small process of nerd's own (dist/exec-exit.js) that waits for the end, started by
 * `exec -d` and by an `exec -it` that detaches. Until it is deleted, an exec is recorded in the
 * container's `execs` directory naming its holder (an owner, owner.ts), and each exec sweeps the ended ones
 * whose holder is gone (a nerd or reaper killed meanwhile): those stay in the shim only until the
 * container's next exec, or the task's deletion.
 */
import {spawn} from 'node:child_process'
import {mkdir, readdir, readFile, rm, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {connect, isNotFound} from '../containerd/index.ts'
import type {ContainerdClient} from '../containerd/index.ts'
import {ownerGone, ownerTag} from '../owner.ts'
import {codeDir, HELPER_NODE_FLAGS} from '../paths.ts'
import {containerPaths} from './store.ts'
import type {ContainerPaths} from './store.ts'

type ExecsDir = Pick<ContainerPaths, 'execs'>

/** Records the exec as held by this process: before its process is made, or by the reaper taking it over. */
export async function recordExec(paths: ExecsDir, execId: string): Promise<void> {
  await mkdir(paths.execs, {recursive: true})
  await writeFile(join(paths.execs, execId), ownerTag())
}

/** The execs recorded: about to be made, made, or ended and not yet deleted. */
export async function recordedExecs(paths: ExecsDir): Promise<string[]> {
  return readdir(paths.execs).catch(() => [])
}

/** The exec's process is deleted, or was never made. */
export async function forgetExec(paths: ExecsDir, execId: string): Promise<void> {
  await rm(join(paths.execs, execId), {force: true})
}

async function deleteExec(client: ContainerdClient, id: string, paths: ExecsDir, execId: string): Promise<void> {
  await client.tasks.deleteProcess(id, execId).catch((error: unknown) => {
    if (!isNotFound(error)) throw error
  })
  await forgetExec(paths, execId)
}

/** An exec whose holder is gone (killed outright) while its process runs on: its `holder`, and its process's `pid`. */
export interface OrphanedExec {
  execId: string
  holder: string
  pid: number
}

/**
 * Deletes the container's recorded execs that ended (or were made and never started) and whose
 * holder is gone; one whose holder lives is the holder's to delete. Failures are left for the next
 * sweep. Answers those whose holder is gone while they run, for exec-orphans.ts to take over.
 * Without records (most containers) only the directory is read.
 */
export async function sweepEndedExecs(client: ContainerdClient, id: string, paths: ExecsDir): Promise<OrphanedExec[]> {
  const execIds = await recordedExecs(paths)
  const orphans: OrphanedExec[] = []
  await Promise.all(
    execIds.map(async (execId) => {
      const holder = await readFile(join(paths.execs, execId), 'utf8').catch(() => '')
      // An empty record is a holder's killed while it wrote it.
      if (holder !== '' && !ownerGone(holder)) return
      try {
        const {status, pid} = await client.tasks.get(id, execId)
        if (status === 'STOPPED' || status === 'CREATED') await deleteExec(client, id, paths, execId)
        else if (holder !== '') orphans.push({execId, holder, pid})
      } catch (error) {
        // The task was deleted (and its execs with it), or replaced by a new one.
        if (isNotFound(error)) await forgetExec(paths, execId)
      }
    }),
  ).catch(() => undefined)
  return orphans
}

/**
 * Leaves the exec to a reaper of its own (dist/exec-exit.js), which deletes it when it ends. (One
 * that could not start leaves the exec held by this process, for a sweep after it.)
 */
export function handOverExec(client: ContainerdClient, dataRoot: string, id: string, execId: string): void {
  const reaper = spawn(process.execPath, [...HELPER_NODE_FLAGS, join(codeDir, 'exec-exit.js'), dataRoot, client.address, client.namespace, id, execId], {detached: true, stdio: 'ignore'})
  reaper.on('error', () => undefined)
  reaper.unref()
}

/** The reaper: takes the exec over as its holder, waits for its end and deletes it. */
export async function reapExec(dataRoot: string, address: string, namespace: string, id: string, execId: string): Promise<void> {
  const paths = containerPaths(dataRoot, namespace, id)
  await recordExec(paths, execId)
  const client = await connect({address, namespace})
  try {
    await client.tasks.wait(id, {execId}).catch((error: unknown) => {
      if (!isNotFound(error)) throw error
    })
    await deleteExec(client, id, paths, execId)
  } finally {
    client.close()
  }
}
