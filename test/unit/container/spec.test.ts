import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {
  buildSpec,
  daemonEnvironment,
  DEFAULT_CAPABILITIES,
  checkMount,
  isConfigVolume,
  parseMount,
  parseTmpfs,
  parseUlimit,
  parseVolumeSpec,
  volumesToResolve,
} from '../../../src/container/spec/index.ts'
import type {BuiltSpec, DeviceLookup, HostFacts, ImageConfig, RunOptions, SpecInput} from '../../../src/container/spec/index.ts'
import {NerdError} from '../../../src/errors.ts'
import {possibleCpus, thermalThrottlePaths} from '../../../src/container/spec/system-paths.ts'
import {OCI_SPEC_TYPE_URL, packJson, unpackJson} from '../../../src/containerd/values.ts'

const ID = '0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef'
const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
const ALL_HOST_CAPS = [...DEFAULT_CAPABILITIES, 'CAP_SYS_ADMIN', 'CAP_NET_ADMIN', 'CAP_SYS_PTRACE']

const PASSWD = 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n'
const GROUP = 'root:x:0:\nwheel:x:10:root\napp:x:1000:\nstaff:x:50:app\n'

const host: HostFacts = {
  cgroupVersion: 1,
  cgroupManager: 'cgroupfs',
  capabilities: ALL_HOST_CAPS,
  apparmor: false,
  arch: 'amd64',
  kernelVersion: '6.1.0',
  hostname: 'buildhost',
  initPath: '/usr/bin/tini-static',
  cpuCount: 4,
  onlineCpus: '0-3',
  onlineMems: '0',
}

const busybox: ImageConfig = {Env: [DEFAULT_PATH], Cmd: ['sh']}
/** A host whose kernel cannot make mounts recursively read-only, unless a test says otherwise. */
const NO_RRO = {supported: false, reason: 'rro is not supported: kernel 5.4.0 is older than 5.12'} as const

function input(options: RunOptions = {}, overrides: Partial<SpecInput> = {}): SpecInput {
  return {
    id: ID,
    namespace: 'default',
    image: busybox,
    options,
    passwd: PASSWD,
    group: GROUP,
    host,
    etcFiles: {hosts: '/state/hosts', resolvConf: '/state/resolv.conf', hostname: '/state/hostname'},
    pathExists: (path) => path.startsWith('/exists'),
    recursiveReadOnly: () => NO_RRO,
    ...overrides,
  }
}

const build = (options: RunOptions = {}, overrides: Partial<SpecInput> = {}) => buildSpec(input(options, overrides))
const spec = (options: RunOptions = {}, overrides: Partial<SpecInput> = {}) => build(options, overrides).spec
const mount = (built: BuiltSpec['spec'], destination: string) => built.mounts.find((entry) => entry.destination === destination)

function rejects(run: () => unknown, message: string): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof NerdError, `not a NerdError: ${String(error)}`)
    assert.equal(error.message, message)
    assert.equal(error.exitCode, 125)
    return true
  })
}

describe('buildSpec defaults', () => {
  const built = build()
  const {process, linux} = built.spec

  it('is containerd’s default process with docker’s deltas', () => {
    assert.equal(built.spec.ociVersion, '1.0.2-dev')
    assert.deepEqual(built.spec.root, {path: 'rootfs'})
    assert.equal(process.terminal, false)
    assert.deepEqual(process.user, {uid: 0, gid: 0, additionalGids: [0, 10]})
    assert.equal(process.cwd, '/')
    assert.deepEqual(process.args, ['sh'])
    assert.deepEqual(process.env, [DEFAULT_PATH, 'HOSTNAME=0123456789ab', 'HOME=/root'])
    assert.equal(process.noNewPrivileges, false)
    assert.equal(process.rlimits, undefined)
    assert.equal(process.oomScoreAdj, 0)
    assert.equal(process.apparmorProfile, undefined)
    assert.equal(built.spec.hostname, '0123456789ab')
    assert.equal(built.spec.hooks, undefined)
    assert.equal(built.spec.annotations, undefined)
    assert.equal(built.stopSignal, 'SIGTERM')
    assert.deepEqual(built.warnings, [])
  })

  it('has docker’s 14 capabilities in bounding, effective and permitted only', () => {
    assert.deepEqual(Object.keys(process.capabilities), ['bounding', 'effective', 'permitted'])
    for (const set of Object.values(process.capabilities)) assert.deepEqual(set, DEFAULT_CAPABILITIES)
    assert.equal(DEFAULT_CAPABILITIES.length, 14)
  })

  it('mounts containerd’s filesystems without /run, cgroupfs read-only, and the state directory’s /etc files', () => {
    assert.deepEqual(
      built.spec.mounts.map((entry) => entry.destination),
      ['/proc', '/dev', '/dev/pts', '/dev/shm', '/dev/mqueue', '/sys', '/sys/fs/cgroup', '/etc/resolv.conf', '/etc/hostname', '/etc/hosts'],
    )
    assert.deepEqual(mount(built.spec, '/proc'), {destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev']})
    assert.deepEqual(mount(built.spec, '/dev/pts')?.options, ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'])
    assert.deepEqual(mount(built.spec, '/dev/shm'), {
      destination: '/dev/shm',
      type: 'tmpfs',
      source: 'shm',
      options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'],
    })
    assert.deepEqual(mount(built.spec, '/sys')?.options, ['nosuid', 'noexec', 'nodev', 'ro'])
    assert.deepEqual(mount(built.spec, '/sys/fs/cgroup'), {
      destination: '/sys/fs/cgroup',
      type: 'cgroup',
      source: 'cgroup',
      options: ['ro', 'nosuid', 'noexec', 'nodev'],
    })
    assert.deepEqual(mount(built.spec, '/etc/hosts'), {destination: '/etc/hosts', type: 'bind', source: '/state/hosts', options: ['rbind', 'rprivate']})
  })

  it('masks and write-protects /proc and /sys as docker does', () => {
    assert.deepEqual(linux.maskedPaths, [
      '/proc/asound', '/proc/acpi', '/proc/interrupts', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list', '/proc/timer_stats',
      '/proc/sched_debug', '/proc/scsi', '/sys/firmware', '/sys/devices/virtual/powercap',
    ])
    assert.deepEqual(linux.readonlyPaths, ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'])
    const throttle = ['/sys/devices/system/cpu/cpu0/thermal_throttle', '/sys/devices/system/cpu/cpu2/thermal_throttle']
    assert.deepEqual(spec({}, {host: {...host, thermalThrottlePaths: throttle}}).linux.maskedPaths?.slice(-3), ['/sys/devices/virtual/powercap', ...throttle])
  })

  it('finds the possible CPUs\' thermal_throttle directories as docker does (platform.PossibleCPU)', () => {
    assert.deepEqual(possibleCpus('0-3,8,12-13\n'), [0, 1, 2, 3, 8, 12, 13])
    assert.deepEqual(possibleCpus('0'), [0])
    assert.deepEqual(possibleCpus('0-x'), [])
    assert.deepEqual(possibleCpus(''), [])
    const present = new Set(['/sys/devices/system/cpu/cpu1/thermal_throttle'])
    assert.deepEqual(thermalThrottlePaths('0-1', (path) => present.has(path)), ['/sys/devices/system/cpu/cpu1/thermal_throttle'])
  })

  it('creates pid, ipc, uts, mount and network namespaces (and cgroup on cgroup v2)', () => {
    assert.deepEqual(linux.namespaces, [{type: 'pid'}, {type: 'ipc'}, {type: 'uts'}, {type: 'mount'}, {type: 'network'}])
    assert.deepEqual(spec({}, {host: {...host, cgroupVersion: 2}}).linux.namespaces.at(-1), {type: 'cgroup'})
    assert.deepEqual(spec({cgroupns: 'host'}, {host: {...host, cgroupVersion: 2}}).linux.namespaces.length, 5)
    assert.deepEqual(spec({cgroupns: 'private'}).linux.namespaces.at(-1), {type: 'cgroup'})
  })

  it('denies devices but containerd’s default unix ones', () => {
    assert.deepEqual(linux.resources, {
      devices: [
        {allow: false, access: 'rwm'},
        {allow: true, type: 'c', major: 1, minor: 3, access: 'rwm'},
        {allow: true, type: 'c', major: 1, minor: 8, access: 'rwm'},
        {allow: true, type: 'c', major: 1, minor: 7, access: 'rwm'},
        {allow: true, type: 'c', major: 5, minor: 0, access: 'rwm'},
        {allow: true, type: 'c', major: 1, minor: 5, access: 'rwm'},
        {allow: true, type: 'c', major: 1, minor: 9, access: 'rwm'},
        {allow: true, type: 'c', major: 5, minor: 1, access: 'rwm'},
        {allow: true, type: 'c', major: 136, access: 'rwm'},
        {allow: true, type: 'c', major: 5, minor: 2, access: 'rwm'},
      ],
    })
    assert.equal(linux.devices, undefined)
  })

  it('places the cgroup by manager and parent', () => {
    assert.equal(linux.cgroupsPath, `/default/${ID}`)
    assert.equal(spec({cgroupParent: '/custom'}).linux.cgroupsPath, `/custom/${ID}`)
    const systemd = {host: {...host, cgroupManager: 'systemd' as const}}
    assert.equal(spec({}, systemd).linux.cgroupsPath, `system.slice:nerd:${ID}`)
    assert.equal(spec({cgroupParent: 'batch.slice'}, systemd).linux.cgroupsPath, `batch.slice:nerd:${ID}`)
    rejects(() => spec({cgroupParent: '/custom'}, systemd), 'cgroup-parent for systemd cgroup should be a valid slice named as "xxx.slice"')
  })

  it('applies the default seccomp profile and allows unprivileged ports and ping', () => {
    assert.equal(linux.seccomp?.defaultAction, 'SCMP_ACT_ERRNO')
    assert.deepEqual(linux.seccomp?.architectures, ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'])
    assert.deepEqual(linux.sysctl, {'net.ipv4.ip_unprivileged_port_start': '0', 'net.ipv4.ping_group_range': '0 2147483647'})
  })

  it('uses nerd’s AppArmor profile only where AppArmor is enabled', () => {
    assert.equal(spec({}, {host: {...host, apparmor: true}}).process.apparmorProfile, 'nerd-default')
    assert.equal(spec({security: {apparmor: 'custom'}}, {host: {...host, apparmor: true}}).process.apparmorProfile, 'custom')
    const ignored = build({security: {apparmor: 'custom'}})
    assert.equal(ignored.spec.process.apparmorProfile, undefined)
    assert.deepEqual(ignored.warnings, ['AppArmor is not enabled on this host: ignoring profile custom'])
  })

  it('serialises to JSON runc reads', () => {
    const json = unpackJson<Record<string, {cgroupsPath?: string}>>(packJson(OCI_SPEC_TYPE_URL, built.spec))!
    assert.deepEqual(Object.keys(json), ['ociVersion', 'process', 'root', 'hostname', 'mounts', 'linux'])
    assert.equal(json.linux.cgroupsPath, `/default/${ID}`)
  })
})

describe('image config merge', () => {
  const image: ImageConfig = {
    Env: ['PATH=/opt/bin:/bin', 'LANG=C', 'MODE=image'],
    Entrypoint: ['/entry.sh'],
    Cmd: ['serve', '--port', '80'],
    WorkingDir: '/srv',
    User: 'app',
    StopSignal: 'SIGQUIT',
  }
  const withImage = (options: RunOptions, overrides: Partial<SpecInput> = {}) => build(options, {image, ...overrides})

  it('takes args, cwd, user, stop signal and env from the image', () => {
    const built = withImage({})
    assert.deepEqual(built.spec.process.args, ['/entry.sh', 'serve', '--port', '80'])
    assert.equal(built.spec.process.cwd, '/srv')
    assert.deepEqual(built.spec.process.user, {uid: 1000, gid: 1000, additionalGids: [1000, 50]})
    assert.deepEqual(built.spec.process.env, ['PATH=/opt/bin:/bin', 'HOSTNAME=0123456789ab', 'LANG=C', 'MODE=image', 'HOME=/home/app'])
    assert.equal(built.stopSignal, 'SIGQUIT')
  })

  it('entrypoint and command precedence (docker)', () => {
    const cases: [name: string, options: RunOptions, args: string[]][] = [
      ['image only', {}, ['/entry.sh', 'serve', '--port', '80']],
      ['command replaces Cmd', {command: ['debug']}, ['/entry.sh', 'debug']],
      ['--entrypoint drops Cmd', {entrypoint: '/bin/sh'}, ['/bin/sh']],
      ['--entrypoint with command', {entrypoint: '/bin/sh', command: ['-c', 'true']}, ['/bin/sh', '-c', 'true']],
      ["--entrypoint '' with command", {entrypoint: '', command: ['ls', '/']}, ['ls', '/']],
      ['--entrypoint is one word', {entrypoint: 'sh -c'}, ['sh -c']],
    ]
    for (const [name, options, args] of cases) assert.deepEqual(withImage(options).spec.process.args, args, name)
    assert.deepEqual(build({command: ['echo', 'hi']}).spec.process.args, ['echo', 'hi'])
    rejects(() => withImage({entrypoint: ''}), 'no command specified')
    rejects(() => build({}, {image: {}}), 'no command specified')
  })

  it('env precedence: image, then --env-file, then -e; NAME alone copies or removes', () => {
    const built = withImage(
      {envFile: ['MODE=file', 'FILEONLY=1', 'FROMHOST'], env: ['MODE=flag', 'LANG', 'EMPTY=', 'MISSING']},
      {environment: {FROMHOST: 'h', MISSING: undefined}},
    )
    assert.deepEqual(built.spec.process.env, [
      'PATH=/opt/bin:/bin',
      'HOSTNAME=0123456789ab',
      'MODE=flag',
      'FILEONLY=1',
      'FROMHOST=h',
      'EMPTY=',
      'HOME=/home/app',
    ])
  })

  it('adds the default PATH when nothing sets one, TERM for a terminal, and keeps a given HOME', () => {
    const env = build({tty: true, env: ['HOME=/data']}, {image: {Cmd: ['sh']}}).spec.process.env
    assert.deepEqual(env, [DEFAULT_PATH, 'HOSTNAME=0123456789ab', 'TERM=xterm', 'HOME=/data'])
    assert.equal(build({tty: true}).spec.process.terminal, true)
    assert.deepEqual(build({env: ['HOSTNAME=mine']}).spec.process.env.slice(0, 2), [DEFAULT_PATH, 'HOSTNAME=mine'])
  })

  it("daemonEnvironment, docker's CreateDaemonEnvironment (an exec's too): PATH, HOSTNAME, TERM for a terminal, the links', then the container's variables in place or after, and no HOME", () => {
    const links = ['DB_NAME=/web/db', 'DB_ENV_MODE=x']
    assert.deepEqual(daemonEnvironment({hostname: 'h', tty: true, linkEnv: links}, ['PATH=/bin', 'MODE=1', 'DB_NAME=mine', 'TERM=vt100']), [
      'PATH=/bin',
      'HOSTNAME=h',
      'TERM=vt100',
      'DB_NAME=mine',
      'DB_ENV_MODE=x',
      'MODE=1',
    ])
    assert.deepEqual(daemonEnvironment({hostname: 'h', tty: false, linkEnv: []}, ['MODE=1', 'HOSTNAME']), [DEFAULT_PATH, 'MODE=1'])
  })

  it('-w and -u override the image', () => {
    const built = withImage({workdir: '/tmp/../work/', user: '0:staff', groupAdd: ['wheel']})
    assert.equal(built.spec.process.cwd, '/work')
    assert.deepEqual(built.spec.process.user, {uid: 0, gid: 50, additionalGids: [50, 10]})
    assert.deepEqual(build({user: '1234'}).spec.process.user, {uid: 1234, gid: 0, additionalGids: [0]})
    assert.ok(build({user: '1234'}).spec.process.env.includes('HOME=/'))
  })

  it('refuses a relative working directory and unknown users', () => {
    rejects(() => build({workdir: 'work'}), "the working directory 'work' is invalid, it needs to be an absolute path")
    rejects(() => build({user: 'ghost'}), 'unable to find user ghost: no matching entries in passwd file')
    rejects(() => withImage({}, {passwd: undefined}), 'unable to find user app: no matching entries in passwd file')
  })

  it('for create, an unknown user waits for the start: nobody in the spec, and why', () => {
    const built = build({user: 'ghost'}, {userResolvedAtStart: true})
    assert.equal(built.userError, 'unable to find user ghost: no matching entries in passwd file')
    assert.deepEqual(built.spec.process.user, {uid: 65534, gid: 65534, additionalGids: [65534]})
    assert.equal(build({user: 'app'}, {userResolvedAtStart: true}).userError, undefined)
  })

  it('an empty -u takes the image\'s USER, as docker\'s', () => {
    assert.deepEqual(withImage({user: ''}).spec.process.user, {uid: 1000, gid: 1000, additionalGids: [1000, 50]})
  })

  it('--stop-signal wins over the image; stop timeout, runtime and platform are returned', () => {
    const built = withImage({stopSignal: 'kill', stopTimeout: 3, runtime: 'io.containerd.runc.v2', platform: 'linux/arm64'})
    assert.equal(built.stopSignal, 'SIGKILL')
    assert.equal(built.stopTimeout, 3)
    assert.equal(built.runtime, 'io.containerd.runc.v2')
    assert.equal(built.platform, 'linux/arm64')
    rejects(() => build({stopSignal: 'SIGNOPE'}), 'invalid signal: SIGNOPE')
  })

  it('--runtime: docker\'s stock runc, or a containerd runtime name; not a name containerd cannot take, nor a path', () => {
    assert.equal(build({runtime: 'runc'}).runtime, 'io.containerd.runc.v2')
    assert.equal(build({runtime: 'io.containerd.runsc.v1'}).runtime, 'io.containerd.runsc.v1')
    for (const name of ['nosuchrt', '.x.v1', '/usr/bin/containerd-shim-runc-v2', 'io.containerd/x.v1']) rejects(() => build({runtime: name}), `unknown or invalid runtime name: ${name}`)
  })
})

describe('security flags', () => {
  it('--privileged: host capabilities, host devices, no confinement, writable /sys and cgroupfs', () => {
    const hostDevice = {path: '/dev/fuse', type: 'c' as const, major: 10, minor: 229, fileMode: 0o20666, uid: 0, gid: 0}
    const built = build({privileged: true, security: {noNewPrivileges: true}}, {host: {...host, apparmor: true, devices: [hostDevice]}})
    const {process, linux} = built.spec
    assert.deepEqual(process.capabilities.bounding, ALL_HOST_CAPS)
    assert.deepEqual(process.capabilities.effective, ALL_HOST_CAPS)
    assert.equal(linux.seccomp, undefined)
    assert.equal(process.apparmorProfile, undefined)
    assert.equal(linux.maskedPaths, undefined)
    assert.equal(linux.readonlyPaths, undefined)
    assert.deepEqual(mount(built.spec, '/sys')?.options, ['nosuid', 'noexec', 'nodev', 'rw'])
    assert.deepEqual(mount(built.spec, '/sys/fs/cgroup')?.options, ['rw', 'nosuid', 'noexec', 'nodev'])
    assert.deepEqual(linux.resources.devices, [{allow: true, access: 'rwm'}])
    assert.deepEqual(linux.devices, [{path: '/dev/fuse', type: 'c', major: 10, minor: 229, fileMode: 0o666, uid: 0, gid: 0}])
    assert.equal(process.noNewPrivileges, true)
  })

  it('--cap-add/--cap-drop change the capabilities and the seccomp rules that depend on them', () => {
    const built = spec({capAdd: ['sys_admin'], capDrop: ['CAP_NET_RAW']})
    assert.deepEqual(built.process.capabilities.bounding, [...DEFAULT_CAPABILITIES.filter((name) => name !== 'CAP_NET_RAW'), 'CAP_SYS_ADMIN'])
    const mountRule = built.linux.seccomp?.syscalls.find((rule) => rule.names.includes('mount'))
    assert.equal(mountRule?.action, 'SCMP_ACT_ALLOW')
    assert.equal(spec().linux.seccomp?.syscalls.some((rule) => rule.names.includes('mount')), false)
    rejects(() => spec({capAdd: ['CAP_FLY']}), 'invalid CapAdd: unknown capability: "CAP_FLY"')
    rejects(() => spec({capDrop: ['CAP_SYSLOG']}), 'invalid CapDrop: capability not supported by your kernel or not available in the current environment: "CAP_SYSLOG"')
  })

  it('--security-opt seccomp, systempaths, writable-cgroups, no-new-privileges', () => {
    assert.equal(spec({security: {seccomp: {kind: 'unconfined'}}}).linux.seccomp, undefined)
    const profile = JSON.stringify({defaultAction: 'SCMP_ACT_LOG', syscalls: [{names: ['mkdir'], action: 'SCMP_ACT_ERRNO'}]})
    const custom = spec({security: {seccomp: {kind: 'file', path: '/p.json'}}}, {readFile: (path) => (path === '/p.json' ? profile : '')})
    assert.deepEqual(custom.linux.seccomp, {defaultAction: 'SCMP_ACT_LOG', architectures: [], syscalls: [{names: ['mkdir'], action: 'SCMP_ACT_ERRNO'}]})
    // docker >= 28 loads a profile file for a privileged container too (its capabilities decide the rules)
    const privilegedProfile = JSON.stringify({defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{names: ['mount'], action: 'SCMP_ACT_ERRNO', excludes: {caps: ['CAP_SYS_ADMIN']}}, {names: ['mkdir'], action: 'SCMP_ACT_ERRNO'}]})
    const privileged = spec({privileged: true, security: {seccomp: {kind: 'file', path: '/p.json'}}}, {readFile: () => privilegedProfile})
    assert.deepEqual(privileged.linux.seccomp, {defaultAction: 'SCMP_ACT_ALLOW', architectures: [], syscalls: [{names: ['mkdir'], action: 'SCMP_ACT_ERRNO'}]})
    assert.equal(spec({privileged: true, security: {seccomp: {kind: 'default'}}}).linux.seccomp, undefined)
    assert.equal(spec({privileged: true, security: {seccomp: {kind: 'unconfined'}}}).linux.seccomp, undefined)
    // docker's setupSeccomp: a profile with neither a default action nor rules is no filter
    assert.equal(spec({security: {seccomp: {kind: 'file', path: '/p.json'}}}, {readFile: () => '{}'}).linux.seccomp, undefined)
    const unreadable = () => {
      throw new Error('ENOENT: no such file or directory')
    }
    rejects(
      () => spec({security: {seccomp: {kind: 'file', path: '/nope.json'}}}, {readFile: unreadable}),
      'opening seccomp profile (/nope.json) failed: ENOENT: no such file or directory',
    )
    const open = spec({security: {unconfinedSystemPaths: true, writableCgroups: true, noNewPrivileges: true}})
    assert.equal(open.linux.maskedPaths, undefined)
    assert.deepEqual(mount(open, '/sys/fs/cgroup')?.options, ['rw', 'nosuid', 'noexec', 'nodev'])
    assert.deepEqual(mount(open, '/sys')?.options, ['nosuid', 'noexec', 'nodev', 'ro'])
    assert.equal(open.process.noNewPrivileges, true)
    // An explicit writable-cgroups=false wins over --privileged's writable cgroupfs, as docker's.
    assert.deepEqual(mount(spec({privileged: true, security: {writableCgroups: false}}), '/sys/fs/cgroup')?.options, ['ro', 'nosuid', 'noexec', 'nodev'])
  })

  it('--read-only: read-only root, system mounts and /etc files (unless the user mounts their own), writable kernel filesystems', () => {
    const built = spec({readOnly: true})
    assert.deepEqual(built.root, {path: 'rootfs', readonly: true})
    assert.deepEqual(mount(built, '/dev')?.options.includes('ro'), false)
    assert.deepEqual(mount(built, '/dev/shm')?.options.includes('ro'), false)
    assert.deepEqual(mount(built, '/sys/fs/cgroup')?.options, ['ro', 'nosuid', 'noexec', 'nodev'])
    for (const file of ['/etc/hosts', '/etc/resolv.conf', '/etc/hostname']) assert.deepEqual(mount(built, file)?.options, ['rbind', 'ro', 'rprivate'], file)
    assert.deepEqual(mount(spec(), '/etc/hosts')?.options, ['rbind', 'rprivate'])
    const own = spec({readOnly: true, mounts: [checkMount(parseMount('type=bind,source=/exists/hosts,target=/etc/hosts', '/'))]})
    assert.deepEqual(mount(own, '/etc/hosts'), {destination: '/etc/hosts', type: 'bind', source: '/exists/hosts', options: ['rbind', 'rprivate']})
    assert.deepEqual(mount(spec({readOnly: true, privileged: true}), '/sys')?.options, ['nosuid', 'noexec', 'nodev', 'rw'])
  })
})

describe('mounts', () => {
  it('--tmpfs gets docker’s defaults, which its options override', () => {
    const built = spec({mounts: [parseTmpfs('/run:size=64m,exec'), checkMount(parseMount('type=tmpfs,dst=/cache,tmpfs-mode=1777,readonly', '/'))]})
    assert.deepEqual(mount(built, '/run'), {destination: '/run', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'rprivate', 'size=64m', 'exec']})
    assert.deepEqual(mount(built, '/cache')?.options, ['noexec', 'nosuid', 'nodev', 'rprivate', 'ro', 'mode=1777'])
  })

  it('--shm-size sizes /dev/shm', () => {
    assert.deepEqual(mount(spec({shmSize: 2 ** 30}), '/dev/shm')?.options.at(-1), 'size=1048576k')
    assert.deepEqual(mount(spec({shmSize: 1000}), '/dev/shm')?.options.at(-1), 'size=1000')
  })

  it('binds: rbind, ro, propagation; parents first; user mounts replace nerd’s own', () => {
    const built = build({
      mounts: [
        parseVolumeSpec('/exists/conf:/etc/app/conf:ro', '/'),
        checkMount(parseMount('type=bind,source=/exists/etc,target=/etc/app', '/')),
        checkMount(parseMount('type=bind,source=/exists/hosts,target=/etc/hosts,readonly,bind-nonrecursive', '/')),
        checkMount(parseMount('type=bind,source=/exists/shared,target=/shared,bind-propagation=rshared', '/')),
      ],
    })
    const destinations = built.spec.mounts.map((entry) => entry.destination)
    assert.ok(destinations.indexOf('/etc/app') < destinations.indexOf('/etc/app/conf'))
    assert.deepEqual(mount(built.spec, '/etc/app/conf'), {destination: '/etc/app/conf', type: 'bind', source: '/exists/conf', options: ['rbind', 'ro', 'rprivate']})
    assert.deepEqual(mount(built.spec, '/etc/hosts'), {destination: '/etc/hosts', type: 'bind', source: '/exists/hosts', options: ['bind', 'ro', 'rprivate']})
    assert.equal(destinations.filter((destination) => destination === '/etc/hosts').length, 1)
    assert.deepEqual(mount(built.spec, '/shared')?.options, ['rbind', 'rshared'])
    assert.equal(built.spec.linux.rootfsPropagation, 'shared')
    assert.equal(spec({mounts: [checkMount(parseMount('type=bind,source=/exists/s,target=/s,bind-propagation=slave', '/'))]}).linux.rootfsPropagation, 'rslave')
    assert.equal(spec().linux.rootfsPropagation, undefined)
  })

  it('read-only binds and volumes are recursively read-only (rro) where the host can, as docker >= 25', () => {
    let asked = 0
    const rro = () => {
      asked++
      return {supported: true} as const
    }
    const options: RunOptions = {
      mounts: [
        parseVolumeSpec('/exists/a:/a:ro', '/'),
        checkMount(parseMount('type=bind,src=/exists/b,dst=/b,readonly', '/')),
        checkMount(parseMount('type=bind,src=/exists/c,dst=/c,readonly,bind-recursive=writable', '/')),
        checkMount(parseMount('type=bind,src=/exists/d,dst=/d,readonly,bind-recursive=readonly,bind-propagation=rprivate', '/')),
        checkMount(parseMount('type=bind,src=/exists/e,dst=/e', '/')),
        parseVolumeSpec('data:/logs:ro', '/'),
      ],
    }
    const built = spec(options, {recursiveReadOnly: rro, volumePaths: {'/logs': '/vol/data/_data'}})
    assert.deepEqual(mount(built, '/a')?.options, ['rbind', 'rro', 'rprivate'])
    assert.deepEqual(mount(built, '/b')?.options, ['rbind', 'rro', 'rprivate'])
    assert.deepEqual(mount(built, '/c')?.options, ['rbind', 'ro', 'rprivate'])
    assert.deepEqual(mount(built, '/d')?.options, ['rbind', 'rro', 'rprivate'])
    assert.deepEqual(mount(built, '/e')?.options, ['rbind', 'rprivate'])
    assert.deepEqual(mount(built, '/logs')?.options, ['rbind', 'rro'])
    assert.equal(asked, 1, 'the host is asked once')
  })

  it('without rro, read-only mounts fall back to ro, except bind-recursive=readonly, which fails in docker\'s words', () => {
    const fallback = spec({mounts: [parseVolumeSpec('/exists/a:/a:ro', '/')]})
    assert.deepEqual(mount(fallback, '/a')?.options, ['rbind', 'ro', 'rprivate'])
    rejects(
      () => spec({mounts: [checkMount(parseMount('type=bind,src=/exists/d,dst=/d,readonly,bind-recursive=readonly,bind-propagation=rprivate', '/'))]}),
      'rro is not supported: kernel 5.4.0 is older than 5.12',
    )
    // Writable mounts do not ask.
    const writable = spec({mounts: [parseVolumeSpec('/exists/a:/a', '/')]}, {recursiveReadOnly: () => assert.fail('asked')})
    assert.deepEqual(mount(writable, '/a')?.options, ['rbind', 'rprivate'])
  })

  it('a -v source that does not exist is taken (each start makes it), a --mount one is an error', () => {
    const built = build({mounts: [parseVolumeSpec('/new/dir:/data', '/')]})
    assert.equal(mount(built.spec, '/data')?.source, '/new/dir')
    rejects(
      () => build({mounts: [checkMount(parseMount('type=bind,source=/missing,target=/data', '/'))]}),
      'invalid mount config for type "bind": bind source path does not exist: /missing',
    )
  })

  it('a user mount at /dev replaces the default /dev and everything under it', () => {
    const built = spec({mounts: [checkMount(parseMount('type=bind,source=/exists/dev,target=/dev', '/'))]})
    const devMounts = built.mounts.filter((entry) => entry.destination === '/dev' || entry.destination.startsWith('/dev/'))
    assert.deepEqual(devMounts.map((entry) => entry.type), ['bind'])
  })

  it('refuses two mounts at one place', () => {
    rejects(() => spec({mounts: [parseTmpfs('/data'), parseVolumeSpec('/exists/a:/data', '/')]}), 'Duplicate mount point: /data')
  })

  it('volumes: named, anonymous and image VOLUMEs, at the host paths the caller resolved', () => {
    const image: ImageConfig = {...busybox, Volumes: {'/var/lib/db': {}, '/logs': {}}}
    const options: RunOptions = {mounts: [parseVolumeSpec('data:/logs:ro', '/'), parseVolumeSpec('/cache', '/')]}
    assert.deepEqual(volumesToResolve(image, options), [
      {type: 'volume', name: 'data', target: '/logs', readonly: true, noCopy: false, mode: 'ro'},
      {type: 'volume', target: '/cache', readonly: false, noCopy: false},
      {type: 'volume', target: '/var/lib/db', readonly: false, noCopy: false},
    ])
    const volumePaths = {'/logs': '/vol/data/_data', '/cache': '/vol/anon1/_data', '/var/lib/db': '/vol/anon2/_data'}
    const built = spec(options, {image, volumePaths})
    assert.deepEqual(mount(built, '/logs'), {destination: '/logs', type: 'bind', source: '/vol/data/_data', options: ['rbind', 'ro']})
    assert.deepEqual(mount(built, '/var/lib/db'), {destination: '/var/lib/db', type: 'bind', source: '/vol/anon2/_data', options: ['rbind']})
    assert.throws(() => spec(options, {image}), {message: 'no host path was given for the volume at /logs'})
  })

  it("volumes: the image's VOLUMEs and -v /path are docker's Config.Volumes, which its daemon refuses over a file; named and --mount ones are not", () => {
    const image: ImageConfig = {...busybox, Volumes: {'/var/lib/db': {}}}
    const mounts = [parseVolumeSpec('/cache', '/'), parseVolumeSpec('data:/logs', '/'), checkMount(parseMount('type=volume,dst=/m', '/')), checkMount(parseMount('type=volume,src=named,dst=/n', '/'))]
    const resolved = volumesToResolve(image, {mounts})
    assert.deepEqual(resolved.map((mount) => [mount.target, isConfigVolume(mount)]), [
      ['/cache', true],
      ['/logs', false],
      ['/m', false],
      ['/n', false],
      ['/var/lib/db', true],
    ])
  })
})

describe('resources', () => {
  it('memory: limit, docker’s default swap of twice the limit, reservation, swappiness, OOM killer', () => {
    const built = build({memory: 512 * 2 ** 20, memoryReservation: 256 * 2 ** 20, memorySwappiness: 10, oomKillDisable: true})
    assert.deepEqual(built.spec.linux.resources.memory, {
      limit: 512 * 2 ** 20,
      reservation: 256 * 2 ** 20,
      swap: 2 ** 30,
      swappiness: 10,
      disableOOMKiller: true,
    })
    assert.deepEqual(spec({memory: 2 ** 30, memorySwap: -1}).linux.resources.memory, {limit: 2 ** 30, swap: -1})
    // docker's daemon reads an explicit --memory-swap 0 as unset (adaptContainerSettings)
    assert.deepEqual(spec({memory: 2 ** 30, memorySwap: 0}).linux.resources.memory, {limit: 2 ** 30, swap: 2 ** 31})
    assert.equal(spec().linux.resources.memory, undefined)
  })

  it('drops what the host cannot do, with docker’s warnings', () => {
    const v2 = build({memory: 2 ** 30, memorySwappiness: 10, oomKillDisable: true}, {host: {...host, cgroupVersion: 2, swapLimit: false}})
    assert.deepEqual(v2.spec.linux.resources.memory, {limit: 2 ** 30})
    assert.deepEqual(v2.warnings, [
      'Your kernel does not support swap limit capabilities or the cgroup is not mounted. Memory limited without swap.',
      'Your kernel does not support memory swappiness capabilities or the cgroup is not mounted. Memory swappiness discarded.',
      'Your kernel does not support OomKillDisable. OomKillDisable discarded.',
    ])
    assert.deepEqual(build({oomKillDisable: true}).warnings, [
      'OOM killer is disabled for the container, but no memory limit is set, this can result in the system running out of resources.',
    ])
  })

  it('refuses impossible memory settings', () => {
    rejects(() => spec({memory: 2 ** 20}), 'Minimum memory limit allowed is 6MB')
    rejects(() => spec({memorySwap: 2 ** 30}), 'You should always set the Memory limit when using Memoryswap limit, see usage')
    rejects(() => spec({memory: 2 ** 30, memorySwap: 2 ** 29}), 'Minimum memoryswap limit should be larger than memory limit, see usage')
    rejects(() => spec({memory: 2 ** 29, memoryReservation: 2 ** 30}), 'Minimum memory limit can not be less than memory reservation limit, see usage')
    rejects(() => spec({memoryReservation: 2 ** 20}), 'Minimum memory reservation allowed is 6MB')
    rejects(() => spec({memorySwappiness: 101}), 'Invalid value: 101, valid memory swappiness range is 0-100')
    // A size past int64 (--memory 1e23, --shm-size 1e23) reads as math.MinInt64, as docker's CLI reads it: refused in its daemon's words.
    rejects(() => spec({memory: -(2 ** 63)}), 'Minimum memory limit allowed is 6MB')
    rejects(() => spec({shmSize: -(2 ** 63)}), 'SHM size can not be less than 0')
    // docker's daemon doubles a limit past half of int64 into a negative swap (int64 arithmetic), which runc refuses at start.
    assert.deepEqual(spec({memory: 9e18}).linux.resources.memory, {limit: 9e18, swap: -446744073709551616})
  })

  it('cpu: --cpus as a 100ms CFS quota, shares, quota/period, cpusets', () => {
    assert.deepEqual(spec({nanoCpus: 1_500_000_000, cpuShares: 512, cpusetCpus: '0-1', cpusetMems: '0'}).linux.resources.cpu, {
      shares: 512,
      quota: 150000,
      period: 100000,
      cpus: '0-1',
      mems: '0',
    })
    assert.deepEqual(spec({cpuQuota: 50000, cpuPeriod: 200000}).linux.resources.cpu, {quota: 50000, period: 200000})
    rejects(() => spec({nanoCpus: 1e9, cpuPeriod: 100000}), 'Conflicting options: Nano CPUs and CPU Period cannot both be set')
    rejects(() => spec({nanoCpus: 1e9, cpuQuota: 100000}), 'Conflicting options: Nano CPUs and CPU Quota cannot both be set')
    rejects(() => spec({nanoCpus: 8e9}), 'range of CPUs is from 0.01 to 4.00, as there are only 4 CPUs available')
    // docker 28's daemon's words (runconfig/hostconfig_unix.go, validateResources), not runc's of before.
    rejects(() => spec({cpuShares: -5}), 'invalid CPU shares (-5): value must be a positive integer')
    rejects(() => spec({cpusetCpus: '2-4'}), 'Requested CPUs are not available - requested 2-4, available: 0-3')
    rejects(() => spec({cpusetMems: '1'}), 'Requested memory nodes are not available - requested 1, available: 0')
    assert.equal(spec({cpusetCpus: '1,3'}).linux.resources.cpu.cpus, '1,3')
    rejects(() => spec({cpuPeriod: 10}), 'CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)')
    rejects(() => spec({cpuQuota: 10}), 'CPU cfs quota can not be less than 1ms (i.e. 1000)')
    // docker's daemon's words (sysinfo's parseUintList): a reversed range too, which runc refused only at start.
    rejects(() => spec({cpusetCpus: '0-a'}), 'Invalid value 0-a for cpuset cpus: invalid format: 0-a')
    rejects(() => spec({cpusetCpus: '1-0'}), 'Invalid value 1-0 for cpuset cpus: invalid format: 1-0')
    rejects(() => spec({cpusetMems: '0,9000'}), 'Invalid value 0,9000 for cpuset mems: value of out range, maximum is 8192')
  })

  it('pids and blkio', () => {
    const {resources} = spec({pidsLimit: 100, blkioWeight: 300}).linux
    assert.deepEqual(resources.pids, {limit: 100})
    assert.deepEqual(resources.blockIO, {weight: 300})
    assert.equal(spec({pidsLimit: -1}).linux.resources.pids, undefined)
    rejects(() => spec({blkioWeight: 5}), 'Range of blkio weight is from 10 to 1000')
  })

  it('drops the block I/O settings the host\'s cgroup cannot apply, with docker\'s warnings in its order, before the weight\'s range check', () => {
    const sda = {type: 'b', major: 8, minor: 0, fileMode: 0o60660, uid: 0, gid: 6} as const
    const statDevice = (path: string): DeviceLookup => (path === '/dev/sda' ? sda : 'missing')
    const options: RunOptions = {
      blkioWeight: 5,
      blkioWeightDevices: [{path: '/dev/sda', weight: 200}],
      deviceThrottles: {readBps: [{path: '/dev/sda', rate: 1024}], writeIops: [{path: '/dev/sda', rate: 100}]},
    }
    // A cgroup v1 host without CFQ: the throttle files only.
    const noCfq = {weight: false, weightDevice: false, readBps: true, writeBps: true, readIops: true, writeIops: true}
    const built = build(options, {host: {...host, blkio: noCfq}, statDevice})
    assert.deepEqual(built.spec.linux.resources.blockIO, {throttleReadBpsDevice: [{major: 8, minor: 0, rate: 1024}], throttleWriteIOPSDevice: [{major: 8, minor: 0, rate: 100}]})
    assert.deepEqual(built.warnings, [
      'Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded.',
      'Your kernel does not support Block I/O weight_device or the cgroup is not mounted. Weight-device discarded.',
    ])
    // Without the io controller (cgroup v2) or the blkio hierarchy nothing is applied; a device
    // setting dropped is never looked up.
    const none = {weight: false, weightDevice: false, readBps: false, writeBps: false, readIops: false, writeIops: false}
    const bare = build({...options, blkioWeight: 300}, {host: {...host, blkio: none}, statDevice: () => 'missing'})
    assert.equal(bare.spec.linux.resources.blockIO, undefined)
    assert.deepEqual(bare.warnings.map((warning) => warning.split(' or the cgroup')[0]), [
      'Your kernel does not support Block I/O weight',
      'Your kernel does not support Block I/O weight_device',
      'Your kernel does not support BPS Block I/O read limit',
      'Your kernel does not support IOPS Block write limit',
    ])
    // Where the host has them all, all are kept.
    const all = build({...options, blkioWeight: 300}, {host: {...host, blkio: {...noCfq, weight: true, weightDevice: true}}, statDevice})
    assert.deepEqual(all.spec.linux.resources.blockIO?.weightDevice, [{major: 8, minor: 0, weight: 200}])
    assert.deepEqual(all.warnings, [])
  })

  it('--ulimit sets rlimits; --oom-score-adj the score', () => {
    const process = spec({ulimits: [parseUlimit('nofile=1024:2048'), parseUlimit('core=-1')], oomScoreAdj: -500}).process
    assert.deepEqual(process.rlimits, [
      {type: 'RLIMIT_NOFILE', hard: 2048, soft: 1024},
      {type: 'RLIMIT_CORE', hard: 2n ** 64n - 1n, soft: 2n ** 64n - 1n},
    ])
    assert.equal(process.oomScoreAdj, -500)
    rejects(() => spec({oomScoreAdj: 1001}), 'Invalid value 1001, range for oom score adj is [-1000, 1000]')
  })
})

describe('devices', () => {
  const nodes: Record<string, DeviceLookup> = {
    '/dev/fuse': {type: 'c', major: 10, minor: 229, fileMode: 0o20666, uid: 0, gid: 0},
    '/dev/sda': {type: 'b', major: 8, minor: 0, fileMode: 0o60660, uid: 0, gid: 6},
    '/etc/passwd': 'not-a-device',
  }
  const statDevice = (path: string) => nodes[path] ?? 'missing'

  it('--device creates the node and allows it in the device cgroup', () => {
    const built = spec({devices: [{hostPath: '/dev/fuse', containerPath: '/dev/fuse', permissions: 'rwm'}, {hostPath: '/dev/sda', containerPath: '/dev/xvda', permissions: 'r'}]}, {statDevice})
    assert.deepEqual(built.linux.devices, [
      {path: '/dev/fuse', type: 'c', major: 10, minor: 229, fileMode: 0o666, uid: 0, gid: 0},
      {path: '/dev/xvda', type: 'b', major: 8, minor: 0, fileMode: 0o660, uid: 0, gid: 6},
    ])
    assert.deepEqual(built.linux.resources.devices.slice(-2), [
      {allow: true, type: 'c', major: 10, minor: 229, access: 'rwm'},
      {allow: true, type: 'b', major: 8, minor: 0, access: 'r'},
    ])
  })

  it('--device with a directory creates the nodes under it at the container path, as docker', () => {
    const net = {type: 'c', major: 10, minor: 200, fileMode: 0o20666, uid: 0, gid: 0} as const
    const devicesUnder = (directory: string) => (directory === '/dev/net' ? [{...net, path: '/dev/net/tun'}] : [])
    const built = spec({devices: [{hostPath: '/dev/net', containerPath: '/dev/n2', permissions: 'rw'}]}, {statDevice: () => 'not-a-device', devicesUnder})
    assert.deepEqual(built.linux.devices, [{path: '/dev/n2/tun', type: 'c', major: 10, minor: 200, fileMode: 0o666, uid: 0, gid: 0}])
    assert.deepEqual(built.linux.resources.devices.at(-1), {allow: true, type: 'c', major: 10, minor: 200, access: 'rw'})
    // Typed with a trailing slash, the container path (cleaned) still takes the node's name below it.
    const slashed = spec({devices: [{hostPath: '/dev/net/', containerPath: '/dev/net', permissions: 'rwm'}]}, {statDevice: () => 'not-a-device', devicesUnder: () => [{...net, path: '/dev/net/tun'}]})
    assert.deepEqual(slashed.linux.devices.map((device) => device.path), ['/dev/net/tun'])
    rejects(
      () => spec({devices: [{hostPath: '/etc', containerPath: '/dev/x', permissions: 'rwm'}]}, {statDevice: () => 'not-a-device', devicesUnder}),
      'error gathering device information while adding custom device "/etc": not a device node',
    )
  })

  it('refuses missing paths and non-devices', () => {
    rejects(
      () => spec({devices: [{hostPath: '/dev/nope', containerPath: '/dev/nope', permissions: 'rwm'}]}, {statDevice}),
      'error gathering device information while adding custom device "/dev/nope": no such file or directory',
    )
    rejects(
      () => spec({devices: [{hostPath: '/etc/passwd', containerPath: '/dev/x', permissions: 'rwm'}]}, {statDevice}),
      'error gathering device information while adding custom device "/etc/passwd": not a device node',
    )
  })
})

describe('namespaces and names', () => {
  const joinContainer = (container: string) => {
    if (container !== 'db') throw new NerdError(`No such container: ${container}`, {exitCode: 125})
    return {pid: 4321, hostname: 'dbhost', shmPath: '/state/db/shm'}
  }

  it('--pid, --ipc, --uts and --network host leave namespaces out', () => {
    const built = spec({pid: {kind: 'host'}, ipc: {kind: 'host'}, uts: 'host', network: {kind: 'host'}})
    assert.deepEqual(built.linux.namespaces, [{type: 'mount'}])
    assert.equal(built.hostname, undefined)
    assert.ok(built.process.env.includes('HOSTNAME=buildhost'))
    assert.deepEqual(mount(built, '/dev/shm'), {destination: '/dev/shm', type: 'bind', source: '/dev/shm', options: ['rbind', 'rprivate']})
    assert.equal(built.linux.sysctl, undefined)
    assert.equal(mount(built, '/etc/resolv.conf')?.source, '/state/resolv.conf')
  })

  it('--uts host sets no hostname, but HOSTNAME is the container’s (docker’s Config.Hostname)', () => {
    const built = spec({uts: 'host'})
    assert.equal(built.hostname, undefined)
    assert.deepEqual(built.linux.namespaces.map((namespace) => namespace.type), ['pid', 'ipc', 'mount', 'network'])
    assert.ok(built.process.env.includes('HOSTNAME=0123456789ab'), built.process.env.join(' '))
  })

  it('the host network gives the host’s hostname in a container’s own UTS namespace', () => {
    const built = spec({network: {kind: 'host'}})
    assert.equal(built.hostname, 'buildhost')
    assert.equal(spec({network: {kind: 'host'}, hostname: 'mine'}).hostname, 'mine')
  })

  it('container:<x> joins that container’s namespaces, hostname and /dev/shm', () => {
    const mode = {kind: 'container' as const, container: 'db'}
    const built = spec({pid: mode, ipc: mode, network: mode}, {joinContainer})
    assert.deepEqual(built.linux.namespaces, [
      {type: 'pid', path: '/proc/4321/ns/pid'},
      {type: 'ipc', path: '/proc/4321/ns/ipc'},
      {type: 'uts'},
      {type: 'mount'},
      {type: 'network', path: '/proc/4321/ns/net'},
    ])
    assert.equal(built.hostname, 'dbhost')
    assert.equal(mount(built, '/dev/shm')?.source, '/state/db/shm')
    assert.equal(built.linux.sysctl, undefined)
    assert.throws(() => spec({network: {kind: 'container', container: 'web'}}, {joinContainer}), {message: 'No such container: web'})
  })

  it('--ipc none and shareable', () => {
    assert.equal(mount(spec({ipc: {kind: 'none'}}), '/dev/shm'), undefined)
    assert.equal(mount(spec({ipc: {kind: 'shareable'}}, {shmPath: '/state/shm'}), '/dev/shm')?.source, '/state/shm')
    assert.equal(mount(spec({ipc: {kind: 'shareable'}}), '/dev/shm')?.type, 'tmpfs')
  })

  it('--hostname and --domainname', () => {
    const built = spec({hostname: 'web', domainname: 'example.org'})
    assert.equal(built.hostname, 'web')
    assert.equal(built.linux.sysctl?.['kernel.domainname'], 'example.org')
    rejects(() => spec({hostname: 'web', uts: 'host'}), 'conflicting options: hostname and the UTS mode')
    rejects(() => spec({domainname: 'x.org', uts: 'host'}), 'conflicting options: domainname and the UTS mode')
    rejects(
      () => spec({hostname: 'web', network: {kind: 'container', container: 'db'}}, {joinContainer}),
      'conflicting options: hostname and the network mode',
    )
  })

  it('--sysctl adds to the defaults, but not into the host’s namespaces', () => {
    assert.deepEqual(spec({sysctls: {'net.ipv4.ip_forward': '1', 'net.ipv4.ip_unprivileged_port_start': '1024'}}).linux.sysctl, {
      'net.ipv4.ip_unprivileged_port_start': '1024',
      'net.ipv4.ping_group_range': '0 2147483647',
      'net.ipv4.ip_forward': '1',
    })
    rejects(() => spec({network: {kind: 'host'}, sysctls: {'net.core.somaxconn': '1024'}}), 'sysctl "net.core.somaxconn" not allowed in host network namespace')
    rejects(() => spec({ipc: {kind: 'host'}, sysctls: {'kernel.shmmax': '1'}}), 'sysctl "kernel.shmmax" is not allowed in the hosts ipc namespace')
  })
})

describe('init, hooks and annotations', () => {
  it('--init runs the host’s tini as docker-init in a private PID namespace', () => {
    const built = spec({init: true, command: ['sleep', '1']})
    assert.deepEqual(built.process.args, ['/sbin/docker-init', '--', 'sleep', '1'])
    assert.deepEqual(mount(built, '/sbin/docker-init'), {destination: '/sbin/docker-init', type: 'bind', source: '/usr/bin/tini-static', options: ['bind', 'ro']})
    assert.deepEqual(spec({init: true, pid: {kind: 'host'}}).process.args, ['sh'])
    rejects(() => spec({init: true}, {host: {...host, initPath: undefined}}), '--init needs an init binary on the host (tini), and none was found')
  })

  it('the OCI hook command runs at createRuntime and poststop', () => {
    const ociHook = {path: '/usr/bin/node', args: ['node', '/opt/nerd/hook.js'], env: ['PATH=/usr/bin:/bin'], timeout: 30}
    assert.deepEqual(spec({}, {ociHook}).hooks, {
      createRuntime: [{path: '/usr/bin/node', args: ['node', '/opt/nerd/hook.js', 'createRuntime'], env: ['PATH=/usr/bin:/bin'], timeout: 30}],
      poststop: [{path: '/usr/bin/node', args: ['node', '/opt/nerd/hook.js', 'postStop'], env: ['PATH=/usr/bin:/bin'], timeout: 30}],
    })
    assert.deepEqual(Object.keys(spec({}, {ociHook: {...ociHook, points: ['createRuntime']}}).hooks ?? {}), ['createRuntime'])
  })

  it('--annotation joins nerd’s annotations, which it may not replace', () => {
    const annotations = {'nerd/namespace': 'default'}
    assert.deepEqual(spec({annotations: {'org.example/a': '1'}}, {annotations}).annotations, {'org.example/a': '1', 'nerd/namespace': 'default'})
    assert.deepEqual(spec({}, {annotations}).annotations, annotations)
    rejects(() => spec({annotations: {'nerd/namespace': 'x'}}, {annotations}), 'annotation "nerd/namespace" is reserved for nerd')
  })
})
