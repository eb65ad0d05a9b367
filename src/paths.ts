import {accessSync, constants, existsSync, statSync} from 'node:fs'
import {homedir} from 'node:os'
import {delimiter, join} from 'node:path'
import {fileURLToPath} from 'node:url'

// This module sits directly under src/ (dist/ once built), at the same depth as the shipped bundle
// dist/nerd.cjs, so these paths hold whether nerd runs from the bundle or from per-file modules.
// Resolve package files through here, never with import.meta.url in nested modules.

/** The nerd package's root directory (holding package.json). */
export const packageRoot = fileURLToPath(new URL('..', import.meta.url))

/** The directory holding the compiled code: dist/ (or src/ when run from sources). */
export const codeDir = fileURLToPath(new URL('.', import.meta.url))

/**
 * Node's flags for the helpers nerd leaves beside a container, which may live as long as it or one
 * of its processes (its logger, its health monitor, its exit handler waiting out a restart's
 * back-off or a foreground run's process, an exec's reaper, the drain of a session nerd let go):
 * V8 without its background threads (GC and compilation on the main thread). Each thread that does
 * V8's work keeps a malloc arena: ~1.5 MiB of a busy logger's private memory (13.7 -> 12.2 MiB after
 * a few minutes of a chatty container), ~2.5 of a health monitor's, for no CPU measured (2M log
 * lines: 0.57 s either way). Only on the command line: set from the script, it comes after the
 * threads' first work. (The logger's URI without its prelude can pass node one argument before the
 * script's, so it goes without.)
 */
export const HELPER_NODE_FLAGS = ['--single-threaded']

/** The user's cache directory for nerd (XDG_CACHE_HOME, else ~/.cache): what can be thrown away. */
export function userCacheDir(): string | undefined {
  const base = process.env.XDG_CACHE_HOME || (homedir() && join(homedir(), '.cache'))
  return base ? join(base, 'nerd') : undefined
}

/** oclif's data directory for nerd (XDG_DATA_HOME, else ~/.local/share), where user plugins are installed. */
export function pluginDataDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_DATA_HOME || join(env.HOME || homedir(), '.local', 'share'), 'nerd')
}

/** A statically linked tini (Debian's tini package): containers cannot use a host binary's libraries. */
const INIT_CANDIDATES = ['/usr/bin/tini-static', '/usr/sbin/tini-static', '/usr/local/bin/tini-static', '/usr/bin/docker-init']

/** The init `--init` runs in a container (mounted as docker's /sbin/docker-init), when the host has one. */
export function initBinary(): string | undefined {
  return INIT_CANDIDATES.find((path) => existsSync(path))
}

/** The C library's default search path. */
export const SYSTEM_PATH = '/bin:/usr/bin'

/**
 * The executable file `name` resolves to on `path` (PATH), as a shell finds it; without PATH (what
 * containerd gives the processes it starts for nerd) in the C library's default, as execvp does.
 */
export function executableOnPath(name: string, path = process.env.PATH ?? SYSTEM_PATH): string | undefined {
  for (const directory of path.split(delimiter)) {
    if (!directory) continue
    const candidate = join(directory, name)
    try {
      accessSync(candidate, constants.X_OK)
      if (statSync(candidate).isFile()) return candidate
    } catch {
      // Not here: the next directory.
    }
  }
  return undefined
}
