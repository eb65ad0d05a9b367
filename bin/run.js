#!/usr/bin/env -S node --
// nerd's entry point. Kept tiny: everything heavy is imported only when a command needs it.
import {createRequire} from 'node:module'

// The environment as the user's shell gave it, before nerd sets variables of its own (below, and
// DOCKER_CONFIG for --config): `-e NAME` and an --env-file's bare NAME copy the user's NAME into a
// container, as docker's CLI does, never one nerd set for itself.
const userEnvironment = {...process.env}

// No node:module enableCompileCache here: its default directory is the shared /tmp, and Node takes
// cache entries from a directory another user made first, which would run their code as root. The
// bundle's own cache (bundle.cjs) reads only files of the running user, from the user's cache dir.
// Nor in the node programs nerd starts: npm (plugins install) turns that cache on unless told not to.
process.env.NODE_DISABLE_COMPILE_CACHE = '1'

const argv = process.argv.slice(2)
const require = createRequire(import.meta.url)
const launch = require('../dist/launch.cjs')

// A reader that goes away (`nerd ps | head -1`) ends nerd by SIGPIPE, silently, as it ends docker's
// CLI (src/broken-pipe.ts); any other failure to write (a full disk) ends it with one line in Go's
// words, as docker's CLI says it. An archive on stdout (save, export, cp to -) is left to the
// command writing it, which cleans up first (src/command.ts, writingArchiveToStdout, which sets
// this symbol).
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') {
    if (process.stdout[Symbol.for('nerd.archive-on-stdout')]) return
    launch.dieOfBrokenPipe()
  }
  const reason = /^E[A-Z]+: (.*?)(, \w+)?$/.exec(error.message)?.[1] ?? error.message
  process.stderr.write(`Error: write /dev/stdout: ${reason}\n`)
  process.exit(1)
})

// Output read by a program stays plain text, as docker's is. oclif's colour library would colour it
// anyway when the environment says CI, so it is told not to unless the user forces colour.
if (!process.stdout.isTTY && !('FORCE_COLOR' in process.env)) process.env.NO_COLOR ??= '1'

if (launch.isVersionRequest(argv)) {
  process.stdout.write(launch.versionBanner())
} else {
  const {main} = require('./bundle.cjs').loadBundle(commandWords(argv))
  await main(argv, userEnvironment)
}

/** The command's words (`image-ls` in `nerd -n x image ls`), which pick the bundle's code cache. */
function commandWords(args) {
  try {
    return launch.splitGlobalArgs(args).command.join('-') || undefined
  } catch {
    return undefined // a bad global option: the bundle's main reports it
  }
}
