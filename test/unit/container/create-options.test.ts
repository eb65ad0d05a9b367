import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {Args, Parser} from '@oclif/core'
import {containerCommandArgv, normalizeCommandBooleans} from '../../../src/config/index.ts'
import {CREATE_FLAGS, RUN_FLAGS} from '../../../src/container-flags.ts'
import {createRequestFromFlags, dockerConfigFor, parseRestartPolicy} from '../../../src/container/create-options.ts'
import type {CreateContext, CreateFlagValues} from '../../../src/container/create-options.ts'
import {FlagValueError, NerdError} from '../../../src/errors.ts'

function unreadable(path: string, code: string): never {
  throw Object.assign(new Error(`${code}: ${path}`), {code})
}
const files: Record<string, string> = {
  '/labels': 'a=1\n# comment\n  b\nc= spaced \n',
  '/env': 'FROM_FILE="quoted"\nHOME\nUNSET_HERE\n',
  '/bad-env': 'A B=1\n',
  '/latin1-labels': 'lab=\xff\n',
  '/bom.json': '\ufeff{"defaultAction":"SCMP_ACT_ALLOW"}',
  '/seccomp.json': '{\n  "defaultAction": "SCMP_ACT_ALLOW",\n  "names": ["a b", "c\\"d"]\n}\n',
}
const context: CreateContext = {
  environment: {HOME: '/root', TOKEN: 's3cret'},
  readFile: (path) => (files[path] === undefined ? unreadable(path, path.startsWith('/etc') ? 'EACCES' : 'ENOENT') : Buffer.from(files[path], path.startsWith('/latin1') ? 'latin1' : 'utf8')),
  command: ['sh', '-c', 'x'],
  image: 'busybox',
  cwd: '/work',
}
const request = (values: CreateFlagValues, change: Partial<CreateContext> = {}) => createRequestFromFlags(values, {...context, ...change})
const refuses = (values: CreateFlagValues, message: string) =>
  assert.throws(() => request(values), (error: unknown) => {
    assert.ok(error instanceof NerdError)
    assert.equal(error.message, message)
    assert.equal(error.exitCode, 125)
    return true
  })
/** A refusal of docker's CLI's parse(): 125 for `create` too, which keeps daemon-side refusals at 1. */
const refusesWhileParsing = (values: CreateFlagValues, message: string) =>
  assert.throws(() => request(values), (error: unknown) => {
    assert.ok(error instanceof FlagValueError, `${String(error)} is not a FlagValueError`)
    assert.equal(error.message, message)
    return true
  })
const facts = {id: '0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef', hostname: 'host1', cgroupVersion: 2 as const}

describe('restart policies', () => {
  it('reads no, always, unless-stopped and on-failure[:count]', () => {
    assert.deepEqual(parseRestartPolicy('no'), {Name: 'no', MaximumRetryCount: 0})
    assert.deepEqual(parseRestartPolicy(''), {Name: 'no', MaximumRetryCount: 0})
    assert.deepEqual(parseRestartPolicy('always'), {Name: 'always', MaximumRetryCount: 0})
    assert.deepEqual(parseRestartPolicy('unless-stopped'), {Name: 'unless-stopped', MaximumRetryCount: 0})
    assert.deepEqual(parseRestartPolicy('on-failure'), {Name: 'on-failure', MaximumRetryCount: 0})
    assert.deepEqual(parseRestartPolicy('on-failure:5'), {Name: 'on-failure', MaximumRetryCount: 5})
  })

  it('refuses the others with docker messages', () => {
    assert.throws(() => parseRestartPolicy('always:3'), {message: "invalid restart policy: maximum retry count can only be used with 'on-failure'"})
    assert.throws(() => parseRestartPolicy('no:-1'), {message: "invalid restart policy: maximum retry count can only be used with 'on-failure' and cannot be negative"})
    assert.throws(() => parseRestartPolicy('on-failure:-1'), {message: 'invalid restart policy: maximum retry count cannot be negative'})
    assert.throws(() => parseRestartPolicy('on-failure:x'), {message: 'invalid restart policy format: maximum retry count must be an integer'})
    assert.throws(() => parseRestartPolicy('on-failure:1:2'), {message: 'invalid restart policy format: maximum retry count must be an integer'})
    assert.throws(() => parseRestartPolicy(':3'), {message: 'invalid restart policy format: no policy provided before colon'})
    assert.throws(() => parseRestartPolicy('sometimes'), {
      message: "invalid restart policy: unknown policy 'sometimes'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'",
    })
  })
})

describe('createRequestFromFlags: block IO, device rules and health checks', () => {
  it('reads docker\'s device rates, weights and cgroup rules', () => {
    const {options} = request({
      'device-read-bps': ['/dev/sda:1mb'],
      'device-write-iops': ['/dev/sdb:100'],
      'blkio-weight-device': ['/dev/sda:300'],
      'device-cgroup-rule': ['c 1:* rw', 'a *:* m'],
      'cpu-rt-period': '100000',
    })
    assert.deepEqual(options.deviceThrottles, {readBps: [{path: '/dev/sda', rate: 1048576}], writeIops: [{path: '/dev/sdb', rate: 100}]})
    assert.deepEqual(options.blkioWeightDevices, [{path: '/dev/sda', weight: 300}])
    assert.deepEqual(options.deviceCgroupRules, [{type: 'c', major: 1, access: 'rw'}, {type: 'a', access: 'm'}])
    assert.equal(options.cpuRealtimePeriod, 100000)
    refuses({'device-read-bps': ['/dev/sda']}, 'invalid argument "/dev/sda" for "--device-read-bps" flag: bad format: /dev/sda')
    refuses({'device-write-bps': ['/dev/sda:-1']}, 'invalid argument "/dev/sda:-1" for "--device-write-bps" flag: invalid rate for device: /dev/sda:-1. The correct format is <device-path>:<number>[<unit>]. Number must be a positive integer. Unit is optional and can be kb, mb, or gb')
    refuses({'blkio-weight-device': ['/dev/sda:2000']}, 'invalid argument "/dev/sda:2000" for "--blkio-weight-device" flag: invalid weight for device: /dev/sda:2000')
    refuses({'device-cgroup-rule': ['c 1:3']}, `invalid argument "c 1:3" for "--device-cgroup-rule" flag: invalid device cgroup format 'c 1:3'`)
  })

  it('takes docker\'s Linux meanings of --userns, --isolation and --kernel-memory, and refuses --gpus and --storage-opt as its daemon would here', () => {
    assert.equal(request({userns: 'host', isolation: 'default', 'kernel-memory': '10m'}).options.command?.[0], 'sh')
    refuses({'kernel-memory': '10x'}, 'invalid argument "10x" for "--kernel-memory" flag: invalid suffix: \'x\'')
    refusesWhileParsing({userns: 'remap'}, '--userns: invalid USER mode')
    refuses({isolation: 'hyperv'}, `Invalid isolation: "hyperv" - linux only supports 'default'`)
    refuses({gpus: ['all']}, 'could not select device driver "" with capabilities: [[gpu]]')
    refuses({gpus: ['driver=nvidia,capabilities=compute', 'all']}, 'could not select device driver "nvidia" with capabilities: [[compute gpu]]')
    refuses({'storage-opt': ['size=1G']}, "--storage-opt is supported only for overlay over xfs with 'pquota' mount option")
  })

  it("refuses a --gpus value docker's CLI cannot read as it reads the flag, before its daemon's refusal", () => {
    refuses({gpus: ['all', 'count=x'], 'memory-swappiness': '101'}, 'invalid argument "count=x" for "--gpus" flag: invalid count (x): value must be either "all" or an integer: invalid syntax')
  })

  it("refuses a --storage-opt without `=` as docker's CLI parses it, before nerd says it has none", () => {
    refusesWhileParsing({'storage-opt': ['size=1G', 'size'], isolation: 'hyperv'}, 'invalid storage option')
  })

  it("refuses a -v docker's CLI refuses itself in its words, before the daemon's checks", () => {
    refusesWhileParsing({volume: [':/x']}, 'invalid spec: :/x: empty section between colons')
    refusesWhileParsing({volume: ['/ok:/ok', '/a:/b:ro:x']}, 'invalid spec: /a:/b:ro:x: too many colons')
    refusesWhileParsing({volume: ['']}, 'invalid empty volume spec')
  })

  it('refuses --use-api-socket: nerd has no Docker API socket', () => {
    refuses({'use-api-socket': true}, '--use-api-socket is not supported: nerd has no Docker API socket to mount')
  })

  it("takes --health-retries as docker's Go int, as far as a number holds it exactly", () => {
    assert.equal(request({'health-retries': '99999999999'}).healthcheck?.Retries, 99999999999)
    refuses({'health-retries': '9007199254740992'}, 'invalid argument "9007199254740992" for "--health-retries" flag: strconv.ParseInt: parsing "9007199254740992": value out of range')
  })

  it('makes the health check of the --health-* flags, leaving out what is not set', () => {
    assert.deepEqual(request({'health-cmd': 'true', 'health-interval': '1m30s', 'health-retries': '4'}).healthcheck, {Test: ['CMD-SHELL', 'true'], Interval: 90e9, Retries: 4})
    assert.deepEqual(request({'health-timeout': '2s'}).healthcheck, {Timeout: 2e9})
    assert.deepEqual(request({'no-healthcheck': true}).healthcheck, {Test: ['NONE']})
    assert.equal(request({}).healthcheck, undefined)
    refusesWhileParsing({'no-healthcheck': true, 'health-cmd': 'x'}, '--no-healthcheck conflicts with --health-* options')
    refusesWhileParsing({'health-interval': '-1s', 'health-retries': '-1'}, '--health-interval cannot be negative')
    refusesWhileParsing({'health-retries': '-1'}, '--health-retries cannot be negative')
    refusesWhileParsing({'health-start-period': '-1s'}, '--health-start-period cannot be negative')
    refuses({'health-start-interval': '500us'}, 'StartInterval in Healthcheck cannot be less than 1ms')
  })

  it("refuses a duration with Go's time.ParseDuration error", () => {
    refuses({'health-interval': '10'}, 'invalid argument "10" for "--health-interval" flag: time: missing unit in duration "10"')
    refuses({'health-interval': '5x'}, 'invalid argument "5x" for "--health-interval" flag: time: unknown unit "x" in duration "5x"')
    refuses({'health-timeout': '1s5'}, 'invalid argument "1s5" for "--health-timeout" flag: time: missing unit in duration "1s5"')
    refuses({'health-timeout': 'soon'}, 'invalid argument "soon" for "--health-timeout" flag: time: invalid duration "soon"')
    refuses({'health-timeout': '.s'}, 'invalid argument ".s" for "--health-timeout" flag: time: invalid duration ".s"')
  })
})

describe('createRequestFromFlags: refusals', () => {
  it('reports values a flag refuses the way pflag does', () => {
    refuses({memory: 'lots'}, `invalid argument "lots" for "-m, --memory" flag: invalid size: 'lots'`)
    refuses({'shm-size': '-1'}, `invalid argument "-1" for "--shm-size" flag: invalid size: '-1'`)
    refuses({'memory-swap': 'x'}, `invalid argument "x" for "--memory-swap" flag: invalid size: 'x'`)
    refuses({cpus: 'two'}, 'invalid argument "two" for "--cpus" flag: failed to parse two as a rational number')
    refuses({'cpu-shares': '1.5'}, 'invalid argument "1.5" for "-c, --cpu-shares" flag: strconv.ParseInt: parsing "1.5": invalid syntax')
    refuses({'pids-limit': '9223372036854775808'}, 'invalid argument "9223372036854775808" for "--pids-limit" flag: strconv.ParseInt: parsing "9223372036854775808": value out of range')
    refuses({'blkio-weight': '-1'}, 'invalid argument "-1" for "--blkio-weight" flag: strconv.ParseUint: parsing "-1": invalid syntax')
    refuses({'blkio-weight': '70000'}, 'invalid argument "70000" for "--blkio-weight" flag: strconv.ParseUint: parsing "70000": value out of range')
    refuses({attach: ['stdall']}, 'invalid argument "stdall" for "-a, --attach" flag: valid streams are STDIN, STDOUT and STDERR')
    refuses({env: ['=x']}, 'invalid argument "=x" for "-e, --env" flag: invalid environment variable: =x')
    refuses({label: ['=x']}, `invalid argument "=x" for "-l, --label" flag: invalid label '=x': empty name`)
    refuses({label: ['a b=1']}, `invalid argument "a b=1" for "-l, --label" flag: label 'a b' contains whitespaces`)
    refuses({ulimit: ['nofile']}, 'invalid argument "nofile" for "--ulimit" flag: invalid ulimit argument: nofile')
    refuses({sysctl: ['kernel.hostname=x']}, `invalid argument "kernel.hostname=x" for "--sysctl" flag: sysctl 'kernel.hostname=x' is not allowed`)
    refuses({mount: ['type=bind,source=/a']}, 'invalid argument "type=bind,source=/a" for "--mount" flag: target is required')
    // What docker's CLI passes on, its daemon refuses: no flag error.
    refuses({mount: ['type=bind,target=/x']}, 'invalid mount config for type "bind": field Source must not be empty')
    refuses({ip: '10.0.0.300'}, 'invalid argument "10.0.0.300" for "--ip" flag: failed to parse IP: "10.0.0.300"')
    refuses({dns: ['dns.example']}, 'invalid argument "dns.example" for "--dns" flag: IP address is not correctly formatted: dns.example')
    refuses({'dns-search': ['-bad-']}, 'invalid argument "-bad-" for "--dns-search" flag: -bad- is not a valid domain')
    refuses({'add-host': ['db']}, 'invalid argument "db" for "--add-host" flag: bad format for add-host: "db"')
    refuses({'add-host': ['db:not-an-ip']}, 'invalid argument "db:not-an-ip" for "--add-host" flag: invalid IP address in add-host: "not-an-ip"')
  })

  it('refuses conflicting options', () => {
    refusesWhileParsing({rm: true, restart: 'always'}, 'conflicting options: cannot specify both --restart and --rm')
    refusesWhileParsing({rm: true, restart: 'on-failure:3'}, 'conflicting options: cannot specify both --restart and --rm')
    refusesWhileParsing({'log-driver': 'none', 'log-opt': ['max-size=1m']}, 'invalid logging opts for driver none')
    refuses({'network-alias': ['db']}, 'network-scoped aliases are only supported for user-defined networks')
    refuses({network: ['host'], 'network-alias': ['db']}, 'network-scoped aliases are only supported for user-defined networks')
    refuses({network: ['backend', 'none']}, 'conflicting options: cannot attach both user-defined and non-user-defined network-modes')
    refuses({network: ['backend'], net: ['backend']}, 'network "backend" is specified multiple times')
    refuses({network: ['alias=x']}, 'invalid argument "alias=x" for "--network" flag: network name/id is not specified')
    refuses({network: ['name=qn1,foo=bar']}, 'invalid argument "name=qn1,foo=bar" for "--network" flag: invalid field key foo')
    refuses({net: ['name=,alias=z']}, 'invalid argument "name=,alias=z" for "--net" flag: network name/id is not specified')
    refusesWhileParsing({network: ['name=bridge,alias=z']}, 'network-scoped aliases are only supported for user-defined networks')
    refusesWhileParsing({network: ['host', 'name=none,alias=z']}, 'network-scoped aliases are only supported for user-defined networks')
    refusesWhileParsing({'network-alias': ['db']}, 'network-scoped aliases are only supported for user-defined networks')
    refusesWhileParsing({network: ['name=qn1,alias=z'], 'network-alias': ['y']}, 'conflicting options: cannot specify both --network-alias and per-network alias')
    refusesWhileParsing({network: ['name=qn1,ip=10.4.9.9'], ip: '10.4.9.8'}, 'conflicting options: cannot specify both --ip and per-network IPv4 address')
    refusesWhileParsing({network: ['name=qn1,link-local-ip=169.254.9.9'], 'link-local-ip': ['169.254.9.8']}, 'conflicting options: cannot specify both --link-local-ip and per-network link-local IP addresses')
    const joined = {network: ['container:web']}
    refuses({...joined, dns: ['10.0.0.53']}, 'conflicting options: dns and the network mode')
    refuses({...joined, 'add-host': ['db:10.0.0.5']}, 'conflicting options: custom host-to-IP mapping and the network mode')
    refuses({...joined, publish: ['8080:80']}, 'conflicting options: port publishing and the container type network mode')
    refuses({...joined, 'publish-all': true}, 'conflicting options: port publishing and the container type network mode')
    refuses({...joined, expose: ['80']}, 'conflicting options: port exposing and the container type network mode')
    for (const network of ['container:web', 'host', 'none']) refuses({network: [network], 'mac-address': '02:42:ac:11:00:09'}, 'conflicting options: mac-address and the network mode')
    assert.equal(request({network: ['backend'], 'mac-address': '02:42:ac:11:00:09'}).network.macAddress, '02:42:ac:11:00:09')
  })

  it('refuses names that would break or add /etc/hosts lines, here and in peers\' files: whitespace, \'#\', control characters', () => {
    const network = ['backend']
    refusesWhileParsing({network, 'network-alias': ['okalias\n10.9.9.9 hbx injected.example']}, `invalid network alias "okalias\\n10.9.9.9 hbx injected.example": names in /etc/hosts cannot hold whitespace, '#' or control characters`)
    refusesWhileParsing({network, 'network-alias': ['x#y']}, `invalid network alias "x#y": names in /etc/hosts cannot hold whitespace, '#' or control characters`)
    refusesWhileParsing({network, 'net-alias': ['a b']}, `invalid network alias "a b": names in /etc/hosts cannot hold whitespace, '#' or control characters`)
    refusesWhileParsing({network: ['name=backend,alias=a\tb']}, `invalid network alias "a\\tb": names in /etc/hosts cannot hold whitespace, '#' or control characters`)
    refusesWhileParsing({network, 'network-alias': ['']}, 'invalid network alias "": it is empty')
    refusesWhileParsing({hostname: 'hh\n10.9.9.8 injected-by-hostname'}, `invalid hostname "hh\\n10.9.9.8 injected-by-hostname": names in /etc/hosts cannot hold whitespace, '#' or control characters`)
    refusesWhileParsing({hostname: 'h'.repeat(65)}, `invalid hostname "${'h'.repeat(65)}": the kernel takes at most 64 bytes`)
    refusesWhileParsing({domainname: 'corp example'}, `invalid domainname "corp example": names in /etc/hosts cannot hold whitespace, '#' or control characters`)
    refuses({link: ['db:a b']}, `invalid argument "db:a b" for "--link" flag: invalid link alias "a b": names in /etc/hosts cannot hold whitespace, '#' or control characters`)
    refuses({'add-host': ['db\n10.9.9.9 x:10.0.0.2']}, 'invalid argument "db\\n10.9.9.9 x:10.0.0.2" for "--add-host" flag: bad format for add-host: "db\\n10.9.9.9 x:10.0.0.2"')
    // What docker takes still goes: underscores (docker >= 1.13), 64 bytes, IDNs, and docker's two names of an --add-host with a space.
    const taken = request({network, hostname: `web_1${'x'.repeat(59)}`, domainname: 'corp.example', 'network-alias': ['db_primary', 'bücher'], 'add-host': ['a b:10.0.0.2']})
    assert.deepEqual([taken.options.hostname?.length, taken.network.aliases, taken.network.extraHosts], [64, ['db_primary', 'bücher'], ['a b:10.0.0.2']])
  })

  it('refuses values docker does not know', () => {
    refuses({'log-driver': 'syslog'}, "logger: no log driver named 'syslog' is registered")
    // As docker's ValidateLogOpts: every driver's options first, then the driver, then the json-file driver's option names.
    refuses({'log-driver': 'bogus', 'log-opt': ['mode=fast']}, 'logger: logging mode not supported: fast')
    refuses({'log-driver': 'bogus', 'log-opt': ['colour=red']}, "logger: no log driver named 'bogus' is registered")
    assert.throws(() => request({'log-opt': ['max-size=1m', 'colour=red']}), {message: "unknown log opt 'colour' for json-file log driver"})
    // Their values are the driver's to read as the container starts: create takes them.
    assert.deepEqual(request({'log-opt': ['max-size=1x', 'max-file=x', 'compress=maybe', 'env-regex=(']}).logConfig.Config, {'max-size': '1x', 'max-file': 'x', compress: 'maybe', 'env-regex': '('})
    refusesWhileParsing({pull: 'sometimes'}, `invalid pull option: 'sometimes': must be one of "always", "missing" or "never"`)
    // docker's CLI checks --pull before the other flags
    refusesWhileParsing({pull: 'sometimes', pid: 'bogus'}, `invalid pull option: 'sometimes': must be one of "always", "missing" or "never"`)
    refusesWhileParsing({pid: 'bogus'}, '--pid: invalid PID mode')
    refusesWhileParsing({uts: 'bogus'}, '--uts: invalid UTS mode')
    refusesWhileParsing({cgroupns: 'bogus'}, '--cgroupns: invalid CGROUP mode')
    // The name is checked by docker's daemon (ValidateRestartPolicy), the syntax by its CLI.
    refuses({restart: 'sometimes'}, "invalid restart policy: unknown policy 'sometimes'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'")
    refusesWhileParsing({restart: 'on-failure:x'}, 'invalid restart policy format: maximum retry count must be an integer')
    refusesWhileParsing({'memory-swappiness': '101'}, 'invalid value: 101. Valid memory swappiness range is 0-100')
    refuses({'mac-address': '92:d0:c6:0a:29'}, '92:d0:c6:0a:29 is not a valid mac address')
    refuses({'stop-signal': 'SIGNOPE'}, 'invalid signal: SIGNOPE')
    refuses({annotation: ['=x']}, 'invalid Annotations: the empty string is not permitted as an annotation key')
    refusesWhileParsing({'security-opt': ['seccomp']}, 'Invalid --security-opt: "seccomp"')
    refuses({volume: ['/a:rw']}, "invalid volume specification: '/a:rw'")
    refusesWhileParsing({device: ['/dev/fuse:fuse']}, 'fuse is not an absolute path')
    refusesWhileParsing({device: ['/dev/fuse:/dev/f:x']}, 'bad mode specified: x')
  })

  it('reports files it cannot read as docker does', () => {
    // docker's kvfile.Parse: os.Open's words alone, and a directory it opens but cannot read is an invalid env file
    refuses({'label-file': ['/missing']}, 'open /missing: no such file or directory')
    refuses({'env-file': ['/etc/secret']}, 'open /etc/secret: permission denied')
    const directory = () => {
      throw Object.assign(new Error('EISDIR: illegal operation on a directory, read'), {code: 'EISDIR'})
    }
    assert.throws(() => request({'env-file': ['/d']}, {readFile: directory}), {message: 'invalid env file (/d): read /d: is a directory'})
    refuses({'env-file': ['/bad-env']}, "invalid env file (/bad-env): variable 'A B' contains whitespaces")
    refuses({'label-file': ['/latin1-labels']}, 'invalid env file (/latin1-labels): invalid utf8 bytes at line 1: [108 97 98 61 255]')
    refusesWhileParsing({'security-opt': ['seccomp=/missing.json']}, 'opening seccomp profile (/missing.json) failed: open /missing.json: no such file or directory')
    // Go's json.Compact's words, as docker's CLI.
    assert.throws(() => request({'security-opt': ['seccomp=/labels']}), {message: "compacting json for seccomp profile (/labels) failed: invalid character 'a' looking for beginning of value"})
    assert.throws(() => request({'security-opt': ['seccomp=/bom.json']}), {message: "compacting json for seccomp profile (/bom.json) failed: invalid character 'ï' looking for beginning of value"})
  })
})

describe('createRequestFromFlags: values', () => {
  it('gives docker defaults when no flag is set', () => {
    const made = request({})
    assert.equal(made.image, 'busybox')
    assert.equal(made.name, undefined)
    assert.deepEqual(made.options, {command: ['sh', '-c', 'x'], network: {kind: 'private'}})
    assert.deepEqual(made.attach, ['stdout', 'stderr'])
    assert.deepEqual([made.interactive, made.tty, made.detach, made.autoRemove, made.quietPull], [false, false, false, false, false])
    assert.deepEqual(made.restart, {Name: 'no', MaximumRetryCount: 0})
    assert.deepEqual(made.logConfig, {Type: 'json-file', Config: {}})
    assert.equal(made.pull, 'missing')
    assert.deepEqual(made.labels, {})
    assert.equal(made.network.mode, 'bridge')
    assert.deepEqual(made.typed, {binds: [], anonymousVolumes: [], tmpfs: {}, mounts: [], volumeDriver: '', securityOpt: []})
  })

  it('attaches stdout and stderr, -a streams instead, stdin with -i, nothing with -d', () => {
    assert.deepEqual(request({interactive: true}).attach, ['stdin', 'stdout', 'stderr'])
    assert.deepEqual(request({attach: ['STDERR']}).attach, ['stderr'])
    assert.deepEqual(request({attach: ['stdout'], interactive: true}).attach, ['stdin', 'stdout'])
    assert.deepEqual(request({detach: true, interactive: true, tty: true}).attach, [])
  })

  it('takes -e NAME and bare --env-file lines from nerd\'s environment', () => {
    const made = request({env: ['A=1', 'TOKEN', 'NOT_SET', 'EMPTY='], 'env-file': ['/env']})
    assert.deepEqual(made.options.env, ['A=1', 'TOKEN=s3cret', 'NOT_SET', 'EMPTY='])
    // quotes are part of the value; a bare line without a value in nerd's environment is left out
    assert.deepEqual(made.options.envFile, ['FROM_FILE="quoted"', 'HOME=/root'])
  })

  it('merges --label-file and -l, later ones winning, leaving out bare keys of files', () => {
    assert.deepEqual(request({'label-file': ['/labels'], label: ['c=3', 'd']}).labels, {a: '1', c: '3', d: ''})
    assert.deepEqual(request({'label-file': ['/labels']}).labels, {a: '1', c: ' spaced '})
  })

  it('parses resource values with docker units and Go integers', () => {
    const made = request({
      memory: '64m', 'memory-swap': '-1', 'memory-reservation': '1.5g', 'shm-size': '128MiB', cpus: '3/2', 'cpu-shares': '0x200',
      'cpu-period': '100000', 'cpu-quota': '050', 'pids-limit': '-1', 'blkio-weight': '300', 'oom-score-adj': '-500',
      'memory-swappiness': '10', 'stop-timeout': '30', 'cpuset-cpus': '0-1', 'cpuset-mems': '0',
    })
    const {options} = made
    assert.deepEqual(
      [options.memory, options.memorySwap, options.memoryReservation, options.shmSize, options.nanoCpus, options.cpuShares],
      [64 * 2 ** 20, -1, 1.5 * 2 ** 30, 128 * 2 ** 20, 1.5e9, 512],
    )
    assert.deepEqual(
      [options.cpuPeriod, options.cpuQuota, options.pidsLimit, options.blkioWeight, options.oomScoreAdj, options.memorySwappiness, options.stopTimeout],
      [100000, 40, -1, 300, -500, 10, 30],
    )
    assert.deepEqual([options.cpusetCpus, options.cpusetMems], ['0-1', '0'])
    assert.equal(request({'memory-swappiness': '-1'}).options.memorySwappiness, undefined)
  })

  it('collects mounts, ulimits, sysctls, devices, annotations and security options', () => {
    const made = request({
      volume: ['/data:/data:ro', 'cache:/cache', '/anon', './src:/src'],
      mount: ['type=tmpfs,target=/run/x,tmpfs-size=1m'],
      tmpfs: ['/scratch:size=64m,exec'],
      ulimit: ['nproc=512', 'nofile=1024:2048', 'nproc=256', 'memlock=-1'],
      sysctl: ['net.ipv4.ip_forward=1', 'kernel.shmmax=1024', 'net.ipv4.ip_forward=0'],
      device: ['/dev/fuse', '/dev/sda:/dev/xvda:r'],
      annotation: ['org.example/a=1', 'flag'],
      'security-opt': ['no-new-privileges', 'seccomp=/seccomp.json', 'systempaths=unconfined'],
      'cap-add': ['NET_ADMIN', 'all', 'net_admin', 'cap_chown'], 'cap-drop': ['all'], 'group-add': ['audio'],
      privileged: true, 'read-only': true, init: true, user: 'app', workdir: '/tmp', hostname: 'web', domainname: 'example.org',
      entrypoint: '/bin/sh', runtime: 'io.containerd.runsc.v1', platform: 'linux/arm64', 'cgroup-parent': '/custom',
      pid: 'host', ipc: 'shareable', uts: 'host', cgroupns: 'private',
    })
    const {options} = made
    assert.deepEqual(options.mounts?.map((mount) => [mount.type, mount.target]), [
      ['bind', '/data'], ['volume', '/cache'], ['volume', '/anon'], ['bind', '/src'], ['tmpfs', '/run/x'], ['tmpfs', '/scratch'],
    ])
    assert.deepEqual(options.ulimits, [
      {name: 'memlock', soft: 2n ** 64n - 1n, hard: 2n ** 64n - 1n},
      {name: 'nofile', soft: 1024, hard: 2048},
      {name: 'nproc', soft: 256, hard: 256},
    ])
    assert.deepEqual(options.sysctls, {'net.ipv4.ip_forward': '0', 'kernel.shmmax': '1024'})
    assert.deepEqual(options.devices, [
      {hostPath: '/dev/fuse', containerPath: '/dev/fuse', permissions: 'rwm'},
      {hostPath: '/dev/sda', containerPath: '/dev/xvda', permissions: 'r'},
    ])
    assert.deepEqual(options.annotations, {'org.example/a': '1', flag: ''})
    assert.deepEqual(options.security, {noNewPrivileges: true, seccomp: {kind: 'file', path: '/seccomp.json'}, unconfinedSystemPaths: true})
    // docker's API client's normalizeCapabilities: upper case, CAP_, no repeats, sorted (not trimmed, ALL kept with the rest)
    assert.deepEqual([options.capAdd, options.capDrop, options.groupAdd], [['ALL', 'CAP_CHOWN', 'CAP_NET_ADMIN'], ['ALL'], ['audio']])
    assert.deepEqual(
      [options.privileged, options.readOnly, options.init, options.user, options.workdir, options.hostname, options.domainname, options.entrypoint],
      [true, true, true, 'app', '/tmp', 'web', 'example.org', '/bin/sh'],
    )
    assert.deepEqual([options.runtime, options.platform, options.cgroupParent], ['io.containerd.runsc.v1', 'linux/arm64', '/custom'])
    assert.deepEqual([options.pid, options.ipc, options.uts, options.cgroupns], [{kind: 'host'}, {kind: 'shareable'}, 'host', 'private'])
    assert.deepEqual(made.typed, {
      binds: ['/data:/data:ro', 'cache:/cache', '/work/src:/src'],
      anonymousVolumes: ['/anon'],
      tmpfs: {'/scratch': 'size=64m,exec'},
      mounts: [{Type: 'tmpfs', Target: '/run/x', TmpfsOptions: {SizeBytes: 1048576}}],
      volumeDriver: '',
      securityOpt: ['no-new-privileges', 'seccomp={"defaultAction":"SCMP_ACT_ALLOW","names":["a b","c\\"d"]}'],
    })
  })

  it('keeps nerd\'s settings: name, policies, logging, pull, cidfile', () => {
    const made = request({
      name: 'web', rm: true, restart: 'no', 'log-driver': 'json-file', 'log-opt': ['max-size=10k', 'max-file=3'], pull: 'never', quiet: true,
      cidfile: '/tmp/cid',
    })
    assert.deepEqual(
      [made.name, made.autoRemove, made.restart, made.logConfig, made.pull, made.quietPull, made.cidfile],
      ['web', true, {Name: 'no', MaximumRetryCount: 0}, {Type: 'json-file', Config: {'max-size': '10k', 'max-file': '3'}}, 'never', true, '/tmp/cid'],
    )
    assert.deepEqual(request({'log-driver': 'none'}).logConfig, {Type: 'none', Config: {}})
  })

  it('takes an empty --name for no name, as docker generates one (--name "$NAME" with NAME empty)', () => {
    assert.equal(request({name: ''}).name, undefined)
  })

  it('keeps the networking values for the networking code', () => {
    const made = request({
      network: ['backend'], net: ['Name=Frontend,alias=web'], publish: ['8080:80', '127.0.0.1::53/udp'], 'publish-all': true,
      expose: ['3000-3001'], ip: ' 172.30.0.10', ip6: '2001:db8::33', 'mac-address': '92:d0:c6:0a:29:33', dns: ['1.1.1.1', '::1'],
      'dns-search': ['example.org.', '.'], 'dns-option': ['ndots:2'], 'dns-opt': ['timeout:1'],
      'add-host': ['db:10.0.0.2', 'gw=host-gateway', 'v6:[::1]'], 'network-alias': ['api'],
    })
    assert.deepEqual(made.network, {
      mode: 'backend',
      networks: [{network: 'backend', aliases: []}, {network: 'frontend', aliases: ['web']}],
      publish: ['8080:80', '127.0.0.1::53/udp'],
      publishAll: true,
      expose: ['3000-3001'],
      ip: '172.30.0.10',
      ip6: '2001:db8::33',
      macAddress: '92:d0:c6:0a:29:33',
      dns: ['1.1.1.1', '::1'],
      dnsSearch: ['example.org', '.'],
      dnsOptions: ['ndots:2', 'timeout:1'],
      extraHosts: ['db:10.0.0.2', 'gw:host-gateway', 'v6:::1'],
      aliases: ['api'],
      links: [],
      linkLocalIps: [],
    })
    assert.deepEqual(made.options.network, {kind: 'private'})
  })

  it('takes the network namespace from the first network', () => {
    const mode = (network: string[]) => {
      const made = request({network})
      return [made.network.mode, made.options.network]
    }
    assert.deepEqual(mode(['host']), ['host', {kind: 'host'}])
    assert.deepEqual(mode(['none']), ['none', {kind: 'private'}])
    assert.deepEqual(mode(['default']), ['bridge', {kind: 'private'}])
    assert.deepEqual(mode(['container:db']), ['container:db', {kind: 'container', container: 'db'}])
    assert.deepEqual(mode(['name=Back,alias=x']), ['back', {kind: 'private'}])
  })
})

describe('dockerConfigFor', () => {
  const image = {
    Env: ['PATH=/bin', 'A=1'], Cmd: ['sh'], Entrypoint: ['/entry'], Labels: {image: 'x', shared: 'image'}, WorkingDir: '/w', User: 'app',
    Volumes: {'/var/lib/data': {}}, StopSignal: 'SIGQUIT', ExposedPorts: {'80/tcp': {}},
  }

  it('merges the image config as docker\'s daemon does', () => {
    const made = request({env: ['PATH=/custom', 'B=2', 'NOT_SET'], label: ['user=1', 'shared=user'], volume: ['/anon', '/h:/bound']})
    const {Config} = dockerConfigFor(made, image, facts)
    assert.deepEqual(Config, {
      Hostname: '0123456789ab',
      Domainname: '',
      User: 'app',
      AttachStdin: false,
      AttachStdout: true,
      AttachStderr: true,
      Tty: false,
      OpenStdin: false,
      StdinOnce: false,
      Env: ['PATH=/custom', 'B=2', 'NOT_SET', 'A=1'],
      Cmd: ['sh', '-c', 'x'],
      Image: 'busybox',
      Volumes: {'/anon': {}, '/var/lib/data': {}},
      WorkingDir: '/w',
      Entrypoint: ['/entry'],
      Labels: {image: 'x', shared: 'user', user: '1'},
      StopSignal: 'SIGQUIT',
      ExposedPorts: {'80/tcp': {}},
    })
  })

  it("leaves the image's Shell out of the container's config, as docker's merge does (a CMD-SHELL health check runs under /bin/sh -c)", () => {
    assert.equal(Object.hasOwn(dockerConfigFor(request({}), {...image, Shell: ['/bin/bash', '-c']}, facts).Config, 'Shell'), false)
  })

  it('lets the user\'s values win', () => {
    const made = request({user: 'root', workdir: '/srv//app/', hostname: 'web', domainname: 'example.org', 'stop-signal': 'kill', 'stop-timeout': '3', interactive: true, tty: true})
    const {Config} = dockerConfigFor(made, image, facts)
    assert.deepEqual(
      [Config.User, Config.WorkingDir, Config.Hostname, Config.Domainname, Config.StopSignal, Config.StopTimeout],
      ['root', '/srv/app', 'web', 'example.org', 'kill', 3],
    )
    assert.deepEqual([Config.AttachStdin, Config.OpenStdin, Config.StdinOnce, Config.Tty], [true, true, true, true])
    const detached = dockerConfigFor(request({detach: true, interactive: true}), image, facts).Config
    assert.deepEqual([detached.AttachStdin, detached.AttachStdout, detached.AttachStderr, detached.OpenStdin, detached.StdinOnce], [false, false, false, true, false])
  })

  it('follows docker\'s entrypoint and command precedence', () => {
    const run = (values: CreateFlagValues, command: string[]) => {
      const {Config} = dockerConfigFor(request(values, {command}), image, facts)
      return [Config.Entrypoint, Config.Cmd]
    }
    assert.deepEqual(run({}, []), [['/entry'], ['sh']])
    assert.deepEqual(run({}, ['ls']), [['/entry'], ['ls']])
    assert.deepEqual(run({entrypoint: '/bin/echo'}, []), [['/bin/echo'], null])
    assert.deepEqual(run({entrypoint: '/bin/echo'}, ['hi']), [['/bin/echo'], ['hi']])
    assert.deepEqual(run({entrypoint: ''}, []), [null, null])
    assert.deepEqual(run({entrypoint: ''}, ['ls']), [null, ['ls']])
    assert.deepEqual(dockerConfigFor(request({}, {command: []}), {}, facts).Config.Cmd, null)
  })

  it('names a host-network container after the host, and leaves the daemon\'s defaults out without facts', () => {
    assert.equal(dockerConfigFor(request({network: ['host']}), image, facts).Config.Hostname, 'host1')
    assert.equal(dockerConfigFor(request({network: ['container:db']}), image, facts).Config.Hostname, '0123456789ab')
    const {Config, HostConfig} = dockerConfigFor(request({}), image)
    assert.deepEqual([Config.Hostname, HostConfig.CgroupnsMode], ['', ''])
  })

  it('gives docker\'s HostConfig for a plain run', () => {
    const {HostConfig} = dockerConfigFor(request({}), image, facts)
    assert.deepEqual(HostConfig, {
      Binds: null,
      VolumesFrom: null,
      VolumeDriver: '',
      ContainerIDFile: '',
      NetworkMode: 'bridge',
      PortBindings: {},
      RestartPolicy: {Name: 'no', MaximumRetryCount: 0},
      AutoRemove: false,
      LogConfig: {Type: 'json-file', Config: {}},
      Privileged: false,
      PublishAllPorts: false,
      ReadonlyRootfs: false,
      CapAdd: null,
      CapDrop: null,
      Dns: [],
      DnsOptions: [],
      DnsSearch: [],
      ExtraHosts: null,
      GroupAdd: null,
      IpcMode: 'private',
      OomScoreAdj: 0,
      PidMode: '',
      UTSMode: '',
      CgroupnsMode: 'private',
      SecurityOpt: null,
      Tmpfs: null,
      ShmSize: 64 * 2 ** 20,
      Runtime: 'io.containerd.runc.v2',
      Init: null,
      Sysctls: null,
      Ulimits: [],
      Devices: [],
      Memory: 0,
      MemorySwap: 0,
      MemoryReservation: 0,
      MemorySwappiness: null,
      NanoCpus: 0,
      CpuShares: 0,
      CpuPeriod: 0,
      CpuQuota: 0,
      CpusetCpus: '',
      CpusetMems: '',
      PidsLimit: null,
      BlkioWeight: 0,
      BlkioWeightDevice: [],
      BlkioDeviceReadBps: [],
      BlkioDeviceWriteBps: [],
      BlkioDeviceReadIOps: [],
      BlkioDeviceWriteIOps: [],
      CpuRealtimePeriod: 0,
      CpuRealtimeRuntime: 0,
      DeviceCgroupRules: null,
      OomKillDisable: false,
      CgroupParent: '',
      Annotations: null,
      MaskedPaths: [
        '/proc/asound', '/proc/acpi', '/proc/interrupts', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list', '/proc/timer_stats',
        '/proc/sched_debug', '/proc/scsi', '/sys/firmware', '/sys/devices/virtual/powercap',
      ],
      ReadonlyPaths: ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'],
    })
  })

  it('records no masked and read-only paths for a privileged container, empty lists with systempaths=unconfined', () => {
    const paths = (values: CreateFlagValues) => {
      const {MaskedPaths, ReadonlyPaths} = dockerConfigFor(request(values), image, facts).HostConfig
      return {MaskedPaths, ReadonlyPaths}
    }
    assert.deepEqual(paths({privileged: true}), {MaskedPaths: null, ReadonlyPaths: null})
    assert.deepEqual(paths({'security-opt': ['systempaths=unconfined']}), {MaskedPaths: [], ReadonlyPaths: []})
    assert.deepEqual(paths({privileged: true, 'security-opt': ['systempaths=unconfined']}), {MaskedPaths: [], ReadonlyPaths: []})
    const throttle = ['/sys/devices/system/cpu/cpu0/thermal_throttle']
    assert.deepEqual(dockerConfigFor(request({}), image, {...facts, thermalThrottlePaths: throttle}).HostConfig.MaskedPaths?.slice(-2), ['/sys/devices/virtual/powercap', ...throttle])
  })

  it('records the block I/O settings the host cannot apply as dropped, as docker\'s daemon', () => {
    const values: CreateFlagValues = {'blkio-weight': '300', 'blkio-weight-device': ['/dev/sda:200'], 'device-read-bps': ['/dev/sda:1mb']}
    const blkio = (support: Partial<Record<'weight' | 'weightDevice', boolean>>) => {
      const {BlkioWeight, BlkioWeightDevice, BlkioDeviceReadBps} = dockerConfigFor(request(values), image, {
        ...facts,
        blkio: {weight: true, weightDevice: true, readBps: true, writeBps: true, readIops: true, writeIops: true, ...support},
      }).HostConfig
      return {BlkioWeight, BlkioWeightDevice, BlkioDeviceReadBps}
    }
    const rates = [{Path: '/dev/sda', Rate: 1048576}]
    assert.deepEqual(blkio({}), {BlkioWeight: 300, BlkioWeightDevice: [{Path: '/dev/sda', Weight: 200}], BlkioDeviceReadBps: rates})
    assert.deepEqual(blkio({weight: false, weightDevice: false}), {BlkioWeight: 0, BlkioWeightDevice: [], BlkioDeviceReadBps: rates})
  })

  it('records the containers whose namespaces it joins by their full IDs, as docker\'s daemon', () => {
    const dbId = 'feedfacefeedfacefeedfacefeedfacefeedfacefeedfacefeedfacefeedface'
    const joinedIds = new Map([['db', dbId], ['feedface', dbId]])
    const made = request({network: ['container:db'], pid: 'container:feedface', ipc: 'container:db'})
    const {HostConfig} = dockerConfigFor(made, image, {...facts, joinedIds})
    assert.deepEqual([HostConfig.NetworkMode, HostConfig.PidMode, HostConfig.IpcMode], [`container:${dbId}`, `container:${dbId}`, `container:${dbId}`])
  })

  it('records the flags as docker does', () => {
    const made = request({
      volume: ['/h:/bound:ro', 'data:/data', '/anon', './rel:/rel'], tmpfs: ['/run:rw,size=64m', '/tmp'], 'security-opt': ['apparmor=unconfined'],
      privileged: true, ulimit: ['nofile=1024:2048', 'core=-1'], device: ['/dev/fuse'], sysctl: ['net.core.somaxconn=1024'],
      annotation: ['b=2', 'a=1'], 'log-opt': ['max-size=1m', 'max-file=2'], 'pids-limit': '100', cidfile: '/tmp/cid', 'publish-all': true,
      'oom-score-adj': '200', 'blkio-weight': '500', init: true, rm: true, 'add-host': ['db=10.0.0.2'], dns: ['9.9.9.9'], network: ['none'],
      pid: 'container:db', ipc: 'host', uts: 'host', cgroupns: 'host', 'shm-size': '1g', 'cpu-shares': '512', cpus: '0.5',
    })
    const {HostConfig} = dockerConfigFor(made, image, {...facts, cgroupVersion: 1})
    assert.deepEqual(HostConfig.Binds, ['/h:/bound:ro', 'data:/data', '/work/rel:/rel'])
    assert.deepEqual(HostConfig.Tmpfs, {'/run': 'rw,size=64m', '/tmp': ''})
    assert.deepEqual(HostConfig.SecurityOpt, ['apparmor=unconfined', 'label=disable'])
    assert.deepEqual(HostConfig.Ulimits, [{Name: 'core', Soft: -1, Hard: -1}, {Name: 'nofile', Soft: 1024, Hard: 2048}])
    assert.deepEqual(HostConfig.Devices, [{PathOnHost: '/dev/fuse', PathInContainer: '/dev/fuse', CgroupPermissions: 'rwm'}])
    assert.deepEqual(HostConfig.Sysctls, {'net.core.somaxconn': '1024'})
    assert.deepEqual(Object.keys(HostConfig.Annotations ?? {}), ['a', 'b'])
    assert.deepEqual(HostConfig.LogConfig, {Type: 'json-file', Config: {'max-file': '2', 'max-size': '1m'}})
    assert.deepEqual(
      [HostConfig.PidsLimit, HostConfig.ContainerIDFile, HostConfig.PublishAllPorts, HostConfig.OomScoreAdj, HostConfig.BlkioWeight, HostConfig.Init],
      [100, '/tmp/cid', true, 200, 500, true],
    )
    assert.deepEqual([HostConfig.AutoRemove, HostConfig.ExtraHosts, HostConfig.Dns, HostConfig.NetworkMode], [true, ['db:10.0.0.2'], ['9.9.9.9'], 'none'])
    assert.deepEqual([HostConfig.PidMode, HostConfig.IpcMode, HostConfig.UTSMode, HostConfig.CgroupnsMode], ['container:db', 'host', 'host', 'host'])
    assert.deepEqual([HostConfig.ShmSize, HostConfig.CpuShares, HostConfig.NanoCpus, HostConfig.Privileged], [2 ** 30, 512, 5e8, true])
  })

  it('lets an explicit label option keep SELinux labelling', () => {
    const {HostConfig} = dockerConfigFor(request({privileged: true, 'security-opt': ['label=disable']}), image, facts)
    assert.deepEqual(HostConfig.SecurityOpt, ['label=disable'])
    assert.deepEqual(dockerConfigFor(request({pid: 'host'}), image, facts).HostConfig.SecurityOpt, ['label=disable'])
  })

  it('applies the daemon\'s memory rules and what the host cannot do', () => {
    const memory = (values: CreateFlagValues, host = {}) => {
      const {HostConfig} = dockerConfigFor(request(values), image, {...facts, ...host})
      return [HostConfig.Memory, HostConfig.MemorySwap, HostConfig.MemorySwappiness, HostConfig.OomKillDisable]
    }
    assert.deepEqual(memory({memory: '32m'}), [32 * 2 ** 20, 64 * 2 ** 20, null, false])
    assert.deepEqual(memory({memory: '32m', 'memory-swap': '48m'}), [32 * 2 ** 20, 48 * 2 ** 20, null, false])
    assert.deepEqual(memory({memory: '32m', 'memory-swap': '-1'}), [32 * 2 ** 20, -1, null, false])
    assert.deepEqual(memory({memory: '32m'}, {swapLimit: false}), [32 * 2 ** 20, -1, null, false])
    assert.deepEqual(memory({'memory-swappiness': '10', 'oom-kill-disable': true}), [0, 0, null, false])
    assert.deepEqual(memory({'memory-swappiness': '10', 'oom-kill-disable': true}, {cgroupVersion: 1}), [0, 0, 10, true])
    assert.equal(dockerConfigFor(request({'pids-limit': '0'}), image, facts).HostConfig.PidsLimit, null)
  })
})

describe('CREATE_FLAGS and RUN_FLAGS', () => {
  it('have docker\'s short forms', () => {
    const chars = Object.fromEntries(Object.entries(RUN_FLAGS).flatMap(([name, definition]) => (definition.char ? [[definition.char, name]] : [])))
    assert.deepEqual(chars, {
      a: 'attach', i: 'interactive', t: 'tty', e: 'env', w: 'workdir', u: 'user', h: 'hostname', l: 'label', q: 'quiet', v: 'volume', m: 'memory',
      c: 'cpu-shares', p: 'publish', P: 'publish-all', d: 'detach',
    })
  })

  it('differ by what only run has', () => {
    assert.deepEqual(Object.keys(RUN_FLAGS).filter((name) => !(name in CREATE_FLAGS)), ['detach', 'sig-proxy', 'detach-keys'])
    assert.equal(RUN_FLAGS['sig-proxy'].allowNo, true)
    assert.equal(RUN_FLAGS['sig-proxy'].default, true)
  })

  it('parse docker argv into the values createRequestFromFlags reads', async () => {
    const argv = [
      '-dit', '--rm=false', '-eA=1', '-e', 'B=2', '--pids-limit', '-1', '-c', '512', '-p8080:80', '--sig-proxy=false', '-v', '/a:/a',
      '--net', 'host', '--dns-opt', 'ndots:1', 'busybox', 'ls', '-la',
    ]
    const parsed = await Parser.parse(containerCommandArgv(normalizeCommandBooleans(argv, RUN_FLAGS), RUN_FLAGS), {
      flags: RUN_FLAGS,
      args: {image: Args.string({required: true})},
      strict: false,
    })
    assert.deepEqual(parsed.argv, ['busybox', 'ls', '-la'])
    const values: CreateFlagValues = parsed.flags
    const made = createRequestFromFlags(values, {...context, command: ['ls', '-la']})
    assert.deepEqual([made.detach, made.interactive, made.tty, made.autoRemove], [true, true, true, false])
    assert.deepEqual(made.options.env, ['A=1', 'B=2'])
    assert.deepEqual([made.options.pidsLimit, made.options.cpuShares], [-1, 512])
    assert.deepEqual([made.network.publish, made.network.mode, made.network.dnsOptions], [['8080:80'], 'host', ['ndots:1']])
    assert.deepEqual([made.restart, made.pull, made.options.memorySwappiness], [{Name: 'no', MaximumRetryCount: 0}, 'missing', undefined])
    assert.equal(parsed.flags['sig-proxy'], false)
  })
})
