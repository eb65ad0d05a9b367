// Typed facades over containerd's services. Each method sends one request and returns the part of
// the answer callers use (the container, not {container}); field semantics are in proto/.
import {ContainerdError, GrpcCode} from './errors.ts'
import {type Rpc, unbounded, updateMask} from './rpc.ts'
import type {
  ApplyInput,
  CallOptions,
  CheckpointInput,
  CloseIOInput,
  CommitSnapshotInput,
  Container,
  ContainerInput,
  ContainerUpdate,
  CreatedTask,
  CreateTaskInput,
  DaemonVersion,
  DeletedProcess,
  Descriptor,
  DiffInput,
  ExecInput,
  ExitStatus,
  Image,
  ImageDeleteOptions,
  ImageInput,
  ImageUpdate,
  KillOptions,
  Lease,
  LeaseInput,
  LeaseResource,
  Metric,
  Mount,
  Namespace,
  NamespaceInput,
  Plugin,
  PrepareSnapshotInput,
  Process,
  ProcessInfo,
  ResizePtyInput,
  ServerInfo,
  SnapshotInfo,
  SnapshotInfoUpdate,
  SnapshotUsage,
  UpdateTaskInput,
  WaitOptions,
} from './types.ts'

export class VersionService {
  readonly #rpc: Rpc

  constructor(rpc: Rpc) {
    this.#rpc = rpc
  }

  version(): Promise<DaemonVersion> {
    return this.#rpc.unary<DaemonVersion>('Version', {})
  }
}

export class NamespacesService {
  readonly #rpc: Rpc

  constructor(rpc: Rpc) {
    this.#rpc = rpc
  }

  /**
   * Answered from List: containerd 1.6's Get returns an empty namespace for any name, existing or
   * not, so it cannot tell a missing namespace apart.
   */
  async get(name: string): Promise<Namespace> {
    const found = (await this.list()).find((namespace) => namespace.name === name)
    if (!found) throw new ContainerdError(GrpcCode.NOT_FOUND, `namespace "${name}": not found`, 'Namespaces/Get')
    return found
  }

  /** Every namespace with its labels (containerd ignores the request's filter field, so nerd sends none). */
  async list(): Promise<Namespace[]> {
    return (await this.#rpc.unary<{namespaces: Namespace[]}>('List', {})).namespaces
  }

  /** ALREADY_EXISTS when taken. */
  async create(namespace: NamespaceInput): Promise<Namespace> {
    return (await this.#rpc.unary<{namespace: Namespace}>('Create', {namespace})).namespace
  }

  /**
   * Paths: `labels` (replace all) or `labels.<key>` (one label; an empty value removes it).
   * containerd 1.6 creates the namespace when it does not exist.
   */
  async update(namespace: NamespaceInput, paths?: string[]): Promise<Namespace> {
    return (await this.#rpc.unary<{namespace: Namespace}>('Update', {namespace, ...updateMask(paths)})).namespace
  }

  /** FAILED_PRECONDITION while the namespace still holds anything. */
  async delete(name: string): Promise<void> {
    await this.#rpc.unary('Delete', {name})
  }
}

export class ContainersService {
  readonly #rpc: Rpc

  constructor(rpc: Rpc) {
    this.#rpc = rpc
  }

  async get(id: string): Promise<Container> {
    return (await this.#rpc.unary<{container: Container}>('Get', {id})).container
  }

  /** Filters: `id`, `image`, `runtime.name`, `labels.<key>`; several are ORed. */
  async list(filters: string[] = []): Promise<Container[]> {
    return (await this.#rpc.unary<{containers: Container[]}>('List', {filters})).containers
  }

  /** Like list, one container per message: for namespaces whose specs exceed the 16 MiB message limit. */
  async *listStream(filters: string[] = [], options?: CallOptions): AsyncGenerator<Container, void, undefined> {
    for await (const message of this.#rpc.stream<{container: Container}>('ListStream', {filters}, options)) yield message.container
  }

  async create(container: ContainerInput): Promise<Container> {
    return (await this.#rpc.unary<{container: Container}>('Create', {container})).container
  }

  /** Paths: labels, labels.<key>, extensions, extensions.<key>, spec, image, snapshotkey. */
  async update(container: ContainerUpdate, paths?: string[]): Promise<Container> {
    return (await this.#rpc.unary<{container: Container}>('Update', {container, ...updateMask(paths)})).container
  }

  /** Does not check for a task: delete the task first or it is orphaned. */
  async delete(id: string): Promise<void> {
    await this.#rpc.unary('Delete', {id})
  }
}

export class ImagesService {
  readonly #rpc: Rpc

  constructor(rpc: Rpc) {
    this.#rpc = rpc
  }

  async get(name: string): Promise<Image> {
    return (await this.#rpc.unary<{image: Image}>('Get', {name})).image
  }

  /** Filters: `name`, `target.digest`, `target.mediatype`, `labels.<key>`, `annotations.<key>`. */
  async list(filters: string[] = []): Promise<Image[]> {
    return (await this.#rpc.unary<{images: Image[]}>('List', {filters})).images
  }

  /** ALREADY_EXISTS when the name is taken. */
  async create(image: ImageInput): Promise<Image> {
    return (await this.#rpc.unary<{image: Image}>('Create', {image})).image
  }

  /** Paths: labels, labels.<key>, annotations, annotations.<key>, target; none replaces target and labels. */
  async update(image: ImageUpdate, paths?: string[]): Promise<Image> {
    return (await this.#rpc.unary<{image: Image}>('Update', {image, ...updateMask(paths)})).image
  }

  async delete(name: string, options: ImageDeleteOptions = {}): Promise<void> {
    await this.#rpc.unary('Delete', {name, sync: options.sync ?? false, ...(options.target ? {target: options.target} : {})})
  }
}

export class SnapshotsService {
  readonly #rpc: Rpc

  constructor(rpc: Rpc) {
    this.#rpc = rpc
  }

  /** A writable snapshot on top of `parent`; returns the mounts that make up its filesystem. */
  async prepare(input: PrepareSnapshotInput): Promise<Mount[]> {
    return (await this.#rpc.unary<{mounts: Mount[]}>('Prepare', input)).mounts
  }

  /** A read-only snapshot on top of `parent`. */
  async view(input: PrepareSnapshotInput): Promise<Mount[]> {
    return (await this.#rpc.unary<{mounts: Mount[]}>('View', input)).mounts
  }

  async mounts(snapshotter: string, key: string): Promise<Mount[]> {
    return (await this.#rpc.unary<{mounts: Mount[]}>('Mounts', {snapshotter, key})).mounts
  }

  /** Turns the active snapshot `key` into the committed snapshot `name`; `key` disappears. */
  async commit(input: CommitSnapshotInput): Promise<void> {
    await this.#rpc.unary('Commit', input)
  }

  async remove(snapshotter: string, key: string): Promise<void> {
    await this.#rpc.unary('Remove', {snapshotter, key})
  }

  async stat(snapshotter: string, key: string): Promise<SnapshotInfo> {
    return (await this.#rpc.unary<{info: SnapshotInfo}>('Stat', {snapshotter, key})).info
  }

  /** Paths: labels, labels.<key>. */
  async update(snapshotter: string, info: SnapshotInfoUpdate, paths?: string[]): Promise<SnapshotInfo> {
    return (await this.#rpc.unary<{info: SnapshotInfo}>('Update', {snapshotter, info, ...updateMask(paths)})).info
  }

  /** Filters: `kind` (active, view, committed), `name`, `parent`, `labels.<key>`. */
  async *list(snapshotter: string, filters: string[] = [], options?: CallOptions): AsyncGenerator<SnapshotInfo, void, undefined> {
    for await (const message of this.#rpc.stream<{info: SnapshotInfo[]}>('List', {snapshotter, filters}, options)) yield* message.info
  }

  /** Disk usage of an active snapshot's own layer (walks its files: can take a while). */
  usage(snapshotter: string, key: string, options?: CallOptions): Promise<SnapshotUsage> {
    return this.#rpc.unary<SnapshotUsage>('Usage', {snapshotter, key}, unbounded(options))
  }

  async cleanup(snapshotter: string): Promise<void> {
    await this.#rpc.unary('Cleanup', {snapshotter})
  }
}

export class TasksService {
  readonly #rpc: Rpc

  constructor(rpc: Rpc) {
    this.#rpc = rpc
  }

  /** Blocks until the shim has opened the stdio FIFOs: open their read ends before calling. */
  create(input: CreateTaskInput): Promise<CreatedTask> {
    return this.#rpc.unary<CreatedTask>('Create', input)
  }

  /** Starts the init process (no execId) or an exec'd one; returns its pid. */
  async start(containerId: string, execId = ''): Promise<number> {
    return (await this.#rpc.unary<{pid: number}>('Start', {containerId, execId})).pid
  }

  /** Deletes a stopped task (runs poststop hooks, unmounts the rootfs, stops the shim). */
  delete(containerId: string): Promise<DeletedProcess> {
    return this.#rpc.unary<DeletedProcess>('Delete', {containerId})
  }

  deleteProcess(containerId: string, execId: string): Promise<DeletedProcess> {
    return this.#rpc.unary<DeletedProcess>('DeleteProcess', {containerId, execId})
  }

  async get(containerId: string, execId = ''): Promise<Process> {
    return (await this.#rpc.unary<{process: Process}>('Get', {containerId, execId})).process
  }

  /** Every task of the namespace (containerd 1.6 ignores the filter). */
  async list(filter = ''): Promise<Process[]> {
    return (await this.#rpc.unary<{tasks: Process[]}>('List', {filter})).tasks
  }

  async kill(containerId: string, signal: number, options: KillOptions = {}): Promise<void> {
    await this.#rpc.unary('Kill', {containerId, execId: options.execId ?? '', signal, all: options.all ?? false})
  }

  /** Registers an exec process; `start(containerId, execId)` runs it. */
  async exec(input: ExecInput): Promise<void> {
    await this.#rpc.unary('Exec', input)
  }

  async resizePty(input: ResizePtyInput): Promise<void> {
    await this.#rpc.unary('ResizePty', input)
  }

  async closeIO(input: CloseIOInput): Promise<void> {
    await this.#rpc.unary('CloseIO', input)
  }

  async pause(containerId: string): Promise<void> {
    await this.#rpc.unary('Pause', {containerId})
  }

  async resume(containerId: string): Promise<void> {
    await this.#rpc.unary('Resume', {containerId})
  }

  async listPids(containerId: string): Promise<ProcessInfo[]> {
    return (await this.#rpc.unary<{processes: ProcessInfo[]}>('ListPids', {containerId})).processes
  }

  async checkpoint(input: CheckpointInput, options?: CallOptions): Promise<Descriptor[]> {
    return (await this.#rpc.unary<{descriptors: Descriptor[]}>('Checkpoint', input, unbounded(options))).descriptors
  }

  async update(input: UpdateTaskInput): Promise<void> {
    await this.#rpc.unary('Update', input)
  }

  /** Filters: `id==<container>`, `namespace==<ns>`. */
  async metrics(filters: string[] = []): Promise<Metric[]> {
    return (await this.#rpc.unary<{metrics: Metric[]}>('Metrics', {filters})).metrics
  }

  /** Resolves when the process exits (at once if it already has). No deadline unless given. */
  wait(containerId: string, options: WaitOptions = {}): Promise<ExitStatus> {
    return this.#rpc.unary<ExitStatus>('Wait', {containerId, execId: options.execId ?? ''}, unbounded(options))
  }
}

export class DiffService {
  readonly #rpc: Rpc

  constructor(rpc: Rpc) {
    this.#rpc = rpc
  }

  /** Unpacks a layer blob onto the mounts; returns the uncompressed layer (digest = diffID). */
  async apply(input: ApplyInput, options?: CallOptions): Promise<Descriptor> {
    return (await this.#rpc.unary<{applied: Descriptor}>('Apply', input, unbounded(options))).applied
  }

  /** Writes the difference between two mount sets as a layer blob into the content store. */
  async diff(input: DiffInput, options?: CallOptions): Promise<Descriptor> {
    return (await this.#rpc.unary<{diff: Descriptor}>('Diff', input, unbounded(options))).diff
  }
}

export class LeasesService {
  readonly #rpc: Rpc

  constructor(rpc: Rpc) {
    this.#rpc = rpc
  }

  async create(lease: LeaseInput = {}): Promise<Lease> {
    return (await this.#rpc.unary<{lease: Lease}>('Create', lease)).lease
  }

  async delete(id: string, options: {sync?: boolean} = {}): Promise<void> {
    await this.#rpc.unary('Delete', {id, sync: options.sync ?? false})
  }

  /** Filters: `id`, `labels.<key>`. */
  async list(filters: string[] = []): Promise<Lease[]> {
    return (await this.#rpc.unary<{leases: Lease[]}>('List', {filters})).leases
  }

  async addResource(id: string, resource: LeaseResource): Promise<void> {
    await this.#rpc.unary('AddResource', {id, resource})
  }

  async deleteResource(id: string, resource: LeaseResource): Promise<void> {
    await this.#rpc.unary('DeleteResource', {id, resource})
  }

  async listResources(id: string): Promise<LeaseResource[]> {
    return (await this.#rpc.unary<{resources: LeaseResource[]}>('ListResources', {id})).resources
  }
}

export class IntrospectionService {
  readonly #rpc: Rpc

  constructor(rpc: Rpc) {
    this.#rpc = rpc
  }

  /** Filters: `type==io.containerd.snapshotter.v1`, `id==overlayfs`, … */
  async plugins(filters: string[] = []): Promise<Plugin[]> {
    return (await this.#rpc.unary<{plugins: Plugin[]}>('Plugins', {filters})).plugins
  }

  server(): Promise<ServerInfo> {
    return this.#rpc.unary<ServerInfo>('Server', {})
  }
}
