#!/usr/bin/env node
// nerd's entry point. Kept tiny: everything heavy is imported only when a command needs it.
import {enableCompileCache} from 'node:module'

// V8 code cache for nerd and its dependencies: start-up is dominated by compiling oclif and gRPC.
enableCompileCache?.()

const argv = process.argv.slice(2)
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v')) {
  const {versionBanner} = await import('../dist/version-banner.js')
  process.stdout.write(versionBanner())
} else {
  const {main} = await import('../dist/nerd.js')
  await main(argv)
}
