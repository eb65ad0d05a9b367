/**
 * Seccomp: nerd's default profile (docker's policy: deny with EPERM, allow a fixed list of system calls,
 * widen the list for granted capabilities, forbid new namespaces through clone without CAP_SYS_ADMIN)
 * and the conversion of a docker-format profile (the default one or a `--security-opt seccomp=<file>`)
 * into the spec's `linux.seccomp` for one host and one capability set.
 */
import type {Seccomp, SeccompArg, SeccompSyscall} from './oci.ts'
import {specError} from './errors.ts'

/** A profile in docker's JSON format (what `--security-opt seccomp=<file>` takes). */
export interface SeccompProfile {
  defaultAction: string
  defaultErrnoRet?: number
  architectures?: string[]
  archMap?: {architecture: string; subArchitectures: string[] | null}[]
  flags?: string[]
  syscalls?: SeccompRule[]
}

export interface SeccompRule {
  name?: string
  names?: string[]
  action: string
  errnoRet?: number
  args?: SeccompArg[] | null
  comment?: string
  includes?: SeccompCondition
  excludes?: SeccompCondition
}

/** Conditions on the host: its architecture (Go's names), the container's capabilities, a kernel version. */
export interface SeccompCondition {
  arches?: string[]
  caps?: string[]
  minKernel?: string
}

export interface SeccompHost {
  /** The host architecture in Go's naming (`amd64`, `arm64`, …), as the profile's `arches` use. */
  arch: string
  /** The container's bounding capabilities. */
  capabilities: readonly string[]
  /** `uname -r`; rules with a `minKernel` apply only when it is known and recent enough. */
  kernelVersion?: string
}

const ALLOW = 'SCMP_ACT_ALLOW'
const ERRNO = 'SCMP_ACT_ERRNO'
const EPERM = 1
const ENOSYS = 38
const AF_ALG = 38
const AF_VSOCK = 40
/** CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET */
const CLONE_NAMESPACE_FLAGS = 0x7e020000

/**
 * System calls every container may make, grouped by what they are for. 32-bit and time64 variants sit
 * beside their 64-bit forms; libseccomp ignores names an architecture lacks.
 */
const ALLOWED_SYSCALLS = `
  read write readv writev pread64 pwrite64 preadv preadv2 pwritev pwritev2 lseek _llseek sendfile sendfile64
  splice tee vmsplice copy_file_range readahead
  open openat openat2 creat close close_range dup dup2 dup3 fcntl fcntl64 flock ioctl
  stat stat64 lstat lstat64 fstat fstat64 fstatat64 newfstatat statx statfs statfs64 fstatfs fstatfs64
  statmount listmount
  access faccessat faccessat2 getcwd chdir fchdir
  mkdir mkdirat rmdir rename renameat renameat2 link linkat symlink symlinkat unlink unlinkat readlink readlinkat
  mknod mknodat chmod fchmod fchmodat fchmodat2 chown chown32 fchown fchown32 fchownat lchown lchown32 umask
  truncate truncate64 ftruncate ftruncate64 fallocate fadvise64 fadvise64_64 sync syncfs fsync fdatasync sync_file_range
  getdents getdents64 utime utimes utimensat utimensat_time64 futimesat
  getxattr lgetxattr fgetxattr getxattrat setxattr lsetxattr fsetxattr setxattrat listxattr llistxattr flistxattr listxattrat
  removexattr lremovexattr fremovexattr removexattrat
  inotify_init inotify_init1 inotify_add_watch inotify_rm_watch fanotify_mark name_to_handle_at
  io_setup io_destroy io_submit io_cancel io_getevents io_pgetevents io_pgetevents_time64
  ioprio_get ioprio_set
  select _newselect pselect6 pselect6_time64 poll ppoll ppoll_time64
  epoll_create epoll_create1 epoll_ctl epoll_ctl_old epoll_wait epoll_wait_old epoll_pwait epoll_pwait2
  eventfd eventfd2 signalfd signalfd4 timerfd_create timerfd_settime timerfd_settime64 timerfd_gettime timerfd_gettime64
  pipe pipe2 memfd_create memfd_secret
  brk mmap mmap2 munmap mremap mprotect madvise mincore msync mlock mlock2 mlockall munlock munlockall mseal
  remap_file_pages membarrier pkey_alloc pkey_free pkey_mprotect map_shadow_stack cachestat
  execve execveat exit exit_group fork vfork wait4 waitid waitpid kill tkill tgkill pidfd_open pidfd_send_signal
  process_mrelease restart_syscall pause prctl capget capset uretprobe riscv_hwprobe
  getpid getppid gettid getpgid setpgid getpgrp getsid setsid getpriority setpriority
  getuid getuid32 geteuid geteuid32 getgid getgid32 getegid getegid32 getresuid getresuid32 getresgid getresgid32
  setuid setuid32 setgid setgid32 setreuid setreuid32 setregid setregid32 setresuid setresuid32 setresgid setresgid32
  setfsuid setfsuid32 setfsgid setfsgid32 getgroups getgroups32 setgroups setgroups32
  getrlimit ugetrlimit setrlimit prlimit64 getrusage times sysinfo uname getcpu getrandom
  rt_sigaction rt_sigprocmask rt_sigpending rt_sigqueueinfo rt_tgsigqueueinfo rt_sigreturn rt_sigsuspend
  rt_sigtimedwait rt_sigtimedwait_time64 sigaltstack sigprocmask sigreturn
  futex futex_time64 futex_waitv futex_wait futex_wake futex_requeue
  set_robust_list get_robust_list set_tid_address get_thread_area set_thread_area rseq
  sched_yield sched_getaffinity sched_setaffinity sched_getattr sched_setattr sched_getparam sched_setparam
  sched_getscheduler sched_setscheduler sched_get_priority_max sched_get_priority_min
  sched_rr_get_interval sched_rr_get_interval_time64
  time gettimeofday clock_gettime clock_gettime64 clock_getres clock_getres_time64 clock_nanosleep
  clock_nanosleep_time64 nanosleep alarm getitimer setitimer adjtimex clock_adjtime clock_adjtime64
  timer_create timer_delete timer_getoverrun timer_gettime timer_gettime64 timer_settime timer_settime64
  socketcall socketpair bind connect listen accept accept4 getsockname getpeername getsockopt setsockopt shutdown
  send sendto sendmsg sendmmsg recv recvfrom recvmsg recvmmsg recvmmsg_time64
  ipc msgget msgsnd msgrcv msgctl semget semop semtimedop semtimedop_time64 semctl shmget shmat shmdt shmctl
  mq_open mq_unlink mq_timedsend mq_timedsend_time64 mq_timedreceive mq_timedreceive_time64 mq_notify mq_getsetattr
  landlock_create_ruleset landlock_add_rule landlock_restrict_self seccomp
`
  .split(/\s+/)
  .filter((name) => name !== '')

/** Execution domains `personality(2)` may select: PER_LINUX, UNAME26, PER_LINUX32 and their mix, and a query. */
const ALLOWED_PERSONALITIES = [0x0, 0x8, 0x20000, 0x20008, 0xffffffff]

/** What each capability unlocks beyond the common list. */
const CAPABILITY_SYSCALLS: Record<string, string> = {
  CAP_DAC_READ_SEARCH: 'open_by_handle_at',
  CAP_SYS_ADMIN:
    'bpf clone clone3 fanotify_init fsconfig fsmount fsopen fspick lookup_dcookie lsm_get_self_attr lsm_list_modules ' +
    'lsm_set_self_attr mount mount_setattr move_mount ' +
    'open_tree perf_event_open quotactl quotactl_fd setdomainname sethostname setns syslog umount umount2 unshare',
  CAP_SYS_BOOT: 'reboot',
  CAP_SYS_CHROOT: 'chroot',
  CAP_SYS_MODULE: 'delete_module init_module finit_module',
  CAP_SYS_PACCT: 'acct',
  CAP_SYS_PTRACE: 'kcmp pidfd_getfd process_madvise process_vm_readv process_vm_writev ptrace',
  CAP_SYS_RAWIO: 'iopl ioperm',
  CAP_SYS_TIME: 'settimeofday stime clock_settime clock_settime64',
  CAP_SYS_TTY_CONFIG: 'vhangup',
  CAP_SYS_NICE: 'get_mempolicy mbind set_mempolicy set_mempolicy_home_node',
  CAP_SYSLOG: 'syslog',
  CAP_BPF: 'bpf',
  CAP_PERFMON: 'perf_event_open',
}

/** Architecture-specific calls, keyed by the architectures (Go names) that have them. */
const ARCH_SYSCALLS: [arches: string[], names: string][] = [
  [['ppc64le'], 'sync_file_range2 swapcontext'],
  [['arm', 'arm64'], 'arm_fadvise64_64 arm_sync_file_range sync_file_range2 breakpoint cacheflush set_tls'],
  [['amd64', 'x32'], 'arch_prctl'],
  [['amd64', 'x32', 'x86'], 'modify_ldt'],
  [['s390', 's390x'], 's390_pci_mmio_read s390_pci_mmio_write s390_runtime_instr'],
  [['riscv64'], 'riscv_flush_icache'],
]

/** The native seccomp architecture of each host architecture, followed by the compat ABIs it also runs. */
const ARCH_MAP: {architecture: string; subArchitectures: string[] | null}[] = [
  {architecture: 'SCMP_ARCH_X86_64', subArchitectures: ['SCMP_ARCH_X86', 'SCMP_ARCH_X32']},
  {architecture: 'SCMP_ARCH_AARCH64', subArchitectures: ['SCMP_ARCH_ARM']},
  {architecture: 'SCMP_ARCH_MIPS64', subArchitectures: ['SCMP_ARCH_MIPS', 'SCMP_ARCH_MIPS64N32']},
  {architecture: 'SCMP_ARCH_MIPS64N32', subArchitectures: ['SCMP_ARCH_MIPS', 'SCMP_ARCH_MIPS64']},
  {architecture: 'SCMP_ARCH_MIPSEL64', subArchitectures: ['SCMP_ARCH_MIPSEL', 'SCMP_ARCH_MIPSEL64N32']},
  {architecture: 'SCMP_ARCH_MIPSEL64N32', subArchitectures: ['SCMP_ARCH_MIPSEL', 'SCMP_ARCH_MIPSEL64']},
  {architecture: 'SCMP_ARCH_S390X', subArchitectures: ['SCMP_ARCH_S390']},
  {architecture: 'SCMP_ARCH_RISCV64', subArchitectures: null},
  {architecture: 'SCMP_ARCH_LOONGARCH64', subArchitectures: null},
]

/** Seccomp's name for each Go architecture. */
const NATIVE_SECCOMP_ARCH: Record<string, string> = {
  '386': 'SCMP_ARCH_X86',
  amd64: 'SCMP_ARCH_X86_64',
  arm: 'SCMP_ARCH_ARM',
  arm64: 'SCMP_ARCH_AARCH64',
  mips: 'SCMP_ARCH_MIPS',
  mipsle: 'SCMP_ARCH_MIPSEL',
  mips64: 'SCMP_ARCH_MIPS64',
  mips64le: 'SCMP_ARCH_MIPSEL64',
  ppc64: 'SCMP_ARCH_PPC64',
  ppc64le: 'SCMP_ARCH_PPC64LE',
  riscv64: 'SCMP_ARCH_RISCV64',
  loong64: 'SCMP_ARCH_LOONGARCH64',
  s390: 'SCMP_ARCH_S390',
  s390x: 'SCMP_ARCH_S390X',
}

const words = (list: string) => list.split(' ')

/** nerd's default profile, in docker's format, before it is narrowed to a host and a capability set. */
export function defaultSeccompProfile(): SeccompProfile {
  const syscalls: SeccompRule[] = [
    {names: [...ALLOWED_SYSCALLS], action: ALLOW},
    // Reading another process's memory was a seccomp bypass before Linux 4.8.
    {names: words('process_vm_readv process_vm_writev ptrace'), action: ALLOW, includes: {minKernel: '4.8'}},
    // Every family but AF_ALG (the kernel's crypto API, a needless attack surface) and AF_VSOCK (whose
    // sockets reach the hypervisor). Conditions of one rule on one argument must all hold, so the
    // families allowed are given as three ranges.
    {names: ['socket'], action: ALLOW, args: [{index: 0, value: AF_ALG, op: 'SCMP_CMP_LT'}]},
    {names: ['socket'], action: ALLOW, args: [{index: 0, value: AF_ALG + 1, op: 'SCMP_CMP_EQ'}]},
    {names: ['socket'], action: ALLOW, args: [{index: 0, value: AF_VSOCK, op: 'SCMP_CMP_GT'}]},
    ...ALLOWED_PERSONALITIES.map(
      (persona): SeccompRule => ({names: ['personality'], action: ALLOW, args: [{index: 0, value: persona, op: 'SCMP_CMP_EQ'}]}),
    ),
    ...ARCH_SYSCALLS.map(([arches, names]): SeccompRule => ({names: words(names), action: ALLOW, includes: {arches}})),
    ...Object.entries(CAPABILITY_SYSCALLS).map(
      ([capability, names]): SeccompRule => ({names: words(names), action: ALLOW, includes: {caps: [capability]}}),
    ),
    // Without CAP_SYS_ADMIN, clone may not create namespaces (s390 passes the flags second).
    {
      names: ['clone'],
      action: ALLOW,
      args: [{index: 0, value: CLONE_NAMESPACE_FLAGS, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ'}],
      excludes: {caps: ['CAP_SYS_ADMIN'], arches: ['s390', 's390x']},
    },
    {
      names: ['clone'],
      action: ALLOW,
      args: [{index: 1, value: CLONE_NAMESPACE_FLAGS, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ'}],
      includes: {arches: ['s390', 's390x']},
      excludes: {caps: ['CAP_SYS_ADMIN']},
    },
    // clone3 passes its flags in memory seccomp cannot read: make it look absent so libc falls back to clone.
    {names: ['clone3'], action: ERRNO, errnoRet: ENOSYS, excludes: {caps: ['CAP_SYS_ADMIN']}},
  ]
  return {defaultAction: ERRNO, defaultErrnoRet: EPERM, archMap: ARCH_MAP, syscalls}
}

/**
 * The spec's seccomp section for a profile on one host: the architectures of the host's entry in
 * `archMap` (or the profile's `architectures`), and the rules whose conditions hold.
 */
export function seccompForSpec(profile: SeccompProfile, host: SeccompHost): Seccomp {
  if (profile.architectures?.length && profile.archMap?.length) {
    throw specError("both 'architectures' and 'archMap' are specified in the seccomp profile, use either 'architectures' or 'archMap'")
  }
  const seccomp: Seccomp = {
    defaultAction: profile.defaultAction,
    architectures: architecturesFor(profile, host.arch),
    syscalls: [],
  }
  if (profile.defaultErrnoRet !== undefined) seccomp.defaultErrnoRet = profile.defaultErrnoRet
  if (profile.flags?.length) seccomp.flags = [...profile.flags]
  for (const rule of profile.syscalls ?? []) {
    if (rule.name && rule.names?.length) {
      throw specError("both 'name' and 'names' are specified in the seccomp profile, use either 'name' or 'names'")
    }
    if (!applies(rule, host)) continue
    const syscall: SeccompSyscall = {names: rule.name ? [rule.name] : [...(rule.names ?? [])], action: rule.action}
    if (rule.errnoRet !== undefined) syscall.errnoRet = rule.errnoRet
    if (rule.args?.length) syscall.args = rule.args.map((arg) => ({...arg}))
    seccomp.syscalls.push(syscall)
  }
  return seccomp
}

function architecturesFor(profile: SeccompProfile, arch: string): string[] {
  if (!profile.archMap?.length) return [...(profile.architectures ?? [])]
  const native = NATIVE_SECCOMP_ARCH[arch]
  const entry = profile.archMap.find((candidate) => candidate.architecture === native)
  return entry ? [entry.architecture, ...(entry.subArchitectures ?? [])] : []
}

function applies(rule: SeccompRule, host: SeccompHost): boolean {
  const {includes = {}, excludes = {}} = rule
  if (excludes.arches?.includes(host.arch)) return false
  if (excludes.caps?.some((capability) => host.capabilities.includes(capability))) return false
  if (excludes.minKernel !== undefined && kernelAtLeast(host.kernelVersion, excludes.minKernel)) return false
  if (includes.arches?.length && !includes.arches.includes(host.arch)) return false
  if (includes.caps?.length && !includes.caps.every((capability) => host.capabilities.includes(capability))) return false
  if (includes.minKernel !== undefined && !kernelAtLeast(host.kernelVersion, includes.minKernel)) return false
  return true
}

/**
 * Whether `6.1.0-18-amd64` is at least `4.8` (an empty minimum, as docker's 0.0, is always met); an
 * unknown version is not.
 */
function kernelAtLeast(version: string | undefined, minimum: string): boolean {
  if (minimum === '') return true
  if (version === undefined) return false
  const have = /^(\d+)\.(\d+)/.exec(version)
  const want = /^(\d+)\.(\d+)/.exec(minimum)
  if (!have || !want) return false
  const [haveMajor, haveMinor] = [Number(have[1]), Number(have[2])]
  const [wantMajor, wantMinor] = [Number(want[1]), Number(want[2])]
  return haveMajor > wantMajor || (haveMajor === wantMajor && haveMinor >= wantMinor)
}
