/**
 * The contract between nerd and its plugins' hooks: the events nerd fires, what each hook receives,
 * and what it may return. Plugins installed by users run with their own copy of @oclif/core and
 * cannot import nerd at run time, so this file holds types only; they reach plugins through
 * `import type {...} from 'nerd/sdk'`. Everything a hook needs at run time comes in its payload
 * or its context.
 */
import type {Interfaces} from '@oclif/core'

// ---------------------------------------------------------------------------------------------
// OCI image format (image-spec 1.1), as far as hooks read it. Field names are the JSON keys.

export interface Platform {
  architecture: string
  os: string
  variant?: string
  'os.version'?: string
  'os.features'?: string[]
}

export interface Descriptor {
  mediaType: string
  /** `sha256:<64 lowercase hex>` of the exact bytes. */
  digest: string
  size: number
  urls?: string[]
  annotations?: Record<string, string>
  platform?: Platform
  artifactType?: string
}

export interface ImageManifest {
  schemaVersion: 2
  mediaType?: string
  artifactType?: string
  config: Descriptor
  layers: Descriptor[]
  subject?: Descriptor
  annotations?: Record<string, string>
}

export interface ImageIndex {
  schemaVersion: 2
  mediaType?: string
  artifactType?: string
  manifests: Descriptor[]
  subject?: Descriptor
  annotations?: Record<string, string>
}

/** The `config` object of an image config blob: defaults for containers made from the image. */
export interface ImageRuntimeConfig {
  User?: string
  ExposedPorts?: Record<string, object>
  Env?: string[]
  Entrypoint?: string[]
  Cmd?: string[]
  Volumes?: Record<string, object>
  WorkingDir?: string
  Labels?: Record<string, string>
  StopSignal?: string
  Healthcheck?: Healthcheck
  /** The shell of the image's shell-form commands (Dockerfile SHELL); not a container's: its CMD-SHELL health check runs under /bin/sh -c, as docker's. */
  Shell?: string[]
  /** Dockerfile instructions a build run on top of the image runs first (`RUN make`). */
  OnBuild?: string[]
  /** The Cmd/Entrypoint are escaped already (Windows images; buildkit sets it for shell-form CMD). */
  ArgsEscaped?: boolean
}

/**
 * docker's health check of an image or container: the probe (`["CMD-SHELL", command]`, `["CMD",
 * ...args]`, `["NONE"]`; none given: the image's) and its timing in nanoseconds (none: the default).
 */
export interface Healthcheck {
  Test?: string[]
  Interval?: number
  Timeout?: number
  StartPeriod?: number
  StartInterval?: number
  Retries?: number
}

export interface ImageConfig {
  architecture: string
  os: string
  variant?: string
  /** The OS version a Windows image needs. */
  'os.version'?: string
  created?: string
  author?: string
  config?: ImageRuntimeConfig
  rootfs: {type: string; diff_ids: string[]}
  history?: Array<{created?: string; created_by?: string; author?: string; comment?: string; empty_layer?: boolean}>
}

// ---------------------------------------------------------------------------------------------
// OCI runtime spec (runtime-spec 1.x). The fields hooks most often touch are typed; the rest of
// the document is kept as is, so a hook may set anything the runtime understands.

export interface Mount {
  destination: string
  source?: string
  type?: string
  options?: string[]
}

export interface SpecHook {
  path: string
  args?: string[]
  env?: string[]
  timeout?: number
}

export interface RuntimeSpec {
  ociVersion: string
  process?: {
    terminal?: boolean
    user: {uid: number; gid: number; umask?: number; additionalGids?: number[]}
    args?: string[]
    env?: string[]
    cwd: string
    capabilities?: Partial<Record<'bounding' | 'effective' | 'inheritable' | 'permitted' | 'ambient', string[]>>
    rlimits?: Array<{type: string; hard: number; soft: number}>
    noNewPrivileges?: boolean
    apparmorProfile?: string
    selinuxLabel?: string
    oomScoreAdj?: number
  }
  root?: {path: string; readonly?: boolean}
  hostname?: string
  domainname?: string
  mounts?: Mount[]
  hooks?: Partial<Record<'prestart' | 'createRuntime' | 'createContainer' | 'startContainer' | 'poststart' | 'poststop', SpecHook[]>>
  annotations?: Record<string, string>
  linux?: {
    namespaces?: Array<{type: string; path?: string}>
    cgroupsPath?: string
    sysctl?: Record<string, string>
    resources?: Record<string, unknown>
    maskedPaths?: string[]
    readonlyPaths?: string[]
    [key: string]: unknown
  }
  [key: string]: unknown
}

// ---------------------------------------------------------------------------------------------
// CNI (spec 1.0): network configuration lists and the ADD result.

export interface CniPluginConf {
  /** The CNI plugin binary, e.g. `bridge`, `portmap`, `firewall`, `tuning`. */
  type: string
  [key: string]: unknown
}

export interface CniConfList {
  cniVersion: string
  name: string
  disableCheck?: boolean
  plugins: CniPluginConf[]
}

export interface CniResult {
  cniVersion: string
  interfaces?: Array<{name: string; mac?: string; sandbox?: string}>
  ips?: Array<{address: string; gateway?: string; interface?: number}>
  routes?: Array<{dst: string; gw?: string}>
  dns?: {nameservers?: string[]; domain?: string; search?: string[]; options?: string[]}
}

// ---------------------------------------------------------------------------------------------
// Shared pieces of payloads

/**
 * The parsed flags of the command that fired the event, by long name without dashes (`verify`,
 * `platform`), with those the installed plugins declare for the command in their package.json
 * (`"nerd": {"flags": {"pull": {"cosign-key": {"type": "string", "description": "…"}}}}`, for pull,
 * push, run and create; see "Declaring flags" in nerd's plugin guide). A plugin reads the flags it
 * declared here; a flag not given and without a default is missing.
 */
export type CommandFlags = Readonly<Record<string, unknown>>

/**
 * Read access to the registry an image is being pulled from, with nerd's credentials and host
 * configuration. Cosign and notation find signatures through it (tag scheme and referrers).
 */
export interface RegistryAccess {
  /** `host/path` of the repository, without tag or digest. */
  readonly repository: string
  /** Fetches a manifest of this repository by tag or digest; `undefined` when the registry has none. */
  fetchManifest(reference: string): Promise<{descriptor: Descriptor; bytes: Uint8Array} | undefined>
  /** Fetches a blob of this repository; the bytes are checked against the descriptor's digest. */
  fetchBlob(descriptor: Descriptor): Promise<Uint8Array>
}

// ---------------------------------------------------------------------------------------------
// nerd:image:resolve

export interface ImageResolvePayload {
  /** The reference as the user typed it: `alpine`, `ipfs://bafy…`, `myscheme://x`. */
  reference: string
  /** The scheme of `scheme://rest` references (`ipfs`), `undefined` for plain references. */
  scheme: string | undefined
  /** Platforms asked for (`linux/amd64`); empty means the host's. */
  platforms: readonly string[]
  flags: CommandFlags
}

export interface ResolvedSourceCommon {
  /** The name to store the image under, when not the reference itself (IPFS uses the bare CID). */
  name?: string
  /**
   * Called once the pull is over, succeeded or not: remove temporary files, stop a helper. It may be
   * synchronous or return a promise, which nerd awaits.
   */
  dispose?(): void | Promise<void>
}

/**
 * What a `nerd:image:resolve` hook returns: where pull fetches the image from instead of the
 * reference the user typed, a registry reference (one the plugin serves on localhost, for
 * example). `kind` leaves room for other sources later.
 */
export type ResolvedSource = ResolvedSourceCommon & {kind: 'registry'; reference: string}

// ---------------------------------------------------------------------------------------------
// nerd:image:verify

export interface ImageVerifyPayload {
  /** The image name being pulled, normalised (`docker.io/library/alpine:latest`). */
  name: string
  /** The root descriptor (index or manifest) the reference resolved to, once; pull uses this digest. */
  descriptor: Descriptor
  /** The index, when the root is one. */
  index: ImageIndex | undefined
  /** The platform manifest about to be unpacked. */
  manifest: ImageManifest
  config: ImageConfig
  /** Reads a fetched blob (manifest, config or layer) from the content store by digest. */
  readBlob(digest: string): Promise<Uint8Array>
  /** The source registry; `undefined` for images that did not come from one (archives, layouts). */
  registry: RegistryAccess | undefined
  /** Verifiers the user asked for (`--verify=cosign` gives `['cosign']`); each must verify the image. */
  require: readonly string[]
  flags: CommandFlags
}

/**
 * `undefined`: this plugin has nothing to check for this pull (not asked for, or not its kind).
 * `verified: true`: checked and accepted, by the named verifier (`cosign`).
 * `verified: false`: checked and rejected; the pull fails with `reason`.
 */
export type ImageVerifyResult =
  | {verified: true; verifier: string; details?: string}
  | {verified: false; reason: string}
  | undefined

// ---------------------------------------------------------------------------------------------
// nerd:image:unpack

/** A containerd `google.protobuf.Any` handed to Diff.Apply (stream processor payloads). */
export interface ProcessorPayload {
  typeUrl: string
  value: Uint8Array
}

export interface LayerUnpackPlan {
  /**
   * The descriptor Diff.Apply gets instead of the layer's own, e.g. the plaintext copy of an
   * encrypted layer that the plugin wrote to the content store.
   */
  apply?: Descriptor
  /** Diff.Apply payloads by stream processor id. */
  payloads?: Record<string, ProcessorPayload>
  /** Extra labels for this layer's Snapshots.Prepare. */
  labels?: Record<string, string>
}

export interface UnpackPlan {
  /** The snapshotter to unpack into (`stargz`, `nydus`). */
  snapshotter?: string
  /** Extra labels for every layer's Snapshots.Prepare. */
  labels?: Record<string, string>
  /** Per-layer plans by the layer's digest. */
  layers?: Record<string, LayerUnpackPlan>
}

export interface UnpackLayer {
  descriptor: Descriptor
  /** The layer's uncompressed digest from the image config. */
  diffId: string
  /** The chain ID of the snapshot this layer ends up as. */
  chainId: string
}

export interface ImageUnpackPayload {
  name: string
  /** The platform manifest's descriptor. */
  descriptor: Descriptor
  manifest: ImageManifest
  config: ImageConfig
  layers: readonly UnpackLayer[]
  /** The snapshotter the user or the configuration chose. */
  snapshotter: string
  /** What the plugins before this one decided; a plugin adds to it by returning a plan. */
  plan: UnpackPlan
  readBlob(digest: string): Promise<Uint8Array>
  flags: CommandFlags
}

// ---------------------------------------------------------------------------------------------
// nerd:image:convert

export interface ConvertOption {
  type: 'string' | 'boolean' | 'integer'
  description: string
  default?: string | boolean | number
}

export interface ConvertRequest {
  source: {name: string; descriptor: Descriptor}
  /** The name to store the converted image under. */
  target: string
  /** Platforms to convert; empty means the host's. */
  platforms: readonly string[]
  /** Values of this format's options, by option name. */
  options: Readonly<Record<string, string | boolean | number | undefined>>
  namespace: string
  signal: AbortSignal
}

/** A conversion a plugin offers to `nerd image convert --<format>`. */
export interface ConversionFormat {
  /** The flag name that selects it: `estargz` for `--estargz`. */
  format: string
  description: string
  /** Options, offered as `--<format>-<option>` flags. */
  options?: Record<string, ConvertOption>
  /** Converts the image and returns the new root descriptor. Runs without the hook timeout. */
  convert(request: ConvertRequest): Promise<{descriptor: Descriptor}>
}

export interface ImageConvertPayload {
  flags: CommandFlags
}

// ---------------------------------------------------------------------------------------------
// nerd:image:push, nerd:image:pushed

export interface ImagePushPayload {
  /** The reference pushed to. */
  name: string
  /** The root descriptor about to be pushed. */
  descriptor: Descriptor
  platforms: readonly string[]
  /** Annotations the plugins before this one asked for. */
  annotations: Readonly<Record<string, string>>
  flags: CommandFlags
}

export type ImagePushResult =
  | {
      /** Refuses the push with this reason. */
      veto?: string
      /** Annotations to set on the pushed manifest (merged, later plugins win). */
      annotations?: Record<string, string>
    }
  | undefined

export interface ImagePushedPayload {
  name: string
  /** The root descriptor as pushed: sign this digest. */
  descriptor: Descriptor
  flags: CommandFlags
}

// ---------------------------------------------------------------------------------------------
// nerd:container:create, nerd:container:start

export interface ContainerImage {
  name: string
  descriptor: Descriptor
  config: ImageConfig
}

export interface ContainerCreatePayload {
  id: string
  name: string
  image: ContainerImage
  /** The spec so far: the core's, as changed by the plugins before this one. May be changed in place. */
  spec: RuntimeSpec
  /** The container's labels so far. May be changed in place. */
  labels: Record<string, string>
  snapshotter: string
  flags: CommandFlags
}

export type ContainerCreateResult = {spec?: RuntimeSpec; labels?: Record<string, string>} | undefined

export interface ContainerStartPayload {
  id: string
  name: string
  /** The task's init process on the host. */
  pid: number
  labels: Readonly<Record<string, string>>
}

// ---------------------------------------------------------------------------------------------
// nerd:network:setup, nerd:network:ready, nerd:network:teardown (once per attached network)

export interface NetworkAttachment {
  containerId: string
  containerName: string
  /** The network namespace path the CNI plugins run in. */
  netns: string
  /** The interface inside the container (`eth0`). */
  ifName: string
  /** The nerd network name. */
  network: string
  /** The container's labels. */
  labels: Readonly<Record<string, string>>
}

export interface NetworkSetupPayload extends NetworkAttachment {
  /** The conflist CNI ADD will run, as changed by the plugins before this one. */
  conflist: CniConfList
  /** CNI runtime config / capability arguments (`portMappings`, `ips`, `mac`). */
  capabilityArgs: Record<string, unknown>
}

export type NetworkSetupResult = {conflist?: CniConfList; capabilityArgs?: Record<string, unknown>} | undefined

export interface NetworkReadyPayload extends NetworkAttachment {
  result: CniResult
}

export interface NetworkTeardownPayload extends NetworkAttachment {
  /** Fired before CNI DEL and again after it. */
  phase: 'before' | 'after'
}

// ---------------------------------------------------------------------------------------------
// The event map

/** Every event nerd fires for plugins: what a hook receives and what it may return. */
export interface NerdHookEvents {
  /**
   * Turns a reference (or a custom scheme such as `ipfs://`) into a source pull can fetch.
   * Plugins are asked in order; the first one that returns a source wins, the rest are not called.
   */
  'nerd:image:resolve': {payload: ImageResolvePayload; result: ResolvedSource | undefined}
  /**
   * Verifies fetched content before anything is unpacked. Every plugin runs, in order. A
   * rejection, a thrown error or a timeout fails the pull (fail closed), and so does a verifier in
   * `require` that no plugin reported.
   */
  'nerd:image:verify': {payload: ImageVerifyPayload; result: ImageVerifyResult}
  /**
   * Shapes the unpack: snapshotter, labels, per-layer Diff.Apply descriptors and payloads. Plans
   * are merged in order; each plugin sees the plan so far in `payload.plan`.
   */
  'nerd:image:unpack': {payload: ImageUnpackPayload; result: UnpackPlan | undefined}
  /** Collects the conversion formats plugins offer (`--estargz`, `--nydus`). */
  'nerd:image:convert': {payload: ImageConvertPayload; result: ConversionFormat | ConversionFormat[] | undefined}
  /** Before a push: a plugin may refuse it or add manifest annotations. Runs in order. */
  'nerd:image:push': {payload: ImagePushPayload; result: ImagePushResult}
  /** After a push (e.g. `push --sign=cosign`). Every plugin runs, in order; an error fails the command. */
  'nerd:image:pushed': {payload: ImagePushedPayload; result: void}
  /** Changes the OCI spec and labels before Containers.Create. Runs in order, as a pipeline. */
  'nerd:container:create': {payload: ContainerCreatePayload; result: ContainerCreateResult | void}
  /** After the task started. Notification: a failure is printed as a warning. */
  'nerd:container:start': {payload: ContainerStartPayload; result: void}
  /** Changes the CNI conflist or its arguments before CNI ADD. Runs in order, as a pipeline. */
  'nerd:network:setup': {payload: NetworkSetupPayload; result: NetworkSetupResult | void}
  /** After CNI ADD, with its result. Notification. */
  'nerd:network:ready': {payload: NetworkReadyPayload; result: void}
  /** Around CNI DEL (`phase` says which side). Notification. */
  'nerd:network:teardown': {payload: NetworkTeardownPayload; result: void}
}

export type NerdHookEvent = keyof NerdHookEvents
export type NerdHookPayload<E extends NerdHookEvent> = NerdHookEvents[E]['payload']
export type NerdHookResult<E extends NerdHookEvent> = NerdHookEvents[E]['result']

// ---------------------------------------------------------------------------------------------
// What a hook is called with

/** What the core hands every hook at run time (plugins cannot import nerd's modules). */
export interface NerdApi {
  /** The hook API version this nerd provides (`1.0.0`). */
  readonly hookApiVersion: string
  /** nerd's own version. */
  readonly nerdVersion: string
  /** The containerd namespace the command works in. */
  readonly namespace: string
  /** The containerd socket address. */
  readonly address: string
}

export interface NerdHookContext {
  api: NerdApi
  /** The oclif configuration of the running nerd (data and cache dirs, the plugin list). */
  config: Interfaces.Config
  /** The plugin this hook belongs to. */
  plugin: {readonly name: string; readonly version: string; readonly root: string}
  /** Prints a line on stderr; stdout belongs to the command's output. */
  log(message: string): void
  /** Prints `WARNING: [plugin] message` on stderr. */
  warn(message: string): void
  /** Aborted when the hook times out: stop the work (kill child processes, cancel requests). */
  signal: AbortSignal
}

export type NerdHook<E extends NerdHookEvent> = (
  this: NerdHookContext,
  payload: NerdHookPayload<E>,
  context: NerdHookContext,
) => Promise<NerdHookResult<E>> | NerdHookResult<E>
