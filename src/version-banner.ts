import {readFileSync} from 'node:fs'

/** `nerd --version`, like `docker --version`; answered without loading oclif. */
export function versionBanner(): string {
  const {version} = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {version: string}
  return `nerd version ${version}\n`
}
