/**
 * One change of the plugins at a time (install, uninstall, link, update, reset), across nerd
 * processes: oclif reads, changes and writes the data directory's package.json and npm its
 * node_modules with no lock of their own, and one install's sweep of packs/ removed the tarball
 * another was installing from (two installs at once: one plugin missing, both said to succeed).
 * A change stopped by a signal, or killed, leaves the plugins as they were before it
 * (installed-before.ts).
 */
import {join} from 'node:path'
import type {Interfaces} from '@oclif/core'
import {descendantPids, processEnded} from '../container/host-process.ts'
import {onStopSignals} from '../early-exit.ts'
import {asPluginCode} from '../hooks/plugin-stdout.ts'
import {NerdError} from '../errors.ts'
import {dropFileLock, withFileLock} from '../files.ts'
import {pluginDataDir} from '../paths.ts'
import {forgetInstalledPlugins, recordPlugins, restoreInstalledPlugins} from './installed-before.ts'

/** How long npm, and the scripts it runs, may take to end once a change is stopped, before they are killed. */
const CHILDREN_GRACE_MS = 5000

/**
 * Runs `change` holding the plugins' lock, waiting as long as another change of them is under way,
 * with oclif's configuration loaded again once the lock is held: the plugins `config` lists are
 * those of nerd's start, and another nerd may have changed them before this one took the lock (a
 * bundle installed meanwhile would not be seen by the checks of a plugin it carries).
 *
 * ctrl-c, SIGTERM or SIGHUP ends what the change runs (npm, which oclif's installer would otherwise
 * leave installing a version nobody checks, and without the lock), puts the plugins back as they
 * were, and nerd dies of the signal, as a command stopped by one does. Waiting for the lock, nerd
 * holds nothing, and dies at once.
 */
export async function withPluginsLock<T>(config: Interfaces.Config, change: (config: Interfaces.Config) => Promise<T>): Promise<T> {
  const dataDir = pluginDataDir(process.env)
  const lock = join(dataDir, 'plugins')
  return withFileLock(lock, async () => {
    // A change killed before it was done (SIGKILL) left its record: what it changed goes first.
    restoreInstalledPlugins(dataDir)
    await recordPlugins(dataDir).catch((error: unknown) => {
      throw new NerdError(`cannot record the plugins installed in ${dataDir}: ${(error as Error).message}`)
    })
    const stopListening = onStopSignals((signal) => {
      stopListening()
      endChildProcesses()
      restoreInstalledPlugins(dataDir)
      dropFileLock(lock)
      process.kill(process.pid, signal)
    })
    try {
      const {Config} = await import('@oclif/core/config')
      return await change(await asPluginCode(() => Config.load(config.root)))
    } finally {
      stopListening()
      await forgetInstalledPlugins(dataDir)
    }
  }, {
    guards: 'the plugins',
    waitMs: Number.POSITIVE_INFINITY,
    onWait: () => process.stderr.write('nerd: waiting for another nerd command to finish changing the plugins\n'),
  })
}

/**
 * Ends the processes nerd runs (npm and the scripts it runs), and waits for them to end: killed
 * once CHILDREN_GRACE_MS is up. Synchronously: oclif's installer, let go on, would take npm's end
 * for a failure and run npm again.
 */
function endChildProcesses(): void {
  const pids = descendantPids(process.pid)
  const pause = new Int32Array(new SharedArrayBuffer(4))
  for (const [signal, waitMs] of [['SIGTERM', CHILDREN_GRACE_MS], ['SIGKILL', 1000]] as const) {
    const running = pids.filter((pid) => !processEnded(pid))
    for (const pid of running) {
      try {
        process.kill(pid, signal)
      } catch {
        // Ended meanwhile.
      }
    }
    for (const deadline = Date.now() + waitMs; !running.every(processEnded) && Date.now() < deadline; ) Atomics.wait(pause, 0, 0, 20)
  }
}
