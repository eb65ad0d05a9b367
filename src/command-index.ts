import History from './commands/history.ts'
import ImageInspect from './commands/image/inspect.ts'
import ImagePrune from './commands/image/prune.ts'
import Images from './commands/images.ts'
import Import from './commands/import.ts'
import Info from './commands/info.ts'
import Load from './commands/load.ts'
import Login from './commands/login.ts'
import Logout from './commands/logout.ts'
import NamespaceCreate from './commands/namespace/create.ts'
import NamespaceInspect from './commands/namespace/inspect.ts'
import NamespaceLs from './commands/namespace/ls.ts'
import NamespaceRm from './commands/namespace/rm.ts'
import NamespaceUpdate from './commands/namespace/update.ts'
import Pull from './commands/pull.ts'
import Push from './commands/push.ts'
import Rmi from './commands/rmi.ts'
import Save from './commands/save.ts'
import Tag from './commands/tag.ts'
import Version from './commands/version.ts'

/**
 * Every core command by oclif id: oclif's "explicit" discovery strategy, so the shipped bundle can
 * hold all commands in one file (one module to load and code-cache instead of hundreds).
 * test/unit/build/commands.test.ts checks that each file under src/commands is listed here.
 */
export const COMMANDS = {
  history: History,
  'image:inspect': ImageInspect,
  'image:prune': ImagePrune,
  images: Images,
  import: Import,
  info: Info,
  load: Load,
  login: Login,
  logout: Logout,
  'namespace:create': NamespaceCreate,
  'namespace:inspect': NamespaceInspect,
  'namespace:ls': NamespaceLs,
  'namespace:rm': NamespaceRm,
  'namespace:update': NamespaceUpdate,
  pull: Pull,
  push: Push,
  rmi: Rmi,
  save: Save,
  tag: Tag,
  version: Version,
}
