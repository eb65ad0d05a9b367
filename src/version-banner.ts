import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {packageRoot} from './paths.ts'

/** Whether the arguments are `nerd --version` / `nerd -v` alone, answered before nerd's bundle loads (bin/run.js); the entry point reads the other forms. */
export function isVersionRequest(args: readonly string[]): boolean {
  return args.length === 1 && (args[0] === '--version' || args[0] === '-v')
}

/** `nerd --version`, like `docker --version`; answered without loading oclif. */
export function versionBanner(): string {
  const {version} = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as {version: string}
  return `nerd version ${version}\n`
}
