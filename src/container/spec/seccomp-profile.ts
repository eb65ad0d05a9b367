/**
 * Reading a `--security-opt seccomp=<file>` profile as docker's daemon does: Go's encoding/json into
 * moby/profiles' types (`seccomp.Seccomp`), with its type errors in Go's words (the first one wins,
 * an invalid `minKernel` stops the decoding at once), keys matched case-insensitively, unknown keys
 * and nulls ignored.
 */
import type {Uint64} from './oci.ts'
import type {SeccompProfile, SeccompRule} from './seccomp.ts'
import {specError} from './errors.ts'

/** A JSON number, kept as written: Go decides by the literal whether it fits an unsigned field. */
class NumberLiteral {
  readonly source: string
  constructor(source: string) {
    this.source = source
  }
}

/** The Go types a profile's values decode into, named as Go's errors name them. */
type GoType =
  | {kind: 'string'; name: string}
  | {kind: 'uint'; name: string}
  | {kind: 'slice'; name: string; element: GoType}
  | {kind: 'struct'; name: string; fields: Record<string, GoField>; nullable?: boolean}
  | {kind: 'kernel'}

/** A struct field: its type, and the embedded struct it comes from (Go 1.24's errors name it). */
type GoField = {type: GoType; embeddedIn?: string}

const goString = (name: string): GoType => ({kind: 'string', name})
const goSlice = (element: GoType): GoType => ({kind: 'slice', name: `[]${element.kind === 'struct' && element.nullable ? '*' : ''}${goTypeName(element)}`, element})
const goTypeName = (type: GoType): string => (type.kind === 'kernel' ? 'seccomp.KernelVersion' : type.name)
const UINT: GoType = {kind: 'uint', name: 'uint'}
const UINT64: GoType = {kind: 'uint', name: 'uint64'}
const ARCH = goString('specs.Arch')
const ACTION = goString('specs.LinuxSeccompAction')

const FILTER: GoType = {
  kind: 'struct',
  name: 'seccomp.Filter',
  nullable: true,
  fields: {caps: {type: goSlice(goString('string'))}, arches: {type: goSlice(goString('string'))}, minKernel: {type: {kind: 'kernel'}}},
}

const inLinuxSyscall = (type: GoType): GoField => ({type, embeddedIn: 'LinuxSyscall'})
const SYSCALL: GoType = {
  kind: 'struct',
  name: 'seccomp.Syscall',
  nullable: true,
  fields: {
    names: inLinuxSyscall(goSlice(goString('string'))),
    action: inLinuxSyscall(ACTION),
    errnoRet: inLinuxSyscall(UINT),
    args: inLinuxSyscall(
      goSlice({
        kind: 'struct',
        name: 'specs.LinuxSeccompArg',
        fields: {index: {type: UINT}, value: {type: UINT64}, valueTwo: {type: UINT64}, op: {type: goString('specs.LinuxSeccompOperator')}},
      }),
    ),
    name: {type: goString('string')},
    comment: {type: goString('string')},
    includes: {type: FILTER},
    excludes: {type: FILTER},
  },
}

const inLinuxSeccomp = (type: GoType): GoField => ({type, embeddedIn: 'LinuxSeccomp'})
const PROFILE: GoType = {
  kind: 'struct',
  name: 'seccomp.Seccomp',
  fields: {
    defaultAction: inLinuxSeccomp(ACTION),
    defaultErrnoRet: inLinuxSeccomp(UINT),
    architectures: inLinuxSeccomp(goSlice(ARCH)),
    flags: inLinuxSeccomp(goSlice(goString('specs.LinuxSeccompFlag'))),
    listenerPath: inLinuxSeccomp(goString('string')),
    listenerMetadata: inLinuxSeccomp(goString('string')),
    archMap: {type: goSlice({kind: 'struct', name: 'seccomp.Architecture', fields: {architecture: {type: ARCH}, subArchitectures: {type: goSlice(ARCH)}}})},
    syscalls: {type: goSlice(SYSCALL)},
  },
}

const MAX_UINT64 = 2n ** 64n - 1n

/** Where a value sits, as Go's decoder tells it: the innermost struct and the fields down to it. */
type Context = {struct?: string; fields: string[]}

/** An error that stops Go's decoding at once (an Unmarshaler's), unlike a type error. */
class AbortError extends Error {}

/**
 * `--security-opt seccomp=<file>`'s profile; undefined for one without a default action and rules,
 * which docker takes as no filter at all (setupSeccomp).
 */
export function parseSeccompProfile(text: string): SeccompProfile | undefined {
  let json: unknown
  try {
    json = JSON.parse(text, (_key, value: unknown, context?: {source?: string}) =>
      typeof value === 'number' && context?.source !== undefined ? new NumberLiteral(context.source) : value,
    )
  } catch (error) {
    throw decodingFailed((error as Error).message)
  }
  const typeErrors: string[] = []
  let profile: Partial<Omit<SeccompProfile, 'syscalls'>> & {syscalls?: (SeccompRule | null)[]} | undefined
  try {
    profile = decode(json, PROFILE, {fields: []}, typeErrors) as typeof profile
  } catch (error) {
    if (error instanceof AbortError) throw decodingFailed(error.message)
    throw error
  }
  if (typeErrors.length) throw decodingFailed(typeErrors[0]!)
  if (!profile || (!profile.defaultAction && !profile.syscalls?.length)) return undefined
  const {syscalls, ...rest} = profile
  // docker's daemon would dereference a null rule and fail; nerd names it.
  const nullRule = syscalls?.indexOf(null) ?? -1
  if (nullRule !== -1) throw decodingFailed(`syscall rule ${nullRule} is null`)
  return {...rest, defaultAction: profile.defaultAction ?? '', ...(syscalls ? {syscalls: syscalls as SeccompRule[]} : {})}
}

const decodingFailed = (message: string) => specError(`Decoding seccomp profile failed: ${message}`)

/** Go's name for the kind of a JSON value in a type error. */
function jsonKind(value: unknown): string {
  if (value instanceof NumberLiteral) return 'number'
  if (Array.isArray(value)) return 'array'
  if (typeof value === 'boolean') return 'bool'
  return typeof value === 'string' ? 'string' : 'object'
}

/** Go's `cannot unmarshal` text for a value its type cannot take. */
function typeError(what: string, type: GoType, context: Context): string {
  const where = context.struct ? `Go struct field ${context.struct}.${context.fields.join('.')}` : 'Go value'
  return `json: cannot unmarshal ${what} into ${where} of type ${goTypeName(type)}`
}

/** The value `type` holds after decoding `value`: undefined where Go would keep the zero value. */
function decode(value: unknown, type: GoType, context: Context, typeErrors: string[]): unknown {
  if (value === null) return type.kind === 'struct' && type.nullable ? null : undefined
  const mismatch = (what = jsonKind(value)) => void typeErrors.push(typeError(what, type, context))
  switch (type.kind) {
    case 'string':
      return typeof value === 'string' ? value : mismatch()
    case 'uint': {
      if (!(value instanceof NumberLiteral)) return mismatch()
      if (!/^\d+$/.test(value.source) || BigInt(value.source) > MAX_UINT64) return mismatch(`number ${value.source}`)
      const number = Number(value.source)
      return Number.isSafeInteger(number) ? number : (BigInt(value.source) as Uint64)
    }
    case 'slice':
      return Array.isArray(value) ? value.map((element) => decode(element, type.element, context, typeErrors) ?? zeroValue(type.element)) : mismatch()
    case 'kernel':
      return kernelVersion(value)
    case 'struct': {
      if (typeof value !== 'object' || Array.isArray(value) || value instanceof NumberLiteral) return mismatch()
      const decoded: Record<string, unknown> = {}
      const structName = type.name.slice(type.name.indexOf('.') + 1)
      for (const [key, member] of Object.entries(value)) {
        const name = fieldName(type.fields, key)
        if (name === undefined) continue
        const field = type.fields[name]!
        const fields = [...context.fields, ...(field.embeddedIn ? [field.embeddedIn] : []), name]
        const result = decode(member, field.type, {struct: structName, fields}, typeErrors)
        // a null rule condition is Go's nil pointer: no condition
        if (result !== undefined && result !== null) decoded[name] = result
      }
      return decoded
    }
  }
}

/** What Go leaves in a slice element it decoded nothing into. */
function zeroValue(type: GoType): unknown {
  switch (type.kind) {
    case 'string':
      return ''
    case 'uint':
      return 0
    case 'struct': {
      if (type.nullable) return null
      const zero: Record<string, unknown> = {}
      for (const [name, field] of Object.entries(type.fields)) {
        const value = zeroValue(field.type)
        if (value !== undefined) zero[name] = value
      }
      return zero
    }
    default:
      return undefined
  }
}

/** Go matches a key to a field by its exact name, else case-insensitively. */
function fieldName(fields: Record<string, GoField>, key: string): string | undefined {
  if (Object.hasOwn(fields, key)) return key
  return Object.keys(fields).find((name) => name.toLowerCase() === key.toLowerCase())
}

/** moby/profiles' KernelVersion.UnmarshalJSON: a string `<kernel>.<major>`, each part a byte, not 0.0. */
function kernelVersion(value: unknown): string {
  const raw = rawJson(value)
  const invalid = (reason?: string) => new AbortError(`invalid kernel version: ${raw}, expected "<kernel>.<major>"${reason ? `: ${reason}` : ''}`)
  if (typeof value !== 'string') throw invalid(`json: cannot unmarshal ${jsonKind(value)} into Go value of type string`)
  if (value === '') return value
  const parts = value.split('.')
  if (parts.length !== 2) throw invalid()
  for (const part of parts) {
    if (!/^\d+$/.test(part)) throw invalid(`strconv.ParseUint: parsing ${JSON.stringify(part)}: invalid syntax`)
    if (Number(part) > 255) throw invalid(`strconv.ParseUint: parsing ${JSON.stringify(part)}: value out of range`)
  }
  if (parts.every((part) => Number(part) === 0)) throw invalid('version cannot be 0.0')
  return value
}

/** A decoded JSON value written back as JSON, numbers as they were written. */
function rawJson(value: unknown): string {
  if (value instanceof NumberLiteral) return value.source
  if (Array.isArray(value)) return `[${value.map(rawJson).join(',')}]`
  if (typeof value === 'object' && value !== null) return `{${Object.entries(value).map(([key, member]) => `${JSON.stringify(key)}:${rawJson(member)}`).join(',')}}`
  return JSON.stringify(value)
}
