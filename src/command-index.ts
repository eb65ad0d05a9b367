import Info from './commands/info.ts'
import NamespaceCreate from './commands/namespace/create.ts'
import NamespaceInspect from './commands/namespace/inspect.ts'
import NamespaceLs from './commands/namespace/ls.ts'
import NamespaceRm from './commands/namespace/rm.ts'
import NamespaceUpdate from './commands/namespace/update.ts'
import Version from './commands/version.ts'

/**
 * Every core command by oclif id: oclif's "explicit" discovery strategy, so the shipped bundle can
 * hold all commands in one file (one module to load and code-cache instead of hundreds).
 * test/unit/build/commands.test.ts checks that each file under src/commands is listed here.
 */
export const COMMANDS = {
  info: Info,
  'namespace:create': NamespaceCreate,
  'namespace:inspect': NamespaceInspect,
  'namespace:ls': NamespaceLs,
  'namespace:rm': NamespaceRm,
  'namespace:update': NamespaceUpdate,
  version: Version,
}
