/** What nerd says when plugins are removed (uninstall, reset). */
import {containersRecordingPlugin} from '../hooks/recorded.ts'
import {installedPlugins} from '../hooks/installed.ts'

/**
 * As docker's `plugin rm` tells of a plugin in use, but without refusing: the containers that
 * recorded the network hooks of a plugin of `names` start without them from now on
 * (hooks/recorded.ts), unless another copy of it is still installed in `pluginDataDir`.
 */
export async function warnAboutRecordingContainers(pluginDataDir: string, dataRoot: string, names: Iterable<string>): Promise<void> {
  const stillInstalled = installedPlugins(pluginDataDir)
  for (const name of new Set(names)) {
    if (stillInstalled.has(name)) continue
    const count = await containersRecordingPlugin(dataRoot, name)
    if (count > 0) process.stderr.write(`WARNING: ${count} container${count === 1 ? ' was' : 's were'} created with the network hooks of plugin "${name}"; they start without them from now on\n`)
  }
}
