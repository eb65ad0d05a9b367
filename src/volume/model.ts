/**
 * nerd's named volumes, as docker's `local` driver keeps them.
 *
 * A volume lives in `<data root>/volumes/<namespace>/<name>/`: `_data/` is its Mountpoint (the
 * directory containers see) and `volume.json` (VolumeRecord) its metadata, written atomically once
 * `_data` exists, so a directory without it is a create that did not finish and is not a volume.
 * Driver options (`-o type=tmpfs -o device=tmpfs -o o=size=10m`, `-o type=none -o o=bind -o device=/x`)
 * are kept in the record and applied when a container needs the volume, as docker does: a volume with
 * a filesystem of its own (a bind-backed one too) has it mounted on `_data` while a container runs
 * with it (and for a copy-up).
 */
import {NerdError} from '../errors.ts'
import {goStruct, MAP, pointerTo} from '../format/go-types.ts'
import {labelMethod} from '../format/go-values.ts'
import {parseBytes} from '../format/byte-sizes.ts'
import {humanSize} from '../format/human.ts'
import type {NerdEvent} from '../system/nerd-events.ts'

export const LOCAL_DRIVER = 'local'

/** docker's event of a volume made or removed by a volume command (system/nerd-events.ts). */
export function volumeEvent(action: 'create' | 'destroy', name: string): NerdEvent {
  return {type: 'volume', action, id: name, attributes: {driver: LOCAL_DRIVER}}
}

/** docker's label on volumes created without a name: `volume prune` without `--all` removes only these. */
export const ANONYMOUS_LABEL = 'com.docker.volume.anonymous'

/** `volume.json`. */
export interface VolumeRecord {
  Name: string
  Driver: 'local'
  /** RFC 3339, to the second, as docker prints it. */
  CreatedAt: string
  /** null when the create gave none, as docker's nil map (a volume `run -v` made). */
  Labels: Record<string, string> | null
  Options: Record<string, string> | null
  Scope: 'local'
}

/** docker's Go type of the volume document, as templates see it (goTypedValue). */
export const VOLUME_TYPE = goStruct(
  'volume.Volume',
  {ClusterVolume: pointerTo(goStruct('volume.ClusterVolume')), CreatedAt: 'string', Labels: MAP, Options: MAP, Status: MAP, UsageData: pointerTo(goStruct('volume.UsageData', {}, ['RefCount', 'Size']))},
  ['ClusterVolume', 'CreatedAt', 'Driver', 'Labels', 'Mountpoint', 'Name', 'Options', 'Scope', 'Status', 'UsageData'],
)

/** docker's volume document (`volume inspect`), key order included. */
export interface Volume {
  CreatedAt: string
  Driver: 'local'
  Labels: Record<string, string> | null
  Mountpoint: string
  Name: string
  Options: Record<string, string> | null
  Scope: 'local'
}

/** The volumes of one containerd namespace under one data root. */
export interface VolumeScope {
  dataRoot: string
  namespace: string
}

export interface VolumeCreateRequest {
  /** Undefined or empty: a generated 64-hex name, and the volume is anonymous. */
  name?: string
  /** Only `local`; undefined or empty means `local`. */
  driver?: string
  /** Undefined: none, kept as docker's nil (null), unlike an empty map. */
  labels?: Record<string, string>
  options?: Record<string, string>
}

const VOLUME_NAME_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/

/**
 * The longest volume name: a file name (Linux's NAME_MAX, 255) less what the volume's lock adds to
 * it (`<name>.takeover.lock`, files.ts).
 */
const VOLUME_NAME_MAX = 255 - '.takeover.lock'.length

/**
 * Whether a volume can have this name, and so whether to look it up in the store: another could
 * climb out of it, or be longer than the file name of its lock holds (no volume is missing then).
 */
export function isVolumeName(name: string): boolean {
  return VOLUME_NAME_PATTERN.test(name) && name.length <= VOLUME_NAME_MAX
}

/** docker's rule for local volume names, with its messages; the name is a directory name, so this also keeps paths inside the store. */
export function validateVolumeName(name: string): void {
  // In bytes, as Go's len: `é` is two, so refused for its characters.
  if (Buffer.byteLength(name) === 1) throw new NerdError(`create ${name}: volume name is too short, names should be at least two alphanumeric characters`)
  if (!VOLUME_NAME_PATTERN.test(name)) {
    throw new NerdError(
      `create ${name}: "${name}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`,
    )
  }
  if (name.length > VOLUME_NAME_MAX) throw new NerdError(`create ${name}: volume name is too long, names should be at most ${VOLUME_NAME_MAX} characters`)
}

const LOCAL_OPTIONS = ['type', 'o', 'device', 'size']
/** What each option needs beside it (docker's local driver). */
const REQUIRED_WITH: Record<string, string[]> = {device: ['type'], type: ['device'], o: ['device', 'type']}

/** The local driver's checks of `-o` options, with docker's messages (`size` needs quotas nerd does not set up). */
export function checkLocalOptions(name: string, options: Record<string, string>): void {
  const fail = (message: string) => new NerdError(`create ${name}: ${message}`)
  for (const key of Object.keys(options)) if (!LOCAL_OPTIONS.includes(key)) throw fail(`invalid option: "${key}"`)
  if (options.size !== undefined) {
    let size: number
    try {
      size = parseBytes(options.size)
    } catch (error) {
      throw fail((error as Error).message)
    }
    if (size > 0) throw fail('quota size requested but no quota support')
  }
  for (const [key, required] of Object.entries(REQUIRED_WITH)) {
    if (options[key] === undefined) continue
    for (const other of required) if (options[other] === undefined) throw fail(`missing required option: "${other}"`)
  }
}

/** docker's volume store: an empty driver is the local one; any other is a plugin, which nerd has none of. */
export function checkVolumeDriver(name: string, driver: string | undefined): void {
  if (driver && driver !== LOCAL_DRIVER) throw new NerdError(`create ${name}: error looking up volume plugin ${driver}: plugin "${driver}" not found`)
}

/**
 * The filesystem docker's local driver mounts on a volume's `_data` at first use, undefined for a
 * volume without driver options (its `_data` holds its content): `mount -t type [-o o] device _data`.
 * A bind-backed volume (`-o type=none -o o=bind,ro -o device=/x`) is one too: its `o` is honoured
 * (`ro`, non-recursive `bind`) and containers bind `_data`, never the device itself.
 */
export interface VolumeFilesystem {
  type: string
  device: string
  options: string
}

export function volumeFilesystem(options: Record<string, string> | null): VolumeFilesystem | undefined {
  const device = options?.device ?? ''
  const type = options?.type ?? ''
  if (device === '' && type === '') return undefined
  return {type, device, options: options?.o ?? ''}
}

/** RFC 3339 to the second in UTC, as docker's CreatedAt reads on a UTC host. */
export function createdAtText(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`
}

/** The Go type docker's `volume ls` templates run on (named in their errors). */
export const VOLUME_CONTEXT = '*formatter.volumeContext'

/** docker's `raw` format of `volume ls`. */
export const VOLUME_RAW_FORMAT = 'name: {{.Name}}\ndriver: {{.Driver}}\n'

/** docker's volume column headers. */
export const VOLUME_HEADERS: Readonly<Record<string, string>> = {
  Availability: 'AVAILABILITY',
  Driver: 'DRIVER',
  Group: 'GROUP',
  Labels: 'LABELS',
  Links: 'LINKS',
  Mountpoint: 'MOUNTPOINT',
  Name: 'VOLUME NAME',
  Scope: 'SCOPE',
  Size: 'SIZE',
  Status: 'STATUS',
}

/**
 * The fields of docker's volumeContext: labels sorted, usage (Links, Size with go-units' 4 digits)
 * `N/A` unless known, the cluster fields `N/A`.
 */
export function volumeRow(volume: Volume, usage?: {refCount: number; size: number}): object {
  return {
    Availability: 'N/A',
    Driver: volume.Driver,
    Group: 'N/A',
    Labels: Object.entries(volume.Labels ?? {})
      .map(([key, value]) => `${key}=${value}`)
      .sort()
      .join(','),
    Links: usage ? String(usage.refCount) : 'N/A',
    Mountpoint: volume.Mountpoint,
    Name: volume.Name,
    Scope: volume.Scope,
    Size: usage ? humanSize(usage.size, 4) : 'N/A',
    Status: 'N/A',
    Label: labelMethod(volume.Labels),
  }
}
