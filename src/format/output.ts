import {NerdError} from '../errors.ts'
import {goJSON, withHTMLEscapedJSON} from './go-json.ts'
import {goTypedValue, goTypeOf} from './go-types.ts'
import {asGoContext, compareStrings, goMethod} from './go-values.ts'
import {alignColumns, DOCKER_TABLE} from './tabwriter.ts'
import {HEADER_FUNCTIONS} from './template-funcs.ts'
import {Template, TemplateError, type TemplateOptions} from './template.ts'

/**
 * docker's `--format` for listing commands and its `inspect` output.
 */

export interface RenderOptions {
  /** The user's `--format`: empty or `table` for the default table, `table <template>`, `json`, or a template. */
  format?: string
  /** The default table as a docker `table ...` template, e.g. `table {{.ID}}\t{{.Image}}`. */
  defaultTable: string
  /** Column headers by field name, as docker prints them (`ID` → `CONTAINER ID`): its context's header map, whole. */
  headers: Readonly<Record<string, string>>
  /** The Go struct docker runs the template on, when it is one (asGoStruct): then a field the items lack is an error. */
  itemType?: string
}

/** docker's SubHeaderContext.Label: `{{.Label "com.example.role"}}` heads its column `role`. */
const labelHeader = goMethod(['string'], (name: string): string => (name.split('.').at(-1) as string).replace(/[-_]/g, ' '))

function parse(text: string, exitCode = 1, options: LiteralOptions = {}): Template {
  const {parseFailurePrefix, ...templateOptions} = options
  try {
    return new Template(text, templateOptions)
  } catch (error) {
    throw templateFailure(error, exitCode, parseFailurePrefix)
  }
}

function templateFailure(error: unknown, exitCode = 1, prefix = 'template parsing error: '): unknown {
  return error instanceof TemplateError ? new NerdError(`${prefix}${error.message}`, {exitCode, cause: error}) : error
}

/**
 * Renders items for a listing command as docker does: a table (header line from the template run
 * over the column names, columns aligned like docker's tabwriter), one JSON object per line for
 * `json`, or the template once per item, each followed by a newline. `\t` and `\n` typed literally
 * in the format become a tab and a newline. Template errors are NerdErrors with docker's
 * `template parsing error:` prefix.
 */
export function renderItems(items: readonly object[], options: RenderOptions): string {
  let format = options.format ?? ''
  if (format === '' || format === 'table') format = options.defaultTable
  const isTable = format.startsWith('table')
  if (isTable) format = format.slice('table'.length)
  else if (format === 'json') format = '{{json .}}'
  format = format.replace(/^ +| +$/g, '').replaceAll('\\t', '\t').replaceAll('\\n', '\n')

  const template = parse(format)
  let body = ''
  try {
    for (const item of items) body += `${template.execute(options.itemType === undefined ? item : goStructRow(item, options.itemType))}\n`
  } catch (error) {
    throw templateFailure(error)
  }
  if (!isTable) return body
  return alignColumns(`${tableHeader(template, options.headers)}\n${body}`, DOCKER_TABLE)
}

/**
 * A listing row as docker's contexts are: their JSON goes through a map, so its keys are sorted (a
 * field kept out of JSON, non-enumerable, stays a field for templates).
 */
function sortedFields(item: object): object {
  const descriptors = Object.getOwnPropertyDescriptors(item)
  const sorted = {}
  for (const name of Object.keys(descriptors).sort(compareStrings)) Object.defineProperty(sorted, name, descriptors[name]!)
  return sorted
}

/**
 * A listing row as docker's context of Go type `type`: a field it lacks is an error, its fields
 * methods, its JSON keys sorted and HTML-escaped (formatter.MarshalJSON is json.Marshal's).
 */
export function goStructRow<T extends object>(item: T, type: string): T {
  return withHTMLEscapedJSON(asGoContext(sortedFields(item), type) as T)
}



/** The formats of a listing command, as docker's NewXFormat functions choose them. */
export interface ListingFormats {
  /** The default, `table ...`. */
  table: string
  /** docker's `raw` format, for the commands that have one (`raw` is a literal template elsewhere). */
  raw?: string
  /** What -q prints for the `table` and `raw` formats; a custom format is printed as it is. */
  quiet?: {table: string; raw?: string}
}

/**
 * The template a listing runs for the user's `--format` (or config.json's default) and -q: the table,
 * raw or quiet format for `table`/`raw`, else the format as given.
 */
export function listingFormat(source: string | undefined, formats: ListingFormats, quiet = false): string {
  if (source === undefined || source === '' || source === 'table') return (quiet ? formats.quiet?.table : undefined) ?? formats.table
  if (source === 'raw' && formats.raw !== undefined) return (quiet ? formats.quiet?.raw : undefined) ?? formats.raw
  return source
}

/** What a template run as it is made of an item, and Go's error when it failed on it: docker writes the one, then reports the other. */
export interface LiteralOutput {
  /** All of it, or what was written before the failure. */
  text: string
  failure?: NerdError
}

export interface LiteralOptions extends TemplateOptions {
  /** What a template that does not parse is reported with (exit 64): docker's `template parsing error: ` unless said. */
  parseFailurePrefix?: string
}

/**
 * A template run as it is over one item at a time, as docker's info, version and events run theirs:
 * `json` for `{{json .}}`, no `table`, no `\t` escapes, no trimming, and nothing added (the caller
 * ends each line). One that does not parse fails at once, exit 64; one that fails on an item gives
 * what it wrote of it and Go's error as it is (exit 1), as docker returns it.
 */
export function literalTemplate(format: string, options: LiteralOptions = {}): (item: object) => LiteralOutput {
  const template = parse(format === 'json' ? '{{json .}}' : format, 64, options)
  return (item) => {
    try {
      return {text: template.execute(item)}
    } catch (error) {
      if (!(error instanceof TemplateError)) throw error
      return {text: error.partialOutput, failure: new NerdError(error.message, {cause: error})}
    }
  }
}

/**
 * The header line: the template run over the column names as docker runs it over its SubHeaderContext
 * map, where a field it names no column for is missing: `<no value>`, false to if/with/range. Like
 * docker, a template failure keeps what was written.
 */
function tableHeader(template: Template, headers: Readonly<Record<string, string>>): string {
  const names = {...headers, Label: labelHeader}
  try {
    return template.execute(names, HEADER_FUNCTIONS)
  } catch (error) {
    if (error instanceof TemplateError) return error.partialOutput
    throw error
  }
}

export interface InspectOutput {
  text: string
  /** The error of each item the template failed on, at the item's index. */
  errors: (string | undefined)[]
}

/**
 * docker's inspect output: a JSON array indented by 4 spaces (`[]` when empty), a compact array
 * for `--format json` (both the daemon's JSON, written without HTML escaping), or the template
 * applied to each item, one line each. A template that does
 * not parse fails with exit code 64, as docker's does. An item marked with its Go type (withGoType)
 * is run as docker's inspector runs it: on the Go value first (goTypedValue), and when that fails on
 * its JSON, where a missing key is an error (not with `rawFallback: false`, as docker 28's volume
 * inspect, which has no JSON to fall back on). An item the template fails on gets its error instead
 * of its line; the others are still printed.
 */
export function formatInspect(items: readonly unknown[], format?: string, options: {rawFallback?: boolean} = {}): InspectOutput {
  const errors: (string | undefined)[] = items.map(() => undefined)
  if (!format) return {text: `${goJSON(items, {indent: '    ', escapeHTML: false})}\n`, errors}
  if (format === 'json') return {text: `${goJSON(items, {escapeHTML: false})}\n`, errors}
  const template = parse(format, 64)
  let text = ''
  for (const [index, item] of items.entries()) {
    try {
      text += `${inspectLine(template, item, options.rawFallback ?? true)}\n`
    } catch (error) {
      if (!(error instanceof TemplateError)) throw error
      errors[index] = `template parsing error: ${error.message}`
    }
  }
  return {text: text === '' ? '\n' : text, errors}
}

function inspectLine(template: Template, item: unknown, rawFallback: boolean): string {
  const type = goTypeOf(item)
  // Without a Go type, the object is what docker's inspect decodes from raw JSON: a map, whose
  // missing keys are errors.
  if (type === undefined) return template.execute(item, undefined, {missingKeyError: true})
  try {
    return template.execute(goTypedValue(item, type))
  } catch (error) {
    if (!rawFallback || !(error instanceof TemplateError)) throw error
  }
  return template.execute(JSON.parse(goJSON(item)), undefined, {missingKeyError: true})
}

/** An ID as docker tables show it: the digest algorithm dropped, 12 hex characters; whole with --no-trunc. */
export function truncateId(id: string, noTrunc = false): string {
  if (noTrunc) return id
  return id.slice(id.indexOf(':') + 1).slice(0, 12)
}
