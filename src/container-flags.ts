/**
 * The flags of `run` and `create` (docker's names, short forms and help), shared by both commands.
 * Repeatable flags are `multiple`; src/container/create-options.ts turns the parsed values into a
 * create request.
 */
import * as Flags from '@oclif/core/flags'

type FlagChar = Parameters<typeof Flags.string>[0] extends infer O ? (O extends {char?: infer C} ? C : never) : never

const list = (description: string, char?: FlagChar) => Flags.string({description, multiple: true, ...(char ? {char} : {})})

export const CREATE_FLAGS = {
  attach: list('Attach to STDIN, STDOUT or STDERR', 'a'),
  interactive: Flags.boolean({char: 'i', description: 'Keep STDIN open even if not attached'}),
  tty: Flags.boolean({char: 't', description: 'Allocate a pseudo-TTY'}),
  name: Flags.string({description: 'Assign a name to the container'}),
  env: list('Set environment variables', 'e'),
  'env-file': list('Read in a file of environment variables'),
  entrypoint: Flags.string({description: 'Overwrite the default ENTRYPOINT of the image'}),
  workdir: Flags.string({char: 'w', description: 'Working directory inside the container'}),
  user: Flags.string({char: 'u', description: 'Username or UID (format: <name|uid>[:<group|gid>])'}),
  'group-add': list('Add additional groups to join'),
  hostname: Flags.string({char: 'h', description: 'Container host name'}),
  domainname: Flags.string({description: 'Container NIS domain name'}),
  privileged: Flags.boolean({description: 'Give extended privileges to this container'}),
  'cap-add': list('Add Linux capabilities'),
  'cap-drop': list('Drop Linux capabilities'),
  'security-opt': list('Security Options'),
  'read-only': Flags.boolean({description: "Mount the container's root filesystem as read only"}),
  tmpfs: list('Mount a tmpfs directory'),
  'shm-size': Flags.string({description: 'Size of /dev/shm'}),
  ulimit: list('Ulimit options'),
  sysctl: list('Sysctl options'),
  device: list('Add a host device to the container'),
  memory: Flags.string({char: 'm', description: 'Memory limit'}),
  'memory-swap': Flags.string({description: "Swap limit equal to memory plus swap: '-1' to enable unlimited swap"}),
  'memory-reservation': Flags.string({description: 'Memory soft limit'}),
  'memory-swappiness': Flags.integer({min: -1, max: 100, description: 'Tune container memory swappiness (0 to 100)'}),
  'oom-kill-disable': Flags.boolean({description: 'Disable OOM Killer'}),
  'oom-score-adj': Flags.integer({min: -1000, max: 1000, description: "Tune host's OOM preferences (-1000 to 1000)"}),
  cpus: Flags.string({description: 'Number of CPUs'}),
  'cpu-shares': Flags.integer({char: 'c', description: 'CPU shares (relative weight)'}),
  'cpuset-cpus': Flags.string({description: 'CPUs in which to allow execution (0-3, 0,1)'}),
  'cpuset-mems': Flags.string({description: 'MEMs in which to allow execution (0-3, 0,1)'}),
  'cpu-quota': Flags.integer({description: 'Limit CPU CFS (Completely Fair Scheduler) quota'}),
  'cpu-period': Flags.integer({description: 'Limit CPU CFS (Completely Fair Scheduler) period'}),
  'pids-limit': Flags.integer({description: 'Tune container pids limit (set -1 for unlimited)'}),
  'blkio-weight': Flags.integer({min: 0, max: 1000, description: 'Block IO (relative weight), between 10 and 1000, or 0 to disable'}),
  'cgroup-parent': Flags.string({description: 'Optional parent cgroup for the container'}),
  cgroupns: Flags.string({description: 'Cgroup namespace to use (host|private)'}),
  pid: Flags.string({description: 'PID namespace to use'}),
  ipc: Flags.string({description: 'IPC mode to use'}),
  uts: Flags.string({description: 'UTS namespace to use'}),
  init: Flags.boolean({description: 'Run an init inside the container that forwards signals and reaps processes'}),
  label: list('Set meta data on a container', 'l'),
  'label-file': list('Read in a line delimited file of labels'),
  annotation: list('Add an annotation to the container (passed through to the OCI runtime)'),
  runtime: Flags.string({description: 'Runtime to use for this container'}),
  platform: Flags.string({description: 'Set platform if server is multi-platform capable'}),
  pull: Flags.string({options: ['always', 'missing', 'never'], default: 'missing', description: 'Pull image before running'}),
  volume: list('Bind mount a volume', 'v'),
  mount: list('Attach a filesystem mount to the container'),
  'stop-signal': Flags.string({description: 'Signal to stop the container'}),
  'stop-timeout': Flags.integer({description: 'Timeout (in seconds) to stop a container'}),
  cidfile: Flags.string({description: 'Write the container ID to the file'}),
  restart: Flags.string({default: 'no', description: 'Restart policy to apply when a container exits (no, always, on-failure[:max-retries], unless-stopped)'}),
  'log-driver': Flags.string({default: 'json-file', description: 'Logging driver for the container (json-file, none)'}),
  'log-opt': list('Log driver options'),
  network: list('Connect a container to a network'),
  net: list('Connect a container to a network (alias of --network)'),
  publish: list("Publish a container's port(s) to the host", 'p'),
  'publish-all': Flags.boolean({char: 'P', description: 'Publish all exposed ports to random ports'}),
  expose: list('Expose a port or a range of ports'),
  ip: Flags.string({description: 'IPv4 address (e.g., 172.30.100.104)'}),
  ip6: Flags.string({description: 'IPv6 address (e.g., 2001:db8::33)'}),
  'mac-address': Flags.string({description: 'Container MAC address (e.g., 92:d0:c6:0a:29:33)'}),
  dns: list('Set custom DNS servers'),
  'dns-search': list('Set custom DNS search domains'),
  'dns-option': list('Set DNS options'),
  'dns-opt': list('Set DNS options (alias of --dns-option)'),
  'add-host': list('Add a custom host-to-IP mapping (host:ip)'),
  'network-alias': list('Add network-scoped alias for the container'),
}

export const RUN_FLAGS = {
  ...CREATE_FLAGS,
  detach: Flags.boolean({char: 'd', description: 'Run container in background and print container ID'}),
  rm: Flags.boolean({description: 'Automatically remove the container when it exits'}),
  'sig-proxy': Flags.boolean({default: true, allowNo: true, description: 'Proxy received signals to the process'}),
  'detach-keys': Flags.string({description: 'Override the key sequence for detaching a container'}),
}

/** `stop` and `restart`: how the container is asked to stop. */
export const STOP_FLAGS = {
  time: Flags.integer({char: 't', description: 'Seconds to wait before killing the container (default: its stop timeout, 10)'}),
  signal: Flags.string({char: 's', description: 'Signal to send to the container (default: its stop signal)'}),
}
