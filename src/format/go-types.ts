import {GO_JSON} from './go-json.ts'
import {asGoStruct, compareStrings, GoDuration, GoNilPointer, GoTime} from './go-values.ts'

/**
 * What a template sees of docker's typed API structs (ContainerJSON, ImageInspect, ...), which
 * docker's inspect runs the template on before its JSON: Go field names where the json tag renames
 * them (`.ID` for `"Id"`), and Go's nil values where the JSON has null or leaves a member out: a nil
 * slice prints `[]`, a nil map `map[]`, a nil pointer `<nil>`, an omitted scalar its zero value. A
 * description names only such fields; the others are seen as the JSON has them.
 */
export type GoType =
  /** A value as the JSON has it (a scalar, or the elements of a []string). */
  | 'value'
  /** Scalars the JSON may leave out (omitempty): their zero value then. */
  | 'string'
  | 'int'
  | 'bool'
  /** A time.Time, from its RFC 3339 text, to the nanosecond. */
  | 'time'
  /** A time.Duration, from its nanoseconds (0 when the JSON leaves it out). */
  | 'duration'
  | GoStructType
  | {readonly slice: GoType}
  | {readonly map: GoType}
  | {readonly pointer: GoType}

export interface GoStructType {
  /** The type's name in Go's error messages: `container.InspectResponse`. */
  readonly struct: string
  /** Fields by Go name; `{json, type}` for one whose json tag names it differently. */
  readonly fields: Readonly<Record<string, GoType | GoRenamedField>>
  /**
   * Every Go field in declaration order, which `{{.X}}` prints a struct's values in (`{no 0}`); when
   * not given, the JSON's order, then the described fields it lacks.
   */
  readonly order?: readonly string[]
}

export interface GoRenamedField {
  readonly json: string
  readonly type: GoType
}

export const SLICE: GoType = {slice: 'value'}
export const MAP: GoType = {map: 'value'}
export const POINTER: GoType = {pointer: 'value'}
export const sliceOf = (type: GoType): GoType => ({slice: type})
export const mapOf = (type: GoType): GoType => ({map: type})
export const pointerTo = (type: GoType): GoType => ({pointer: type})
export const goStruct = (struct: string, fields: GoStructType['fields'] = {}, order?: readonly string[]): GoStructType => (order ? {struct, fields, order} : {struct, fields})
export const renamed = (json: string, type: GoType = 'value'): GoRenamedField => ({json, type})

/** A Go nil slice or map: empty to a template, `null` in JSON. */
function goNil<T extends object>(empty: T): T {
  return Object.defineProperty(empty, GO_JSON, {value: () => null})
}

/** The value as a template sees docker's Go value of `type`, built from its JSON form. */
export function goTypedValue(value: unknown, type: GoType): unknown {
  if (typeof type === 'string') {
    switch (type) {
      case 'value':
        return value
      case 'string':
        return value ?? ''
      case 'int':
        return value ?? 0
      case 'bool':
        return value ?? false
      case 'time':
        return new GoTime(typeof value === 'string' ? value : '')
      case 'duration':
        return new GoDuration(typeof value === 'number' ? value : 0)
    }
  }
  if ('slice' in type) return Array.isArray(value) ? value.map((element) => goTypedValue(element, type.slice)) : goNil([])
  if ('map' in type) {
    if (typeof value !== 'object' || value === null) return goNil({})
    return Object.fromEntries(Object.entries(value).map(([key, member]) => [key, goTypedValue(member, type.map)]))
  }
  if ('pointer' in type) {
    const pointee = type.pointer
    // A pointer to a struct is named by its type, as Go names it in `%T` and errors (`*container.State`).
    if (typeof pointee === 'object' && 'struct' in pointee) {
      const struct = `*${pointee.struct}`
      return value === null || value === undefined ? new GoNilPointer(struct) : goTypedValue(value, {...pointee, struct})
    }
    return value === null || value === undefined ? null : goTypedValue(value, pointee)
  }
  const json = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>
  const goNames = new Map<string, string>()
  for (const [name, field] of Object.entries(type.fields)) if (typeof field === 'object' && 'json' in field) goNames.set(field.json, name)
  const jsonOrder = Object.keys(json).map((key) => goNames.get(key) ?? key)
  // Fields in Go's order, as fmt prints a struct's values.
  const view: Record<string, unknown> = {}
  for (const name of new Set([...(type.order ?? []), ...jsonOrder, ...Object.keys(type.fields)])) {
    const field = type.fields[name]
    if (field === undefined) {
      if (Object.hasOwn(json, name)) view[name] = json[name]
    } else if (typeof field === 'object' && 'json' in field) {
      view[name] = goTypedValue(json[field.json], field.type)
    } else {
      view[name] = goTypedValue(json[name], field)
    }
  }
  // JSON (the json function) shows the struct as docker's API does, by its json tags.
  Object.defineProperty(view, GO_JSON, {value: () => json})
  return asGoStruct(view, type.struct)
}

/**
 * The Go type docker's inspect decodes an object into, which a template runs on first (see
 * goTypedValue). A symbol, so that JSON never shows it; enumerable, so that a copy made with
 * spread keeps it.
 */
const INSPECT_TYPE: unique symbol = Symbol('inspect Go type')

/**
 * Marks an inspect document with the Go type docker decodes it into, its maps' keys put in Go's
 * sorted order, as encoding/json writes a Go map (`NetworkSettings.Ports`, `Config.Labels`, ...).
 */
export function withGoType<T extends object>(document: T, type: GoStructType): T {
  return Object.assign(document, sortedMaps(document, type) as T, {[INSPECT_TYPE]: type})
}

/** The value with the keys of every map its Go type has in Go's order (a copy of what changes). */
function sortedMaps(value: unknown, type: GoType): unknown {
  if (typeof type === 'string' || value === null || typeof value !== 'object') return value
  if ('slice' in type) return Array.isArray(value) ? value.map((element) => sortedMaps(element, type.slice)) : value
  if ('pointer' in type) return sortedMaps(value, type.pointer)
  const record = value as Record<string, unknown>
  if ('map' in type) {
    return Object.fromEntries(
      Object.keys(record)
        .sort(compareStrings)
        .map((key) => [key, sortedMaps(record[key], type.map)]),
    )
  }
  const fieldTypes = new Map<string, GoType>()
  for (const [name, field] of Object.entries(type.fields)) {
    if (typeof field === 'object' && 'json' in field) fieldTypes.set(field.json, field.type)
    else fieldTypes.set(name, field)
  }
  const sorted: Record<string, unknown> = {}
  for (const [key, member] of Object.entries(record)) {
    const fieldType = fieldTypes.get(key)
    sorted[key] = fieldType === undefined ? member : sortedMaps(member, fieldType)
  }
  return sorted
}

export function goTypeOf(document: unknown): GoStructType | undefined {
  return typeof document === 'object' && document !== null ? (document as {[INSPECT_TYPE]?: GoStructType})[INSPECT_TYPE] : undefined
}

/** Empty as Go's `omitempty` sees the strings, slices, maps and pointers nerd's JSON holds. */
function isEmpty(value: unknown): boolean {
  if (value === undefined || value === null || value === '') return true
  if (Array.isArray(value)) return value.length === 0
  return typeof value === 'object' && Object.keys(value).length === 0
}

/** Leaves out the members Go's `omitempty` would, as docker's JSON does. */
export function omitEmpty<T extends Record<string, unknown>>(object: T, keys: readonly (keyof T)[]): T {
  const result = {...object}
  for (const key of keys) if (isEmpty(result[key])) delete result[key]
  return result
}
