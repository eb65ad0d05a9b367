import {readSmallFile} from './files.ts'
import {invalidFlagArgument, NerdError} from './errors.ts'
import {compareStrings} from './format/go-values.ts'

/** Labels or options in key order, as Go's JSON prints a map. */
export function sortedByKey(map: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(map).sort(([a], [b]) => compareStrings(a, b)))
}

/**
 * Parses docker-style `--label k=v` values (a missing `=` means an empty value) and `--label-file`
 * files (one label per line, `#` comments and blank lines ignored). Later values win.
 */
export function parseLabels(values: readonly string[] = [], files: readonly string[] = []): Record<string, string> {
  const labels: Record<string, string> = {}
  const add = (entry: string) => {
    const separator = entry.indexOf('=')
    const key = separator === -1 ? entry : entry.slice(0, separator)
    if (key === '') throw new NerdError(`invalid label "${entry}": the key is empty`)
    labels[key] = separator === -1 ? '' : entry.slice(separator + 1)
  }
  for (const file of files) {
    let text: string
    try {
      text = readSmallFile(file).toString('utf8')
    } catch (error) {
      throw new NerdError(`cannot read label file ${file}: ${(error as Error).message}`)
    }
    for (const line of text.split('\n')) {
      const trimmed = line.trim()
      if (trimmed !== '' && !trimmed.startsWith('#')) add(trimmed)
    }
  }
  for (const value of values) add(value)
  return labels
}

/**
 * docker's MapOpts without a validator (`network create`'s `-o`, `--ipam-opt`, `--aux-address`):
 * `key=value`, the value empty without `=`, any key (an empty one too); later values win.
 */
export function parseMapOption(values: readonly string[] = []): Record<string, string> {
  return Object.fromEntries(values.map((value) => {
    const separator = value.indexOf('=')
    return separator === -1 ? [value, ''] : [value.slice(0, separator), value.slice(separator + 1)]
  }))
}

/**
 * docker's ValidateLabel of a `--label` value: a key, not blank and without whitespace; pflag's
 * error for the flag as pflag names it (`--label`, `-l, --label`) otherwise.
 */
export function checkLabel(value: string, flag: string): string {
  const key = value.split('=', 1)[0]!.replace(/^[ \t]+/, '')
  if (key === '') throw invalidFlagArgument(value, flag, `invalid label '${value}': empty name`)
  if (/[ \t]/.test(key)) throw invalidFlagArgument(value, flag, `label '${key}' contains whitespaces`)
  return value
}

/** The `--label` values of `volume create` and `network create`: checked as docker's, then parseLabels'. */
export function parseLabelFlag(values: readonly string[] = []): Record<string, string> {
  return parseLabels(values.map((value) => checkLabel(value, '--label')))
}
