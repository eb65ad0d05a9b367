/**
 * What bin/run.js needs before the bundle: the answer to `--version` and the command's words (which
 * pick the bundle's code cache). Bundled on its own as CommonJS (dist/launch.cjs): loading these as
 * two ES modules cost ~4 ms of every start.
 */
export {isVersionRequest, versionBanner} from './version-banner.ts'
export {splitGlobalArgs} from './config/argv.ts'
