/**
 * Flags container commands share. Those of `run` and `create` have docker's names, short forms and
 * help; their values stay strings (numbers too), so that src/container/create-options.ts checks
 * them with docker's messages rather than oclif's, and turns them into a create request. Repeatable
 * flags are `multiple` and non-greedy: `-e A=1 -e B=2` accumulates, `-e A=1 img` leaves the image.
 */
import * as Flags from '@oclif/core/flags'
import {NerdError} from './errors.ts'
import {integerFlag} from './integer-flag.ts'

type FlagChar = NonNullable<Parameters<typeof Flags.string>[0]>['char']

const text = (description: string, extra: {char?: FlagChar; hidden?: boolean; default?: string} = {}) =>
  Flags.string({description, ...extra})
const list = (description: string, extra: {char?: FlagChar; hidden?: boolean} = {}) =>
  Flags.string({description, multiple: true, multipleNonGreedy: true, ...extra})
/** docker's `--disable-content-trust` of the commands that fetch, run or push images (image/content-trust.ts), with its help. */
const contentTrustFlags = (skipped: string) => ({
  'disable-content-trust': Flags.boolean({default: true, allowNo: true, description: `Skip image ${skipped} (default true)`}),
})
export const CONTENT_TRUST_FLAGS = contentTrustFlags('verification')
export const PUSH_CONTENT_TRUST_FLAGS = contentTrustFlags('signing')

/**
 * nerdctl's `--verify` of the commands that pull: the verifiers (plugins' `nerd:image:verify` hooks)
 * that must accept the image; `none`, the default, asks for none.
 */
export const VERIFY_FLAGS = {
  verify: Flags.string({multiple: true, description: 'Verifiers that must accept the image, as plugins name them (repeatable or comma-separated; "none" for none)'}),
}

const flag = (description: string, char?: FlagChar) => Flags.boolean({description, ...(char ? {char} : {})})

export const CREATE_FLAGS = {
  // General
  attach: list('Attach to STDIN, STDOUT or STDERR', {char: 'a'}),
  interactive: flag('Keep STDIN open even if not attached', 'i'),
  tty: flag('Allocate a pseudo-TTY', 't'),
  name: text('Assign a name to the container'),
  rm: flag('Automatically remove the container and its associated anonymous volumes when it exits'),
  env: list('Set environment variables', {char: 'e'}),
  'env-file': list('Read in a file of environment variables'),
  entrypoint: text('Overwrite the default ENTRYPOINT of the image'),
  workdir: text('Working directory inside the container', {char: 'w'}),
  user: text('Username or UID (format: <name|uid>[:<group|gid>])', {char: 'u'}),
  'group-add': list('Add additional groups to join'),
  hostname: text('Container host name', {char: 'h'}),
  domainname: text('Container NIS domain name'),
  label: list('Set meta data on a container', {char: 'l'}),
  'label-file': list('Read in a line delimited file of labels'),
  annotation: list('Add an annotation to the container (passed through to the OCI runtime)'),
  'read-only': flag("Mount the container's root filesystem as read only"),
  restart: text('Restart policy to apply when a container exits', {default: 'no'}),
  'health-cmd': text('Command to run to check health'),
  'health-interval': text('Time between running the check (ms|s|m|h) (default 0s)'),
  'health-timeout': text('Maximum time to allow one check to run (ms|s|m|h) (default 0s)'),
  'health-start-period': text('Start period for the container to initialize before starting health-retries countdown (ms|s|m|h) (default 0s)'),
  'health-start-interval': text('Time between running the check during the start period (ms|s|m|h) (default 0s)'),
  'health-retries': text('Consecutive failures needed to report unhealthy'),
  'no-healthcheck': flag('Disable any container-specified HEALTHCHECK'),
  'stop-signal': text('Signal to stop the container'),
  'stop-timeout': text('Timeout (in seconds) to stop a container'),
  sysctl: list('Sysctl options'),
  ulimit: list('Ulimit options'),
  device: list('Add a host device to the container'),
  init: flag('Run an init inside the container that forwards signals and reaps processes'),
  cidfile: text('Write the container ID to the file'),
  platform: text('Set platform if server is multi-platform capable'),
  pull: text('Pull image before creating ("always", "missing", "never")', {default: 'missing'}),
  quiet: flag('Suppress the pull output', 'q'),
  runtime: text('Runtime to use for this container'),
  'use-api-socket': flag('Bind mount Docker API socket and required auth (none: nerd has no Docker API socket)'),

  // Security
  privileged: flag('Give extended privileges to this container'),
  'cap-add': list('Add Linux capabilities'),
  'cap-drop': list('Drop Linux capabilities'),
  'security-opt': list('Security Options'),
  cgroupns: text('Cgroup namespace to use (host|private)'),

  // Storage and logging
  volume: list('Bind mount a volume', {char: 'v'}),
  mount: list('Attach a filesystem mount to the container'),
  'volume-driver': text('Optional volume driver for the container'),
  'volumes-from': list('Mount volumes from the specified container(s)'),
  tmpfs: list('Mount a tmpfs directory'),
  'log-driver': text('Logging driver for the container'),
  'log-opt': list('Log driver options'),

  // Resources
  memory: text('Memory limit', {char: 'm'}),
  'memory-swap': text("Swap limit equal to memory plus swap: '-1' to enable unlimited swap"),
  'memory-reservation': text('Memory soft limit'),
  'memory-swappiness': text('Tune container memory swappiness (0 to 100)', {default: '-1'}),
  'oom-kill-disable': flag('Disable OOM Killer'),
  'oom-score-adj': text("Tune host's OOM preferences (-1000 to 1000)"),
  cpus: text('Number of CPUs'),
  'cpu-shares': text('CPU shares (relative weight)', {char: 'c'}),
  'cpu-period': text('Limit CPU CFS (Completely Fair Scheduler) period'),
  'cpu-quota': text('Limit CPU CFS (Completely Fair Scheduler) quota'),
  'cpuset-cpus': text('CPUs in which to allow execution (0-3, 0,1)'),
  'cpuset-mems': text('MEMs in which to allow execution (0-3, 0,1)'),
  'pids-limit': text('Tune container pids limit (set -1 for unlimited)'),
  'blkio-weight': text('Block IO (relative weight), between 10 and 1000, or 0 to disable'),
  'blkio-weight-device': list('Block IO weight (relative device weight)'),
  'device-read-bps': list('Limit read rate (bytes per second) from a device'),
  'device-write-bps': list('Limit write rate (bytes per second) to a device'),
  'device-read-iops': list('Limit read rate (IO per second) from a device'),
  'device-write-iops': list('Limit write rate (IO per second) to a device'),
  'device-cgroup-rule': list("Add a rule to the cgroup allowed devices list"),
  'cpu-rt-period': text('Limit CPU real-time period in microseconds'),
  'cpu-rt-runtime': text('Limit CPU real-time runtime in microseconds'),
  'shm-size': text('Size of /dev/shm'),
  'cgroup-parent': text('Optional parent cgroup for the container'),
  'kernel-memory': text('Kernel memory limit (deprecated, ignored)'),
  isolation: text("Container isolation technology ('default' on Linux)"),
  userns: text("User namespace to use ('host' or the default)"),
  gpus: list('GPU devices to add to the container (none: nerd has no GPU driver)'),
  'storage-opt': list('Storage driver options for the container (none with overlayfs)'),

  // Namespaces
  pid: text('PID namespace to use'),
  ipc: text('IPC mode to use'),
  uts: text('UTS namespace to use'),

  // Network
  network: list('Connect a container to a network'),
  net: list('Connect a container to a network', {hidden: true}),
  publish: list("Publish a container's port(s) to the host", {char: 'p'}),
  'publish-all': flag('Publish all exposed ports to random ports', 'P'),
  expose: list('Expose a port or a range of ports'),
  ip: text('IPv4 address (e.g., 172.30.100.104)'),
  ip6: text('IPv6 address (e.g., 2001:db8::33)'),
  'mac-address': text('Container MAC address (e.g., 92:d0:c6:0a:29:33)'),
  'link-local-ip': list('Container IPv4/IPv6 link-local addresses'),
  dns: list('Set custom DNS servers'),
  'dns-search': list('Set custom DNS search domains'),
  'dns-option': list('Set DNS options'),
  'dns-opt': list('Set DNS options', {hidden: true}),
  'add-host': list('Add a custom host-to-IP mapping (host:ip)'),
  link: list('Add link to another container'),
  'network-alias': list('Add network-scoped alias for the container'),
  'net-alias': list('Add network-scoped alias for the container', {hidden: true}),
  ...CONTENT_TRUST_FLAGS,
  ...VERIFY_FLAGS,
}

/** `run` adds what only matters to a container started in the foreground (or not). */
/** `update`'s flags: the resource flags of `create` it can change, and the restart policy. */
export const UPDATE_FLAGS = {
  memory: CREATE_FLAGS.memory,
  'memory-swap': CREATE_FLAGS['memory-swap'],
  'memory-reservation': CREATE_FLAGS['memory-reservation'],
  cpus: CREATE_FLAGS.cpus,
  'cpu-shares': CREATE_FLAGS['cpu-shares'],
  'cpu-period': CREATE_FLAGS['cpu-period'],
  'cpu-quota': CREATE_FLAGS['cpu-quota'],
  'cpu-rt-period': CREATE_FLAGS['cpu-rt-period'],
  'cpu-rt-runtime': CREATE_FLAGS['cpu-rt-runtime'],
  'cpuset-cpus': CREATE_FLAGS['cpuset-cpus'],
  'cpuset-mems': CREATE_FLAGS['cpuset-mems'],
  'pids-limit': CREATE_FLAGS['pids-limit'],
  'blkio-weight': CREATE_FLAGS['blkio-weight'],
  // Hidden in docker's update too: its daemon ignores the value from API 1.42 on.
  'kernel-memory': text('Kernel memory limit (deprecated, ignored)', {hidden: true}),
  restart: text('Restart policy to apply when a container exits'),
}

export const RUN_FLAGS = {
  ...CREATE_FLAGS,
  detach: flag('Run container in background and print container ID', 'd'),
  'sig-proxy': Flags.boolean({default: true, allowNo: true, description: 'Proxy received signals to the process'}),
  'detach-keys': text('Override the key sequence for detaching a container'),
  pull: text('Pull image before running ("always", "missing", "never")', {default: 'missing'}),
}

/** `stop` and `restart`: how the container is asked to stop. */
export const STOP_FLAGS = {
  timeout: integerFlag({char: 't', description: 'Seconds to wait before killing the container (default: its stop timeout, 10)'}),
  // docker 25 renamed --time to --timeout and kept the old name as a deprecated flag of its own (see stopTimeout).
  time: integerFlag({hidden: true, multiple: true, multipleNonGreedy: true, description: 'Seconds to wait before killing the container (deprecated: use --timeout)'}),
  signal: Flags.string({char: 's', description: 'Signal to send to the container (default: its stop signal)'}),
}

/**
 * The seconds of STOP_FLAGS' `--timeout`, or of the deprecated `--time` (its last value) with
 * pflag's warning on stderr, once for each time it is given (pflag warns as it sets a flag); both
 * given are refused in docker's words.
 */
export function stopTimeout(flags: {timeout?: number; time?: number[]}): number | undefined {
  if (flags.time === undefined || flags.time.length === 0) return flags.timeout
  process.stderr.write('Flag --time has been deprecated, use --timeout instead\n'.repeat(flags.time.length))
  if (flags.timeout !== undefined) throw new NerdError('conflicting options: cannot specify both --timeout and --time')
  return flags.time.at(-1)
}
