/**
 * What the entry needs before the bundle: the answer to `--version`, the command's words (which pick
 * the bundle's code cache) and where that cache lives (bin/run.js, bin/bundle.cjs). Bundled on its
 * own as CommonJS (dist/launch.cjs): loading these as ES modules cost ~4 ms of every start.
 */
export {isVersionRequest, versionBanner} from './version-banner.ts'
export {splitGlobalArgs} from './config/argv.ts'
export {userCacheDir} from './paths.ts'
