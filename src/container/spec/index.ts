/** The OCI runtime spec of `nerd run`/`create` containers, and the flag parsers that feed it. */
export {buildSpec, daemonEnvironment, DEFAULT_APPARMOR_PROFILE, envKey, replaceOrAppendEnv} from './build.ts'
export {capabilitiesFromMask, containerCapabilities, requestedCapabilities, DEFAULT_CAPABILITIES, KNOWN_CAPABILITIES} from './capabilities.ts'
export {
  checkVolumeSpec,
  isIpcSysctl,
  mergeTmpfsOptions,
  networkNamespace,
  parseCgroupnsMode,
  parseDevice,
  parseEnvFile,
  parseGpuRequest,
  parseIpcMode,
  checkMount,
  parseMount,
  parsePidMode,
  parseSecurityOpts,
  parseSysctl,
  parseTmpfs,
  parseUlimit,
  parseUtsMode,
  parseVolumeSpec,
  parseVolumesFrom,
} from './flags.ts'
export {DEFAULT_SHM_SIZE, ETC_FILE_PATHS, INIT_PATH, isConfigVolume, volumesToResolve} from './mounts.ts'
export {goArch} from './host.ts'
export type * from './oci.ts'
export {defaultSeccompProfile, seccompForSpec} from './seccomp.ts'
export {parseSeccompProfile} from './seccomp-profile.ts'
export type {SeccompCondition, SeccompHost, SeccompProfile, SeccompRule} from './seccomp.ts'
export {defaultMemorySwap, supportedBlkio} from './resources.ts'
export {commandSignal, isPlatformSignal, normalizeSignal, signalNumber} from './signals.ts'
export type * from './types.ts'
export {formatTmpfsSize, parseCpus, parseSwapBytes} from './units.ts'
export {parseGroup, parsePasswd, resolveUser} from './user.ts'
export type {GroupEntry, PasswdEntry, ResolvedUser} from './user.ts'
