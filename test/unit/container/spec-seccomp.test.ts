import {describe, it} from 'node:test'
import assert from 'node:assert/strict'
import {DEFAULT_CAPABILITIES, defaultSeccompProfile, parseSeccompProfile, seccompForSpec} from '../../../src/container/spec/index.ts'
import type {Seccomp, SeccompHost} from '../../../src/container/spec/index.ts'
import {NerdError} from '../../../src/errors.ts'

/**
 * What the filter does with a call, the way libseccomp resolves it for these profiles: a rule without
 * argument conditions decides; otherwise a rule whose conditions all hold; otherwise the default.
 */
function actionFor(seccomp: Seccomp, name: string, args: number[] = []): {action: string; errno?: number} {
  const rules = seccomp.syscalls.filter((rule) => rule.names.includes(name))
  const holds = (rule: (typeof rules)[number]) =>
    (rule.args ?? []).every(({index, value, valueTwo, op}) => {
      const arg = BigInt(args[index] ?? 0)
      const wanted = BigInt(value)
      switch (op) {
        case 'SCMP_CMP_EQ':
          return arg === wanted
        case 'SCMP_CMP_NE':
          return arg !== wanted
        case 'SCMP_CMP_LT':
          return arg < wanted
        case 'SCMP_CMP_GT':
          return arg > wanted
        case 'SCMP_CMP_MASKED_EQ':
          return (arg & wanted) === BigInt(valueTwo ?? 0)
        default:
          throw new Error(`operator ${op} not modelled`)
      }
    })
  const rule = rules.find((candidate) => !candidate.args?.length) ?? rules.find(holds)
  if (rule) return {action: rule.action, errno: rule.errnoRet}
  return {action: seccomp.defaultAction, errno: seccomp.defaultErrnoRet}
}

const allowed = (seccomp: Seccomp, name: string, args?: number[]) => actionFor(seccomp, name, args).action === 'SCMP_ACT_ALLOW'

const amd64: SeccompHost = {arch: 'amd64', capabilities: DEFAULT_CAPABILITIES, kernelVersion: '6.1.0-18-amd64'}
const CLONE_NEWUSER = 0x10000000
const CLONE_THREAD_FLAGS = 0x3d0f00

describe('default seccomp profile', () => {
  const seccomp = seccompForSpec(defaultSeccompProfile(), amd64)

  it('denies with EPERM by default and covers the x86 ABIs on amd64', () => {
    assert.equal(seccomp.defaultAction, 'SCMP_ACT_ERRNO')
    assert.equal(seccomp.defaultErrnoRet, 1)
    assert.deepEqual(seccomp.architectures, ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'])
  })

  it('covers arm on arm64, and nothing it does not know', () => {
    const arm64 = seccompForSpec(defaultSeccompProfile(), {...amd64, arch: 'arm64'})
    assert.deepEqual(arm64.architectures, ['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM'])
    assert.equal(allowed(arm64, 'cacheflush'), true)
    assert.equal(allowed(arm64, 'arch_prctl'), false)
    assert.deepEqual(seccompForSpec(defaultSeccompProfile(), {...amd64, arch: 'ppc64le'}).architectures, [])
    assert.deepEqual(seccompForSpec(defaultSeccompProfile(), {...amd64, arch: 'loong64'}).architectures, ['SCMP_ARCH_LOONGARCH64'])
  })

  it('allows everyday calls', () => {
    for (const name of ['read', 'write', 'openat', 'execve', 'futex', 'epoll_wait', 'arch_prctl', 'rseq', 'getrandom']) {
      assert.equal(allowed(seccomp, name), true, name)
    }
  })

  it('denies administration calls without capabilities', () => {
    for (const name of ['mount', 'umount2', 'keyctl', 'add_key', 'unshare', 'setns', 'reboot', 'init_module', 'bpf', 'kexec_load']) {
      assert.equal(allowed(seccomp, name), false, name)
    }
  })

  it('allows clone for threads and processes but not for new namespaces', () => {
    assert.equal(allowed(seccomp, 'clone', [CLONE_THREAD_FLAGS]), true)
    assert.equal(allowed(seccomp, 'clone', [CLONE_NEWUSER | CLONE_THREAD_FLAGS]), false)
  })

  it('makes clone3 look unimplemented, so that libc falls back to clone', () => {
    assert.deepEqual(actionFor(seccomp, 'clone3'), {action: 'SCMP_ACT_ERRNO', errno: 38})
  })

  it('allows socket for every family but AF_ALG and AF_VSOCK', () => {
    for (const family of [1, 2, 10, 16, 37, 39, 41, 45]) assert.equal(allowed(seccomp, 'socket', [family]), true, `family ${family}`)
    assert.equal(allowed(seccomp, 'socket', [38]), false)
    assert.equal(allowed(seccomp, 'socket', [40]), false)
  })

  it("denies io_uring, as docker's default does since 25", () => {
    for (const name of ['io_uring_setup', 'io_uring_enter', 'io_uring_register']) assert.equal(allowed(seccomp, name), false, name)
  })

  it("allows the calls of recent kernels docker's default allows", () => {
    const recent = 'fchmodat2 cachestat map_shadow_stack futex_wake futex_wait futex_requeue statmount listmount mseal ' +
      'setxattrat getxattrat listxattrat removexattrat uretprobe riscv_hwprobe'
    for (const name of recent.split(' ')) assert.equal(allowed(seccomp, name), true, name)
  })

  it('allows the lsm_* calls only with CAP_SYS_ADMIN', () => {
    const admin = seccompForSpec(defaultSeccompProfile(), {...amd64, capabilities: [...DEFAULT_CAPABILITIES, 'CAP_SYS_ADMIN']})
    for (const name of ['lsm_get_self_attr', 'lsm_set_self_attr', 'lsm_list_modules']) {
      assert.equal(allowed(seccomp, name), false, name)
      assert.equal(allowed(admin, name), true, name)
    }
  })

  it('allows the personalities programs query or set, and no others', () => {
    assert.equal(allowed(seccomp, 'personality', [0xffffffff]), true)
    assert.equal(allowed(seccomp, 'personality', [0x0008]), true)
    assert.equal(allowed(seccomp, 'personality', [0x0040000]), false)
  })

  it('allows ptrace only on kernels from 4.8, or with CAP_SYS_PTRACE', () => {
    assert.equal(allowed(seccomp, 'ptrace'), true)
    const old = seccompForSpec(defaultSeccompProfile(), {...amd64, kernelVersion: '4.4.0-210-generic'})
    assert.equal(allowed(old, 'ptrace'), false)
    const unknown = seccompForSpec(defaultSeccompProfile(), {...amd64, kernelVersion: undefined})
    assert.equal(allowed(unknown, 'ptrace'), false)
    assert.equal(allowed(unknown, 'process_vm_readv'), false)
    const traced = seccompForSpec(defaultSeccompProfile(), {...amd64, kernelVersion: undefined, capabilities: [...DEFAULT_CAPABILITIES, 'CAP_SYS_PTRACE']})
    assert.equal(allowed(traced, 'ptrace'), true)
    assert.equal(allowed(traced, 'kcmp'), true)
  })

  it('CAP_SYS_ADMIN allows mount, namespaces and clone3', () => {
    const admin = seccompForSpec(defaultSeccompProfile(), {...amd64, capabilities: [...DEFAULT_CAPABILITIES, 'CAP_SYS_ADMIN']})
    for (const name of ['mount', 'umount2', 'unshare', 'setns', 'sethostname', 'clone3']) assert.equal(allowed(admin, name), true, name)
    assert.equal(allowed(admin, 'clone', [CLONE_NEWUSER]), true)
    assert.equal(admin.syscalls.some((rule) => rule.names.includes('clone3') && rule.action !== 'SCMP_ACT_ALLOW'), false)
    assert.equal(allowed(admin, 'keyctl'), false)
  })

  it('maps other capabilities to their calls', () => {
    const cases: [string, string][] = [
      ['CAP_SYS_TIME', 'settimeofday'],
      ['CAP_SYS_MODULE', 'finit_module'],
      ['CAP_SYS_BOOT', 'reboot'],
      ['CAP_DAC_READ_SEARCH', 'open_by_handle_at'],
      ['CAP_SYS_NICE', 'mbind'],
      ['CAP_BPF', 'bpf'],
    ]
    for (const [capability, name] of cases) {
      const granted = seccompForSpec(defaultSeccompProfile(), {...amd64, capabilities: [...DEFAULT_CAPABILITIES, capability]})
      assert.equal(allowed(seccomp, name), false, `${name} without ${capability}`)
      assert.equal(allowed(granted, name), true, `${name} with ${capability}`)
    }
  })

  it('CAP_SYS_CHROOT, in the default set, allows chroot; dropping it does not', () => {
    assert.equal(allowed(seccomp, 'chroot'), true)
    const dropped = seccompForSpec(defaultSeccompProfile(), {...amd64, capabilities: DEFAULT_CAPABILITIES.filter((name) => name !== 'CAP_SYS_CHROOT')})
    assert.equal(allowed(dropped, 'chroot'), false)
  })

  it('clone on s390x checks the second argument', () => {
    const s390x = seccompForSpec(defaultSeccompProfile(), {...amd64, arch: 's390x'})
    const clones = s390x.syscalls.filter((rule) => rule.names.includes('clone'))
    assert.deepEqual(clones.map((rule) => rule.args?.[0].index), [1])
    assert.deepEqual(s390x.architectures, ['SCMP_ARCH_S390X', 'SCMP_ARCH_S390'])
  })

  it('is JSON runc reads: names, actions and argument operators only', () => {
    for (const rule of seccomp.syscalls) {
      assert.ok(rule.names.length > 0)
      assert.match(rule.action, /^SCMP_ACT_/)
      assert.deepEqual(Object.keys(rule).filter((key) => !['names', 'action', 'errnoRet', 'args'].includes(key)), [])
    }
  })
})

describe('custom seccomp profiles', () => {
  it('keeps architectures and rules, filtering conditions', () => {
    const profile = parseSeccompProfile(
      JSON.stringify({
        defaultAction: 'SCMP_ACT_ALLOW',
        architectures: ['SCMP_ARCH_X86_64'],
        syscalls: [
          {name: 'mkdir', action: 'SCMP_ACT_ERRNO', errnoRet: 13},
          {names: ['chmod'], action: 'SCMP_ACT_ERRNO', includes: {caps: ['CAP_SYS_ADMIN']}},
        ],
      }),
    )
    assert.ok(profile)
    assert.deepEqual(seccompForSpec(profile, amd64), {
      defaultAction: 'SCMP_ACT_ALLOW',
      architectures: ['SCMP_ARCH_X86_64'],
      syscalls: [{names: ['mkdir'], action: 'SCMP_ACT_ERRNO', errnoRet: 13}],
    })
  })

  it('keeps a 64-bit argument of a profile file exact', () => {
    const profile = parseSeccompProfile(
      '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir"],"action":"SCMP_ACT_ERRNO","args":[{"index":2,"value":18446744073709551615,"valueTwo":0,"op":"SCMP_CMP_NE"}]}]}',
    )
    assert.ok(profile)
    const seccomp = seccompForSpec(profile, amd64)
    assert.deepEqual(seccomp.syscalls.find((rule) => rule.names.includes('mkdir'))?.args, [{index: 2, value: 18446744073709551615n, valueTwo: 0, op: 'SCMP_CMP_NE'}])
  })

  it('refuses both architectures and archMap, both name and names, and broken JSON', () => {
    const both = {defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_X86_64'], archMap: [{architecture: 'SCMP_ARCH_X86_64', subArchitectures: null}]}
    assert.throws(() => seccompForSpec(both, amd64), {
      message: "both 'architectures' and 'archMap' are specified in the seccomp profile, use either 'architectures' or 'archMap'",
    })
    const names = {defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{name: 'a', names: ['b'], action: 'SCMP_ACT_ALLOW'}]}
    assert.throws(() => seccompForSpec(names, amd64), {
      message: "both 'name' and 'names' are specified in the seccomp profile, use either 'name' or 'names'",
    })
    assert.throws(() => parseSeccompProfile('{'), (error: unknown) => error instanceof NerdError && error.exitCode === 125)
  })

  const decodingFailed = (text: string, message: string) =>
    assert.throws(() => parseSeccompProfile(text), (error: unknown) => {
      assert.ok(error instanceof NerdError)
      assert.equal(error.message, `Decoding seccomp profile failed: ${message}`)
      return true
    })
  const rules = (text: string) => seccompForSpec(parseSeccompProfile(text)!, amd64).syscalls

  it('takes no default action and no rules as no filter, as docker', () => {
    for (const text of ['{}', '{"syscalls":[]}', 'null', '{"defaultAction":null,"syscalls":null}']) assert.equal(parseSeccompProfile(text), undefined, text)
  })

  it('decodes as Go would: nulls as nothing, keys in any case, unknown keys ignored', () => {
    const mkdir = '"names":["mkdir"],"action":"SCMP_ACT_ERRNO"'
    for (const condition of ['"includes":null', '"excludes":null', '"includes":{"minKernel":null}', '"excludes":{"caps":null,"arches":null}']) {
      assert.deepEqual(rules(`{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{${mkdir},${condition}}]}`), [{names: ['mkdir'], action: 'SCMP_ACT_ERRNO'}], condition)
    }
    const profile = parseSeccompProfile('{"DefaultAction":"SCMP_ACT_ALLOW","SysCalls":[{"NAMES":["mkdir"],"action":"SCMP_ACT_ERRNO","shiny":1}],"other":[]}')
    assert.deepEqual(profile, {defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{names: ['mkdir'], action: 'SCMP_ACT_ERRNO'}]})
    // an empty minKernel is docker's 0.0, met by any kernel: the rule it excludes is gone
    assert.deepEqual(rules(`{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{${mkdir},"excludes":{"minKernel":""}}]}`), [])
  })

  it('refuses values of the wrong type in Go encoding/json words', () => {
    decodingFailed('[]', 'json: cannot unmarshal array into Go value of type seccomp.Seccomp')
    decodingFailed('{"defaultAction":5}', 'json: cannot unmarshal number into Go struct field Seccomp.LinuxSeccomp.defaultAction of type specs.LinuxSeccompAction')
    decodingFailed('{"defaultAction":"SCMP_ACT_ALLOW","syscalls":{}}', 'json: cannot unmarshal object into Go struct field Seccomp.syscalls of type []*seccomp.Syscall')
    decodingFailed(
      '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":"mkdir","errnoRet":-1}]}',
      'json: cannot unmarshal string into Go struct field Syscall.syscalls.LinuxSyscall.names of type []string',
    )
    decodingFailed('{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"errnoRet":1.5}]}', 'json: cannot unmarshal number 1.5 into Go struct field Syscall.syscalls.LinuxSyscall.errnoRet of type uint')
    decodingFailed('{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"includes":{"caps":[true]}}]}', 'json: cannot unmarshal bool into Go struct field Filter.syscalls.includes.caps of type string')
    decodingFailed('{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[null]}', 'syscall rule 0 is null')
  })

  it('refuses a minKernel docker cannot read, at once, rather than dropping its rule', () => {
    const minKernel = (value: string) => `{"syscalls":{},"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir"],"action":"SCMP_ACT_ERRNO","includes":{"minKernel":${value}}}]}`
    decodingFailed(minKernel('"4.x"'), 'invalid kernel version: "4.x", expected "<kernel>.<major>": strconv.ParseUint: parsing "x": invalid syntax')
    decodingFailed(minKernel('"4.8.1"'), 'invalid kernel version: "4.8.1", expected "<kernel>.<major>"')
    decodingFailed(minKernel('4.8'), 'invalid kernel version: 4.8, expected "<kernel>.<major>": json: cannot unmarshal number into Go value of type string')
    decodingFailed(minKernel('"0.0"'), 'invalid kernel version: "0.0", expected "<kernel>.<major>": version cannot be 0.0')
    decodingFailed(minKernel('"4.256"'), 'invalid kernel version: "4.256", expected "<kernel>.<major>": strconv.ParseUint: parsing "256": value out of range')
    // Go's decoding stops at the bad version, ahead of an earlier type error
    decodingFailed(`{"defaultAction":1,${minKernel('"4."').slice(1)}`, 'invalid kernel version: "4.", expected "<kernel>.<major>": strconv.ParseUint: parsing "": invalid syntax')
    assert.deepEqual(rules(minKernel('"4.8"')), [{names: ['mkdir'], action: 'SCMP_ACT_ERRNO'}])
  })
})
