#!/usr/bin/env node
// nerd's entry point. Kept tiny: everything heavy is imported only when a command needs it.
import {createRequire, enableCompileCache} from 'node:module'

// V8 code cache for the ES modules nerd loads outside its bundle (the bundle has its own: bundle.cjs).
enableCompileCache?.()

// A reader that goes away (`nerd ps | head -1`) ends nerd quietly, as it ends other tools; any other
// failure to write (a full disk) ends it with one line in Go's words, as docker's CLI says it.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(0)
  const reason = /^E[A-Z]+: (.*?)(, \w+)?$/.exec(error.message)?.[1] ?? error.message
  process.stderr.write(`Error: write /dev/stdout: ${reason}\n`)
  process.exit(1)
})

// Output read by a program stays plain text, as docker's is. oclif's colour library would colour it
// anyway when the environment says CI, so it is told not to unless the user forces colour.
if (!process.stdout.isTTY && !('FORCE_COLOR' in process.env)) process.env.NO_COLOR ??= '1'

const argv = process.argv.slice(2)
const require = createRequire(import.meta.url)
const launch = require('../dist/launch.cjs')
if (launch.isVersionRequest(argv)) {
  process.stdout.write(launch.versionBanner())
} else {
  const {main} = require('./bundle.cjs').loadBundle(commandWords(argv))
  await main(argv)
}

/** The command's words (`image-ls` in `nerd -n x image ls`), which pick the bundle's code cache. */
function commandWords(args) {
  try {
    return launch.splitGlobalArgs(args).command.join('-') || undefined
  } catch {
    return undefined // a bad global option: the bundle's main reports it
  }
}
