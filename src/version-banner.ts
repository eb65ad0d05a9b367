import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {packageRoot} from './paths.ts'

/** `nerd --version`, like `docker --version`; answered without loading oclif. */
export function versionBanner(): string {
  const {version} = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as {version: string}
  return `nerd version ${version}\n`
}
