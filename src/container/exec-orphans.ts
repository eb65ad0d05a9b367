/**
 * An attached `exec` whose nerd was killed outright (SIGKILL: the OOM killer, `timeout -s KILL`, a
 * CI job's end) leaves its process running with nobody reading its output FIFOs: once their pipes
 * are full the process blocks for good, and its record and FIFO directory stay. docker's daemon
 * owns an exec's streams, so there a killed client stops nothing. The next command that looks at
 * the container (an exec, ps, inspect) finds the exec's record naming a holder that is gone, and
 * does what that nerd would have done on a broken pipe: its output ends, opened again through the
 * shim's descriptors, go to a drain that reads and drops them (as docker keeps no log of an exec),
 * and the exec to a reaper that deletes it when it ends.
 */
import {closeSync} from 'node:fs'
import {join} from 'node:path'
import type {ContainerdClient} from '../containerd/index.ts'
import {handOverOutput} from './detached-output.ts'
import {handOverExec, recordExec, sweepEndedExecs} from './exec-reaper.ts'
import type {OrphanedExec} from './exec-reaper.ts'
import {parentPid} from './host-process.ts'
import {removeOrphanedFifos, reopenOrphanedFifos} from './io.ts'
import {claimOrphaned} from './process-mark.ts'
import type {ContainerPaths} from './store.ts'

/** Sweeps the container's ended execs (exec-reaper.ts) and takes over those whose holder was killed while they run. */
export async function seeOutOrphanedExecs(scope: {client: ContainerdClient; dataRoot: string}, id: string, paths: Pick<ContainerPaths, 'execs'>): Promise<void> {
  const orphans = await sweepEndedExecs(scope.client, id, paths)
  if (orphans.length === 0) return
  await Promise.all(orphans.map((orphan) => takeOverOrphanedExec(scope, id, paths, orphan).catch(() => undefined)))
  // The killed nerd's FIFO directory: the drain holds what it needs of it.
  await removeOrphanedFifos(scope.dataRoot)
}

async function takeOverOrphanedExec(scope: {client: ContainerdClient; dataRoot: string}, id: string, paths: Pick<ContainerPaths, 'execs'>, orphan: OrphanedExec): Promise<void> {
  // Of the commands that find it at once, one takes it over; it holds the exec until its reaper does.
  const holder = (await claimOrphaned(join(paths.execs, orphan.execId)))?.owner
  if (holder === undefined) return
  await recordExec(paths, orphan.execId)
  // The exec's process is the shim's child, as the init process is. No ends: it has ended meanwhile,
  // or its shim cannot be read (a nerd in another pid namespace); the reaper still deletes it.
  const shim = parentPid(orphan.pid)
  const ends = shim === undefined ? undefined : reopenOrphanedFifos(holder, shim)
  if (ends) {
    try {
      await handOverOutput({stdout: ends.stdout, ...(ends.stderr === undefined ? {} : {stderr: ends.stderr}), recordFile: ''})
    } finally {
      for (const fd of Object.values(ends)) closeSync(fd)
    }
  }
  handOverExec(scope.client, scope.dataRoot, id, orphan.execId)
}
