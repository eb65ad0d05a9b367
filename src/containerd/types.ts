// The shapes containerd's messages take in nerd: field names in camel case as protobufjs produces
// them, 64-bit integers as decimal strings (they may exceed 2^53), enums as their names, absent
// sub-messages as null, absent maps and lists as empty. Inputs accept numbers for 64-bit fields and
// leave out what containerd defaults.

/** A 64-bit integer as a decimal string. */
export type Int64 = string
export type Int64Input = string | number

export type Labels = Record<string, string>

/** google.protobuf.Timestamp. Go's zero time (seconds -62135596800) means "never". */
export interface Timestamp {
  seconds: Int64
  nanos: number
}

export interface TimestampInput {
  seconds: Int64Input
  nanos?: number
}

/** google.protobuf.Any. containerd's type URLs are bare message names ("containerd.events.TaskExit"). */
export interface Any {
  typeUrl: string
  value: Uint8Array
}

/** Per-call settings for calls that may run long. */
export interface CallOptions {
  /** Cancels the call; the returned promise or iterator rejects with the signal's reason. */
  signal?: AbortSignal
  /** Deadline in milliseconds; Infinity for none. Defaults to the client's default for unary calls, none for streams. */
  timeoutMs?: number
}

// containerd.types

export interface Descriptor {
  mediaType: string
  digest: string
  size: Int64
  annotations: Labels
}

export interface DescriptorInput {
  mediaType: string
  digest: string
  size: Int64Input
  annotations?: Labels
}

export interface Mount {
  type: string
  source: string
  target: string
  options: string[]
}

export interface MountInput {
  type: string
  source: string
  target?: string
  options?: string[]
}

export interface Platform {
  os: string
  architecture: string
  variant: string
  osVersion: string
  osFeatures: string[]
}

export interface Metric {
  timestamp: Timestamp | null
  /** The container id. */
  id: string
  /** io.containerd.cgroups.v1.Metrics or io.containerd.cgroups.v2.Metrics for runc. */
  data: Any | null
}

/** containerd.types.Envelope: one event as Events.Subscribe streams it. */
export interface Envelope {
  timestamp: Timestamp | null
  namespace: string
  topic: string
  event: Any | null
}

// containerd.v1.types

export type ProcessStatus = 'UNKNOWN' | 'CREATED' | 'RUNNING' | 'STOPPED' | 'PAUSED' | 'PAUSING'

export interface Process {
  /** Empty for the init process on containerd 1.6 (then `id` is the container id). */
  containerId: string
  id: string
  pid: number
  status: ProcessStatus
  stdin: string
  stdout: string
  stderr: string
  terminal: boolean
  exitStatus: number
  exitedAt: Timestamp | null
}

export interface ProcessInfo {
  pid: number
  /** containerd.runc.v1.ProcessDetails for exec'd processes. */
  info: Any | null
}

// google.rpc

export interface RpcStatus {
  code: number
  message: string
  details: Any[]
}

// Version

export interface DaemonVersion {
  version: string
  revision: string
}

// Namespaces

export interface Namespace {
  name: string
  labels: Labels
}

export interface NamespaceInput {
  name: string
  labels?: Labels
}

// Containers

export interface ContainerRuntime {
  name: string
  options: Any | null
}

export interface Container {
  id: string
  labels: Labels
  image: string
  runtime: ContainerRuntime | null
  spec: Any | null
  snapshotter: string
  snapshotKey: string
  createdAt: Timestamp | null
  updatedAt: Timestamp | null
  extensions: Record<string, Any>
  sandbox: string
}

export interface ContainerInput {
  id: string
  labels?: Labels
  image?: string
  runtime: {name: string; options?: Any}
  /** The OCI runtime spec (see packJson). */
  spec: Any
  snapshotter?: string
  snapshotKey?: string
  extensions?: Record<string, Any>
}

/** Fields of a container to change; which ones count is decided by the update mask. */
export type ContainerUpdate = {id: string} & Partial<Omit<ContainerInput, 'id'>>

// Content

export interface ContentInfo {
  digest: string
  size: Int64
  createdAt: Timestamp | null
  updatedAt: Timestamp | null
  labels: Labels
}

export interface ContentInfoUpdate {
  digest: string
  labels?: Labels
}

/** An ingest (write in progress). */
export interface ContentStatus {
  startedAt: Timestamp | null
  updatedAt: Timestamp | null
  ref: string
  offset: Int64
  total: Int64
  expected: string
}

export interface ReadOptions extends CallOptions {
  offset?: number
  /** Bytes to read; 0 or absent reads to the end. */
  size?: number
}

/** The bytes of a blob for Content.Write: the whole blob, or a reader that starts at a given offset (for resuming). */
export type WriteSource = Uint8Array | ((offset: number) => AsyncIterable<Uint8Array> | Iterable<Uint8Array>)

export interface WriteOptions extends CallOptions {
  /** Size of the blob; required when the source is a reader. */
  total?: number
  /** Digest of the blob, `sha256:…`; required. */
  expected: string
  /** Labels set on the blob atomically with the commit. */
  labels?: Labels
  /** How long to keep retrying while another writer holds the ref. Default 60 s. */
  lockTimeoutMs?: number
}

export interface WriteResult {
  digest: string
  size: number
  /** The blob was already in this namespace; nothing was written. */
  existed: boolean
}

// Images

export interface Image {
  name: string
  labels: Labels
  target: Descriptor | null
  createdAt: Timestamp | null
  updatedAt: Timestamp | null
}

export interface ImageInput {
  name: string
  labels?: Labels
  target: DescriptorInput
}

export type ImageUpdate = {name: string} & Partial<Omit<ImageInput, 'name'>>

export interface ImageDeleteOptions {
  /** Wait for the garbage collection the deletion triggers. */
  sync?: boolean
  /** Only delete while the image still points at this descriptor (containerd 2.0+). */
  target?: DescriptorInput
}

// Snapshots

export type SnapshotKind = 'UNKNOWN' | 'VIEW' | 'ACTIVE' | 'COMMITTED'

export interface SnapshotInfo {
  name: string
  parent: string
  kind: SnapshotKind
  createdAt: Timestamp | null
  updatedAt: Timestamp | null
  labels: Labels
}

export interface SnapshotInfoUpdate {
  name: string
  labels?: Labels
}

export interface PrepareSnapshotInput {
  snapshotter: string
  key: string
  parent?: string
  labels?: Labels
}

export interface CommitSnapshotInput {
  snapshotter: string
  name: string
  key: string
  labels?: Labels
}

export interface SnapshotUsage {
  size: Int64
  inodes: Int64
}

// Tasks

export interface CreateTaskInput {
  containerId: string
  rootfs?: MountInput[]
  /** FIFO paths, or log URIs (file://, binary://) for stdout and stderr; all empty means /dev/null. */
  stdin?: string
  stdout?: string
  stderr?: string
  terminal?: boolean
  checkpoint?: DescriptorInput
  /** containerd.runc.v1.Options; absent uses the container's runtime options. */
  options?: Any
  runtimePath?: string
}

export interface CreatedTask {
  containerId: string
  pid: number
}

export interface DeletedProcess {
  id: string
  pid: number
  exitStatus: number
  exitedAt: Timestamp | null
}

export interface ExitStatus {
  /** 128+signal when killed by a signal. */
  exitStatus: number
  exitedAt: Timestamp | null
}

export interface ExecInput {
  containerId: string
  execId: string
  stdin?: string
  stdout?: string
  stderr?: string
  terminal?: boolean
  /** The OCI process spec (see packJson). */
  spec: Any
}

export interface KillOptions {
  execId?: string
  /** Signal every process of the container. */
  all?: boolean
}

export interface ResizePtyInput {
  containerId: string
  execId?: string
  width: number
  height: number
}

export interface CloseIOInput {
  containerId: string
  execId?: string
  stdin: boolean
}

export interface CheckpointInput {
  containerId: string
  parentCheckpoint?: string
  /** containerd.runc.v1.CheckpointOptions. */
  options?: Any
}

export interface UpdateTaskInput {
  containerId: string
  /** The OCI LinuxResources (see packJson). */
  resources?: Any
  annotations?: Labels
}

export interface WaitOptions extends CallOptions {
  execId?: string
}

// Diff

export interface ApplyInput {
  diff: DescriptorInput
  mounts: MountInput[]
  payloads?: Record<string, Any>
  syncFs?: boolean
}

export interface DiffInput {
  left: MountInput[]
  right: MountInput[]
  mediaType?: string
  ref?: string
  labels?: Labels
  sourceDateEpoch?: TimestampInput
}

// Leases

export interface Lease {
  id: string
  createdAt: Timestamp | null
  labels: Labels
}

export interface LeaseInput {
  /** Empty or absent: the daemon picks one. */
  id?: string
  labels?: Labels
}

export interface LeaseResource {
  id: string
  /** `content`, `ingests` or `snapshots/<snapshotter>`. */
  type: string
}

export interface WithLeaseOptions {
  /** Lease lifetime in milliseconds (containerd.io/gc.expire); default 24 h. */
  expireMs?: number
  labels?: Labels
  /** Delete the lease with a garbage collection at once: what it held is gone when withLease returns. */
  sync?: boolean
}

// Introspection

export interface Plugin {
  type: string
  id: string
  requires: string[]
  platforms: Platform[]
  exports: Labels
  capabilities: string[]
  /** Set when the plugin failed to initialise: it is then unusable. */
  initErr: RpcStatus | null
}

export interface DeprecationWarning {
  id: string
  message: string
  lastOccurrence: Timestamp | null
}

export interface ServerInfo {
  uuid: string
  /** containerd 1.7+; "0" before. */
  pid: Int64
  pidns: Int64
  deprecations: DeprecationWarning[]
}

// Events

/** An event with its payload decoded (when the payload type is known to nerd). */
export interface ContainerdEvent extends Envelope {
  /** The payload as an object, e.g. {containerId, id, pid, exitStatus, exitedAt} for /tasks/exit. */
  payload: Record<string, unknown> | undefined
}
