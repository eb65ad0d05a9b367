import History from './commands/history.ts'
import ImageConvert from './commands/image/convert.ts'
import ImageInspect from './commands/image/inspect.ts'
import ImagePrune from './commands/image/prune.ts'
import Images from './commands/images.ts'
import Import from './commands/import.ts'
import Info from './commands/info.ts'
import Inspect from './commands/inspect.ts'
import Load from './commands/load.ts'
import Login from './commands/login.ts'
import Logout from './commands/logout.ts'
import Logs from './commands/logs.ts'
import NamespaceCreate from './commands/namespace/create.ts'
import NamespaceInspect from './commands/namespace/inspect.ts'
import NamespaceLs from './commands/namespace/ls.ts'
import NamespaceRm from './commands/namespace/rm.ts'
import NamespaceUpdate from './commands/namespace/update.ts'
import Ps from './commands/ps.ts'
import Pull from './commands/pull.ts'
import Push from './commands/push.ts'
import Rmi from './commands/rmi.ts'
import Save from './commands/save.ts'
import Tag from './commands/tag.ts'
import Version from './commands/version.ts'
import Attach from './commands/attach.ts'
import ContainerInspect from './commands/container/inspect.ts'
import ContainerPrune from './commands/container/prune.ts'
import Create from './commands/create.ts'
import Exec from './commands/exec.ts'
import Kill from './commands/kill.ts'
import Pause from './commands/pause.ts'
import Rename from './commands/rename.ts'
import Restart from './commands/restart.ts'
import Rm from './commands/rm.ts'
import Run from './commands/run.ts'
import Start from './commands/start.ts'
import Stop from './commands/stop.ts'
import Top from './commands/top.ts'
import Commit from './commands/commit.ts'
import Cp from './commands/cp.ts'
import Diff from './commands/diff.ts'
import Export from './commands/export.ts'
import Update from './commands/update.ts'
import Stats from './commands/stats.ts'
import Events from './commands/events.ts'
import Plugins from './commands/plugins.ts'
import PluginsInspect from './commands/plugins/inspect.ts'
import PluginsInstall from './commands/plugins/install.ts'
import PluginsLink from './commands/plugins/link.ts'
import PluginsLs from './commands/plugins/ls.ts'
import PluginsNew from './commands/plugins/new.ts'
import PluginsReset from './commands/plugins/reset.ts'
import PluginsUninstall from './commands/plugins/uninstall.ts'
import PluginsUpdate from './commands/plugins/update.ts'
import SystemDf from './commands/system/df.ts'
import SystemPrune from './commands/system/prune.ts'
import NetworkConnect from './commands/network/connect.ts'
import NetworkCreate from './commands/network/create.ts'
import NetworkDisconnect from './commands/network/disconnect.ts'
import NetworkInspect from './commands/network/inspect.ts'
import NetworkLs from './commands/network/ls.ts'
import NetworkPrune from './commands/network/prune.ts'
import NetworkRm from './commands/network/rm.ts'
import Port from './commands/port.ts'
import Unpause from './commands/unpause.ts'
import Wait from './commands/wait.ts'
import VolumeCreate from './commands/volume/create.ts'
import VolumeInspect from './commands/volume/inspect.ts'
import VolumeLs from './commands/volume/ls.ts'
import VolumePrune from './commands/volume/prune.ts'
import VolumeRm from './commands/volume/rm.ts'

/**
 * Every core command by oclif id: oclif's "explicit" discovery strategy, so the shipped bundle can
 * hold all commands in one file (one module to load and code-cache instead of hundreds).
 * test/unit/build/commands.test.ts checks that each file under src/commands is listed here.
 */
export const COMMANDS = {
  attach: Attach,
  'container:inspect': ContainerInspect,
  'container:prune': ContainerPrune,
  commit: Commit,
  cp: Cp,
  create: Create,
  diff: Diff,
  export: Export,
  events: Events,
  exec: Exec,
  history: History,
  'image:convert': ImageConvert,
  'image:inspect': ImageInspect,
  'image:prune': ImagePrune,
  images: Images,
  import: Import,
  info: Info,
  inspect: Inspect,
  kill: Kill,
  load: Load,
  login: Login,
  logout: Logout,
  logs: Logs,
  'namespace:create': NamespaceCreate,
  'namespace:inspect': NamespaceInspect,
  'namespace:ls': NamespaceLs,
  'namespace:rm': NamespaceRm,
  'namespace:update': NamespaceUpdate,
  'network:connect': NetworkConnect,
  'network:create': NetworkCreate,
  'network:disconnect': NetworkDisconnect,
  'network:inspect': NetworkInspect,
  'network:ls': NetworkLs,
  'network:prune': NetworkPrune,
  'network:rm': NetworkRm,
  pause: Pause,
  plugins: Plugins,
  'plugins:inspect': PluginsInspect,
  'plugins:install': PluginsInstall,
  'plugins:link': PluginsLink,
  'plugins:ls': PluginsLs,
  'plugins:new': PluginsNew,
  'plugins:reset': PluginsReset,
  'plugins:uninstall': PluginsUninstall,
  'plugins:update': PluginsUpdate,
  port: Port,
  ps: Ps,
  pull: Pull,
  push: Push,
  rename: Rename,
  restart: Restart,
  rm: Rm,
  rmi: Rmi,
  run: Run,
  save: Save,
  start: Start,
  stats: Stats,
  stop: Stop,
  'system:df': SystemDf,
  'system:prune': SystemPrune,
  tag: Tag,
  top: Top,
  unpause: Unpause,
  update: Update,
  version: Version,
  'volume:create': VolumeCreate,
  'volume:inspect': VolumeInspect,
  'volume:ls': VolumeLs,
  'volume:prune': VolumePrune,
  'volume:rm': VolumeRm,
  wait: Wait,
}
