#!/usr/bin/env node
// nerd's entry point. Kept tiny: everything heavy is imported only when a command needs it.
import {enableCompileCache} from 'node:module'

// V8 code cache for nerd and its dependencies: start-up is dominated by compiling oclif and gRPC.
enableCompileCache?.()

// A reader that goes away (`nerd ps | head -1`) ends nerd quietly, as it ends other tools.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(0)
  throw error
})

// Output read by a program stays plain text, as docker's is. oclif's colour library would colour it
// anyway when the environment says CI, so it is told not to unless the user forces colour.
if (!process.stdout.isTTY && !('FORCE_COLOR' in process.env)) process.env.NO_COLOR ??= '1'

const argv = process.argv.slice(2)
const banner = await import('../dist/version-banner.js')
if (banner.isVersionRequest(argv)) {
  process.stdout.write(banner.versionBanner())
} else {
  const {main} = await import('../dist/nerd.js')
  await main(argv)
}
