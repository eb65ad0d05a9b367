'use strict'
// Loads nerd's bundle (dist/nerd.cjs) with a V8 code cache taken after a run, so the next run of the
// same command compiles almost nothing. Node's own compile cache is written right after compiling,
// before any function has run, and V8 compiles functions lazily: it held a fifth of the code a
// command runs, and compiling the rest cost ~25 ms of every start. One cache per command (its
// words), because each command runs different code; the most recently used MAX_CACHES are kept.
// oclif loads the commands and hooks from this module too (package.json points at it), so the
// bundle is evaluated once per process.
const {closeSync, existsSync, fstatSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, unlinkSync, writeFileSync} = require('node:fs')
const Module = require('node:module')
const {join} = require('node:path')
const vm = require('node:vm')
// The little of nerd's code needed before the bundle (src/launch.ts).
const {userCacheDir} = require('../dist/launch.cjs')

const bundlePath = join(__dirname, '..', 'dist', 'nerd.cjs')
/** About 1.5 MB each. */
const MAX_CACHES = 24
let bundle

// Node calls that option experimental and would print so to the user of every command that loads a
// plugin; it has been in every Node since 20.12, and nerd's tests cover the plugin loads.
const emitWarning = process.emitWarning
process.emitWarning = function (warning, ...rest) {
  if (String(warning).includes('USE_MAIN_CONTEXT_DEFAULT_LOADER')) return
  return emitWarning.call(this, warning, ...rest)
}

/** The bundle's exports; `command` (the command's words, `image-ls`) picks the code cache. */
function loadBundle(command) {
  if (bundle) return bundle
  // Read and stamped from one open file: a build that swaps dist/ in between would have the cache of
  // one bundle's code saved under the other's stamp.
  const fd = openSync(bundlePath, 'r')
  let source, stat
  try {
    stat = fstatSync(fd)
    // ASCII only (the build escapes the rest), so latin1 reads it as it is, without UTF-8 decoding.
    source = readFileSync(fd, 'latin1')
  } finally {
    closeSync(fd)
  }
  const cache = cacheFile(command, stat)
  const cachedData = cache && readOwnFile(cache.path)
  const script = new vm.Script(Module.wrap(source), {
    filename: bundlePath,
    cachedData,
    // oclif loads plugins with import(), which a vm.Script can do only with this (without a flag).
    importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  })
  // Taken from a run that succeeded: one that failed early (a bad flag, a missing object) compiled
  // little of what the command's next runs need, and the cache is kept until the bundle changes.
  if (cache && (!cachedData || script.cachedDataRejected)) process.once('exit', (code) => code === 0 && writeCache(cache, script))
  const module = {exports: {}}
  script.runInThisContext()(module.exports, Module.createRequire(bundlePath), module, bundlePath, join(bundlePath, '..'))
  bundle = module.exports
  return bundle
}

/**
 * The cache for this bundle, this node and this command, in the user's own cache directory: code
 * cache is code, so it is never read from a place another user could write to. V8 accepts a cache
 * for any source of the same length, so the name holds what changes with every build or install
 * (size, times, inode: npm gives every file of a package the same mtime), one directory per
 * installed bundle.
 */
function cacheFile(command, {size, mtimeMs, ctimeMs, ino}) {
  const cacheDir = userCacheDir()
  if (!cacheDir) return undefined
  const stamp = `${process.version}-${process.arch}-${size}-${Math.trunc(mtimeMs)}-${Math.trunc(ctimeMs)}-${ino}`
  const dir = join(cacheDir, 'code-cache', encodeURIComponent(bundlePath))
  const name = command && /^[a-z][a-z0-9-]{0,40}$/.test(command) ? command : 'default'
  return {dir, stamp, path: join(dir, `${stamp}-${name}`)}
}

function readOwnFile(path) {
  try {
    const fd = openSync(path, 'r')
    try {
      const stat = fstatSync(fd)
      if (typeof process.getuid === 'function' && stat.uid !== process.getuid()) return undefined
      return readFileSync(fd)
    } finally {
      closeSync(fd)
    }
  } catch {
    return undefined
  }
}

/**
 * Written whole (temp file, rename). Caches of earlier builds, other nodes and bundles that are gone
 * are removed on the way, and the least recently used beyond MAX_CACHES: used means read (as far as
 * the mount records access times) or written.
 */
function writeCache(cache, script) {
  try {
    mkdirSync(cache.dir, {recursive: true, mode: 0o700})
    const installs = join(cache.dir, '..')
    for (const name of readdirSync(installs)) {
      if (!existsSync(bundlePathOf(name))) rmSync(join(installs, name), {recursive: true, force: true})
    }
    const kept = []
    for (const name of readdirSync(cache.dir)) {
      const path = join(cache.dir, name)
      if (!name.startsWith(cache.stamp)) unlinkSync(path)
      else {
        const {atimeMs, mtimeMs} = statSync(path)
        kept.push({path, used: Math.max(atimeMs, mtimeMs)})
      }
    }
    kept.sort((a, b) => b.used - a.used)
    for (const {path} of kept.slice(MAX_CACHES - 1)) unlinkSync(path)
    const temp = `${cache.path}.${process.pid}`
    writeFileSync(temp, script.createCachedData(), {mode: 0o600})
    renameSync(temp, cache.path)
  } catch {
    // A cache that cannot be written only costs the next run its compile time.
  }
}

/** The bundle a cache directory is named after; '' for a name that is not one (removed, then). */
function bundlePathOf(directoryName) {
  try {
    return decodeURIComponent(directoryName)
  } catch {
    return ''
  }
}

module.exports = {
  loadBundle,
  get COMMANDS() {
    return loadBundle().COMMANDS
  },
  get recordInstalledPlugins() {
    return loadBundle().recordInstalledPlugins
  },
  get checkInstalledPlugins() {
    return loadBundle().checkInstalledPlugins
  },
  get exportSettingsToPluginCommand() {
    return loadBundle().exportSettingsToPluginCommand
  },
  get NerdHelp() {
    return loadBundle().NerdHelp
  },
}
