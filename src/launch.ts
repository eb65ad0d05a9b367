/**
 * What the entry needs before the bundle: the answer to `--version`, the command's words (which pick
 * the bundle's code cache), where that cache lives (bin/run.js, bin/bundle.cjs), and the end of a
 * nerd whose stdout lost its reader. Bundled on its own as CommonJS (dist/launch.cjs): loading these
 * as ES modules cost ~4 ms of every start.
 */
export {isVersionRequest, versionBanner} from './version-banner.ts'
export {splitGlobalArgs} from './config/argv.ts'
export {dieOfBrokenPipe} from './broken-pipe.ts'
export {userCacheDir} from './paths.ts'
