#!/usr/bin/env node
// nerd's entry point. Kept tiny: everything heavy is imported only when a command needs it.
import {enableCompileCache} from 'node:module'

// V8 code cache for nerd and its dependencies: start-up is dominated by compiling oclif and gRPC.
enableCompileCache?.()

const argv = process.argv.slice(2)
const banner = await import('../dist/version-banner.js')
if (banner.isVersionRequest(argv)) {
  process.stdout.write(banner.versionBanner())
} else {
  const {main} = await import('../dist/nerd.js')
  await main(argv)
}
