import {invalidFlagArgument, NerdError} from './errors.ts'
import {compareStrings} from './format/go-values.ts'

/** Labels or options in key order, as Go's JSON prints a map. */
export function sortedByKey(map: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(map).sort(([a], [b]) => compareStrings(a, b)))
}

/**
 * Parses docker-style `--label k=v` values (a missing `=` means an empty value; later values win) as
 * parseMapOption does, `__proto__` kept as any key, refusing an empty key.
 */
export function parseLabels(values: readonly string[] = []): Record<string, string> {
  const keyless = values.find((entry) => entry === '' || entry.startsWith('='))
  if (keyless !== undefined) throw new NerdError(`invalid label "${keyless}": the key is empty`)
  return parseMapOption(values)
}

/**
 * docker's `key=value` map options (MapOpts without a validator, ConvertKVStringsToMap): `network
 * create`'s `-o`, `--ipam-opt`, `--aux-address`, `volume create`'s `-o`, and run/create's `--label`,
 * `--annotation`, `--log-opt`, and `--tmpfs` (split at `:`). The value is empty without the delimiter,
 * any key is kept (an empty one too), later values win. Every key is an own property, as Go's map keeps
 * it: `__proto__` too, so that the callers' checks refuse it (`volume create -o`, `--log-opt`) or keep
 * it (a label, an annotation) as docker does, where assigning it onto `{}` would drop it silently.
 */
export function parseMapOption(values: readonly string[] = [], delimiter = '='): Record<string, string> {
  return Object.fromEntries(values.map((value) => {
    const separator = value.indexOf(delimiter)
    return separator === -1 ? [value, ''] : [value.slice(0, separator), value.slice(separator + delimiter.length)]
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
