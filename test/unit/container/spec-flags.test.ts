import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {
  capabilitiesFromMask,
  checkVolumeSpec,
  containerCapabilities,
  DEFAULT_CAPABILITIES,
  goArch,
  isPlatformSignal,
  mergeTmpfsOptions,
  networkNamespace,
  requestedCapabilities,
  normalizeSignal,
  parseCgroupnsMode,
  parseCpus,
  parseDevice,
  parseEnvFile,
  parseGpuRequest,
  parseIpcMode,
  checkMount,
  parseMount,
  parsePidMode,
  parseSecurityOpts,
  parseSwapBytes,
  parseSysctl,
  parseTmpfs,
  parseUlimit,
  parseUtsMode,
  parseVolumeSpec,
  parseVolumesFrom,
  signalNumber,
} from '../../../src/container/spec/index.ts'
import {OCI_SPEC_TYPE_URL, packJson, unpackJson} from '../../../src/containerd/values.ts'
import {NerdError} from '../../../src/errors.ts'

/** Asserts a user error with docker's exit code 125 and exactly this message. */
function rejects(run: () => unknown, message: string): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof NerdError, `not a NerdError: ${String(error)}`)
    assert.equal(error.message, message)
    assert.equal(error.exitCode, 125)
    return true
  })
}

describe('sizes and CPUs', () => {
  it('parses swap sizes: -1 is unlimited', () => {
    assert.equal(parseSwapBytes('-1'), -1)
    assert.equal(parseSwapBytes('1g'), 2 ** 30)
  })

  it('parses --cpus as billionths', () => {
    assert.equal(parseCpus('1.5'), 1_500_000_000)
    assert.equal(parseCpus('2'), 2_000_000_000)
    assert.equal(parseCpus('.25'), 250_000_000)
    assert.equal(parseCpus('3/2'), 1_500_000_000)
    // Go's big.Rat takes an exponent
    assert.equal(parseCpus('1e0'), 1_000_000_000)
    assert.equal(parseCpus('25E-2'), 250_000_000)
    assert.equal(parseCpus('0.05e1'), 500_000_000)
    rejects(() => parseCpus('1e-10'), 'value is too precise')
    rejects(() => parseCpus('1e'), 'failed to parse 1e as a rational number')
    rejects(() => parseCpus('0.0000000001'), 'value is too precise')
    rejects(() => parseCpus('one'), 'failed to parse one as a rational number')
    rejects(() => parseCpus('1/0'), 'failed to parse 1/0 as a rational number')
  })
})

describe('--ulimit', () => {
  it('parses soft and hard limits; -1 is unlimited', () => {
    assert.deepEqual(parseUlimit('nofile=1024:2048'), {name: 'nofile', soft: 1024, hard: 2048})
    assert.deepEqual(parseUlimit('nproc=512'), {name: 'nproc', soft: 512, hard: 512})
    assert.deepEqual(parseUlimit('memlock=-1'), {name: 'memlock', soft: 2n ** 64n - 1n, hard: 2n ** 64n - 1n})
    assert.deepEqual(parseUlimit('core=0:-1'), {name: 'core', soft: 0, hard: 2n ** 64n - 1n})
  })

  it('refuses what docker refuses', () => {
    rejects(() => parseUlimit('nofile'), 'invalid ulimit argument: nofile')
    rejects(() => parseUlimit('files=1'), 'invalid ulimit type: files')
    rejects(() => parseUlimit('nofile=1:2:3'), 'too many limit value arguments - 1:2:3, can only have up to two, `soft[:hard]`')
    rejects(() => parseUlimit('nofile=2048:1024'), 'ulimit soft limit must be less than or equal to hard limit: 2048 > 1024')
    rejects(() => parseUlimit('nofile=-1:1024'), 'ulimit soft limit must be less than or equal to hard limit: soft: -1 (unlimited), hard: 1024')
    rejects(() => parseUlimit('nofile=x'), 'strconv.ParseInt: parsing "x": invalid syntax')
  })

  it('serialises unlimited as an exact uint64, which stays exact when the stored spec is read and stored again', () => {
    const {soft, hard} = parseUlimit('memlock=-1')
    const json = '{"process":{"rlimits":[{"type":"RLIMIT_MEMLOCK","soft":18446744073709551615,"hard":18446744073709551615}]}}'
    const stored = packJson(OCI_SPEC_TYPE_URL, {process: {rlimits: [{type: 'RLIMIT_MEMLOCK', soft, hard}]}})
    assert.equal(Buffer.from(stored.value).toString(), json)
    assert.equal(Buffer.from(packJson(OCI_SPEC_TYPE_URL, unpackJson(stored)).value).toString(), json)
  })
})

describe('--device', () => {
  it('parses host path, container path and permissions', () => {
    assert.deepEqual(parseDevice('/dev/fuse'), {hostPath: '/dev/fuse', containerPath: '/dev/fuse', permissions: 'rwm'})
    assert.deepEqual(parseDevice('/dev/fuse:/dev/fuse:rwm'), {hostPath: '/dev/fuse', containerPath: '/dev/fuse', permissions: 'rwm'})
    assert.deepEqual(parseDevice('/dev/sda:/dev/xvda'), {hostPath: '/dev/sda', containerPath: '/dev/xvda', permissions: 'rwm'})
    assert.deepEqual(parseDevice('/dev/sda:r'), {hostPath: '/dev/sda', containerPath: '/dev/sda', permissions: 'r'})
  })

  it('refuses bad formats, modes and relative container paths', () => {
    rejects(() => parseDevice('/a:/b:rw:x'), 'bad format for path: /a:/b:rw:x')
    rejects(() => parseDevice(':/b'), 'bad format for path: :/b')
    rejects(() => parseDevice('/dev/sda:/dev/xvda:rwx'), 'bad mode specified: rwx')
    rejects(() => parseDevice('/dev/sda:/dev/xvda:rr'), 'bad mode specified: rr')
    rejects(() => parseDevice('/dev/sda:xvda'), 'xvda is not an absolute path')
  })
})

describe('tmpfs', () => {
  it('--tmpfs keeps the options it was given', () => {
    assert.deepEqual(parseTmpfs('/run'), {type: 'tmpfs', target: '/run', options: []})
    assert.deepEqual(parseTmpfs('/run:rw,size=64m,exec'), {type: 'tmpfs', target: '/run', options: ['rw', 'size=64m', 'exec']})
    rejects(() => parseTmpfs('run'), 'invalid mount config for type "tmpfs": invalid mount path: \'run\' mount path must be absolute')
    rejects(() => parseTmpfs('/:size=1m'), 'invalid mount config for type "tmpfs": invalid specification: destination can\'t be \'/\'')
    rejects(() => parseTmpfs('/run:bogus'), 'invalid tmpfs option ["bogus"]')
    // runc's extension, which docker's daemon does not pass on.
    rejects(() => parseTmpfs('/etc:tmpcopyup'), 'invalid tmpfs option ["tmpcopyup"]')
  })

  it('later options win within a flag group or data key, in place', () => {
    assert.deepEqual(mergeTmpfsOptions(['noexec', 'nosuid', 'nodev', 'rprivate', 'exec', 'size=1m']), [
      'nosuid',
      'nodev',
      'rprivate',
      'exec',
      'size=1m',
    ])
    assert.deepEqual(mergeTmpfsOptions(['size=1m', 'defaults', 'size=2m', 'shared']), ['size=2m', 'shared'])
    assert.deepEqual(mergeTmpfsOptions(['rprivate', 'rshared']), ['rshared'])
    // bind and rbind count as propagation: the last of all of them is kept.
    assert.deepEqual(mergeTmpfsOptions(['noexec', 'rprivate', 'rbind', 'rslave']), ['noexec', 'rslave'])
    assert.deepEqual(mergeTmpfsOptions(['rprivate', 'slave', 'bind', 'size=1m']), ['bind', 'size=1m'])
  })
})

/** A `--mount` value as the CLI reads it and the daemon takes it. */
function mountOf(value: string, cwd: string): ReturnType<typeof checkMount> {
  return checkMount(parseMount(value, cwd))
}

describe('--mount', () => {
  it("leaves to the daemon's check what docker's CLI passes on (no flag error)", () => {
    for (const value of ['type=bind,target=/b', 'type=bind,source=a,target=/b', 'type=bind,source=/a,target=b', 'type=bind,source=/a,target=/b,bind-propagation=up',
      'type=volume,src=a/b,dst=/b', 'type=volume,target=/b,readonly', 'type=volume,dst=/x,volume-subpath=a', 'type=tmpfs,source=x,target=/b', 'type=bogus,target=/b']) {
      assert.doesNotThrow(() => parseMount(value, '/'), value)
      assert.throws(() => checkMount(parseMount(value, '/')), NerdError, value)
    }
  })

  it('binds', () => {
    assert.deepEqual(mountOf('type=bind,source=/a,target=/b,readonly', '/cwd'), {
      type: 'bind',
      source: '/a',
      target: '/b',
      readonly: true,
      createSource: false,
    })
    assert.deepEqual(mountOf('type=bind,src=./data,dst=/b/,bind-propagation=rshared,bind-nonrecursive', '/cwd'), {
      type: 'bind',
      source: '/cwd/data',
      target: '/b',
      readonly: false,
      createSource: false,
      propagation: 'rshared',
      nonRecursive: true,
    })
    assert.deepEqual(mountOf('type=bind,source=/a,target=/b,ro=false', '/'), {type: 'bind', source: '/a', target: '/b', readonly: false, createSource: false})
  })

  it('takes keys in any case, as docker\'s CLI', () => {
    assert.deepEqual(mountOf('TYPE=volume,Target=/x,SRC=v1,RO', '/'), {type: 'volume', name: 'v1', target: '/x', readonly: true, noCopy: false, mode: 'z'})
    rejects(() => mountOf('type=bind,source=/a,target=/b,Color=red', '/'), "unexpected key 'color' in 'Color=red'")
    rejects(() => mountOf('type=bind,source=/a,target=/b,Shiny', '/'), "invalid field 'Shiny' must be a key=value pair")
  })

  it("takes a volume-subpath inside a named volume, as docker's daemon (Go's filepath.IsLocal)", () => {
    assert.deepEqual(mountOf('type=volume,src=v1,dst=/x,volume-subpath=a/../b', '/'), {type: 'volume', name: 'v1', target: '/x', readonly: false, noCopy: false, mode: 'z', subpath: 'a/../b'})
    const invalid = (reason: string) => `invalid mount config for type "volume": ${reason}`
    rejects(() => mountOf('type=volume,src=v1,dst=/x,volume-subpath=a/../..', '/'), invalid('subpath must be a relative path within the volume'))
    rejects(() => mountOf('type=volume,src=v1,dst=/x,volume-subpath=/abs', '/'), invalid('subpath must be a relative path within the volume'))
    rejects(() => mountOf('type=volume,dst=/x,volume-subpath=a', '/'), invalid('must not set Subpath when using anonymous volumes'))
    rejects(() => mountOf('type=bind,src=/a,dst=/x,volume-subpath=a', '/'), "cannot mix 'volume-*' options with mount type 'bind'")
  })

  it('quoted fields may hold commas', () => {
    const mount = mountOf('type=bind,"source=/a,b",target=/b', '/')
    assert.equal(mount.type === 'bind' && mount.source, '/a,b')
  })

  it("refuses what Go's encoding/csv refuses, in its words: nothing at all, a quote out of place (columns in bytes)", () => {
    rejects(() => mountOf('', '/'), 'EOF')
    rejects(() => mountOf('type=bind,"src=/a"b', '/'), 'parse error on line 1, column 18: extraneous or missing " in quoted-field')
    rejects(() => mountOf('type=bind,src=/a"b', '/'), 'parse error on line 1, column 17: bare " in non-quoted-field')
    rejects(() => mountOf('"é"x', '/'), 'parse error on line 1, column 4: extraneous or missing " in quoted-field')
    rejects(() => mountOf('"type=bind', '/'), 'parse error on line 1, column 11: extraneous or missing " in quoted-field')
  })

  it('volumes and tmpfs', () => {
    // A volume's mode is `z`, named or anonymous, as docker's setBindModeIfNull.
    assert.deepEqual(mountOf('source=data,target=/data,volume-nocopy', '/'), {
      type: 'volume',
      name: 'data',
      target: '/data',
      readonly: false,
      noCopy: true,
      mode: 'z',
    })
    assert.deepEqual(mountOf('type=volume,target=/anon', '/'), {type: 'volume', target: '/anon', readonly: false, noCopy: false, mode: 'z'})
    assert.deepEqual(mountOf('type=tmpfs,target=/t,tmpfs-size=64m,tmpfs-mode=1770,readonly', '/'), {
      type: 'tmpfs',
      target: '/t',
      options: ['ro', 'mode=1770', 'size=64m'],
    })
    assert.deepEqual(mountOf('type=tmpfs,target=/t,tmpfs-size=1000', '/'), {type: 'tmpfs', target: '/t', options: ['size=1000']})
  })

  it('keeps a volume driver for the volume store to refuse, as docker\'s daemon; an empty one is the local driver', () => {
    assert.deepEqual(mountOf('type=volume,src=v1,dst=/x,volume-driver=foo', '/'), {type: 'volume', name: 'v1', target: '/x', readonly: false, noCopy: false, mode: 'z', driver: 'foo'})
    assert.deepEqual(mountOf('type=volume,src=v1,dst=/x,volume-driver=', '/'), {type: 'volume', name: 'v1', target: '/x', readonly: false, noCopy: false, mode: 'z'})
  })

  it('bind-recursive: enabled (the default), disabled, writable or readonly submounts of a read-only bind', () => {
    const bind = {type: 'bind', source: '/a', target: '/b', createSource: false}
    assert.deepEqual(mountOf('type=bind,src=/a,dst=/b,bind-recursive=enabled', '/'), {...bind, readonly: false})
    assert.deepEqual(mountOf('type=bind,src=/a,dst=/b,bind-recursive=disabled', '/'), {...bind, readonly: false, nonRecursive: true})
    assert.deepEqual(mountOf('type=bind,src=/a,dst=/b,readonly,bind-recursive=writable', '/'), {...bind, readonly: true, submounts: 'writable'})
    assert.deepEqual(mountOf('type=bind,src=/a,dst=/b,readonly,bind-recursive=readonly,bind-propagation=rprivate', '/'), {
      ...bind,
      readonly: true,
      propagation: 'rprivate',
      submounts: 'readonly',
    })
    // `enabled` sets no bind option, so a volume takes it as docker's CLI does.
    assert.deepEqual(mountOf('type=volume,dst=/v,bind-recursive=enabled', '/'), {type: 'volume', target: '/v', readonly: false, noCopy: false, mode: 'z'})
    rejects(() => mountOf('type=bind,src=/a,dst=/b,bind-recursive=yes', '/'), 'invalid value for bind-recursive: yes (must be "enabled", "disabled", "writable", or "readonly")')
    rejects(() => mountOf('type=volume,dst=/v,bind-recursive=disabled', '/'), "cannot mix 'bind-*' options with mount type 'volume'")
    rejects(() => mountOf('type=bind,src=/a,dst=/b,bind-recursive=writable', '/'), "option 'bind-recursive=writable' requires 'readonly' to be specified in conjunction")
    rejects(() => mountOf('type=bind,src=/a,dst=/b,bind-recursive=readonly', '/'), "option 'bind-recursive=readonly' requires 'readonly' to be specified in conjunction")
    rejects(
      () => mountOf('type=bind,src=/a,dst=/b,readonly,bind-recursive=readonly', '/'),
      "option 'bind-recursive=readonly' requires 'bind-propagation=rprivate' to be specified in conjunction",
    )
  })

  it('refuses with docker\'s messages', () => {
    rejects(() => mountOf('type=bind,source=/a', '/'), 'target is required')
    rejects(() => mountOf('type=bind,target=/b', '/'), 'invalid mount config for type "bind": field Source must not be empty')
    rejects(() => mountOf('type=bind,source=a,target=/b', '/'), 'invalid mount config for type "bind": invalid mount path: \'a\' mount path must be absolute')
    rejects(() => mountOf('type=bind,source=/a,target=/', '/'), 'invalid mount config for type "bind": invalid specification: destination can\'t be \'/\'')
    rejects(() => mountOf('type=bind,source=/a,target=/b,bind-propagation=up', '/'), 'invalid mount config for type "bind": invalid propagation mode: up')
    rejects(() => mountOf('type=bind,source=/a,target=/b,color=red', '/'), "unexpected key 'color' in 'color=red'")
    rejects(() => mountOf('type=bind,source=/a,target=/b,shiny', '/'), "invalid field 'shiny' must be a key=value pair")
    rejects(() => mountOf('type=bind,source=/a,target=/b,ro=maybe', '/'), 'invalid value for ro: maybe')
    rejects(() => mountOf('type=bind,source=/a,target=/b,volume-nocopy', '/'), "cannot mix 'volume-*' options with mount type 'bind'")
    rejects(() => mountOf('type=volume,target=/b,bind-propagation=shared', '/'), "cannot mix 'bind-*' options with mount type 'volume'")
    rejects(() => mountOf('type=bind,source=/a,target=/b,tmpfs-size=1m', '/'), "cannot mix 'tmpfs-*' options with mount type 'bind'")
    rejects(() => mountOf('type=tmpfs,source=x,target=/b', '/'), 'invalid mount config for type "tmpfs": field Source must not be specified')
    rejects(() => mountOf('type=tmpfs,target=/b,tmpfs-mode=9', '/'), 'invalid value for tmpfs-mode: 9')
    rejects(() => mountOf('type=volume,target=/b,readonly', '/'), 'invalid mount config for type "volume": must not set ReadOnly mode when using anonymous volumes')
    rejects(() => mountOf('type=bogus,source=x,target=/b', '/'), 'invalid mount config for type "bogus": mount type unknown')
  })

  it("mounts an image, with an image-subpath inside it, as docker 28's CLI and daemon take it", () => {
    assert.deepEqual(mountOf('type=image,source=busybox,target=/img', '/'), {type: 'image', source: 'busybox', target: '/img', readonly: false})
    assert.deepEqual(mountOf('type=image,src=busybox,dst=/img/,image-subpath=etc/../bin,ro', '/'), {type: 'image', source: 'busybox', target: '/img', readonly: true, subpath: 'etc/../bin'})
    // An empty one is kept: the CLI makes ImageOptions for it, which HostConfig.Mounts shows as {}.
    assert.deepEqual(mountOf('type=image,source=busybox,target=/img,image-subpath=', '/'), {type: 'image', source: 'busybox', target: '/img', readonly: false, subpath: ''})
    const invalid = (reason: string) => `invalid mount config for type "image": ${reason}`
    rejects(() => mountOf('type=image,target=/img', '/'), invalid('field Source must not be empty'))
    rejects(() => mountOf('type=image,source=busybox,target=/img,image-subpath=../etc', '/'), invalid('subpath must be a relative path within the volume'))
    rejects(() => mountOf('type=image,source=busybox,target=/img,image-subpath=/etc', '/'), invalid('subpath must be a relative path within the volume'))
    rejects(() => mountOf('type=image,source=busybox,target=/', '/'), invalid("invalid specification: destination can't be '/'"))
    rejects(() => mountOf('type=volume,source=v,target=/b,image-subpath=etc', '/'), "cannot mix 'image-*' options with mount type 'volume'")
    rejects(() => mountOf('type=bind,source=/a,target=/b,image-subpath=', '/'), "cannot mix 'image-*' options with mount type 'bind'")
    rejects(() => mountOf('type=image,source=busybox,target=/b,volume-subpath=etc', '/'), "cannot mix 'volume-*' options with mount type 'image'")
    rejects(() => mountOf('type=image,source=busybox,target=/b,bind-propagation=shared', '/'), "cannot mix 'bind-*' options with mount type 'image'")
    rejects(() => mountOf('type=image,source=busybox,target=/b,tmpfs-size=1m', '/'), "cannot mix 'tmpfs-*' options with mount type 'image'")
  })
})

describe('-v', () => {
  it('binds absolute and ./ paths, with modes, keeping the mode as typed for inspect', () => {
    assert.deepEqual(parseVolumeSpec('/host:/ctr:ro', '/cwd'), {type: 'bind', source: '/host', target: '/ctr', readonly: true, createSource: true, mode: 'ro'})
    assert.deepEqual(parseVolumeSpec('./d:/ctr:rshared,z', '/cwd'), {
      type: 'bind',
      source: '/cwd/d',
      target: '/ctr',
      readonly: false,
      createSource: true,
      mode: 'rshared,z',
      propagation: 'rshared',
    })
    assert.deepEqual(parseVolumeSpec('../up:/ctr', '/cwd/sub'), {type: 'bind', source: '/cwd/up', target: '/ctr', readonly: false, createSource: true})
    assert.deepEqual(parseVolumeSpec('/host/../x/:/ctr', '/'), {type: 'bind', source: '/x', target: '/ctr', readonly: false, createSource: true})
  })

  it('names volumes, anonymous with one path', () => {
    assert.deepEqual(parseVolumeSpec('data:/data:ro,nocopy', '/'), {type: 'volume', name: 'data', target: '/data', readonly: true, noCopy: true, mode: 'ro,nocopy'})
    assert.deepEqual(parseVolumeSpec('/data', '/'), {type: 'volume', target: '/data', readonly: false, noCopy: false})
  })

  it("refuses what docker's CLI refuses itself (internal/volumespec), in its words", () => {
    rejects(() => checkVolumeSpec(''), 'invalid empty volume spec')
    rejects(() => checkVolumeSpec(':/x'), 'invalid spec: :/x: empty section between colons')
    rejects(() => checkVolumeSpec('/a::/b'), 'invalid spec: /a::/b: empty section between colons')
    rejects(() => checkVolumeSpec('/a:'), 'invalid spec: /a:: empty section between colons')
    rejects(() => checkVolumeSpec('/a:/b:ro:x'), 'invalid spec: /a:/b:ro:x: too many colons')
    // A letter and a colon open a Windows path, which is one section.
    rejects(() => checkVolumeSpec('c:/a:/b:ro:x'), 'invalid spec: c:/a:/b:ro:x: too many colons')
    for (const spec of ['/a', '/a:/b', '/a:/b:ro', 'c:/a:/b:ro', 'c:/b', '::', 'x:']) assert.doesNotThrow(() => checkVolumeSpec(spec), spec)
  })

  it('refuses invalid specs', () => {
    rejects(() => parseVolumeSpec('/a:/b:ro:x', '/'), "invalid volume specification: '/a:/b:ro:x'")
    rejects(() => parseVolumeSpec(':/b', '/'), "invalid volume specification: ':/b'")
    rejects(() => parseVolumeSpec('/foo:rw', '/'), "invalid volume specification: '/foo:rw'")
    rejects(() => parseVolumeSpec('/a:/b:ro,rw', '/'), 'invalid mode: ro,rw')
    rejects(() => parseVolumeSpec('/a:/b:fast', '/'), 'invalid mode: fast')
    rejects(
      () => parseVolumeSpec('/host:/ctr:ro,nocopy', '/'),
      "invalid volume specification: '/host:/ctr:ro,nocopy': invalid mount config for type \"bind\": field VolumeOptions must not be specified",
    )
    rejects(
      () => parseVolumeSpec('vmode:/p:ro,rshared', '/'),
      "invalid volume specification: 'vmode:/p:ro,rshared': invalid mount config for type \"volume\": field BindOptions must not be specified",
    )
    rejects(() => parseVolumeSpec('/a:/', '/'), "invalid volume specification: '/a:/': invalid mount config for type \"bind\": invalid specification: destination can't be '/'")
    rejects(
      () => parseVolumeSpec('foo', '/'),
      "invalid volume specification: 'foo': invalid mount config for type \"volume\": invalid mount path: 'foo' mount path must be absolute",
    )
    // The volume store's messages, as docker's daemon gives them when it creates the volume.
    rejects(() => parseVolumeSpec('x:/x', '/'), 'create x: volume name is too short, names should be at least two alphanumeric characters')
    rejects(() => mountOf('type=volume,src=x,dst=/x', '/'), 'create x: volume name is too short, names should be at least two alphanumeric characters')
    rejects(
      () => parseVolumeSpec('a b:/x', '/'),
      'create a b: "a b" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path',
    )
  })
})

describe('--volumes-from', () => {
  it('takes any -v mode but propagation and copy modes, as docker\'s ParseVolumesFrom', () => {
    assert.deepEqual(parseVolumesFrom('src'), {container: 'src', readonly: false})
    assert.deepEqual(parseVolumesFrom('src:rw'), {container: 'src', readonly: false})
    assert.deepEqual(parseVolumesFrom('src:ro'), {container: 'src', readonly: true})
    assert.deepEqual(parseVolumesFrom('src:z'), {container: 'src', readonly: false})
    assert.deepEqual(parseVolumesFrom('src:Z'), {container: 'src', readonly: false})
    assert.deepEqual(parseVolumesFrom('src:ro,z'), {container: 'src', readonly: true})
    rejects(() => parseVolumesFrom('src:nocopy'), 'invalid mode: nocopy')
    rejects(() => parseVolumesFrom('src:ro,rshared'), 'invalid mode: ro,rshared')
    rejects(() => parseVolumesFrom('src:bogus'), 'invalid mode: bogus')
    rejects(() => parseVolumesFrom('src:ro,rw'), 'invalid mode: ro,rw')
    rejects(() => parseVolumesFrom('src:ro:z'), 'invalid mode: ro:z')
    rejects(() => parseVolumesFrom(''), 'volumes-from specification cannot be an empty string')
  })
})

describe('--security-opt', () => {
  it('parses each option, in either syntax', () => {
    assert.deepEqual(parseSecurityOpts(['seccomp=unconfined']), {seccomp: {kind: 'unconfined'}})
    assert.deepEqual(parseSecurityOpts(['seccomp=/etc/p.json']), {seccomp: {kind: 'file', path: '/etc/p.json'}})
    assert.deepEqual(parseSecurityOpts(['seccomp:builtin']), {seccomp: {kind: 'default'}})
    assert.deepEqual(parseSecurityOpts(['no-new-privileges']), {noNewPrivileges: true})
    assert.deepEqual(parseSecurityOpts(['no-new-privileges=false']), {noNewPrivileges: false})
    assert.deepEqual(parseSecurityOpts(['no-new-privileges:true']), {noNewPrivileges: true})
    assert.deepEqual(parseSecurityOpts(['apparmor=unconfined', 'systempaths=unconfined', 'writable-cgroups']), {
      apparmor: 'unconfined',
      unconfinedSystemPaths: true,
      writableCgroups: true,
    })
  })

  it('ignores label options, unchecked, as docker does without SELinux', () => {
    assert.deepEqual(parseSecurityOpts(['label=disable', 'label=type:svirt_t', 'label=level:s0:c1,c2', 'label=bogus', 'label:bogus:x', 'label=disable,foo']), {})
  })

  it('refuses unknown options and bad values', () => {
    rejects(() => parseSecurityOpts(['apparmor']), 'Invalid --security-opt: "apparmor"')
    // docker's daemon's "1" is for an option with neither = nor :, which its CLI refuses first (above); an unknown key is its "2".
    rejects(() => parseSecurityOpts(['shiny=yes']), 'invalid --security-opt 2: "shiny=yes"')
    rejects(() => parseSecurityOpts(['shiny:yes']), 'invalid --security-opt 2: "shiny:yes"')
    rejects(() => parseSecurityOpts(['no-new-privileges=maybe']), 'invalid --security-opt 2: "no-new-privileges=maybe"')
    rejects(() => parseSecurityOpts(['systempaths=confined']), 'invalid --security-opt 2: "systempaths=confined"')
  })
})

describe('namespace modes and sysctls', () => {
  it('parses --pid, --ipc, --uts, --cgroupns, --network', () => {
    assert.deepEqual(parsePidMode('host'), {kind: 'host'})
    assert.deepEqual(parsePidMode('container:web'), {kind: 'container', container: 'web'})
    rejects(() => parsePidMode('container:'), '--pid: invalid PID mode')
    rejects(() => parsePidMode('shared'), '--pid: invalid PID mode')
    assert.deepEqual(parseIpcMode('shareable'), {kind: 'shareable'})
    assert.deepEqual(parseIpcMode(''), {kind: 'private'})
    assert.deepEqual(parseIpcMode('container:db'), {kind: 'container', container: 'db'})
    rejects(() => parseIpcMode('public'), 'invalid IPC mode: public')
    assert.equal(parseUtsMode('host'), 'host')
    rejects(() => parseUtsMode('container:x'), '--uts: invalid UTS mode')
    assert.equal(parseCgroupnsMode(''), undefined)
    rejects(() => parseCgroupnsMode('shared'), '--cgroupns: invalid CGROUP mode')
    assert.deepEqual(networkNamespace('bridge'), {kind: 'private'})
    assert.deepEqual(networkNamespace('none'), {kind: 'private'})
    assert.deepEqual(networkNamespace('host'), {kind: 'host'})
    assert.deepEqual(networkNamespace('container:web'), {kind: 'container', container: 'web'})
    rejects(() => networkNamespace('container:'), 'invalid container format container:<name|id>')
  })

  it('accepts only namespaced sysctls', () => {
    assert.deepEqual(parseSysctl('net.ipv4.ip_forward=1'), ['net.ipv4.ip_forward', '1'])
    assert.deepEqual(parseSysctl('kernel.shmmax=1000=2'), ['kernel.shmmax', '1000=2'])
    assert.deepEqual(parseSysctl('fs.mqueue.msg_max=64'), ['fs.mqueue.msg_max', '64'])
    rejects(() => parseSysctl('kernel.hostname=x'), "sysctl 'kernel.hostname=x' is not allowed")
    rejects(() => parseSysctl('vm.swappiness=1'), "sysctl 'vm.swappiness=1' is not allowed")
    rejects(() => parseSysctl('net.ipv4.ip_forward'), "sysctl 'net.ipv4.ip_forward' is not allowed")
  })
})

describe('--env-file', () => {
  const parse = (text: string) => parseEnvFile(Buffer.from(text))

  it('keeps values verbatim, trims leading space, skips comments and blanks', () => {
    const text = '\uFEFF# comment\n\nA=1\n  B="quoted" \nC=\nPASS\r\nD=x=y\n'
    assert.deepEqual(parse(text), ['A=1', 'B="quoted" ', 'C=', 'PASS', 'D=x=y'])
  })

  it('trims the leading whitespace Go does, and a byte order mark only at the start of the file', () => {
    assert.deepEqual(parse('\u00a0\u3000A=1\n'), ['A=1'])
    assert.deepEqual(parse('A=1\n\uFEFFB=2'), ['A=1', '\uFEFFB=2'])
  })

  it('refuses names with whitespace or no name, in docker\'s words', () => {
    rejects(() => parse('MY VAR=1'), "variable 'MY VAR' contains whitespaces")
    rejects(() => parse('PASS '), "variable 'PASS ' contains whitespaces")
    rejects(() => parse('=1'), "no variable name on line '=1'")
  })

  it('refuses bytes that are not UTF-8, naming the line and its bytes', () => {
    rejects(() => parseEnvFile(Buffer.from([0x41, 0x3d, 0x31, 0x0a, 0x23, 0x0a, 0x58, 0x3d, 0xff, 0x0d, 0x0a])), 'invalid utf8 bytes at line 3: [88 61 255]')
    // A UTF-16 file (with its byte order mark), as editors on Windows write.
    rejects(() => parseEnvFile(Buffer.from('\uFEFFA=1\n', 'utf16le')), 'invalid utf8 bytes at line 1: [255 254 65 0 61 0 49 0]')
  })

  it('refuses a line of more than 64 KiB less one byte (a CR counted) as docker\'s bufio.Scanner does, before reading it', () => {
    const value = (bytes: number) => 'x'.repeat(bytes - 'BIG='.length)
    assert.equal(parse(`BIG=${value(65_535)}\nA=1\n`)[0]!.length, 65_535)
    assert.equal(parse(`BIG=${value(65_535)}`)[0]!.length, 65_535)
    assert.equal(parse(`BIG=${value(65_534)}\r\n`)[0]!.length, 65_534)
    rejects(() => parse(`A=1\nBIG=${value(65_536)}\n`), 'bufio.Scanner: token too long')
    rejects(() => parse(`BIG=${value(65_536)}`), 'bufio.Scanner: token too long')
    rejects(() => parse(`BIG=${value(65_535)}\r\n`), 'bufio.Scanner: token too long')
    rejects(() => parseEnvFile(Buffer.concat([Buffer.from('A=1\nX='), Buffer.alloc(70_000, 0xff)])), 'bufio.Scanner: token too long')
  })
})

describe('capabilities', () => {
  it('normalises names as docker\'s API client: upper case, CAP_, no repeats, sorted', () => {
    assert.deepEqual(requestedCapabilities(['net_admin', 'Cap_Sys_Admin', 'all', 'CAP_NET_ADMIN', ' chown', 'reset']), [
      'ALL', 'CAP_ CHOWN', 'CAP_NET_ADMIN', 'CAP_RESET', 'CAP_SYS_ADMIN',
    ])
  })

  it('decodes the host mask', () => {
    assert.deepEqual(capabilitiesFromMask('00000000a80425fb'), [...DEFAULT_CAPABILITIES].sort((a, b) => bit(a) - bit(b)))
    const host = capabilitiesFromMask('000001fffeffffff')
    assert.equal(host.length, 40)
    assert.equal(host.includes('CAP_SYS_RESOURCE'), false)
    assert.equal(host.at(-1), 'CAP_CHECKPOINT_RESTORE')
  })

  const all = capabilitiesFromMask('000001ffffffffff')
  const bit = (name: string) => all.indexOf(name)

  it('adds and drops like docker', () => {
    assert.deepEqual(containerCapabilities({}, all), DEFAULT_CAPABILITIES)
    assert.deepEqual(containerCapabilities({add: ['NET_ADMIN'], drop: ['chown', 'CAP_KILL']}, all), [
      ...DEFAULT_CAPABILITIES.filter((name) => name !== 'CAP_CHOWN' && name !== 'CAP_KILL'),
      'CAP_NET_ADMIN',
    ])
    assert.deepEqual(containerCapabilities({drop: ['ALL'], add: ['chown', 'chown']}, all), ['CAP_CHOWN'])
    assert.deepEqual(containerCapabilities({add: ['all'], drop: ['sys_admin']}, all), all.filter((name) => name !== 'CAP_SYS_ADMIN'))
    assert.deepEqual(containerCapabilities({privileged: true, drop: ['ALL']}, ['CAP_CHOWN']), ['CAP_CHOWN'])
    rejects(() => containerCapabilities({add: ['CAP_NOPE']}, all), 'invalid CapAdd: unknown capability: "CAP_NOPE"')
    rejects(() => containerCapabilities({drop: ['nope']}, all), 'invalid CapDrop: unknown capability: "CAP_NOPE"')
  })

  it('refuses one the host lacks, to add or drop, privileged too', () => {
    const host = all.filter((name) => name !== 'CAP_SYS_RESOURCE')
    const missing = 'capability not supported by your kernel or not available in the current environment: "CAP_SYS_RESOURCE"'
    rejects(() => containerCapabilities({add: ['SYS_RESOURCE']}, host), `invalid CapAdd: ${missing}`)
    rejects(() => containerCapabilities({drop: ['sys_resource']}, host), `invalid CapDrop: ${missing}`)
    rejects(() => containerCapabilities({privileged: true, add: ['CAP_SYS_RESOURCE']}, host), `invalid CapAdd: ${missing}`)
    // unknown before unavailable, CapAdd before CapDrop
    rejects(() => containerCapabilities({add: ['NOPE'], drop: ['SYS_RESOURCE']}, host), 'invalid CapAdd: unknown capability: "CAP_NOPE"')
    assert.deepEqual(containerCapabilities({add: ['ALL']}, host), host)
  })
})

describe('signals and architectures', () => {
  it('names and numbers stop signals like docker', () => {
    assert.equal(signalNumber('SIGTERM'), 15)
    assert.equal(signalNumber('kill'), 9)
    assert.equal(signalNumber('9'), 9)
    assert.equal(signalNumber('SIGRTMIN+3'), 37)
    assert.equal(signalNumber('RTMAX-1'), 63)
    assert.equal(normalizeSignal('quit'), 'SIGQUIT')
    assert.equal(normalizeSignal('15'), '15')
    // moby/sys/signal's ParseSignal takes any non-zero number; kill checks the kernel has it
    assert.equal(signalNumber('99'), 99)
    assert.equal(normalizeSignal('99'), '99')
    assert.deepEqual([isPlatformSignal(99), isPlatformSignal(32), isPlatformSignal(31), isPlatformSignal(64)], [false, false, true, true])
    rejects(() => signalNumber('SIGNOPE'), 'invalid signal: SIGNOPE')
    rejects(() => signalNumber('0'), 'invalid signal: 0')
    rejects(() => signalNumber('RTMIN+40'), 'invalid signal: RTMIN+40')
  })

  it('names the real-time signals as moby/sys/signal\'s table only: RTMIN, RTMIN+1..15, RTMAX-14..-1, RTMAX', () => {
    assert.deepEqual(['RTMIN', 'rtmin+1', 'RTMIN+15', 'RTMAX-14', 'SIGRTMAX-1', 'RTMAX'].map(signalNumber), [34, 35, 49, 50, 63, 64])
    for (const name of ['RTMIN+16', 'RTMIN+20', 'RTMAX-15', 'RTMAX-30', 'RTMIN+0', 'RTMAX-0', 'RTMIN+00', 'RTMAX-01', 'RTMIN-1', 'RTMAX+1']) {
      rejects(() => signalNumber(name), `invalid signal: ${name}`)
    }
  })

  it('maps Node architectures to Go names', () => {
    assert.equal(goArch('x64'), 'amd64')
    assert.equal(goArch('arm64'), 'arm64')
    assert.equal(goArch('ia32'), '386')
  })
})

describe('parseGpuRequest', () => {
  it("reads docker's --gpus values: the driver and capabilities its daemon's refusal names", () => {
    assert.deepEqual(parseGpuRequest('all'), {driver: '', capabilities: [['gpu']]})
    assert.deepEqual(parseGpuRequest('2'), {driver: '', capabilities: [['gpu']]})
    assert.deepEqual(parseGpuRequest('driver=nvidia,count=all,"capabilities=compute,utility",device=0,options=a=b'), {driver: 'nvidia', capabilities: [['compute', 'utility', 'gpu']]})
  })

  it("refuses what docker's CLI refuses, in its words", () => {
    rejects(() => parseGpuRequest('count=x'), 'invalid count (x): value must be either "all" or an integer: invalid syntax')
    rejects(() => parseGpuRequest('9223372036854775808'), 'invalid count (9223372036854775808): value must be either "all" or an integer: value out of range')
    rejects(() => parseGpuRequest('foo=1'), "unexpected key 'foo' in 'foo=1'")
    rejects(() => parseGpuRequest('1,count=2'), "gpu request key 'count' can be specified only once")
    rejects(() => parseGpuRequest('driver=a,driver=b'), "gpu request key 'driver' can be specified only once")
    rejects(() => parseGpuRequest('options='), 'failed to read gpu options: EOF')
    rejects(() => parseGpuRequest(''), 'EOF')
  })
})
