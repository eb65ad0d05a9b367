/**
 * One change of the plugins at a time (install, uninstall, link, update, reset), across nerd
 * processes: oclif reads, changes and writes the data directory's package.json and npm its
 * node_modules with no lock of their own, and one install's sweep of packs/ removed the tarball
 * another was installing from (two installs at once: one plugin missing, both said to succeed).
 */
import {join} from 'node:path'
import type {Interfaces} from '@oclif/core'
import {withFileLock} from '../files.ts'
import {pluginDataDir} from '../paths.ts'

/**
 * Runs `change` holding the plugins' lock, waiting as long as another change of them is under way,
 * with oclif's configuration loaded again once the lock is held: the plugins `config` lists are
 * those of nerd's start, and another nerd may have changed them before this one took the lock (a
 * bundle installed meanwhile would not be seen by the checks of a plugin it carries).
 */
export async function withPluginsLock<T>(config: Interfaces.Config, change: (config: Interfaces.Config) => Promise<T>): Promise<T> {
  return withFileLock(join(pluginDataDir(process.env), 'plugins'), async () => {
    const {Config} = await import('@oclif/core/config')
    return change(await Config.load(config.root))
  }, {
    guards: 'the plugins',
    waitMs: Number.POSITIVE_INFINITY,
    onWait: () => process.stderr.write('nerd: waiting for another nerd command to finish changing the plugins\n'),
  })
}
