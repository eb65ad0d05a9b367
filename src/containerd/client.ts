import {constants} from 'node:fs'
import {access, stat} from 'node:fs/promises'
import {onEarlyExit} from '../early-exit.ts'
import {ownerGone, ownerTag} from '../owner.ts'
import {parseAddress, type SocketAddress} from './address.ts'
import {ContentService} from './content.ts'
import {ConnectionError, REASON_NOT_SOCKET, isNotFound, reasonForErrno} from './errors.ts'
import {EventsService} from './events.ts'
import {preloadCodecs} from './codecs.ts'
import {Rpc} from './rpc.ts'
import {
  ContainersService,
  DiffService,
  ImagesService,
  IntrospectionService,
  LeasesService,
  NamespacesService,
  SnapshotsService,
  TasksService,
  VersionService,
} from './services.ts'
import {type CallScope, preloadGrpc, Transport} from './transport.ts'
import type {WithLeaseOptions} from './types.ts'

export interface ConnectOptions {
  /** Socket path or `unix:///path`. */
  address: string
  /** Sent as `containerd-namespace` on every call. */
  namespace: string
  /** Deadline of unary calls (Wait, Apply and streams have none). Default 30 s. */
  defaultTimeoutMs?: number
  /** How long connecting (the socket accepting, then HTTP/2's handshake) may take. Default 10 s. */
  connectTimeoutMs?: number
}

export const DEFAULT_TIMEOUT_MS = 30_000
/** containerd's Go client's (client.go, `copts.timeout`), which nerdctl uses: a socket that accepts but never answers fails then. */
const CONNECT_TIMEOUT_MS = 10_000
const DEFAULT_LEASE_EXPIRY_MS = 24 * 60 * 60 * 1000
export const GC_EXPIRE_LABEL = 'containerd.io/gc.expire'
/** Lease label naming the nerd process that holds the lease (owner.ts). */
export const LEASE_OWNER_LABEL = 'nerd/owner'
/**
 * The ingest names a pull writes under (image/manifest.ts ingestRef: the kind and the digest), the
 * same for every pull of the blob, so that a later pull continues a partial download.
 */
const PULL_INGEST_REF = /^(?:manifest|index|layer|config|unknown)-[a-z0-9]+:[a-f0-9]+$/

/**
 * A connection to containerd seen from one namespace (and possibly one lease). Views made with
 * withNamespace or inside withLease share the connection; close() ends it for all of them.
 */
export class ContainerdClient {
  /** `unix:///path` as dialled. */
  readonly address: string
  readonly namespace: string
  /** The lease every call of this view carries, if any. */
  readonly lease: string | undefined

  readonly version: VersionService
  readonly namespaces: NamespacesService
  readonly containers: ContainersService
  readonly content: ContentService
  readonly images: ImagesService
  readonly snapshots: SnapshotsService
  readonly tasks: TasksService
  readonly diff: DiffService
  readonly leases: LeasesService
  readonly events: EventsService
  readonly introspection: IntrospectionService

  readonly #transport: Transport
  readonly #scope: CallScope

  /** Use connect(); this is how views share one transport. */
  constructor(transport: Transport, scope: CallScope) {
    this.#transport = transport
    this.#scope = scope
    this.address = transport.address.target
    this.namespace = scope.namespace
    this.lease = scope.lease
    this.version = new VersionService(new Rpc(transport, 'version', scope))
    this.namespaces = new NamespacesService(new Rpc(transport, 'namespaces', scope))
    this.containers = new ContainersService(new Rpc(transport, 'containers', scope))
    this.content = new ContentService(new Rpc(transport, 'content', scope))
    this.images = new ImagesService(new Rpc(transport, 'images', scope))
    this.snapshots = new SnapshotsService(new Rpc(transport, 'snapshots', scope))
    this.tasks = new TasksService(new Rpc(transport, 'tasks', scope))
    this.diff = new DiffService(new Rpc(transport, 'diff', scope))
    this.leases = new LeasesService(new Rpc(transport, 'leases', scope))
    this.events = new EventsService(new Rpc(transport, 'events', scope))
    this.introspection = new IntrospectionService(new Rpc(transport, 'introspection', scope))
  }

  /** The same connection, calls made in another namespace. */
  withNamespace(namespace: string): ContainerdClient {
    return new ContainerdClient(this.#transport, {...this.#scope, namespace})
  }

  /**
   * Runs `fn` with a view whose calls carry a new lease, so blobs, ingests and snapshots it creates
   * survive garbage collection until they are referenced (by an image, a container, a label). The
   * lease is deleted afterwards, whether `fn` succeeded or not; for a nerd killed before, it names
   * its nerd (LEASE_OWNER_LABEL), so that another one deletes it (deleteOrphanedLeases).
   */
  async withLease<T>(fn: (leased: ContainerdClient) => Promise<T>, options: WithLeaseOptions = {}): Promise<T> {
    const expires = new Date(Date.now() + (options.expireMs ?? DEFAULT_LEASE_EXPIRY_MS))
    const labels = {...options.labels, [LEASE_OWNER_LABEL]: ownerTag(), [GC_EXPIRE_LABEL]: rfc3339Seconds(expires)}
    const lease = await this.leases.create({id: newLeaseId(), labels})
    // Those of nerds killed meanwhile go, one call beside this lease's work.
    const orphans = this.deleteOrphanedLeases({keepDownloads: true}).catch(() => undefined)
    const deleteLease = () => this.leases.delete(lease.id, {sync: options.sync ?? false})
    const registered = onEarlyExit(deleteLease)
    try {
      return await fn(new ContainerdClient(this.#transport, {...this.#scope, lease: lease.id}))
    } finally {
      registered()
      // A lease that cannot be deleted (connection lost) still expires, so this failure is not the caller's.
      await deleteLease().catch(() => undefined)
      await orphans
    }
  }

  /**
   * Deletes this namespace's leases whose nerd is gone (killed before it deleted them): what they
   * kept from garbage collection (a killed load's blobs, a killed create's snapshot) goes, and their
   * unfinished writes are dropped. `sync` waits for the collection, for a caller that needs the
   * space free (prune, namespace rm); `keepDownloads` keeps a lease while a partial download of a
   * pull is still there (one the next pull of the image continues, as it does those a pull stopped
   * by a signal keeps). A lease lists its ingests after they are committed too, and a load's or a
   * commit's ingests are named for the process, which no later command continues: neither keeps it.
   * Leases without an owner (an older nerd's, which may still run) are left to expire.
   */
  async deleteOrphanedLeases(options: {sync?: boolean; keepDownloads?: boolean} = {}): Promise<void> {
    const leases = await this.leases.list([`labels."${LEASE_OWNER_LABEL}"`])
    let collected = false
    for (const lease of leases) {
      if (!ownerGone(lease.labels[LEASE_OWNER_LABEL] ?? '')) continue
      const ingests = (await this.leases.listResources(lease.id)).filter((resource) => resource.type === 'ingests').map((resource) => resource.id)
      const ownIngests = ingests.filter((ref) => !PULL_INGEST_REF.test(ref))
      if (options.keepDownloads && (await this.#anyIngestLeft(ingests.filter((ref) => PULL_INGEST_REF.test(ref))))) continue
      await this.leases.delete(lease.id, {sync: options.sync ?? false}).then(() => (collected = true), () => undefined)
      // No other process writes under these names; a pull's are left to the pull that may be continuing them.
      await Promise.all(ownIngests.map((ref) => this.content.abort(ref).catch(() => undefined)))
    }
    // Another nerd's sweep (every withLease runs one) may have deleted an orphan without waiting for
    // the collection, which containerd runs a while later: one is run and waited for all the same,
    // in a namespace that exists (a lease would make it: `namespace rm` of a missing one must not).
    if (options.sync && !collected && (await this.namespaces.list()).some((namespace) => namespace.name === this.namespace)) {
      await this.withLease(async () => undefined, {sync: true})
    }
  }

  /** Whether any of the ingests `refs` is still unfinished (a committed one is gone from the content store's statuses). */
  async #anyIngestLeft(refs: string[]): Promise<boolean> {
    const found = await Promise.all(refs.map((ref) => this.content.status(ref).then(() => true, (error: unknown) => (isNotFound(error) ? false : Promise.reject(error)))))
    return found.includes(true)
  }

  /** Ends the connection (of every view) so the process can exit. */
  close(): void {
    this.#transport.close()
  }
}

/**
 * Unique enough and a valid containerd identifier (letters, digits, single separators). Not from
 * node:crypto, which would add milliseconds to every command's start-up for no security gain.
 */
function newLeaseId(): string {
  return `nerd-${Date.now()}-${Math.random().toString(16).slice(2, 10)}`
}

/** containerd parses gc.expire as RFC 3339; the Go client writes whole seconds in UTC. */
export function rfc3339Seconds(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`
}

/**
 * Checks the socket before dialling, so a missing or unusable socket is reported at once in one line
 * rather than as a gRPC failure after the first call.
 */
async function checkSocket(address: SocketAddress): Promise<void> {
  try {
    if (!(await stat(address.path)).isSocket()) throw new ConnectionError(address.target, REASON_NOT_SOCKET)
    await access(address.path, constants.R_OK | constants.W_OK)
  } catch (error) {
    if (error instanceof ConnectionError) throw error
    const {code, message} = error as NodeJS.ErrnoException
    throw new ConnectionError(address.target, reasonForErrno(code, message), {cause: error})
  }
}

/** Opens a client; fails fast with a ConnectionError when the socket is missing or unusable. */
export async function connect(options: ConnectOptions): Promise<ContainerdClient> {
  const address = parseAddress(options.address)
  await Promise.all([checkSocket(address), preloadGrpc(), preloadCodecs()])
  const transport = new Transport(address, options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS)
  transport.warmUp()
  return new ContainerdClient(transport, {namespace: options.namespace, lease: undefined, defaultTimeoutMs: options.defaultTimeoutMs ?? DEFAULT_TIMEOUT_MS})
}
