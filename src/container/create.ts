/**
 * Creating a container: the image (pulled when the policy says so), a name and a state directory,
 * the OCI spec, the rootfs snapshot and containerd's container record. Whatever fails half-way is
 * undone, so a failed create leaves no name, snapshot or record behind.
 */
import {existsSync, readFileSync} from 'node:fs'
import {hostname as hostHostname} from 'node:os'
import type {CgroupManager} from '../config/index.ts'
import type {ContainerdClient, Mount} from '../containerd/index.ts'
import {isAlreadyExists, packAny, packJson} from '../containerd/index.ts'
import {preciseNow} from '../clock.ts'
import {NerdError} from '../errors.ts'
import {detectedHostPlatform, formatPlatform, hostPlatform, normalizePlatform, onlyPlatform, parsePlatformFlag, platformMismatch} from '../image/platform.ts'
import type {Platform} from '../image/platform.ts'
import {normalizedName, parseReference, referenceScheme} from '../image/reference.ts'
import {ManifestCache} from '../image/manifest-cache.ts'
import {getImage, resolveImageConfig, topChainId} from '../image/store.ts'
import type {ResolvedImageConfig} from '../image/store.ts'
import {findImages, summarizeImages, truncatedImageId} from '../image/list.ts'
import {snapshotPresent, unpackImage} from '../image/unpack.ts'
import {withFileLock, writeJsonAtomic} from '../files.ts'
import {devicesUnder, hostFacts, statDevice} from './host-facts.ts'
import type {ContainerRecord, DockerConfig, DockerHostConfig, LogConfig, MountPoint, RestartPolicy} from './model.ts'
import {CREATE_LABELS, DATA_ROOT_LABEL, NAME_LABEL, STOP_SIGNAL_LABEL} from './model.ts'
import {generatedNames, newContainerId, validateName} from './names.ts'
import {buildSpec, parseVolumesFrom, volumesToResolve} from './spec/index.ts'
import {makeVolumes, planVolumes, removeUnsharedVolumes} from './volumes.ts'
import {makeImageMounts, removeImageMounts} from './image-mounts.ts'
import type {MountedImage} from './image-mounts.ts'
import type {BindMount, ImageConfig, ImageMount, JoinedContainer, OciHookCommand, Propagation, RunOptions, Spec, UserMount} from './spec/index.ts'
import {containerView, loadContainerOrDead, seeOutOrphanedContainer} from './lifecycle.ts'
import type {ContainerScope} from './lifecycle.ts'
import type {DaemonFacts, NetworkRequest} from './create-options.ts'
import {isUserDefinedNetwork, sortedMap} from './create-options.ts'
import {linksAtCreate} from './linked-containers.ts'
import {planNetworks, publishedPorts, usesCni} from '../network/plan.ts'
import {containerPaths, createContainerDir, INITIAL_STATE, NameConflictError, releaseName, reserveName, removeContainerFiles, writeRecord} from './store.ts'
import type {ContainerPaths} from './store.ts'
import {extraHostLines, writeEtcFiles} from './etc-files.ts'
import type {RecordedHooks} from '../hooks/recorded.ts'
import {readRootfsFiles, USER_FILES} from './rootfs-files.ts'
import {initSnapshotName, prepareOnInitSnapshot} from './init-layer.ts'
import {makeShmDirectory, sharedShmPath} from './shm.ts'
import {hasJoinableProcess, PID_BEFORE_START} from './joined-namespaces.ts'
import {ANNOTATION_DATA_ROOT, ANNOTATION_NAMESPACE} from './annotations.ts'
import {standDownHook} from './oci-hook.ts'
import {namesAttributes} from './logs/index.ts'
import {recursiveReadOnlySupport} from './runtime-features.ts'
import {userFilesDigest, writeUserFilesRecord} from './start-user.ts'
import {makeWorkingDirectory} from './working-directory.ts'
import {publishEvents} from '../system/nerd-events.ts'
import {volumeEvent} from '../volume/model.ts'

export const RUNC_RUNTIME = 'io.containerd.runc.v2'
export const RUNC_OPTIONS_TYPE = 'containerd.runc.v1.Options'
const SPEC_TYPE_URL = 'types.containerd.io/opencontainers/runtime-spec/1/Spec'

/** What creating a container takes: the parsed `run`/`create` flags (see create-options.ts). */
export interface ContainerCreateRequest {
  image: string
  name?: string
  options: RunOptions
  interactive: boolean
  tty: boolean
  autoRemove: boolean
  restart: RestartPolicy
  logConfig: LogConfig
  pull: 'always' | 'missing' | 'never'
  labels: Record<string, string>
  /** The networking flags; without them the container has no network but its loopback. */
  network?: NetworkRequest
  /** `--volumes-from`: `name[:ro|:rw]` of containers whose binds and volumes this one mounts too. */
  volumesFrom?: string[]
}

export interface CreateContext {
  dataRoot: string
  snapshotter: string
  cgroupManager: CgroupManager
  /**
   * Pulls the image (the caller shows progress and runs the pull hooks): `missing` when it is not
   * here (docker says so first), else for --pull=always.
   */
  /** Pulls the image; resolves with the name it is stored under. */
  pull: (reference: string, reason: {missing: boolean}) => Promise<string>
  /** The createRuntime/poststop hook command. */
  ociHook?: OciHookCommand
  /** Runs the `nerd:container:create` hooks: plugins may change the spec and labels before the record is made. */
  beforeCreate?: (payload: BeforeCreatePayload) => Promise<{spec: Spec; labels: Record<string, string>}>
  /** docker's Config/HostConfig for inspect (see create-options.ts). */
  dockerConfig: (imageConfig: ImageConfig, facts: DaemonFacts) => {Config: DockerConfig; HostConfig: DockerHostConfig}
  environment: Record<string, string | undefined>
  /** With a TTY: the terminal's size, given to the pty before the process starts. */
  consoleSize?: {width: number; height: number}
  /** `--cni-path` and `--cni-netconfpath`. */
  cni: {cniPath: string; netconfPath: string}
  /** The plugins with network hooks, which the OCI hook fires at every attach and detach. */
  networkHooks?: RecordedHooks
  /** The plugins with nerd:container:start hooks, which the exit handler fires at its restarts by policy. */
  startHooks?: RecordedHooks
  /** `create`: the user is resolved again at start, and only a start fails for one the image lacks (docker's create). */
  userResolvedAtStart?: boolean
}

export interface BeforeCreatePayload {
  id: string
  name: string
  image: {name: string; descriptor: ResolvedImageConfig['manifestDescriptor']; config: ResolvedImageConfig['config']}
  spec: Spec
  labels: Record<string, string>
  snapshotter: string
}

export interface CreatedContainer {
  record: ContainerRecord
  paths: ContainerPaths
  /** containerd's labels of the new container. */
  labels: Record<string, string>
  /** Its snapshot's mounts, as Snapshots.Prepare gave them. */
  rootfs: Mount[]
  warnings: string[]
}

interface LocalImage {
  name: string
  resolved: ResolvedImageConfig
  platform: string
  warnings: string[]
}

/** The local image a `run`/`create` argument names (a reference or an image ID), pulling it as the policy says. */
async function localImage(client: ContainerdClient, text: string, request: ContainerCreateRequest, context: CreateContext): Promise<LocalImage> {
  // No --platform: the host's, or the platform of the image that is here (resolveImageConfig).
  const requested = request.options.platform ? parsePlatformFlag(request.options.platform, 'error parsing specified platform: ') : undefined
  const platform = requested ?? hostPlatform()
  const cache = new ManifestCache(context.dataRoot)
  // A reference in a scheme of a plugin's (`ipfs://...`) names no local image until the plugin has
  // resolved it: it is pulled, and run under the name the pull stored it as.
  if (referenceScheme(text) !== undefined) {
    if (request.pull === 'never') throw new NerdError(`No such image: ${text}`)
    const pulled = await context.pull(text, {missing: false})
    return usedAs(pulled, await resolveImageConfig(client, pulled, requested, cache), requested)
  }
  let name: string | undefined
  try {
    name = normalizedName(parseReference(text))
  } catch (error) {
    if (truncatedImageId(text) === undefined) throw error
  }
  // A name without a record may still name a local image: an ID (prefix), or a `name@digest` of its
  // RepoDigests. --pull=always pulls the name as typed.
  let present = name !== undefined && request.pull !== 'always' ? await getImage(client, name) : undefined
  if (name === undefined || (request.pull !== 'always' && !present)) {
    const [found] = findImages(await summarizeImages(client), text)
    if (found) {
      name = found.record.name
      present = request.pull === 'always' ? undefined : found.record
    }
  }
  if (name === undefined) throw new NerdError(`No such image: ${text}`)
  // An image of another platform than --platform asks for is not the one wanted, as for docker's daemon:
  // it is pulled, and refused when what the pull gave is still not it (a single-platform image).
  const mismatch = (image: ResolvedImageConfig): string | undefined => {
    const actual = configPlatform(image.config)
    return request.options.platform && !onlyPlatform(platform).match(actual) ? platformMismatch(text, actual, formatPlatform(platform)) : undefined
  }
  let resolved = present && (await resolveImageConfig(client, present, requested, cache))
  const presentMismatch = resolved && mismatch(resolved)
  if (presentMismatch) {
    if (request.pull === 'never') throw new NerdError(presentMismatch)
    resolved = undefined
  }
  if (!resolved) {
    if (request.pull === 'never') throw new NerdError(`No such image: ${text}`)
    await context.pull(name, {missing: request.pull !== 'always'})
    resolved = await resolveImageConfig(client, name, requested, cache)
    const pulledMismatch = mismatch(resolved)
    if (pulledMismatch) throw new NerdError(pulledMismatch)
  }
  return usedAs(name, resolved, requested)
}

/**
 * The image as a container uses it: the platform asked for, else the host's, else the image's own
 * with docker's warning that it is not the host's.
 */
function usedAs(name: string, resolved: ResolvedImageConfig, requested: Platform | undefined): LocalImage {
  if (requested) return {name, resolved, platform: formatPlatform(requested), warnings: []}
  const host = hostPlatform()
  const actual = configPlatform(resolved.config)
  if (onlyPlatform(host).match(actual)) return {name, resolved, platform: formatPlatform(host), warnings: []}
  const warning = `The requested image's platform (${formatPlatform(actual)}) does not match the detected host platform (${detectedHostPlatform()}) and no specific platform was requested`
  return {name, resolved, platform: formatPlatform(normalizePlatform(actual)), warnings: [warning]}
}

/** The chain ID of the image's top layer. */
function layersChainId(image: LocalImage): string {
  const chainId = topChainId(image.resolved.config)
  if (!chainId) throw new NerdError(`image ${image.name} has no layers`)
  return chainId
}

/** Unpacks the image for the snapshotter unless its layers (the snapshot `chainId`) are there. */
async function unpackLayers(client: ContainerdClient, image: LocalImage, chainId: string, request: ContainerCreateRequest, context: CreateContext): Promise<void> {
  if (await snapshotPresent(client, context.snapshotter, chainId)) return
  await unpackImage(client, {name: image.name, platform: request.options.platform, snapshotter: context.snapshotter})
}

/** The local images of the `--mount type=image`s, unpacked for the snapshotter; docker's daemon pulls none. */
async function imagesToMount(client: ContainerdClient, mounts: UserMount[], request: ContainerCreateRequest, context: CreateContext): Promise<{mount: ImageMount; image: MountedImage}[]> {
  const wanted = mounts.filter((mount): mount is ImageMount => mount.type === 'image')
  const found: {mount: ImageMount; image: MountedImage}[] = []
  for (const mount of wanted) {
    const image = await localImage(client, mount.source, {...request, pull: 'never'}, context)
    const chainId = layersChainId(image)
    await unpackLayers(client, image, chainId, request, context)
    found.push({mount, image: {id: image.resolved.configDescriptor.digest, chainId}})
  }
  return found
}

/** The platform an image config says it is for. */
function configPlatform(config: ResolvedImageConfig['config']): Platform {
  return {os: config.os, architecture: config.architecture, ...(config.variant ? {variant: config.variant} : {})}
}

export async function createContainer(client: ContainerdClient, request: ContainerCreateRequest, context: CreateContext): Promise<CreatedContainer> {
  // nerdctl's `none` leaves rootless containers without a cgroup; nerd has no rootless mode.
  if (context.cgroupManager === 'none') throw new NerdError('cgroup-manager "none" is only supported for rootless')
  const id = newContainerId()
  const wantedName = request.name === undefined ? undefined : validateName(request.name)
  const image = await localImage(client, request.image, request, context)
  const chainId = layersChainId(image)
  // The image's init snapshot stands on its layers: when it is there, so are they.
  const initPresent = await snapshotPresent(client, context.snapshotter, initSnapshotName(chainId))
  if (!initPresent) await unpackLayers(client, image, chainId, request, context)
  const from = await mountsFrom({client, dataRoot: context.dataRoot}, request.volumesFrom ?? [], request.options.mounts ?? [])
  const mounts = [...(request.options.mounts ?? []), ...from.mounts]
  const mountedImages = await imagesToMount(client, mounts, request, context)

  const namespace = client.namespace
  const paths = containerPaths(context.dataRoot, namespace, id)
  // Made under the container's lifecycle lock: an `rm` of a create interrupted half-way (lifecycle.ts)
  // waits for one still under way.
  return withFileLock(paths.lifecycle, async () => {
    await createContainerDir(paths)
    const undo: (() => Promise<unknown>)[] = [() => removeContainerFiles(context.dataRoot, namespace, id, undefined)]
    try {
      const name = await claimName({client, dataRoot: context.dataRoot}, namespace, id, wantedName)
      undo.push(() => releaseName(context.dataRoot, namespace, name, id))
      // docker keeps links on its default bridge only; on a user-defined network they are names (network/hosts.ts).
      const links = request.network?.links ?? []
      const userNetwork = request.network !== undefined && isUserDefinedNetwork(request.network.mode)
      const bridgeLinks = links.length > 0 && !userNetwork ? await linksAtCreate({client, dataRoot: context.dataRoot}, name, links) : undefined
      return await client.withLease(async (leased) => {
        const rootfs = await prepareOnInitSnapshot(leased, {
          snapshotter: context.snapshotter,
          key: id,
          image: {chainId, config: image.resolved.configDescriptor.digest},
          initPresent,
        })
        undo.push(() => client.snapshots.remove(context.snapshotter, id))
        const imageMounts = await makeImageMounts(leased, {snapshotter: context.snapshotter, container: id, paths, mounts: mountedImages})
        undo.push(() => removeImageMounts(client, context.snapshotter, id))
        const imageFiles = await readRootfsFiles(rootfs, USER_FILES)
        const imageConfig = image.resolved.config.config ?? {}
        const options: RunOptions = {...request.options, tty: request.tty, mounts}
        const joinable = await joinableContainers({client, dataRoot: context.dataRoot}, options)
        // As docker's daemon checks a container's settings before it makes its volumes, the spec is
        // built with where they will be before any is made: a create the spec refuses makes none.
        const volumeScope = {dataRoot: context.dataRoot, namespace}
        const volumes = await planVolumes(volumeScope, id, volumesToResolve(imageConfig, options))
        const facts = hostFacts({cgroupManager: context.cgroupManager, privileged: options.privileged ?? false})
        const network = options.network ?? {kind: 'private'}
        const sharedNetwork = network.kind === 'container' ? joinable.get(network.container)?.paths : undefined
        const cni = request.network !== undefined && usesCni(request.network.mode)
        const shmPath = options.ipc?.kind === 'shareable' ? paths.shm : undefined
        if (shmPath) await makeShmDirectory(paths)
        const built = buildSpec({
          id,
          namespace,
          image: imageConfig,
          options,
          passwd: imageFiles['/etc/passwd'],
          group: imageFiles['/etc/group'],
          userResolvedAtStart: context.userResolvedAtStart,
          host: facts,
          // Sharing another container's network stack shares its /etc/hosts and /etc/resolv.conf, as in docker.
          etcFiles: {...(sharedNetwork ? {hosts: sharedNetwork.hosts, resolvConf: sharedNetwork.resolvConf} : {hosts: paths.hosts, resolvConf: paths.resolvConf}), hostname: paths.hostname},
          shmPath,
          ociHook: ociHookFor(request, network, cni, context.ociHook && standDownHook(context.ociHook, paths)),
          annotations: {
            [ANNOTATION_DATA_ROOT]: context.dataRoot,
            [ANNOTATION_NAMESPACE]: namespace,
          },
          environment: context.environment,
          volumePaths: volumes.paths,
          imageMounts: imageMounts.mounts,
          joinContainer: (reference) => joinable.get(reference)!,
          pathExists: existsSync,
          recursiveReadOnly: () => recursiveReadOnlySupport({dataRoot: context.dataRoot, runtime: options.runtime}),
          statDevice,
          devicesUnder,
          readFile: (path) => readFileSync(path, 'utf8'),
        })
        await makeWorkingDirectory(rootfs, built.spec.process?.cwd ?? '/')
        const madeVolumes = await makeVolumes(volumeScope, id, volumes, rootfs)
        // As docker's volume store logs each volume it makes (before the container's own create), and each it removes.
        undo.push(async () => publishEvents(client, (await removeUnsharedVolumes(volumeScope, madeVolumes, id)).map((volume) => volumeEvent('destroy', volume))))
        await publishEvents(client, madeVolumes.map((volume) => volumeEvent('create', volume)))
        if (request.tty && context.consoleSize && built.spec.process) built.spec.process.consoleSize = context.consoleSize
        const joinedIds = new Map([...joinable].map(([reference, joined]) => [reference, joined.id]))
        const {Config, HostConfig} = context.dockerConfig(imageConfig, {...facts, id, joinedIds})
        if (bridgeLinks) HostConfig.Links = bridgeLinks.shown
        const process = built.spec.process
        const userArgs = process?.args ?? []
        const userProcess = options.init ? userArgs.slice(userArgs.indexOf('--') + 1) : userArgs
        const record: ContainerRecord = {
          Id: id,
          Name: name,
          Namespace: namespace,
          Created: preciseNow(),
          Path: userProcess[0] ?? '',
          Args: userProcess.slice(1),
          ImageRef: image.name,
          Image: image.resolved.configDescriptor.digest,
          Platform: image.platform,
          Snapshotter: context.snapshotter,
          Config,
          HostConfig,
          Mounts: [...bindPoints(built.spec, options.mounts), ...volumes.points, ...imageMounts.points, ...tmpfsPoints(HostConfig)],
          StopSignal: built.stopSignal,
          StopTimeout: built.stopTimeout ?? 10,
          LogPath: request.logConfig.Type === 'none' ? '' : paths.log,
          AnonymousVolumes: [...volumes.anonymous, ...from.anonymous],
          Address: client.address,
          ...(bridgeLinks ? {Links: bridgeLinks.recorded} : {}),
        }
        const proposed = {
          spec: built.spec,
          labels: {...imageConfig.Labels, ...request.labels, [NAME_LABEL]: name, [DATA_ROOT_LABEL]: context.dataRoot, [STOP_SIGNAL_LABEL]: built.stopSignal},
        }
        const {spec, labels} = context.beforeCreate
          ? await context.beforeCreate({
              id,
              name,
              image: {name: image.name, descriptor: image.resolved.manifestDescriptor, config: image.resolved.config},
              ...proposed,
              snapshotter: context.snapshotter,
            })
          : proposed
        // docker shows a container's labels in Config.Labels: with what plugins added, without nerd's own.
        record.Config.Labels = sortedMap(Object.fromEntries(Object.entries(labels).filter(([key]) => !CREATE_LABELS.has(key))))
        if (namesAttributes(record.HostConfig.LogConfig.Config)) {
          const {logAttributes} = await import('./logs/attributes.ts')
          const attrs = logAttributes(record)
          if (attrs) record.LogAttributes = attrs
        }
        const hostname = spec.hostname ?? id.slice(0, 12)
        if (cni) {
          const plan = await planNetworks({...context.cni, dataRoot: context.dataRoot}, {name, hostname, domainname: Config.Domainname}, {
            ...request.network!,
            portBindings: publishedPorts(HostConfig, Config),
            links: userNetwork ? links : [],
          })
          // The container's labels as the other events carry them: containerd's, nerd's own among them.
          if (context.networkHooks) plan.hooks = {recorded: context.networkHooks, labels}
          await writeJsonAtomic(paths.networkPlan, plan)
        }
        await Promise.all([
          writeEtcFiles(paths, {
            hostname,
            network: network.kind === 'host' ? 'host' : 'private',
            hostHostname: hostHostname(),
            extraHosts: extraHostLines(request.network?.extraHosts ?? []),
            dns: request.network,
          }),
          writeRecord(paths, record),
          writeJsonAtomic(paths.state, INITIAL_STATE),
          writeUserFilesRecord(paths, {digest: userFilesDigest(imageFiles), resolved: built.userError === undefined}),
          ...(context.startHooks ? [writeJsonAtomic(paths.startHooks, context.startHooks)] : []),
        ])
        const runtimeOptions = context.cgroupManager === 'systemd' ? {systemdCgroup: true} : {}
        try {
          await leased.containers.create({
            id,
            labels: {...withinContainerdLimit(labels), ...imageMounts.labels},
            image: image.name,
            runtime: {name: built.runtime ?? RUNC_RUNTIME, options: packAny(RUNC_OPTIONS_TYPE, runtimeOptions)},
            spec: packJson(SPEC_TYPE_URL, spec),
            snapshotter: context.snapshotter,
            snapshotKey: id,
          })
        } catch (error) {
          if (isAlreadyExists(error)) throw new NerdError(`container ${id} already exists in containerd`)
          throw error
        }
        const warnings = [...image.warnings, ...built.warnings]
        // docker 28's daemon warns so at each create with one.
        if (mountedImages.length > 0) warnings.push('Image mount is an experimental feature')
        if (network.kind === 'host' && Object.keys(HostConfig.PortBindings).length > 0) warnings.push('Published ports are discarded when using host network mode')
        return {record, paths, labels, rootfs, warnings}
      })
    } catch (error) {
      for (const step of undo.reverse()) await step().catch(() => undefined)
      throw error
    }
  })
}

/**
 * The OCI hook runs only where it has work, since every run pays for it: attaching CNI networks at
 * task creation and detaching them at its deletion, refreshing the host's /etc files for a
 * host-network container, and recording the init pid of tasks that containerd's restart monitor
 * starts (nerd records it itself for the tasks it starts).
 */
function ociHookFor(request: ContainerCreateRequest, network: RunOptions['network'], cni: boolean, command: OciHookCommand | undefined): OciHookCommand | undefined {
  if (!command) return undefined
  if (cni) return {...command, points: ['createRuntime', 'postStop']}
  const restarts = request.restart.Name !== 'no' && request.restart.Name !== ''
  return network?.kind === 'host' || restarts ? {...command, points: ['createRuntime']} : undefined
}

/** A container whose namespaces the new one joins: what the spec takes of it, its ID (the record names it by that) and its files. */
type JoinableContainer = JoinedContainer & {id: string; paths: ContainerPaths}

/**
 * The containers whose namespaces `--network`/`--pid`/`--ipc container:<name|id>` join, by the name
 * or ID given, looked up before the spec is built (which asks for them synchronously). As docker's
 * create, that they exist is enough: what the spec takes of them but their process is in their
 * records, and each start looks them up again (joined-namespaces.ts), so that one not running yet,
 * or an IPC donor with nothing to share (whose joiner's spec then binds no /dev/shm of the
 * donor's), is refused then.
 */
async function joinableContainers(scope: ContainerScope, options: RunOptions): Promise<Map<string, JoinableContainer>> {
  const references = [options.network, options.pid, options.ipc].flatMap((mode) => (mode?.kind === 'container' ? [mode.container] : []))
  const ipcDonor = options.ipc?.kind === 'container' ? options.ipc.container : undefined
  const joinable = new Map<string, JoinableContainer>()
  for (const reference of new Set(references)) {
    const container = await loadContainerOrDead(scope, reference)
    const view = await containerView(scope, container)
    const pid = hasJoinableProcess(view) ? view.pid : PID_BEFORE_START
    const joined: JoinableContainer = {pid, hostname: container.record.Config.Hostname, id: container.record.Id, paths: container.paths}
    if (reference === ipcDonor) joined.shmPath = await sharedShmPath(scope, container)
    joinable.set(reference, joined)
  }
  return joinable
}

/**
 * `--volumes-from`: the binds, volumes and image mounts of other containers, at the same targets, a bind with its
 * propagation (docker copies each mount point), read-only when asked (`name:ro`, `name:ro,z`) or
 * when they were: as docker's, `name:rw` never makes a read-only mount writable.
 * A target this container mounts itself keeps its own mount. The anonymous volumes among them are
 * this container's too: as docker's, `rm -v` of whichever container uses one last removes it.
 */
async function mountsFrom(scope: ContainerScope, references: string[], own: UserMount[]): Promise<{mounts: UserMount[]; anonymous: string[]}> {
  const taken = new Set(own.map((mount) => mount.target))
  const mounts: UserMount[] = []
  const anonymous: string[] = []
  for (const value of references) {
    const {container: reference, readonly: asReadonly} = parseVolumesFrom(value)
    // A dead one's too, as docker takes a stopped one's.
    const source = await loadContainerOrDead(scope, reference)
    for (const point of source.record.Mounts) {
      if (point.Type === 'tmpfs' || taken.has(point.Destination)) continue
      taken.add(point.Destination)
      if (point.Type === 'volume' && source.record.AnonymousVolumes.includes(point.Name!)) anonymous.push(point.Name!)
      const readonly = !point.RW || asReadonly
      if (point.Type === 'image') {
        // The same image (by its ID) in a view of the new container's own, as docker's daemon copies the mount point.
        mounts.push({type: 'image', source: point.ImageId!, target: point.Destination, readonly, ...(point.Subpath ? {subpath: point.Subpath} : {})})
        continue
      }
      // docker's copy of a bind drops SkipMountpointCreation: the new container's start makes a missing source.
      mounts.push(
        point.Type === 'volume'
          ? {type: 'volume', name: point.Name!, target: point.Destination, readonly, noCopy: true, ...(point.Subpath ? {subpath: point.Subpath} : {})}
          : {type: 'bind', source: point.Source, target: point.Destination, readonly, createSource: true, ...(point.Propagation ? {propagation: point.Propagation as Propagation} : {})},
      )
    }
  }
  return {mounts, anonymous}
}

/** The name asked for, or the first free generated one (docker's sequence, ending with the short ID). */
async function claimName(scope: ContainerScope, namespace: string, id: string, wanted: string | undefined): Promise<string> {
  const {dataRoot} = scope
  if (wanted !== undefined) {
    await reserveName(dataRoot, namespace, wanted, id).catch(async (error: unknown) => {
      // Held by an exited `--rm` container whose nerd died before removing it: docker's would be gone.
      if (!(error instanceof NameConflictError) || !(await seeOutOrphanedContainer(scope, error.owner))) throw error
      await reserveName(dataRoot, namespace, wanted, id)
    })
    return wanted
  }
  let conflict: unknown
  for (const name of generatedNames(id)) {
    try {
      await reserveName(dataRoot, namespace, name, id)
      return name
    } catch (error) {
      if (!(error instanceof NameConflictError)) throw error
      conflict = error
    }
  }
  throw conflict
}

/** docker lists a `--mount type=tmpfs` among the Mounts (a `--tmpfs` it does not). */
function tmpfsPoints(hostConfig: DockerHostConfig): MountPoint[] {
  return (hostConfig.Mounts ?? []).flatMap((mount) =>
    mount.Type === 'tmpfs' ? [{Type: 'tmpfs', Source: '', Destination: mount.Target, Mode: '', RW: !mount.ReadOnly, Propagation: ''}] : [],
  )
}

/**
 * docker's Mounts list of the user's binds (`-v /h:/c`, `--mount type=bind`, those of --volumes-from),
 * as the spec mounts them; Mode is a `-v` bind's mode as typed (docker's raw mode), empty for the others.
 */
function bindPoints(spec: Spec, mounts: readonly UserMount[] = []): MountPoint[] {
  const binds = new Map(mounts.filter((mount): mount is BindMount => mount.type === 'bind').map((mount) => [mount.target, mount]))
  const points: MountPoint[] = []
  for (const mount of spec.mounts ?? []) {
    const bind = binds.get(mount.destination)
    if (!bind || mount.type !== 'bind') continue
    const options = mount.options ?? []
    const readonly = options.includes('ro') || options.includes('rro')
    points.push({
      Type: 'bind',
      Source: mount.source,
      Destination: mount.destination,
      Mode: bind.mode ?? '',
      RW: !readonly,
      Propagation: options.find((option) => /^r?(private|shared|slave)$/.test(option)) ?? 'rprivate',
      ...(bind.createSource ? {CreateSource: true as const} : {}),
    })
  }
  return points
}

/** containerd's limit on a label: its key and value together (ValidateLabel). */
const CONTAINERD_LABEL_MAX_BYTES = 4096

/**
 * The labels containerd can keep: a bigger one (an image's or `--label`'s) stays in nerd's record
 * only, where docker keeps every label, instead of failing the create in containerd's words.
 */
function withinContainerdLimit(labels: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(labels).filter(([key, value]) => Buffer.byteLength(key) + Buffer.byteLength(value) <= CONTAINERD_LABEL_MAX_BYTES))
}
