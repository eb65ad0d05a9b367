import {CONVERSION, findType, type Conversion} from './codecs.ts'
import {parseExactJson, stringifyExactJson} from '../exact-json.ts'
import type {Any, Timestamp, TimestampInput} from './types.ts'

/** Go's zero time.Time as a protobuf Timestamp: containerd sends it for "not yet" (a running task's exitedAt). */
export const GO_ZERO_TIME_SECONDS = -62135596800

/** Type URLs of the JSON payloads containerd passes through to the runtime. */
export const OCI_SPEC_TYPE_URL = 'types.containerd.io/opencontainers/runtime-spec/1/Spec'
export const OCI_PROCESS_TYPE_URL = 'types.containerd.io/opencontainers/runtime-spec/1/Process'
export const OCI_LINUX_RESOURCES_TYPE_URL = 'types.containerd.io/opencontainers/runtime-spec/1/LinuxResources'

/** Protobuf payload types (see proto/types/runc/options/oci.proto and proto/cgroups). */
export const RUNC_OPTIONS_TYPE = 'containerd.runc.v1.Options'
export const RUNC_CHECKPOINT_OPTIONS_TYPE = 'containerd.runc.v1.CheckpointOptions'
export const CGROUP_V1_METRICS_TYPE = 'io.containerd.cgroups.v1.Metrics'
export const CGROUP_V2_METRICS_TYPE = 'io.containerd.cgroups.v2.Metrics'

/** A Timestamp as a Date; undefined for a missing timestamp and for Go's zero time. */
export function toDate(timestamp: Timestamp | TimestampInput | null | undefined): Date | undefined {
  if (!timestamp) return undefined
  const seconds = Number(timestamp.seconds)
  if (seconds <= GO_ZERO_TIME_SECONDS) return undefined
  return new Date(seconds * 1000 + Math.floor((timestamp.nanos ?? 0) / 1e6))
}

export function fromDate(date: Date): Timestamp {
  const milliseconds = date.getTime()
  const seconds = Math.floor(milliseconds / 1000)
  return {seconds: String(seconds), nanos: (milliseconds - seconds * 1000) * 1e6}
}

/** Encodes `object` as the protobuf message `typeName` (an event, runc options, cgroup metrics) in an Any. */
export function packAny(typeName: string, object: Record<string, unknown>): Any {
  const type = findType(typeName)
  if (!type) throw new Error(`unknown payload type ${typeName}`)
  return {typeUrl: typeName, value: type.encode(type.fromObject(object)).finish()}
}

/**
 * Decodes a protobuf Any whose type nerd knows (see PAYLOAD_PROTOS in scripts/gen-codecs.mjs) into a plain object shaped like
 * every other decoded message; undefined for other types. A `type.googleapis.com/` style prefix is
 * accepted; containerd itself sends bare names. `conversion` as NUMERIC_CONVERSION gives 64-bit
 * integers as numbers.
 */
export function unpackAny<T = Record<string, unknown>>(any: Any | null | undefined, conversion: Conversion = CONVERSION): T | undefined {
  if (!any?.typeUrl) return undefined
  const type = findType(any.typeUrl.slice(any.typeUrl.lastIndexOf('/') + 1))
  if (!type) return undefined
  return type.toObject(type.decode(any.value), conversion) as T
}

/**
 * An Any carrying JSON, as containerd stores OCI specs, exec processes and resource updates. Their
 * 64-bit integers (rlimits, seccomp arguments) travel exactly: bigints both ways (see exact-json.ts),
 * so a spec read, changed and stored again keeps them.
 */
export function packJson(typeUrl: string, value: unknown): Any {
  return {typeUrl, value: Buffer.from(stringifyExactJson(value))}
}

export function unpackJson<T>(any: Any | null | undefined): T | undefined {
  if (!any || any.value.length === 0) return undefined
  return parseExactJson(Buffer.from(any.value).toString('utf8')) as T
}
