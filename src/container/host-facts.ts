/** What the spec builder needs to know about this host, read from /proc, /sys and /dev. */
import {existsSync, lstatSync, readdirSync, readFileSync, statSync} from 'node:fs'
import {availableParallelism, hostname, release} from 'node:os'
import {join} from 'node:path'
import {isCgroupV2} from '../config/index.ts'
import type {CgroupManager} from '../config/index.ts'
import {goArchitecture} from '../image/platform.ts'
import {initBinary} from '../paths.ts'
import {capabilitiesFromMask} from './spec/index.ts'
import {thermalThrottlePaths} from './spec/system-paths.ts'
import type {BlkioSupport, DeviceLookup, DeviceNode, HostDevice, HostFacts} from './spec/index.ts'

export function hostFacts(options: {cgroupManager: CgroupManager; privileged: boolean}): HostFacts {
  const cgroupV2 = isCgroupV2()
  const facts: HostFacts = {
    cgroupVersion: cgroupV2 ? 2 : 1,
    // No container is made under `none` (create refuses it, as nerdctl does but for rootless); an
    // update under it reads cgroupfs's paths, the neutral ones.
    cgroupManager: options.cgroupManager === 'systemd' ? 'systemd' : 'cgroupfs',
    capabilities: hostCapabilities(),
    apparmor: readText('/sys/module/apparmor/parameters/enabled')?.trim() === 'Y' && apparmorProfileLoaded(),
    arch: goArchitecture(process.arch),
    kernelVersion: release(),
    hostname: hostname(),
    cpuCount: availableParallelism(),
    swapLimit: cgroupV2 || existsSync('/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes'),
    blkio: blkioSupport(cgroupV2),
  }
  const onlineCpus = readText('/sys/devices/system/cpu/online')?.trim()
  if (onlineCpus) facts.onlineCpus = onlineCpus
  const onlineMems = readText('/sys/devices/system/node/online')?.trim()
  if (onlineMems) facts.onlineMems = onlineMems
  const thermalThrottle = thermalThrottlePaths(readText('/sys/devices/system/cpu/possible') ?? '', existsSync)
  if (thermalThrottle.length) facts.thermalThrottlePaths = thermalThrottle
  const init = initBinary()
  if (init) facts.initPath = init
  if (options.privileged) facts.devices = hostDevices('/dev')
  return facts
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return undefined
  }
}

/**
 * docker's sysinfo for block I/O: on cgroup v2 all settings with the io controller, none without; on
 * v1 each with its file in the blkio hierarchy (blkio.weight and blkio.weight_device need CFQ).
 */
function blkioSupport(cgroupV2: boolean): BlkioSupport {
  if (cgroupV2) {
    const io = (readText('/sys/fs/cgroup/cgroup.controllers') ?? '').split(/\s+/).includes('io')
    return {weight: io, weightDevice: io, readBps: io, writeBps: io, readIops: io, writeIops: io}
  }
  const has = (file: string) => existsSync(`/sys/fs/cgroup/blkio/blkio.${file}`)
  return {
    weight: has('weight'),
    weightDevice: has('weight_device'),
    readBps: has('throttle.read_bps_device'),
    writeBps: has('throttle.write_bps_device'),
    readIops: has('throttle.read_iops_device'),
    writeIops: has('throttle.write_iops_device'),
  }
}

/** The capabilities of this host's bounding set (nerd's own): all a container's process can be given. */
export function hostCapabilities(): readonly string[] | undefined {
  const mask = /^CapBnd:\s*([0-9a-f]+)$/m.exec(readText('/proc/self/status') ?? '')?.[1]
  return mask ? capabilitiesFromMask(mask) : undefined
}

/** nerd asks for its own profile only once it is loaded; until then the runtime's default applies. */
function apparmorProfileLoaded(): boolean {
  return (readText('/sys/kernel/security/apparmor/profiles') ?? '').split('\n').some((line) => line.startsWith('nerd-default '))
}

/** The node at `path`; `stat` is lstatSync where a symbolic link is not followed. */
export function statDevice(path: string, stat: typeof statSync = statSync): DeviceLookup {
  let stats
  try {
    stats = stat(path)
  } catch {
    return 'missing'
  }
  const type = stats.isCharacterDevice() ? 'c' : stats.isBlockDevice() ? 'b' : stats.isFIFO() ? 'p' : undefined
  if (!type) return 'not-a-device'
  const node: DeviceNode = {type, major: Number((BigInt(stats.rdev) >> 8n) & 0xfffn), minor: (stats.rdev & 0xff) | ((stats.rdev >> 12) & 0xfff00), fileMode: stats.mode, uid: stats.uid, gid: stats.gid}
  return node
}

/**
 * The device nodes under a directory, depth first in name order as Go's filepath.WalkDir, entering the
 * subdirectories `enter` allows; nothing where it is no directory.
 */
function deviceNodesUnder(root: string, lookup: (path: string) => DeviceLookup, enter: (name: string) => boolean = () => true): HostDevice[] {
  const devices: HostDevice[] = []
  const walk = (dir: string): void => {
    let entries
    try {
      entries = readdirSync(dir, {withFileTypes: true}).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    } catch {
      return
    }
    for (const entry of entries) {
      const path = join(dir, entry.name)
      if (entry.isDirectory()) {
        if (enter(entry.name)) walk(path)
        continue
      }
      const node = lookup(path)
      if (typeof node === 'object') devices.push({...node, path})
    }
  }
  walk(root)
  return devices
}

/** `--device` with a directory: the nodes under it, links not followed (docker's DevicesFromPath). */
export function devicesUnder(directory: string): HostDevice[] {
  return deviceNodesUnder(directory, (path) => statDevice(path, lstatSync))
}

/** Device nodes a privileged container gets: all of /dev except the pseudo-terminals and shm it mounts itself. */
function hostDevices(root: string): HostDevice[] {
  const skipped = ['pts', 'shm', 'fd', 'mqueue']
  return deviceNodesUnder(root, (path) => statDevice(path), (name) => !skipped.includes(name)).filter(
    ({path, type}) => path !== '/dev/console' && path !== '/dev/ptmx' && type !== 'p',
  )
}
