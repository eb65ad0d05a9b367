// Builds nerd: compiles the core and every workspace plugin, bundles the core into dist/nerd.cjs
// (what bin/run.js runs and oclif loads commands from), generates the protobuf codecs the bundles
// hold, and the oclif manifests. `--check-manifests` (implied by CI=true) leaves the committed
// manifests alone so the test suite can tell when one is stale.
import {execFileSync} from 'node:child_process'
import {existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {writeCommandReference} from './command-reference.mjs'
import {writeManifest} from './manifest.mjs'
import esbuild from 'esbuild'

const root = fileURLToPath(new URL('..', import.meta.url))
const writeManifests = !process.argv.includes('--check-manifests') && !process.env.CI
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc')

function step(label, fn) {
  const started = Date.now()
  fn()
  process.stderr.write(`build: ${label} (${Date.now() - started} ms)\n`)
}

const pluginDirs = existsSync(join(root, 'plugins'))
  ? readdirSync(join(root, 'plugins')).map((name) => join(root, 'plugins', name)).filter((dir) => existsSync(join(dir, 'package.json')))
  : []

// Built beside dist/ and put in its place at the end: running containers' helpers (the logger, the
// exit handler, ...) are started from dist/ at any moment, and a dist/ missing for the ten seconds
// of a build left an exit unhandled until the next command.
const dist = join(root, 'dist')
const out = join(root, 'dist.next')
step('compile core', () => {
  rmSync(out, {recursive: true, force: true})
  execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.json'), '--outDir', out], {stdio: 'inherit'})
})
/** esbuild, the way every bundle of nerd's is made: ESM for Node (unless told), `require` available to CommonJS code. */
function bundle(options) {
  return esbuild.buildSync({
    allowOverwrite: true,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    logLevel: 'warning',
    banner: {js: "import {createRequire as __nerdCreateRequire} from 'node:module'; const require = __nerdCreateRequire(import.meta.url);"},
    // package.json's `#containerd-codecs` ("./dist/proto/containerd.cjs"), in the tree being built.
    alias: {'#containerd-codecs': join(out, 'proto', 'containerd.cjs')},
    ...options,
  })
}
step('protobuf codecs', () => {
  // Before the bundles: they hold dist/proto/containerd.cjs (package.json "imports" #containerd-codecs).
  execFileSync(process.execPath, [join(root, 'scripts', 'gen-codecs.mjs'), join(out, 'proto')], {stdio: 'inherit'})
})
/** A CommonJS bundle in dist/, where import.meta.url still names a file of that directory. */
const commonJs = {
  format: 'cjs',
  define: {'import.meta.url': '__nerdModuleUrl'},
  banner: {js: "const __nerdModuleUrl = require('node:url').pathToFileURL(__filename).href;"},
}
step('bundle', () => {
  // One file for the core, its commands and oclif: far fewer modules to resolve and compile at
  // start-up. Same depth as the per-file modules (dist/), so package-relative paths still hold.
  // CommonJS, because bin/bundle.cjs runs it as a vm.Script to give it a code cache taken after a run.
  bundle({
    ...commonJs,
    entryPoints: [join(out, 'nerd.js')],
    outfile: join(out, 'nerd.cjs'),
    // oclif can load TypeScript plugins through these; nerd never needs them at run time.
    external: ['typescript', 'ts-node', 'tsx'],
  })
  // What bin/run.js reads before the bundle (the --version answer, the command's words).
  bundle({...commonJs, entryPoints: [join(out, 'launch.js')], outfile: join(out, 'launch.cjs')})
  // esbuild leaves non-ASCII characters in comments and regular expressions; one of them makes V8
  // hold the whole 4 MB source as two-byte characters, and bin/bundle.cjs reads it as latin1 (a
  // plain copy, half the time of UTF-8 decoding). A \uXXXX escape means the same character in every
  // place esbuild leaves one, except after a backslash or in a String.raw template (checked).
  const bundlePath = join(out, 'nerd.cjs')
  const source = withoutCollatorAtStart(readFileSync(bundlePath, 'utf8'))
  const escapedOrRaw = source.match(/\\[^\x00-\x7f]|String\.raw`[^`]*[^\x00-\x7f]/)
  if (escapedOrRaw) throw new Error(`bundle: cannot escape the non-ASCII character in ${JSON.stringify(escapedOrRaw[0].slice(-40))}`)
  writeFileSync(bundlePath, source.replace(/[^\x00-\x7f]/g, (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`))
})
/**
 * oclif sorts each plugin's commands by id with localeCompare as it loads them, and the first
 * localeCompare of a process builds an ICU collator: ~5 ms of every nerd command's start. That
 * order decides only how help lists commands; code-unit order (Go's, which docker lists by) sorts
 * nerd's lowercase ids the same. A newer oclif that sorts otherwise fails the build here.
 */
function withoutCollatorAtStart(source) {
  const localeSort = /\.sort\(\((\w+), (\w+)\) => \1\.id\.localeCompare\(\2\.id\)\)/g
  const found = source.match(localeSort) ?? []
  if (found.length !== 1) throw new Error(`bundle: expected oclif's one sort of command ids by localeCompare, found ${found.length}`)
  return source.replace(localeSort, '.sort(($1, $2) => ($1.id < $2.id ? -1 : $1.id > $2.id ? 1 : 0))')
}
step('bundle helper entry points', () => {
  // What containerd starts for nerd: the logging driver (one per running container, so its memory
  // counts), the OCI hook (on every container start), the exit handler and the reaper of a detached
  // exec. Each is one small file without the CLI.
  const helpers = bundle({entryPoints: ['oci-hook', 'task-exit', 'fifo-drain', 'health', 'exec-exit'].map((name) => join(out, `${name}.js`)), outdir: out, metafile: true})
  // A domain module that imports a command-side one (an oclif flag) brought oclif, and through its
  // TypeScript loader the 9 MB typescript package, into the exit handler and the health monitor.
  const cliOnly = Object.keys(helpers.metafile.inputs).filter((input) => /node_modules\/(@oclif\/core|typescript)\//.test(input))
  if (cliOnly.length > 0) throw new Error(`bundle: a helper entry point reaches the CLI's packages: ${cliOnly[0]}`)
  // The logger holds nerd's own code only: a package it rarely needs (the lock module, used when
  // containerd's restart monitor started the task) is imported from node_modules then, instead of
  // taking a megabyte and more in every running container's logger.
  bundle({entryPoints: [join(out, 'logger.js')], outfile: join(out, 'logger.js'), packages: 'external'})
})
step('build info', () => {
  let commit = 'unknown'
  try {
    commit = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], {cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore']}).trim()
  } catch {
    // Not a git checkout (a packed tarball): the commit stays unknown.
  }
  // The time is docker's BuildTime (`version`); SOURCE_DATE_EPOCH makes it reproducible.
  const seconds = Number(process.env.SOURCE_DATE_EPOCH)
  const time = new Date(Number.isInteger(seconds) && process.env.SOURCE_DATE_EPOCH !== '' ? seconds * 1000 : Date.now()).toISOString()
  writeFileSync(join(out, 'build-info.json'), `${JSON.stringify({commit, time})}\n`)
})
step('replace dist/', () => {
  // Two renames: dist/ is missing only between them.
  const previous = join(root, 'dist.previous')
  rmSync(previous, {recursive: true, force: true})
  if (existsSync(dist)) renameSync(dist, previous)
  renameSync(out, dist)
  rmSync(previous, {recursive: true, force: true})
})
for (const dir of pluginDirs) {
  if (!existsSync(join(dir, 'tsconfig.json'))) continue
  step(`compile ${dir.slice(root.length)}`, () => {
    rmSync(join(dir, 'dist'), {recursive: true, force: true})
    execFileSync(process.execPath, [tsc, '-p', join(dir, 'tsconfig.json')], {stdio: 'inherit'})
  })
}
if (writeManifests) {
  for (const dir of [root, ...pluginDirs]) {
    await writeManifest(dir)
  }
  writeCommandReference(root)
  process.stderr.write(`build: manifests and README command reference written for ${1 + pluginDirs.length} package(s)\n`)
}
