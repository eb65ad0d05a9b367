/**
 * The container's mounts: containerd's defaults with docker's changes (cgroupfs instead of /run, /dev/shm
 * sized and per IPC mode), then the state directory's /etc files, the init binary and the user's binds,
 * volumes, image mounts and tmpfs mounts, parents before children.
 */
import {posix} from 'node:path'
import type {Mount} from './oci.ts'
import type {BindMount, EtcFiles, ImageConfig, RecursiveReadOnly, RunOptions, UserMount, VolumeMount} from './types.ts'
import {specError} from './errors.ts'
import {cleanPath, mergeTmpfsOptions} from './flags.ts'

/** Where docker mounts its init, and so where nerd mounts the host's tini. */
export const INIT_PATH = '/sbin/docker-init'

export const DEFAULT_SHM_SIZE = 64 * 2 ** 20

/** Default mounts that `--read-only` leaves writable: the kernel's own filesystems the process needs. */
const WRITABLE_WHEN_READ_ONLY = new Set(['/proc', '/dev', '/dev/pts', '/dev/shm', '/dev/mqueue'])

const TMPFS_DEFAULTS = ['noexec', 'nosuid', 'nodev', 'rprivate']

function shmSizeOption(bytes: number): string {
  return bytes % 1024 === 0 ? `size=${bytes / 1024}k` : `size=${bytes}`
}

/** What decides the default mounts. */
export interface DefaultMountSettings {
  /** Bytes; undefined leaves /dev/shm out (IPC `none`, or a bind replaces it). */
  shmSize?: number
  readOnly: boolean
  writableSysfs: boolean
  writableCgroups: boolean
}

/** containerd's default mounts minus `/run`, plus a read-only cgroupfs at /sys/fs/cgroup (docker, nerdctl). */
export function defaultMounts(settings: DefaultMountSettings): Mount[] {
  const mounts: Mount[] = [
    {destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev']},
    {destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k']},
    {
      destination: '/dev/pts',
      type: 'devpts',
      source: 'devpts',
      options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'],
    },
  ]
  if (settings.shmSize !== undefined) {
    mounts.push({
      destination: '/dev/shm',
      type: 'tmpfs',
      source: 'shm',
      options: ['nosuid', 'noexec', 'nodev', 'mode=1777', shmSizeOption(settings.shmSize)],
    })
  }
  mounts.push(
    {destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev']},
    {destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro']},
    {destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['ro', 'nosuid', 'noexec', 'nodev']},
  )
  for (const mount of mounts) {
    if (settings.readOnly && !WRITABLE_WHEN_READ_ONLY.has(mount.destination) && !mount.options.includes('ro')) mount.options.push('ro')
    const writable = (mount.type === 'sysfs' && settings.writableSysfs) || (mount.type === 'cgroup' && settings.writableCgroups)
    if (writable) mount.options = mount.options.map((option) => (option === 'ro' ? 'rw' : option))
  }
  return mounts
}

/**
 * The volumes the caller must find or create before `buildSpec`: the `-v`/`--mount` volumes, then an
 * anonymous volume for each image `VOLUME` no user mount covers.
 */
export function volumesToResolve(image: ImageConfig, options: RunOptions): VolumeMount[] {
  const mounts = options.mounts ?? []
  const volumes = mounts.filter((mount): mount is VolumeMount => mount.type === 'volume')
  const targets = new Set(mounts.map((mount) => mount.target))
  for (const target of Object.keys(image.Volumes ?? {})) {
    // Absolute as docker makes it (cleanResourcePath): a relative VOLUME must not climb out of the root.
    const clean = cleanPath(posix.join('/', target))
    if (!targets.has(clean)) volumes.push({type: 'volume', target: clean, readonly: false, noCopy: false, ...(options.volumeDriver ? {driver: options.volumeDriver} : {})})
  }
  return volumes
}

/**
 * Whether docker's daemon makes this volume from the container's Config.Volumes (the image's VOLUMEs
 * and `-v /path`) rather than from its mounts, and so refuses it over a file: those are the
 * anonymous volumes without a mode (a `--mount` one has `z`, see checkMount).
 */
export function isConfigVolume(mount: VolumeMount): boolean {
  return mount.name === undefined && mount.mode === undefined
}

/** What the user's mounts need from the host. */
export interface UserMountContext {
  volumePaths: Record<string, string>
  imageMounts?: Record<string, Omit<Mount, 'destination'>>
  pathExists?: (path: string) => boolean
  recursiveReadOnly?: () => RecursiveReadOnly
}

export interface UserMounts {
  mounts: Mount[]
  /** `shared` or `rslave` when a bind's propagation needs the root's to match. */
  rootfsPropagation?: string
}

/** The spec mounts of `-v`, `--mount`, `--tmpfs` and image volumes (an image mount's as the caller made it). */
export function userMounts(image: ImageConfig, options: RunOptions, context: UserMountContext): UserMounts {
  const result: UserMounts = {mounts: []}
  let support: RecursiveReadOnly | undefined
  const readOnly = (mount: BindMount | VolumeMount) =>
    readOnlyOptions(mount, () => (support ??= (context.recursiveReadOnly ?? missingCallback('recursiveReadOnly'))()))
  const seen = new Set<string>()
  const all: UserMount[] = [...(options.mounts ?? []).filter((mount) => mount.type !== 'volume'), ...volumesToResolve(image, options)]
  for (const mount of all) {
    if (seen.has(mount.target)) throw specError(`Duplicate mount point: ${mount.target}`)
    seen.add(mount.target)
    switch (mount.type) {
      case 'bind': {
        // A missing `-v` source is made at each start (makeBindSources), as docker's daemon makes it.
        if (!mount.createSource && !(context.pathExists ?? missingCallback('pathExists'))(mount.source)) {
          throw specError(`invalid mount config for type "bind": bind source path does not exist: ${mount.source}`)
        }
        const propagation = mount.propagation ?? 'rprivate'
        const options = [mount.nonRecursive ? 'bind' : 'rbind', ...readOnly(mount), propagation]
        result.mounts.push({destination: mount.target, type: 'bind', source: mount.source, options})
        result.rootfsPropagation = rootPropagationFor(propagation, result.rootfsPropagation)
        break
      }
      case 'volume': {
        const source = context.volumePaths[mount.target]
        if (source === undefined) throw new Error(`no host path was given for the volume at ${mount.target}`)
        result.mounts.push({destination: mount.target, type: 'bind', source, options: ['rbind', ...readOnly(mount)]})
        break
      }
      case 'image': {
        const image = context.imageMounts?.[mount.target]
        if (image === undefined) throw new Error(`no snapshot was given for the image mount at ${mount.target}`)
        result.mounts.push({destination: mount.target, ...image})
        break
      }
      case 'tmpfs':
        result.mounts.push({
          destination: mount.target,
          type: 'tmpfs',
          source: 'tmpfs',
          options: mergeTmpfsOptions([...TMPFS_DEFAULTS, ...mount.options]),
        })
        break
    }
  }
  return result
}

/**
 * What makes a bind or volume read-only: docker >= 25 makes its submounts read-only too (runc's `rro`)
 * where the kernel and runtime can, else only the mount itself (`ro`), unless the bind asks for
 * either (`bind-recursive=writable|readonly`, the latter failing where `rro` cannot be had).
 */
function readOnlyOptions(mount: BindMount | VolumeMount, support: () => RecursiveReadOnly): string[] {
  if (!mount.readonly) return []
  const submounts = mount.type === 'bind' ? mount.submounts : undefined
  if (submounts === 'writable') return ['ro']
  const answer = support()
  if (answer.supported) return ['rro']
  if (submounts === 'readonly') throw specError(answer.reason)
  return ['ro']
}

/** A shared bind needs a shared root, a slave bind a shared or slave one (docker's rule). */
function rootPropagationFor(propagation: string, current: string | undefined): string | undefined {
  const shared = current === 'shared' || current === 'rshared'
  if (propagation === 'shared' || propagation === 'rshared') return shared ? current : 'shared'
  if (propagation === 'slave' || propagation === 'rslave') return shared || current === 'slave' || current === 'rslave' ? current : 'rslave'
  return current
}

/** Where a container has the /etc files nerd binds over the image's. */
export const ETC_FILE_PATHS: Readonly<Record<keyof EtcFiles, string>> = {resolvConf: '/etc/resolv.conf', hostname: '/etc/hostname', hosts: '/etc/hosts'}

/**
 * The state directory's /etc/hosts, /etc/resolv.conf and /etc/hostname, bound over the image's;
 * read-only in a read-only rootfs, as docker's (a user's own mount there replaces them, see assembleMounts).
 */
export function etcFileMounts(files: EtcFiles, readOnly: boolean): Mount[] {
  const options = readOnly ? ['rbind', 'ro', 'rprivate'] : ['rbind', 'rprivate']
  return (['resolvConf', 'hostname', 'hosts'] as const).map((file) => ({destination: ETC_FILE_PATHS[file], type: 'bind', source: files[file], options: [...options]}))
}

/** A host directory bound at /dev/shm (host IPC, a shareable or joined IPC namespace). */
export function shmBindMount(source: string): Mount {
  return {destination: '/dev/shm', type: 'bind', source, options: ['rbind', 'rprivate']}
}

export function initMount(source: string): Mount {
  return {destination: INIT_PATH, type: 'bind', source, options: ['bind', 'ro']}
}

const depth = (mount: Mount) => cleanPath(mount.destination).split('/').filter(Boolean).length

/**
 * Default mounts, minus those a user mount replaces (everything under /dev when /dev itself is), then
 * the other mounts ordered by depth so that a parent is mounted before what goes inside it. A user
 * mount also replaces nerd's own at the same place (a bind over /etc/hosts).
 */
export function assembleMounts(defaults: Mount[], own: Mount[], user: Mount[]): Mount[] {
  const userTargets = new Set(user.map((mount) => mount.destination))
  const kept = defaults.filter(
    (mount) => !userTargets.has(mount.destination) && !(userTargets.has('/dev') && mount.destination.startsWith('/dev/')),
  )
  const added = [...own.filter((mount) => !userTargets.has(mount.destination)), ...user]
  const ownTargets = new Set(added.map((mount) => mount.destination))
  return [...kept.filter((mount) => !ownTargets.has(mount.destination)), ...added.sort((a, b) => depth(a) - depth(b))]
}

function missingCallback(name: string): never {
  throw new Error(`buildSpec needs the ${name} callback for this container`)
}
